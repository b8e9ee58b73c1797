"""Routes: models (register, get, list), lineage (show, impact), evidence upload, gates."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile

from govern.core import EvidenceRole, PermissionDenied, parse_ref

from ._auth import OWN_MODELS_ONLY, check_owner
from ._codes import OWNER_MISMATCH
from ._deps import Caller, requires
from ._schemas import ModelRegistration, PromoteRequest

router = APIRouter()


def own(caller: Caller, ref: str) -> None:
    """Object-level check: a model_owner may only touch its own model versions (404 otherwise)."""
    if caller.principal.role in OWN_MODELS_ONLY:  # skip the lookup for everyone else
        check_owner(caller.principal, caller.ws.model(ref).get("owner"), f"model {ref}")


@router.get("/models", tags=["models"], summary="Registered model versions, newest first")
def list_models(
    stage: str | None = Query(None, max_length=32),
    name: str | None = Query(None, max_length=512),
    caller: Caller = requires("models.read"),
) -> list[dict[str, Any]]:
    owner = caller.name if caller.principal.role in OWN_MODELS_ONLY else None
    return caller.ws.models(owner=owner, stage=stage, name=name)  # type: ignore[no-any-return]


@router.post("/models", status_code=201, tags=["models"], summary="Register a model version (tier computed)")
def register_model(body: ModelRegistration, caller: Caller = requires("models.register")) -> dict[str, Any]:
    from govern.lineage import ModelSpec

    owner = body.owner
    if caller.principal.role in OWN_MODELS_ONLY:
        if owner not in (None, caller.name):
            raise PermissionDenied(OWNER_MISMATCH, f"a model_owner registers models as itself ({caller.name})")
        owner = caller.name
    spec = ModelSpec(
        name=body.name,
        version=body.version,
        run=body.run.removeprefix("run:") if body.run else None,
        framework=body.framework,
        artifact_digest=body.artifact_digest,
        owner=owner,
        tags=dict(body.tags),
        use_case=body.tags.get("use_case"),
        card=body.card,
        replaces=parse_ref(body.replaces) if body.replaces else None,
    )
    return caller.ws.register_model(spec)  # type: ignore[no-any-return]


@router.get("/models/{ref}", tags=["models"], summary="One model version: owner, stage, tier, tags, card")
def get_model(ref: str, caller: Caller = requires("models.read")) -> dict[str, Any]:
    model = caller.ws.model(ref)
    check_owner(caller.principal, model.get("owner"), f"model {ref}")
    return model  # type: ignore[no-any-return]


@router.get("/lineage/{ref:path}/impact", tags=["lineage"], summary="Model versions downstream of a dataset or feature")
def impact(ref: str, caller: Caller = requires("lineage.read")) -> list[dict[str, Any]]:
    models = caller.ws.impact(ref)
    if caller.principal.role in OWN_MODELS_ONLY:
        models = [m for m in models if m.owner == caller.name]
    return [
        {"model": m.ref, "stage": m.stage, "tier": m.tier, "owner": m.owner, "distance": m.distance} for m in models
    ]


@router.get("/lineage/{ref:path}", tags=["lineage"], summary="Lineage subgraph upstream or downstream of REF")
def lineage(
    ref: str,
    direction: Literal["upstream", "downstream"] = "upstream",
    depth: int | None = Query(None, ge=0, le=1000),
    caller: Caller = requires("lineage.read"),
) -> dict[str, Any]:
    if parse_ref(ref, default_kind="model").kind == "model":
        own(caller, ref)
    return caller.ws.lineage(ref, direction, depth=depth).to_dict()  # type: ignore[no-any-return]


@router.post(
    "/models/{ref}/evidence",
    status_code=201,
    tags=["evidence"],
    summary="Upload an evidence file (multipart), stored content-addressed",
)
def add_evidence(
    ref: str,
    role: EvidenceRole = Form(...),
    file: UploadFile = File(...),
    label: str | None = Form(None),
    prediction: str | None = Form(None),
    score: str | None = Form(None),
    sensitive: str | None = Form(None, description="comma-separated"),
    caller: Caller = requires("evidence.add"),
) -> dict[str, Any]:
    own(caller, ref)
    mapping = {
        k: v for k, v in {"label": label, "prediction": prediction, "score": score, "sensitive": sensitive}.items() if v
    }
    with _saved(file) as path:
        ev = caller.ws.add_evidence(ref, role, path, mapping=mapping or None)
    return {"model": str(parse_ref(ref)), "role": role, "digest": ev.digest}


@router.post(
    "/models/{ref}/gates/promote",
    tags=["gates"],
    summary="Run the promotion gate: allow, deny or pending_approval (200 in each case)",
)
def gate_promote(ref: str, body: PromoteRequest, caller: Caller = requires("gate.promote")) -> dict[str, Any]:
    own(caller, ref)
    return caller.ws.gate_promote(ref, body.target).to_dict()  # type: ignore[no-any-return]


@router.post(
    "/models/{ref}/gates/retrain",
    tags=["gates"],
    summary="Run the retraining gate on uploaded production data (multipart field `current`)",
)
def gate_retrain(
    ref: str, current: UploadFile = File(...), caller: Caller = requires("gate.retrain")
) -> dict[str, Any]:
    own(caller, ref)
    with _saved(current) as path:
        return caller.ws.gate_retrain(ref, path).to_dict()  # type: ignore[no-any-return]


@contextmanager
def _saved(upload: UploadFile) -> Iterator[Path]:
    """The upload written to a private temporary folder under its (sanitized) name; the suffix
    matters to the tabular loader (.csv, .parquet). Removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="govern-upload-") as tmp:
        name = Path(upload.filename or "upload").name.lstrip(".") or "upload"
        path = Path(tmp) / name
        with path.open("wb") as out:
            shutil.copyfileobj(upload.file, out)
        yield path
