"""Fixtures for API tests: a workspace with tokens for every role, registered models, a small
policy pack whose promotion needs approval, and a real ``govern serve`` subprocess on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from govern_testkit import ServeProcess, free_port, govern_command, workspace_env

PACK = {
    "pack.yaml": """\
apiVersion: govern/v1
kind: Pack
metadata: {name: apitest, version: "1.0.0", description: Promotion of a high-tier model needs two approvers.}
""",
    "tiering.yaml": """\
apiVersion: govern/v1
kind: Tiering
metadata: {name: apitest-tiers}
spec:
  default: minimal
  rules:
    - id: credit-is-high
      tier: high
      when: "model.use_case == 'credit'"
""",
    "approvals.yaml": """\
apiVersion: govern/v1
kind: Approvals
metadata: {name: apitest-oversight}
spec:
  tiers:
    high: {roles: [risk_officer, validator], count: 2, expiresAfter: 30d}
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
---
apiVersion: govern/v1
kind: Policy
metadata: {name: drift, controls: [eu-ai-act/art-15]}
spec:
  gates: [retrain]
  rules:
    - id: drift-retrain
      check: drift
      with: {method: psi, threshold: 0.2}
      require: "decision != 'retrain'"
      onFail: retrain
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

# name -> role; "bob" owns credit-risk@1 and is also a risk officer (the SoD conflict case).
PEOPLE = {
    "root": "admin",
    "ci-bot": "ci",
    "alice": "risk_officer",
    "bob": "risk_officer",
    "carol": "validator",
    "dave": "model_owner",
    "erin": "model_owner",
    "audrey": "auditor",
    "lina": "lineage_writer",
}
ROLE_PERSON = {
    "admin": "root",
    "ci": "ci-bot",
    "risk_officer": "alice",
    "validator": "carol",
    "model_owner": "dave",
    "auditor": "audrey",
    "lineage_writer": "lina",
}


@dataclass
class ApiWorkspace:
    path: Path
    database_url: str | None
    tokens: dict[str, str] = field(default_factory=dict)  # person -> token
    files: Path | None = None

    @property
    def env(self) -> dict[str, str]:
        return workspace_env(self.path, self.database_url)

    def auth(self, person: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[person]}"}


def _csv(path: Path, shift: float, n: int = 300) -> Path:
    import numpy as np

    rng = np.random.default_rng(7)
    rows = ["income,debt_ratio"] + [
        f"{a:.4f},{b:.4f}" for a, b in zip(rng.normal(50 + shift, 10, n), rng.normal(0.3, 0.1, n), strict=True)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def build_workspace(root: Path, database_url: str | None, **settings: Any) -> ApiWorkspace:
    """Initialize a workspace with the test pack, a token per person and two registered models."""
    from govern.demo import demo_card
    from govern.lineage import ModelSpec
    from govern.workspace import Workspace

    pack = root / "pack"
    pack.mkdir(parents=True)
    for name, text in PACK.items():
        (pack / name).write_text(text, encoding="utf-8")
    files = root / "files"
    files.mkdir()
    _csv(files / "reference.csv", 0.0)
    _csv(files / "current-drifted.csv", 15.0)
    ws_dir = root / ".govern"
    overrides: dict[str, Any] = {"policy_paths": [str(pack)], **settings}
    if database_url:
        overrides["database_url"] = database_url
    api_ws = ApiWorkspace(ws_dir, database_url, files=files)
    ws = Workspace.init(ws_dir, **overrides)
    toml = "\n".join(f"{k} = {_toml(v)}" for k, v in overrides.items() if k != "database_url")
    (ws_dir / "govern.toml").write_text(f"[govern]\n{toml}\n", encoding="utf-8")
    (files / "lineage.yaml").write_text(MANIFEST, encoding="utf-8")
    with ws:
        ws.ingest([files / "lineage.yaml"])
        for person, role in PEOPLE.items():
            api_ws.tokens[person], _ = ws.create_token(person, role)
        ws.actor = "ci-bot"
        for name, owner in (("credit-risk", "bob"), ("dave-model", "dave")):
            ws.register_model(
                ModelSpec(
                    name=name,
                    version="1",
                    run="train-1",
                    owner=owner,
                    tags={"use_case": "credit"},
                    use_case="credit",
                    card=demo_card("credit-risk-lr", "1"),
                    framework="sklearn",
                )
            )
            ws.add_evidence(f"{name}@1", "reference", files / "reference.csv")
    return api_ws


def _toml(value: Any) -> str:
    import json

    return json.dumps(value)


class Server(ServeProcess):
    """A ``govern serve`` subprocess on a free loopback port, serving ``ws``."""

    def __init__(self, ws: ApiWorkspace, *, workers: int = 1, extra_env: dict[str, str] | None = None) -> None:
        self.ws = ws
        super().__init__({**ws.env, **(extra_env or {})}, ws.path.parent, workers=workers)

    def client(self, person: str | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url + "/v1", timeout=60, headers=self.ws.auth(person) if person else None)


@pytest.fixture
def api_ws(tmp_path: Path, db_url: str | None) -> ApiWorkspace:
    return build_workspace(tmp_path, db_url)


@pytest.fixture
def server(api_ws: ApiWorkspace) -> Iterator[Server]:
    srv = Server(api_ws)
    try:
        yield srv
    finally:
        srv.stop()


def assert_problem(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is application/problem+json with ``status`` (and ``code``)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "code"}, body
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    assert "Traceback" not in response.text
    return body  # type: ignore[no-any-return]


@pytest.fixture
def kit() -> SimpleNamespace:
    """The helpers above, for test modules (``--import-mode=importlib`` cannot import conftest)."""
    return SimpleNamespace(
        Server=Server,
        build_workspace=build_workspace,
        problem=assert_problem,
        role_person=ROLE_PERSON,
        free_port=free_port,
        govern_exe=govern_command,
    )
