"""Record the demo's lineage, models and evidence in a workspace through the SDK."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._scenario import Files

if TYPE_CHECKING:
    from govern.workspace import Workspace

EVAL_MAPPING = {"label": "outcome", "prediction": "prediction", "score": "score", "sensitive": ["sex", "race"]}
MODELS = {
    "credit-risk-gbm@1": "train-gbm-2024-03",
    "credit-risk-lr@1": "train-lr-2024-03",
}


CARDS = {"credit-risk-gbm": "credit-risk-gbm.md", "credit-risk-lr": "credit-risk-lr.json"}


def demo_card(name: str, version: str) -> dict[str, Any]:
    """The shipped demo model card of ``name`` (Hugging Face or Model Card Toolkit format), as stored."""
    from govern.cards import load_card
    from govern.core import resource_path

    card = load_card(resource_path("model_cards", CARDS[name])).model_dump(mode="json", exclude_none=True)
    card.setdefault("model_details", {})["version"] = version
    return card


def register(
    ws: Workspace,
    ref: str,
    run: str,
    *,
    owner: str = "bob",
    card: dict[str, Any] | None = None,
    replaces: str | None = None,
) -> dict[str, Any]:
    from govern.core import parse_ref
    from govern.lineage import ModelSpec

    parsed = parse_ref(ref)
    assert parsed.version is not None
    return ws.register_model(
        ModelSpec(
            name=parsed.name,
            version=parsed.version,
            run=run,
            framework="sklearn",
            owner=owner,
            tags={"use_case": "credit"},
            use_case="credit",
            card=card if card is not None else demo_card(parsed.name, parsed.version),
            replaces=parse_ref(replaces) if replaces else None,
        )
    )


def populate(ws: Workspace, files: Files) -> None:
    """Lineage, both candidate models (owner ``bob``), and their evidence."""
    ws.ingest([files.manifest])
    register(ws, "credit-risk-gbm@1", MODELS["credit-risk-gbm@1"])
    register(ws, "credit-risk-lr@1", MODELS["credit-risk-lr@1"])
    for ref, model, evaluation in (
        ("credit-risk-gbm@1", files.gbm_model, files.gbm_eval),
        ("credit-risk-lr@1", files.lr_model, files.lr_eval),
    ):
        ws.add_evidence(ref, "evaluation", evaluation, mapping=EVAL_MAPPING)
        ws.add_evidence(ref, "model", model)
        ws.add_evidence(ref, "reference", files.reference)
    ws.add_evidence("credit-risk-lr@1", "explanation", files.lr_explanation)
