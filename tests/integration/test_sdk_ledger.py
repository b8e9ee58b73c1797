"""Every public mutating SDK function, called directly (not through ``Workspace``), writes its own
ledger entry in the transaction of its change; the ledger still verifies. SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import timedelta

import pytest
from tlog_witness import LoopbackWitness, WitnessServer

FAIR = "credit-risk-lr@1"
BIASED = "credit-risk-gbm@1"
EVAL_MAPPING = {"label": "outcome", "prediction": "prediction", "score": "score", "sensitive": ["sex", "race"]}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):
    from govern.demo import build

    return build(tmp_path_factory.mktemp("scenario"), small=True)


class Ledger:
    """New entries since the last look."""

    def __init__(self, store) -> None:
        self.store = store
        self.seen = 0

    def new(self) -> list[tuple[str, str, dict]]:
        from govern.ledger import iter_entries

        with self.store.read() as session:
            entries = list(iter_entries(session, since=self.seen))
        if entries:
            self.seen = entries[-1].seq
        return [(e.kind, e.actor, e.payload) for e in entries]

    def kinds(self) -> list[str]:
        return [kind for kind, _, _ in self.new()]


def test_each_sdk_mutation_ledgers_itself(cli, workspace, scenario):
    from govern.core import load_settings, resource_path, utcnow
    from govern.decisions import Context, flag, promote, register_model, retrain, rollback, vote, waive
    from govern.evidence import ColumnMapping, add_evidence, collect_blobs
    from govern.identity import Principal, create_token, revoke_token
    from govern.incidents import close_incident, open_incident, report_incident, update_incident
    from govern.ledger import (
        EVENT_KINDS,
        add_witness,
        create_checkpoint,
        load_signing_key,
        remove_witness,
        rotate_signing_key,
        witness_checkpoint,
    )
    from govern.lineage import ModelSpec, bulk_load, ingest_file
    from govern.policy import load_packs
    from govern.reviews import close_finding, open_finding, record_review, remediate_finding
    from govern.store import Store
    from govern.webhooks import revoke, subscribe

    settings = load_settings(
        workspace.path, **({"database_url": workspace.database_url} if workspace.database_url else {})
    )
    store = Store.from_settings(settings)
    shipped = sorted(p for p in resource_path("policies").iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    packs = load_packs(shipped)
    ctx = Context(store, settings.blob_dir, packs)
    ledger = Ledger(store)
    ledger.new()  # whatever `govern init` wrote
    seen: set[str] = set()

    def expect(kinds: list[str]) -> list[tuple[str, str, dict]]:
        got = ledger.new()
        assert [k for k, _, _ in got] == kinds
        seen.update(kinds)
        return got

    # lineage
    with store.write() as session:
        result = ingest_file(session, scenario.manifest, actor="eng")
    [(_, actor, payload)] = expect(["lineage.ingested"])
    assert actor == "eng" and payload["digest"] == result.digest and payload["nodes"] == result.nodes
    with store.write() as session:
        ingest_file(session, scenario.manifest, actor="eng")  # nothing new: nothing ledgered
    expect([])
    with store.write() as session:
        bulk_load(
            session,
            [("dataset", "backfill", "1"), ("feature", "backfill-f", "1")],
            [(0, 1, "derived_from")],
            actor="eng",
        )
    [(_, _, payload)] = expect(["lineage.ingested"])
    assert payload == {"bulk": True, "nodes": 2, "edges": 1}

    # registration (decisions computes the tier, lineage records the version)
    for ref, run in ((BIASED, "train-gbm-2024-03"), (FAIR, "train-lr-2024-03")):
        name, version = ref.split("@")
        register_model(
            ctx,
            ModelSpec(name=name, version=version, run=run, owner="bob", tags={"use_case": "credit"}, use_case="credit",
                      card=_card(name, version)),
            "eng",
        )  # fmt: skip
        expect(["model.registered"])

    # evidence
    for ref, model, evaluation in (
        (BIASED, scenario.gbm_model, scenario.gbm_eval),
        (FAIR, scenario.lr_model, scenario.lr_eval),
    ):
        for role, path, mapping in (
            ("evaluation", evaluation, ColumnMapping.from_dict(EVAL_MAPPING)),
            ("model", model, None),
            ("reference", scenario.reference, None),
        ):
            with store.write() as session:
                ev = add_evidence(session, settings.blob_dir, ref, role, path, mapping=mapping, created_by="eng")
            [(_, actor, payload)] = expect(["evidence.added"])
            assert (actor, payload["model"], payload["role"], payload["digest"]) == ("eng", ref, role, ev.digest)
    with store.write() as session:
        add_evidence(session, settings.blob_dir, FAIR, "explanation", scenario.lr_explanation, created_by="eng")
    expect(["evidence.added"])

    # identity
    tokens = {}
    for name, role in (("rita", "risk_officer"), ("vera", "validator"), ("temp", "auditor")):
        with store.write() as session:
            _, tokens[name] = create_token(session, name=name, role=role, actor="admin")
        [(_, actor, payload)] = expect(["token.created"])
        assert actor == "admin" and payload == {"token": tokens[name].id, "name": name, "role": role}
    with store.write() as session:
        revoke_token(session, tokens["temp"].id, actor="admin")
    expect(["token.revoked"])
    with store.write() as session:
        revoke_token(session, tokens["temp"].id, actor="admin")  # already revoked: no change, no entry
    expect([])

    # webhooks
    with store.write() as session:
        sub, _ = subscribe(session, "http://127.0.0.1:9/hook", kinds=["gate.decided"], created_by="admin")
    [(_, _, payload)] = expect(["webhook.subscribed"])
    assert payload == {"webhook": sub.id, "url": "http://127.0.0.1:9/hook", "kinds": ["gate.decided"]}
    with store.write() as session:
        revoke(session, sub.id, actor="admin")
    [(_, actor, payload)] = expect(["webhook.revoked"])
    assert actor == "admin" and payload["webhook"] == sub.id

    # gates: the first decision with each pack version ledgers policy.loaded, once
    pending = promote(ctx, FAIR, "production", "ci-bot")
    assert pending.outcome == "pending_approval"
    got = ledger.new()
    loaded = sorted(p["pack"] for k, _, p in got if k == "policy.loaded")
    assert loaded == sorted(packs.digests) and [k for k, _, _ in got][-1] == "gate.decided"
    assert "approval.requested" in [k for k, _, _ in got]
    seen.update(k for k, _, _ in got)
    request = pending.approval["request"]
    vote(ctx, request, Principal("rita", "risk_officer"), "approve", "reviewed")
    expect(["approval.granted"])
    vote(ctx, request, Principal("vera", "validator"), "approve", "reviewed")
    expect(["approval.granted"])
    allowed = promote(ctx, FAIR, "production", "ci-bot")
    assert allowed.outcome == "allow"
    expect(["gate.decided", "stage.changed", "target.assigned"])  # packs unchanged: no second policy.loaded

    waive(ctx, BIASED, "demographic-parity", Principal("rita", "risk_officer"), justification="pilot",
          expires=utcnow() + timedelta(days=30))  # fmt: skip
    expect(["waiver.granted"])

    retrain(ctx, FAIR, scenario.current, "ci-bot")
    expect(["evidence.added", "retrain.decided"])

    rollback(ctx, FAIR, "staging", Principal("rita", "risk_officer"), justification="incident 7")
    expect(["stage.changed", "target.released", "approval.voided"])  # re-promotion needs a fresh sign-off

    flag(ctx, "dataset:credit/applications@1", "consent withdrawn", "rita")
    assert ledger.kinds()[:1] == ["lineage.flagged"]
    seen.add("lineage.flagged")

    # incidents
    incident = open_incident(ctx, Principal("rita", "risk_officer"), title="complaint", category="fundamental_rights",
                             models=[BIASED])  # fmt: skip
    expect(["incident.opened"])
    update_incident(ctx, Principal("rita", "risk_officer"), incident.id, actions=["paused the campaign"])
    expect(["incident.updated"])
    report = settings.workspace / "incident-report.txt"
    report.write_text("initial report", encoding="utf-8")
    report_incident(ctx, Principal("rita", "risk_officer"), incident.id, report)
    expect(["incident.reported"])
    close_incident(ctx, Principal("ravi", "risk_officer"), incident.id, resolution="model retired")
    expect(["incident.closed"])

    # validation findings and periodic review
    vera, carol = Principal("vera", "validator"), Principal("carol", "validator")
    found = open_finding(ctx, vera, BIASED, title="proxy for race", severity="high", owner="bob",
                         due_at=utcnow() + timedelta(days=30))  # fmt: skip
    expect(["finding.opened"])
    remediate_finding(ctx, Principal("bob", "model_owner"), found.id, remediation="dropped the proxy")
    expect(["finding.remediated"])
    close_finding(ctx, carol, found.id, closure="verified")
    expect(["finding.closed"])
    record_review(ctx, vera, FAIR, outcome="satisfactory")
    expect(["review.recorded"])

    # retention: an unreferenced blob past its grace is collected, and the collection ledgered
    stray = b"left behind by a failed upload"
    hexdigest = hashlib.sha256(stray).hexdigest()
    path = settings.blob_dir / "sha256" / hexdigest[:2] / hexdigest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(stray)
    os.utime(path, (time.time() - 2 * 86400,) * 2)
    collect_blobs(store, settings.blob_dir, actor="admin", retention_days=3653, apply=True)
    expect(["evidence.collected"])
    assert not path.exists()

    # ledger administration
    create_checkpoint(store, settings, actor="auditor")
    expect(["checkpoint.signed"])
    witness = LoopbackWitness("witness.test/sdk")
    key = load_signing_key(settings.key_path, name=settings.origin).public
    witness.trust(settings.origin, key.name, key.public)
    with WitnessServer(witness) as url:
        add_witness(store, url, witness.vkey(), actor="admin")
        expect(["witness.added"])
        results = witness_checkpoint(store, create_checkpoint(store, settings, actor="auditor"), actor="auditor")
        assert [r.error for r in results] == [None]
        expect(["checkpoint.signed", "checkpoint.witnessed"])
    remove_witness(store, "witness.test/sdk", actor="admin")
    expect(["witness.removed"])
    rotate_signing_key(store, settings, actor="admin")
    expect(["key.rotated"])
    store.dispose()

    # Rejections are covered by the gate tests (tests/integration/gates), the MLflow write-back
    # by tests/integration/registry (it needs an MLflow server).
    assert EVENT_KINDS - seen == {"approval.rejected", "registry.synced", "registry.sync_failed"}
    verified = cli.run("audit", "verify", env=workspace.env)
    assert verified.returncode == 0, verified.stderr


def test_a_failed_ledger_write_keeps_no_state_change(workspace):
    """The state change and its entry commit together: with the ledger head gone the token is
    not created either (fail closed)."""
    import sqlalchemy as sa

    from govern.core import GovernError, load_settings
    from govern.identity import create_token, list_tokens
    from govern.store import Store

    settings = load_settings(
        workspace.path, **({"database_url": workspace.database_url} if workspace.database_url else {})
    )
    store = Store.from_settings(settings)
    with store.write() as session:
        head = session.execute(sa.text("SELECT seq, hash, frontier FROM ledger_head WHERE id = 1")).one()
        session.execute(sa.text("DELETE FROM ledger_head"))
    with pytest.raises(GovernError) as err, store.write() as session:
        create_token(session, name="ghost", role="auditor", actor="admin")
    assert err.value.code == "ledger_not_initialized"
    with store.read() as session:
        assert [t.name for t in list_tokens(session)] == []
    with store.write() as session:
        session.execute(
            sa.text("INSERT INTO ledger_head (id, seq, hash, frontier) VALUES (1, :seq, :hash, :frontier)"),
            {"seq": head.seq, "hash": head.hash, "frontier": head.frontier},
        )
    store.dispose()


def _card(name: str, version: str) -> dict:
    from govern.demo import demo_card

    return demo_card(name, version)
