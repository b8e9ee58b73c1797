"""Deterministic, realistic report data for the docs sample, benchmarks and tests.

The evidence is real: entry hashes chain, the checkpoint is signed with a fresh Ed25519 key
over an RFC 9162 Merkle root, and each inclusion proof verifies against it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from govern.core import canonical_json, isoformat
from govern.reports import (
    ControlStatus,
    DecisionRecord,
    DriftFeature,
    Evidence,
    ExceptionItem,
    FairnessTable,
    FeatureImportance,
    Finding,
    GroupRate,
    LedgerRow,
    LineageEdge,
    LineageGraph,
    LineageNode,
    ModelReportData,
    PeriodReportData,
    ReviewAction,
    StageChange,
    Verification,
)

_T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
_FEATURES = [
    "income",
    "debt_to_income",
    "credit_history_years",
    "num_open_accounts",
    "utilization",
    "late_payments_12m",
    "loan_amount",
    "employment_years",
    "postcode_region",
    "age_band",
    "sex",
    "housing",
    "purpose",
    "num_inquiries_6m",
    "savings_balance",
]
_PROTECTED = {"sex", "age_band", "postcode_region"}
CONTROLS: list[tuple[str, str, str]] = [
    ("EU AI Act", "eu-ai-act/art-9", "Risk management system"),
    ("EU AI Act", "eu-ai-act/art-10", "Data and data governance"),
    ("EU AI Act", "eu-ai-act/art-11", "Technical documentation"),
    ("EU AI Act", "eu-ai-act/art-12", "Record-keeping"),
    ("EU AI Act", "eu-ai-act/art-13", "Transparency and information to deployers"),
    ("EU AI Act", "eu-ai-act/art-14", "Human oversight"),
    ("EU AI Act", "eu-ai-act/art-15", "Accuracy, robustness and cybersecurity"),
    ("NIST AI RMF", "nist-ai-rmf/govern-1.1", "Legal and regulatory requirements are understood"),
    ("NIST AI RMF", "nist-ai-rmf/map-2.3", "Scientific integrity and TEVV considerations"),
    ("NIST AI RMF", "nist-ai-rmf/measure-2.5", "Validity and reliability demonstrated"),
    ("NIST AI RMF", "nist-ai-rmf/measure-2.9", "Model explained, validated and documented"),
    ("NIST AI RMF", "nist-ai-rmf/measure-2.11", "Fairness and bias evaluated"),
    ("NIST AI RMF", "nist-ai-rmf/manage-4.1", "Post-deployment monitoring"),
    ("ISO/IEC 42001", "iso-42001/a.6.2.4", "AI system verification and validation"),
    ("ISO/IEC 42001", "iso-42001/a.7.5", "Data provenance"),
    ("ISO/IEC 42001", "iso-42001/a.6.2.8", "Event logs"),
    ("SR 11-7", "sr-11-7/validation", "Independent model validation"),
    ("SR 11-7", "sr-11-7/monitoring", "Ongoing monitoring and outcomes analysis"),
    ("SR 11-7", "sr-11-7/documentation", "Model documentation"),
]
_RULES: list[tuple[str, str, str, str, list[str]]] = [
    # rule id, check, require, onFail, controls
    ("demographic-parity", "fairness", "upper <= 0.10", "deny", ["eu-ai-act/art-10", "nist-ai-rmf/measure-2.11"]),
    ("equalized-odds", "fairness", "upper <= 0.10", "deny", ["nist-ai-rmf/measure-2.11"]),
    ("four-fifths", "fairness", "four_fifths_pass", "review", ["nist-ai-rmf/measure-2.11"]),
    (
        "protected-attributes-in-top",
        "explainability",
        "size(protected_in_top) == 0",
        "deny",
        ["eu-ai-act/art-10", "nist-ai-rmf/measure-2.9"],
    ),
    (
        "auc-minimum",
        "performance",
        "value >= 0.75",
        "deny",
        ["eu-ai-act/art-15", "sr-11-7/validation", "nist-ai-rmf/measure-2.5"],
    ),
    ("no-regression", "performance", "delta_lower >= -0.02", "review", ["sr-11-7/validation"]),
    ("drift-psi", "drift", "max_value < 0.2", "retrain", ["nist-ai-rmf/manage-4.1", "sr-11-7/monitoring"]),
    ("model-card-complete", "documentation", "complete", "deny", ["eu-ai-act/art-11", "sr-11-7/documentation"]),
    ("lineage-licensed", "lineage", "complete", "deny", ["iso-42001/a.7.5", "eu-ai-act/art-10"]),
    ("human-oversight-documented", "documentation", "'human_oversight' in model.card", "deny", ["eu-ai-act/art-14"]),
]


def _leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(a: bytes, b: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + a + b).digest()


def merkle_root(leaves: list[bytes]) -> bytes:
    """RFC 9162 Merkle tree hash over already-hashed leaves."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return _node(merkle_root(leaves[:k]), merkle_root(leaves[k:]))


def inclusion_path(index: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 audit path of leaf ``index``."""
    if len(leaves) <= 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if index < k:
        return [*inclusion_path(index, leaves[:k]), merkle_root(leaves[k:])]
    return [*inclusion_path(index - k, leaves[k:]), merkle_root(leaves[:k])]


def _ledger(
    payloads: list[dict[str, Any]], *, prove_last: int | None = None
) -> tuple[list[LedgerRow], list[bytes], Evidence, Verification]:
    """Chain ``payloads`` into entries, sign a checkpoint, prove the decision entries (the last
    ``prove_last`` of them when given: a proof costs O(n) here)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"govern-sample-key").digest())
    rows, leaves, prev = [], [], "0" * 64
    evidence = Evidence()
    for seq, p in enumerate(payloads, start=1):
        entry = {
            "seq": seq,
            "time": p["time"],
            "actor": p["actor"],
            "kind": p["kind"],
            "payload": p["payload"],
            "prev": prev,
        }
        raw = canonical_json(entry)
        prev = hashlib.sha256(raw).hexdigest()
        leaves.append(_leaf(raw))
        rows.append(LedgerRow(seq, p["time"], p["kind"], prev, p["actor"]))
        if p["kind"] == "decision.recorded":
            evidence.decisions[p["payload"]["id"]] = canonical_json(p["payload"]).decode()
    root = merkle_root(leaves)
    body = {"seq": len(rows), "head": prev, "root": root.hex(), "tree_size": len(leaves)}
    signature = key.sign(canonical_json(body))
    evidence.checkpoint = json.dumps({**body, "signature": base64.b64encode(signature).decode()}, indent=2)
    evidence.public_key = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    decided = [(row, p) for row, p in zip(rows, payloads, strict=True) if p["kind"] == "decision.recorded"]
    for row, p in decided[-prove_last:] if prove_last else decided:
        i = row.seq - 1
        proof = {
            "seq": row.seq,
            "leaf_index": i,
            "tree_size": len(leaves),
            "leaf_hash": leaves[i].hex(),
            "path": [h.hex() for h in inclusion_path(i, leaves)],
            "root": root.hex(),
        }
        evidence.proofs[p["payload"]["id"]] = json.dumps(proof, indent=2)
    verification = Verification(
        ok=True,
        message=f"hash chain intact over {len(rows)} entries; checkpoint signature valid",
        entries=len(rows),
        head_seq=len(rows),
        head_hash=prev,
        checkpoint_ok=True,
    )
    return rows, leaves, evidence, verification


def _decision_payload(d: DecisionRecord) -> dict[str, Any]:
    return {
        "id": d.id,
        "model": d.model,
        "gate": d.gate,
        "target": d.target,
        "outcome": d.outcome,
        "time": d.time,
        "policy_digest": d.policy_digest,
        "findings": [
            {"rule": f.rule_id, "check": f.check, "value": f.value, "require": f.require, "result": f.result}
            for f in d.findings
        ],
    }


def sample_model_report(
    *, features: int = 15, groups: int = 4, extra_rules: int = 0, extra_fairness: int = 0, seed: int = 7
) -> ModelReportData:
    """A biased gradient-boosted credit model denied at the promote gate, with full evidence.

    ``features``, ``groups``, ``extra_rules`` and ``extra_fairness`` (tables, each with a chart)
    grow the report (the benchmark's ~20 pages).
    """
    rng = random.Random(seed)
    model = "credit-risk-gbm@1"
    names = (_FEATURES * (features // len(_FEATURES) + 1))[:features]
    names = [n if i < len(_FEATURES) else f"{n}_{i // len(_FEATURES)}" for i, n in enumerate(names)]
    values = {
        "demographic-parity": 0.184,
        "equalized-odds": 0.131,
        "four-fifths": False,
        "protected-attributes-in-top": 1,
        "auc-minimum": 0.842,
        "no-regression": 0.031,
        "drift-psi": 0.087,
        "model-card-complete": 1.0,
        "lineage-licensed": 0.0,
        "human-oversight-documented": True,
    }
    results = {
        "demographic-parity": "fail",
        "equalized-odds": "fail",
        "four-fifths": "waived",
        "protected-attributes-in-top": "fail",
    }
    findings = [
        Finding(rid, check, values[rid], req, results.get(rid, "pass"), list(ctl), "credit-high-risk", on_fail)  # type: ignore[arg-type]
        for rid, check, req, on_fail, ctl in _RULES
    ]
    for i in range(extra_rules):
        findings.append(
            Finding(
                f"extra-rule-{i:02d}",
                "performance",
                round(rng.uniform(0.7, 0.9), 4),
                "value >= 0.70",
                "pass" if i % 7 else "inconclusive",
                ["sr-11-7/validation"],
                "extra-pack",
                "review",
            )
        )
    time0 = _T0 + timedelta(days=14)
    decision = DecisionRecord(
        id="dec-7f3a2c91",
        model=model,
        gate="promote",
        target="production",
        outcome="deny",
        time=isoformat(time0),
        actor="ci:pipeline-42",
        policy_digest="sha256:" + hashlib.sha256(b"pack").hexdigest(),
        findings=findings,
    )
    earlier = DecisionRecord(
        id="dec-1b9e04d2",
        model=model,
        gate="promote",
        target="staging",
        outcome="allow",
        time=isoformat(_T0 + timedelta(days=3)),
        actor="ci:pipeline-37",
        policy_digest=decision.policy_digest,
        findings=[Finding("auc-minimum", "performance", 0.842, "value >= 0.75", "pass", ["eu-ai-act/art-15"])],
    )
    reviews = [
        ReviewAction(
            "approval",
            "marta.okafor",
            "validator",
            isoformat(_T0 + timedelta(days=3, hours=2)),
            "Staging only: fairness evaluation pending on the holdout set.",
            model,
            earlier.id,
            status="valid",
        ),
        ReviewAction(
            "waiver",
            "li.chen",
            "risk_officer",
            isoformat(_T0 + timedelta(days=15)),
            "Four-fifths ratio 0.70 for age_band=under_25 explained by thin credit files; "
            "mitigated by manual review of every decline in that group.",
            model,
            decision.id,
            "four-fifths",
            isoformat(_T0 + timedelta(days=105)),
            "valid",
        ),
        ReviewAction(
            "rejection",
            "samuel.berg",
            "risk_officer",
            isoformat(_T0 + timedelta(days=15, hours=3)),
            "Demographic parity difference 0.184 (CI up to 0.221) exceeds 0.10; retrain without postcode_region.",
            model,
            decision.id,
            status="final",
        ),
    ]
    for d in (earlier, decision):
        d.ledger_seq = None
    payloads = [
        {"time": isoformat(_T0), "actor": "dana.whitfield", "kind": "model.registered", "payload": {"model": model}},
        {
            "time": isoformat(_T0 + timedelta(hours=1)),
            "actor": "dana.whitfield",
            "kind": "evidence.added",
            "payload": {"model": model, "role": "evaluation"},
        },
        {
            "time": earlier.time,
            "actor": earlier.actor,
            "kind": "decision.recorded",
            "payload": _decision_payload(earlier),
        },
        {
            "time": reviews[0].time,
            "actor": reviews[0].actor,
            "kind": "approval.granted",
            "payload": {"decision": earlier.id},
        },
        {
            "time": isoformat(_T0 + timedelta(days=4)),
            "actor": "ci:pipeline-37",
            "kind": "model.stage_changed",
            "payload": {"model": model, "to": "staging"},
        },
        {
            "time": decision.time,
            "actor": decision.actor,
            "kind": "decision.recorded",
            "payload": _decision_payload(decision),
        },
        {
            "time": reviews[1].time,
            "actor": reviews[1].actor,
            "kind": "waiver.granted",
            "payload": {"decision": decision.id, "rule": "four-fifths"},
        },
        {
            "time": reviews[2].time,
            "actor": reviews[2].actor,
            "kind": "approval.rejected",
            "payload": {"decision": decision.id},
        },
    ]
    rows, _, evidence, verification = _ledger(payloads)
    decision.ledger_seq, earlier.ledger_seq = 6, 3

    def rates(attribute: str, labels: list[str], base: float, spread: float) -> FairnessTable:
        gs = []
        for j, label in enumerate(labels):
            n = rng.randint(300, 2400)
            v = round(base - spread * j / max(len(labels) - 1, 1), 3)
            half = round(1.96 * (v * (1 - v) / n) ** 0.5, 3)
            gs.append(GroupRate(label, n, v, round(v - half, 3), round(v + half, 3)))
        diff = round(gs[0].value - gs[-1].value, 3)
        return FairnessTable(
            attribute,
            "selection_rate",
            gs,
            diff,
            round(diff - 0.037, 3),
            round(diff + 0.037, 3),
            0.10,
            gs[-1].value >= 0.8 * gs[0].value,
        )

    age = ["35_to_50", "50_plus", "25_to_35", "under_25", "65_plus", "unknown"]
    fairness = [
        rates("sex", ["male", "female", "non_binary", "undisclosed"][: max(2, min(groups, 4))], 0.61, 0.184),
        rates("age_band", age[: max(2, groups)], 0.63, 0.19),
    ]
    fairness += [
        rates(f"segment_{i:02d}", [f"s{i}_{j}" for j in range(groups)], 0.6, 0.1) for i in range(extra_fairness)
    ]
    drift = []
    for i, f in enumerate(names):
        psi = round(rng.uniform(0.005, 0.16) if i % 9 else 0.23, 4)
        drift.append(DriftFeature(f, "psi", psi, 0.2, round(rng.uniform(0.0001, 0.9), 4), psi >= 0.2))
    importance = [
        FeatureImportance(f, round(abs(rng.gauss(0.12, 0.08)) / (1 + i * 0.2), 4), f in _PROTECTED)
        for i, f in enumerate(names)
    ]
    failing_controls = {c for f in findings if f.result == "fail" for c in f.controls}
    passing = {c for f in findings if f.result == "pass" for c in f.controls}
    controls = [
        ControlStatus(
            fw,
            cid,
            title,
            "failing" if cid in failing_controls else "evidenced" if cid in passing else "not_covered",
            sorted(f.rule_id for f in findings if cid in f.controls),
        )
        for fw, cid, title in CONTROLS
    ]
    lineage = LineageGraph(
        nodes=[
            LineageNode(r, k)
            for r, k in [
                ("dataset:bureau/credit-applications@3", "dataset"),
                ("dataset:bureau/credit-applications-holdout@3", "dataset"),
                ("dataset:crm/customer-profile@12", "dataset"),
                ("feature:applicant-features@5", "feature"),
                ("run:train-gbm-2026-10-01", "run"),
                (model, "model"),
            ]
        ],
        edges=[
            LineageEdge(a, b, k)
            for a, b, k in [
                ("dataset:bureau/credit-applications@3", "feature:applicant-features@5", "derived"),
                ("dataset:crm/customer-profile@12", "feature:applicant-features@5", "derived"),
                ("feature:applicant-features@5", "run:train-gbm-2026-10-01", "input"),
                ("dataset:bureau/credit-applications-holdout@3", "run:train-gbm-2026-10-01", "input"),
                ("run:train-gbm-2026-10-01", model, "output"),
            ]
        ],
    )
    return ModelReportData(
        model=model,
        tier="high",
        stage="staging",
        generated_at=isoformat(_T0 + timedelta(days=16)),
        owner="dana.whitfield",
        decision=decision,
        card=None,
        lineage=lineage,
        fairness=fairness,
        drift=drift,
        importance=importance,
        reviews=reviews,
        ledger=rows,
        verification=verification,
        controls=controls,
        evidence=evidence,
    )


def sample_period_report(decisions: int = 200, *, seed: int = 11) -> PeriodReportData:
    """``decisions`` decisions over ~50 models in October 2026, with reviews, stage changes and
    exceptions; the decisions are chained into a ledger and the last 10 have inclusion proofs."""
    rng = random.Random(seed)
    models = [
        f"{base}@{v}"
        for base in ("credit-risk-gbm", "credit-risk-lr", "churn-xgb", "fraud-nn", "pricing-glm")
        for v in range(1, 11)
    ]
    outcomes = ["allow"] * 6 + ["deny"] * 3 + ["pending_approval"] * 2
    records, payloads, reviews, stages, exceptions = [], [], [], [], []
    span = 31 * 24 * 3600
    for i in range(decisions):
        t = isoformat(_T0 + timedelta(seconds=span * i / max(decisions, 1)))
        outcome = rng.choice(outcomes)
        model = rng.choice(models)
        failed = [] if outcome == "allow" else rng.sample([r[0] for r in _RULES], rng.randint(1, 2))
        findings = [Finding(r, "fairness", round(rng.uniform(0.1, 0.3), 3), "upper <= 0.10", "fail") for r in failed]
        d = DecisionRecord(
            f"dec-{i:06d}",
            model,
            "promote",
            rng.choice(["staging", "production"]),
            outcome,
            t,
            "ci:pipeline",
            "sha256:" + "ab" * 32,
            None,
            findings,
        )
        records.append(d)
        payloads.append({"time": t, "actor": d.actor, "kind": "decision.recorded", "payload": _decision_payload(d)})
        if outcome == "pending_approval" and i % 3 == 0:
            reviews.append(
                ReviewAction(
                    "approval",
                    "marta.okafor",
                    "validator",
                    t,
                    "Reviewed evidence; within tolerance.",
                    model,
                    d.id,
                    status="valid",
                )
            )
        if outcome == "deny" and i % 11 == 0:
            reviews.append(
                ReviewAction(
                    "waiver",
                    "li.chen",
                    "risk_officer",
                    t,
                    "Known limitation, mitigated by manual review.",
                    model,
                    d.id,
                    failed[0],
                    "2027-01-31",
                    "valid",
                )
            )
            exceptions.append(
                ExceptionItem("waived_deny", model, t, f"deny on {failed[0]} overridden by a waiver (li.chen)", d.id)
            )
        if outcome == "allow" and i % 5 == 0:
            stages.append(StageChange(model, "staging", d.target, t, "ci:pipeline", d.id))
        if i % 97 == 0 and i:
            exceptions.append(
                ExceptionItem("expired_approval", model, t, "approval by marta.okafor expired before promotion", d.id)
            )
        if i % 131 == 0 and i:
            exceptions.append(
                ExceptionItem("retraining_triggered", model, t, "PSI 0.27 on income exceeded 0.2 (gate retrain)", d.id)
            )
    rows, _, evidence, verification = _ledger(payloads, prove_last=10)
    for d, row in zip(records, rows, strict=True):
        d.ledger_seq = row.seq
    return PeriodReportData(
        start="2026-10-01",
        end="2026-10-31",
        generated_at=isoformat(_T0 + timedelta(days=31)),
        exceptions=exceptions,
        decisions=records,
        reviews=reviews,
        stage_changes=stages,
        verification=verification,
        evidence=evidence,
    )
