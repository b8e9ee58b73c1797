"""The published RFC 6962 proof vectors of transparency-dev/merkle: every one answered as ``wantErr`` says.

The files are data copied unchanged from that repository (see tests/data/transparency-dev/SOURCE).
Hashes are standard base64; ``"proof": null`` is an empty proof; ``leafHash`` is already the RFC 9162
leaf hash.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from govern.core import VerificationError
from govern.ledger import verify_consistency, verify_inclusion

DATA = Path(__file__).resolve().parents[2] / "data" / "transparency-dev"
INCLUSION = sorted((DATA / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((DATA / "consistency").rglob("*.json"))


def _b(value: str) -> bytes:
    return base64.b64decode(value)


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _answer(check: Any) -> bool:
    """True when the verifier refused."""
    try:
        check()
    except VerificationError:
        return True
    return False


def test_all_196_vectors_are_present() -> None:
    assert (len(INCLUSION), len(CONSISTENCY)) == (98, 98)
    assert (DATA / "LICENSE").is_file() and (DATA / "SOURCE").is_file()


@pytest.mark.parametrize("path", INCLUSION, ids=lambda p: str(p.relative_to(DATA)))
def test_inclusion_vector(path: Path) -> None:
    v = _load(path)
    proof = [_b(h) for h in v["proof"] or []]
    refused = _answer(lambda: verify_inclusion(v["leafIdx"], v["treeSize"], _b(v["leafHash"]), proof, _b(v["root"])))
    assert refused is v["wantErr"], v["desc"]


@pytest.mark.parametrize("path", CONSISTENCY, ids=lambda p: str(p.relative_to(DATA)))
def test_consistency_vector(path: Path) -> None:
    v = _load(path)
    proof = [_b(h) for h in v["proof"] or []]
    refused = _answer(lambda: verify_consistency(v["size1"], v["size2"], _b(v["root1"]), _b(v["root2"]), proof))
    assert refused is v["wantErr"], v["desc"]
