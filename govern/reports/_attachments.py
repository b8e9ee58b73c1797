"""The machine-readable evidence a report embeds, and reading it back from a PDF."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from govern.core import GovernError

from ._codes import REPORT_UNREADABLE
from ._data import Evidence

_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]+")

DESCRIPTIONS = {
    "checkpoint.json": "Signed ledger checkpoint (Ed25519)",
    "public-key.pem": "Public key of the ledger signing key",
    "decisions.jsonl": "Every decision of the period, one canonical JSON document per line",
}


def _safe(name: str) -> str:
    return _UNSAFE.sub("_", name)[:120]


def evidence_files(evidence: Evidence, *, bundle_decisions: bool = False) -> dict[str, bytes]:
    """Attachment name -> bytes: ``decision-<id>.json`` each (or one ``decisions.jsonl`` when
    ``bundle_decisions``), ``proof-<id>.json``, ``checkpoint.json``, ``public-key.pem``."""
    files: dict[str, bytes] = {}
    if bundle_decisions and evidence.decisions:
        files["decisions.jsonl"] = "".join(text + "\n" for text in evidence.decisions.values()).encode()
    else:
        for decision_id, text in evidence.decisions.items():
            files[f"decision-{_safe(decision_id)}.json"] = text.encode()
    for decision_id, text in evidence.proofs.items():
        files[f"proof-{_safe(decision_id)}.json"] = text.encode()
    if evidence.checkpoint:
        files["checkpoint.json"] = evidence.checkpoint.encode()
    if evidence.public_key:
        files["public-key.pem"] = evidence.public_key.encode()
    return files


def describe(name: str) -> str:
    if name.startswith("decision-"):
        return "Decision, canonical JSON (RFC 8785) as recorded in the ledger"
    if name.startswith("proof-"):
        return "Merkle inclusion proof of the decision's ledger entry"
    return DESCRIPTIONS.get(name, name)


def file_rows(files: dict[str, bytes]) -> list[dict[str, Any]]:
    return [
        {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()} for name, data in files.items()
    ]


def extract_attachments(pdf: Path) -> dict[str, bytes]:
    """The files embedded in ``pdf`` (name -> exact bytes).

    Raises ``GovernError(report_unreadable)`` when the file is not a readable PDF.
    """
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(str(pdf))
        found = reader.attachments
        return {name: contents[0] for name, contents in found.items() if contents}
    except (OSError, PyPdfError, ValueError, KeyError) as exc:
        raise GovernError(REPORT_UNREADABLE, f"cannot read attachments of {pdf}: {exc}") from None
