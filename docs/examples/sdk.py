"""The govern SDK in one script: a workspace, lineage (a manifest and an OpenLineage event),
a registered model with evidence, a promotion gate, the lineage tree and the ledger check.

Run it anywhere: ``python docs/examples/sdk.py [DIR]`` (default: a fresh temporary directory).
Everything it does has a CLI twin, named in the comments.
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from pathlib import Path

from govern import ModelSpec, Workspace
from govern.lineage import render_tree

PACK = {
    "pack.yaml": """\
apiVersion: govern/v1
kind: Pack
metadata: {name: sdk-example, version: "1.0.0", description: Promotion needs a human review.}
""",
    "tiering.yaml": """\
apiVersion: govern/v1
kind: Tiering
metadata: {name: sdk-example-tiers}
spec:
  default: minimal
  rules:
    - id: credit-is-high
      tier: high
      when: "model.use_case == 'credit'"
""",
    "policy.yaml": """\
apiVersion: govern/v1
kind: Policy
metadata: {name: human-review, controls: [eu-ai-act/art-14]}
spec:
  appliesTo: {tiers: [high, minimal]}
  gates: [promote]
  rules:
    - id: always-review
      check: documentation
      require: "value > 2.0"
      onFail: review
""",
}

MANIFEST = """\
apiVersion: govern/v1
kind: Lineage
datasets:
  - name: credit/applications
    version: "1"
    card: {source: core banking export, license: internal, contains_pii: false}
runs:
  - id: train-1
    job: credit/train
    inputs: [dataset:credit/applications@1]
    code_commit: 3f2a9c1
    author: trainer
"""


def say(text: str) -> None:
    sys.stdout.write(text + "\n")


def main(base: Path) -> int:
    pack = base / "pack"
    pack.mkdir(parents=True, exist_ok=True)
    for name, text in PACK.items():
        (pack / name).write_text(text, encoding="utf-8")
    (base / "lineage.yaml").write_text(MANIFEST, encoding="utf-8")

    # govern init (the settings file makes the CLI use the same pack: `govern gate promote ...`)
    (base / ".govern").mkdir(exist_ok=True)
    (base / ".govern" / "govern.toml").write_text(f"[govern]\npolicy_paths = [{str(pack)!r}]\n", encoding="utf-8")
    with Workspace.init(base / ".govern") as ws:
        ws.actor = "sdk-example"
        # govern lineage ingest lineage.yaml
        for result in ws.ingest([base / "lineage.yaml"]):
            say(f"ingested {Path(result.file).name}: {result.nodes} node(s), {result.edges} edge(s)")
        # what an Airflow task sends to POST /api/v1/lineage (govern serve)
        run_id = str(uuid.uuid4())
        event = {
            "eventType": "COMPLETE",
            "eventTime": "2026-03-01T10:05:00Z",
            "run": {"runId": run_id},
            "job": {"namespace": "airflow", "name": "credit.features"},
            "inputs": [{"namespace": "credit", "name": "applications"}],
            "outputs": [{"namespace": "credit", "name": "features"}],
            "producer": "https://example.com/sdk-example",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        }
        result = ws.ingest_openlineage([event], source="sdk.py")
        say(f"OpenLineage run {run_id}: {result.nodes} node(s), {result.edges} edge(s)")
        # govern model register (the CLI takes the same fields)
        model = ws.register_model(
            ModelSpec(name="credit-risk", version="1", run="train-1", owner="sdk-example", use_case="credit")
        )
        say(f"registered {model['model']}: tier {model['tier']} (rule {model['tier_rule']})")
        # govern gate promote credit-risk@1 --to staging
        decision = ws.gate_promote("credit-risk@1", "staging")
        say(f"gate promote credit-risk@1 -> staging: {decision.outcome} (exit code {decision.exit_code})")
        # govern lineage show credit-risk@1
        graph = ws.lineage("credit-risk@1")
        say(render_tree(graph).rstrip("\n"))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1:
        raise SystemExit(main(Path(sys.argv[1])))
    with tempfile.TemporaryDirectory() as tmp:
        raise SystemExit(main(Path(tmp)))
