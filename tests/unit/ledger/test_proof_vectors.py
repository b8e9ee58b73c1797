"""govern's own proof mutation vectors (tests/data/proofs, written by scripts/gen_proof_vectors.py).

Every file is named by its mutation; ``happy-path`` must verify and every other mutation changes
what is proven and must be refused, at tree sizes 1, 2, 7, 16, 21, 256, 300 and 511. The files
are what the script writes today, so an independent verifier can run the same cases.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from govern.core import GovernError
from govern.ledger import KeyRing, verify_proof

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data" / "proofs"
FILES = sorted(DATA.glob("*/*.json"))
SIZES = {1, 2, 7, 16, 21, 256, 300, 511}


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_proof_vectors", ROOT / "scripts" / "gen_proof_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _refused(proof: dict[str, Any], keys: KeyRing) -> str | None:
    try:
        verify_proof(proof, keys=keys)
    except GovernError as exc:
        return exc.code
    return None


def test_the_files_are_what_the_generator_writes() -> None:
    expected = generator().vectors()
    on_disk = {p: p.read_text(encoding="utf-8") for p in [*FILES, DATA / "keys.txt"]}
    assert on_disk == expected, "run `python scripts/gen_proof_vectors.py`"


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_vector(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    keys = KeyRing.parse((DATA / "keys.txt").read_text(encoding="utf-8"))
    assert doc["mutation"] == path.stem and doc["cases"]
    if doc["mutation"] == "happy-path":
        assert {c["size"] for c in doc["cases"]} == SIZES
    for case in doc["cases"]:
        code = _refused(case["proof"], keys)
        assert (code is not None) is doc["wantErr"], (case["size"], code)
        if doc["wantErr"]:
            assert code in {"proof_invalid", "proof_malformed"} or code.startswith("checkpoint_"), code


def test_every_mutation_is_tried_at_every_size_where_it_applies() -> None:
    sizes = {(p.parent.name, p.stem): {c["size"] for c in json.loads(p.read_text())["cases"]} for p in FILES}
    # Mutations that need a non-empty path, two hashes, or a smaller seq skip the sizes without one.
    assert all(s <= SIZES for s in sizes.values())
    assert sum(len(s) == len(SIZES) for s in sizes.values()) >= 30
