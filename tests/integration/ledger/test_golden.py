"""Frozen head hashes and Merkle roots: the entry and tree format cannot change by accident.

The expected values were computed from the independent ``rfc8785`` package and ``hashlib`` with
the RFC 9162 reference recursion (``_reference`` below) and are checked three ways: the reference,
the pure ledger functions, and ledgers actually appended to SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import rfc8785

from govern import ledger
from govern.core import isoformat, parse_time
from govern.workspace import Workspace

TIME = "2025-01-01T00:00:00.000000Z"
ACTOR = "golden-actor"
KIND = "gate.decided"

# size -> (hex hash of the last entry, hex Merkle root)
GOLDEN = {
    1: (
        "2e3d77f1082b31c5e93669b0b6ddaaf520c206e985101c8b89bec7d1e47ef3fb",
        "c37e9c2297bafc9be2909842bc3c5915ffd989f40a394db6d7271206a26f1078",
    ),
    2: (
        "8d1cb59f21da7edb008a8cea76f6d0ce50aa7614731cc2227b2e0f5c193bb837",
        "536a8906809a6ff0cc4943cbd0b196c85acee65a5b051eb67b76957b1bfaabe5",
    ),
    96: (
        "07707aeb36e832920642d936b8e573e5be1556d8ad62441e58c4725d5b2191b7",
        "76646a2510001fbb696213e6e4a04ff9cc3ca848db7f50d9b91b7aeacf78bf31",
    ),
    1000: (
        "3035dd5e49cf1c17f6be3d3c77dfd097e1fe3a47f9bfe3ed75bde946941671e8",
        "9dbbc2c6593e9172fd7ad079f35baa5b38c0f3a3c999069fe19e2712cb634f4c",
    ),
    1024: (
        "fa3179e1bc5c691436ef1ae24762af4caf5d776567b7aab88c12d31dbdc44846",
        "ada60622b081116b6b189b37b57c1af8cf300474544cbbde92496fd1ff2d92fa",
    ),
}


def _payload(i: int) -> dict[str, object]:
    return {"i": i, "evidence": "sha256:" + hashlib.sha256(str(i).encode()).hexdigest(), "note": 'Grüße ✓ "q"\n'}


def _reference(n: int) -> tuple[str, str]:
    prev, leaves = "0" * 64, []
    for seq in range(1, n + 1):
        obj = {"seq": seq, "time": TIME, "actor": ACTOR, "kind": KIND, "payload": _payload(seq), "prev": prev}
        digest = hashlib.sha256(rfc8785.dumps(obj)).digest()
        leaves.append(hashlib.sha256(b"\x00" + digest).digest())
        prev = digest.hex()

    def mth(items: list[bytes]) -> bytes:
        if len(items) == 1:
            return items[0]
        k = 1 << ((len(items) - 1).bit_length() - 1)
        return hashlib.sha256(b"\x01" + mth(items[:k]) + mth(items[k:])).digest()

    return prev, mth(leaves).hex()


@pytest.mark.parametrize("size", sorted(GOLDEN))
def test_reference_matches_frozen_values(size: int) -> None:
    assert _reference(size) == GOLDEN[size]


@pytest.mark.parametrize("size", sorted(GOLDEN))
def test_appended_ledger_matches_frozen_values(
    size: int, tmp_path: Path, db_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pin the ledger's clock itself (its one read of the time, ``_now_text``): the unsafe test
    # clock would mark every entry (``unsafe_clock``).
    monkeypatch.setattr("govern.ledger._log._now_text", lambda _pinned: isoformat(parse_time(TIME)))
    with Workspace.init(tmp_path / ".govern", database_url=db_url) as ws:
        for start in range(0, size, 500):
            with ws.store.write() as session:
                ledger.append_batch(
                    session,
                    [ledger.Event(ACTOR, KIND, _payload(seq)) for seq in range(start + 1, min(size, start + 500) + 1)],
                )
        report = ledger.verify(ws.store)
    assert (report.head, report.root) == GOLDEN[size]
