"""Verify a report PDF from its attachments alone: checkpoint, proofs, decisions, key."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.core import GovernError, Location, VerificationError, canonical_json, content_digest

from ._attachments import extract_attachments
from ._codes import (
    REPORT_DECISION_MISMATCH,
    REPORT_DECISION_NOT_CANONICAL,
    REPORT_DECISION_UNPROVEN,
    REPORT_EVIDENCE_MALFORMED,
    REPORT_EVIDENCE_MISSING,
)

if TYPE_CHECKING:
    from govern.ledger import KeyRing

_DECIDED = ("gate.decided", "retrain.decided")


@dataclass(frozen=True)
class ReportVerification:
    """What a verified report proved."""

    decisions: int  # decisions whose canonical JSON matched a proven ledger entry
    proofs: int
    tree_size: int
    origin: str
    key: str  # verifier key string of the key that signed the checkpoint
    key_from_report: bool  # True: trusted the key embedded in the report (compare it out of band)

    def to_dict(self) -> dict[str, Any]:
        return {"valid": True, "type": "report", **self.__dict__}


def _decisions(files: dict[str, bytes], pdf: Path) -> dict[str, bytes]:
    """Decision id -> canonical bytes, from ``decision-*.json`` and ``decisions.jsonl``."""
    texts = [data for name, data in files.items() if name.startswith("decision-") and name.endswith(".json")]
    if "decisions.jsonl" in files:
        texts += [line for line in files["decisions.jsonl"].split(b"\n") if line]
    out: dict[str, bytes] = {}
    for data in texts:
        try:
            doc = json.loads(data)
        except ValueError:
            raise GovernError(
                REPORT_EVIDENCE_MALFORMED, "an embedded decision is not JSON", Location(str(pdf))
            ) from None
        if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
            raise GovernError(REPORT_EVIDENCE_MALFORMED, "an embedded decision has no id", Location(str(pdf)))
        if canonical_json(doc) != data:
            raise VerificationError(REPORT_DECISION_NOT_CANONICAL, f"decision {doc['id']} is not in canonical form")
        out[doc["id"]] = data
    return out


def verify_report(pdf: Path, *, keys: KeyRing | None = None, origin: str | None = None) -> ReportVerification:
    """Verify the evidence embedded in a report PDF, with no database.

    The checkpoint (``checkpoint.json``) must be signed by a key in ``keys`` (default: the
    report's own ``public-key.pem``, which only proves consistency: compare its key with the
    ledger's published one); every ``proof-*.json`` must be an inclusion proof of a decision
    entry against that checkpoint; every embedded decision must be canonical JSON whose digest is
    the ``document_digest`` of its proven entry. A decision without a proof fails.

    Raises ``VerificationError`` (exit 1): ``report_decision_unproven``,
    ``report_decision_mismatch``, ``report_decision_not_canonical``, ``proof_invalid`` and the
    checkpoint errors of ``verify_checkpoint``; ``GovernError`` (exit 2)
    ``report_evidence_missing``, ``report_evidence_malformed``, ``report_unreadable``.
    """
    from govern.ledger import KeyRing, parse_checkpoint, verify_checkpoint, verify_proof

    files = extract_attachments(pdf)
    for name in ("checkpoint.json", *(() if keys is not None else ("public-key.pem",))):
        if name not in files:
            raise GovernError(REPORT_EVIDENCE_MISSING, f"the report embeds no {name}", Location(str(pdf)))
    try:
        checkpoint = parse_checkpoint(files["checkpoint.json"].decode(), source=f"{pdf}:checkpoint.json")
        ring = (
            keys
            if keys is not None
            else KeyRing.parse(files["public-key.pem"].decode(), source=f"{pdf}:public-key.pem")
        )
    except UnicodeDecodeError:
        raise GovernError(
            REPORT_EVIDENCE_MALFORMED, "the checkpoint or key is not UTF-8 text", Location(str(pdf))
        ) from None
    key = verify_checkpoint(checkpoint, ring, origin=origin)
    proven: dict[str, str] = {}  # decision id -> document digest in its proven ledger entry
    proofs = [name for name in files if name.startswith("proof-") and name.endswith(".json")]
    for name in proofs:
        try:
            proof = json.loads(files[name])
            entry = json.loads(proof["entry"])
            payload = entry["payload"]
        except (ValueError, KeyError, TypeError):
            raise GovernError(
                REPORT_EVIDENCE_MALFORMED, f"{name} is not an inclusion proof", Location(str(pdf))
            ) from None
        verify_proof(proof, keys=ring, checkpoint=checkpoint, origin=origin)
        if entry.get("kind") in _DECIDED and isinstance(payload, dict):
            proven[str(payload.get("decision"))] = str(payload.get("document_digest"))
    decisions = _decisions(files, pdf)
    if not decisions:
        raise GovernError(REPORT_EVIDENCE_MISSING, "the report embeds no decision", Location(str(pdf)))
    for decision_id, data in decisions.items():
        if decision_id not in proven:
            raise VerificationError(
                REPORT_DECISION_UNPROVEN, f"decision {decision_id} has no inclusion proof in the report"
            )
        if content_digest(data) != proven[decision_id]:
            raise VerificationError(
                REPORT_DECISION_MISMATCH, f"decision {decision_id} differs from the document its ledger entry records"
            )
    name = key.name or checkpoint.signatures[0].name
    return ReportVerification(len(decisions), len(proofs), checkpoint.size, checkpoint.origin,
                              f"{name}+{key.key_id or checkpoint.signatures[0].key_id}", keys is None)  # fmt: skip
