"""Routes: approval requests (list, get, approve, reject), waivers, stage rollback."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from ._auth import OWN_MODELS_ONLY, check_owner
from ._deps import Caller, requires
from ._limits import hit_rate_limit
from ._models import own
from ._schemas import RollbackRequest, VoteRequest, WaiverRequest

router = APIRouter()


def _rate(request: Request, caller: Caller) -> None:
    settings = request.app.state.settings
    hit_rate_limit(caller.ws.store, caller.token_hash, limit=settings.approval_rate_limit)


@router.get("/approvals", tags=["approvals"], summary="Approval requests, newest first")
def list_approvals(
    status: str = Query("open", pattern="^(open|approved|rejected|void|expired|all)$"),
    tier: str | None = Query(None, max_length=16),
    model: str | None = Query(None, max_length=700),
    caller: Caller = requires("approvals.read"),
) -> list[dict[str, Any]]:
    from govern.decisions import list_requests

    views = list_requests(caller.ws.context, status=None if status == "all" else status, tier=tier, model=model)
    if caller.principal.role in OWN_MODELS_ONLY:
        mine = {m["model"] for m in caller.ws.models(owner=caller.name)}
        views = [v for v in views if v.model in mine]
    return [v.to_dict() for v in views]


def _visible(caller: Caller, request_id: str) -> Any:
    from govern.decisions import get_request

    view = get_request(caller.ws.context, request_id)
    if caller.principal.role in OWN_MODELS_ONLY:
        check_owner(caller.principal, caller.ws.model(view.model).get("owner"), f"approval request {request_id}")
    return view


@router.get("/approvals/{request_id}", tags=["approvals"], summary="One request: findings, requirement, votes")
def get_approval(request_id: str, caller: Caller = requires("approvals.read")) -> dict[str, Any]:
    return _visible(caller, request_id).to_dict()  # type: ignore[no-any-return]


@router.post(
    "/approvals/{request_id}/approve",
    tags=["approvals"],
    summary="Approve as the caller (separation of duties applies; rate limited)",
)
def approve(
    request_id: str, body: VoteRequest, request: Request, caller: Caller = requires("approvals.vote")
) -> dict[str, Any]:
    return _vote(request, caller, request_id, "approve", body.justification)


@router.post(
    "/approvals/{request_id}/reject",
    tags=["approvals"],
    summary="Reject as the caller: the next gate denies (rate limited)",
)
def reject(
    request_id: str, body: VoteRequest, request: Request, caller: Caller = requires("approvals.vote")
) -> dict[str, Any]:
    return _vote(request, caller, request_id, "reject", body.justification)


def _vote(request: Request, caller: Caller, request_id: str, verdict: str, justification: str) -> dict[str, Any]:
    from govern.decisions import vote

    _rate(request, caller)
    if caller.principal.role in OWN_MODELS_ONLY:
        _visible(caller, request_id)
    return vote(caller.ws.context, request_id, caller.principal, verdict, justification).to_dict()  # type: ignore[arg-type]


@router.get("/waivers", tags=["waivers"], summary="Waivers, newest first (optionally of one model version)")
def list_waivers(
    model: str | None = Query(None, max_length=700), caller: Caller = requires("waivers.read")
) -> list[dict[str, Any]]:
    from govern.decisions import list_waivers as waivers

    views = waivers(caller.ws.context, model)
    if caller.principal.role in OWN_MODELS_ONLY:
        mine = {m["model"] for m in caller.ws.models(owner=caller.name)}
        views = [w for w in views if w.model in mine]
    return [w.to_dict() for w in views]


@router.post(
    "/waivers",
    status_code=201,
    tags=["waivers"],
    summary="Waive one failing rule for one model version until expires_at (rate limited)",
)
def grant_waiver(body: WaiverRequest, request: Request, caller: Caller = requires("waivers.grant")) -> dict[str, Any]:
    from govern.decisions import waive

    _rate(request, caller)
    return waive(
        caller.ws.context,
        body.model,
        body.rule,
        caller.principal,
        justification=body.justification,
        expires=body.expires_at,
    ).to_dict()


@router.post(
    "/models/{ref}/rollback",
    tags=["models"],
    summary="Move a model version down (never up: promotion only through the gate)",
)
def rollback(ref: str, body: RollbackRequest, caller: Caller = requires("stage.rollback")) -> dict[str, Any]:
    own(caller, ref)
    seq, synced = caller.ws.rollback(ref, body.stage, caller.principal, justification=body.justification)
    return {"model": ref, "stage": body.stage, "ledger_seq": seq, **({"registry": synced.to_dict()} if synced else {})}
