"""Routes: the audit ledger (log, verify, checkpoints, inclusion and consistency proofs)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query

from ._codes import CHECKPOINT_MISSING
from ._deps import Caller, requires

MAX_SEQ = 2**62  # keeps generated numbers inside BIGINT

router = APIRouter(prefix="/ledger", tags=["ledger"])


def _checkpoint(cp: Any) -> dict[str, Any]:
    return {"origin": cp.origin, "size": cp.size, "root": cp.root.hex(), "text": cp.text()}


@router.get("/entries", summary="Ledger entries in sequence order")
def entries(
    since: int = Query(0, ge=0, le=MAX_SEQ),
    kind: str | None = Query(None, max_length=64),
    limit: int = Query(100, ge=1, le=1000),
    caller: Caller = requires("ledger.read"),
) -> list[dict[str, Any]]:
    from govern.ledger import iter_entries

    with caller.ws.store.read() as session:
        return [e.to_dict() for e in iter_entries(session, since=since, kind=kind, limit=limit)]


@router.get("/verify", summary="Re-hash and re-link the whole ledger (409 problem on an integrity failure)")
def verify(caller: Caller = requires("ledger.read")) -> dict[str, Any]:
    from govern.ledger import verify as verify_ledger

    return verify_ledger(caller.ws.store, origin=caller.ws.settings.origin).to_dict()


@router.post("/checkpoints", status_code=201, summary="Sign the current head (Ed25519)")
def create_checkpoint(caller: Caller = requires("ledger.checkpoint")) -> dict[str, Any]:
    from govern.ledger import create_checkpoint as sign

    return _checkpoint(sign(caller.ws.store, caller.ws.settings, actor=caller.name))


@router.get("/checkpoints/latest", summary="The newest signed checkpoint")
def latest(caller: Caller = requires("ledger.read")) -> dict[str, Any]:
    from govern.core import NotFoundError
    from govern.ledger import latest_checkpoint

    with caller.ws.store.read() as session:
        cp = latest_checkpoint(session)
    if cp is None:
        raise NotFoundError(CHECKPOINT_MISSING, "no checkpoint has been signed yet")
    return _checkpoint(cp)


@router.get("/proofs/inclusion/{seq}", summary="Inclusion proof of entry SEQ against the newest covering checkpoint")
def inclusion(seq: int = Path(..., ge=1, le=MAX_SEQ), caller: Caller = requires("ledger.read")) -> dict[str, Any]:
    from govern.ledger import prove_inclusion

    with caller.ws.store.read() as session:
        return prove_inclusion(session, seq)


@router.get("/proofs/consistency", summary="Consistency proof: the log of OLD entries is a prefix of NEW")
def consistency(
    old: int = Query(..., ge=1, le=MAX_SEQ),
    new: int | None = Query(None, ge=1, le=MAX_SEQ),
    caller: Caller = requires("ledger.read"),
) -> dict[str, Any]:
    from govern.ledger import prove_consistency

    with caller.ws.store.read() as session:
        return prove_consistency(session, old, new)
