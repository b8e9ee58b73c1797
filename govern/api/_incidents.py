"""Routes: serious incidents (list, get, open, update, attach a report, close)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from pydantic import AwareDatetime, Field

from govern.core import utcnow

from ._auth import OWN_MODELS_ONLY, check_owner
from ._deps import Caller, requires
from ._models import _saved, own
from ._schemas import Body

router = APIRouter()

_REF = Field(min_length=1, max_length=700)


class IncidentOpen(Body):
    title: str = Field(min_length=1, max_length=512)
    category: str = Field(min_length=1, max_length=40, description="an Art. 3(49) category (docs/lifecycle.md)")
    models: list[str] = Field(min_length=1, max_length=100, description="affected model versions NAME@VERSION")
    datasets: list[str] = Field(default_factory=list, max_length=100, description="affected dataset versions")
    description: str = Field("", max_length=20000)
    aware_at: AwareDatetime | None = Field(None, description="when the provider became aware (default now)")


class IncidentUpdate(Body):
    title: str | None = Field(None, min_length=1, max_length=512)
    description: str | None = Field(None, max_length=20000)
    category: str | None = Field(None, min_length=1, max_length=40)
    aware_at: AwareDatetime | None = None
    actions: list[str] = Field(default_factory=list, max_length=100, description="corrective actions taken")
    models: list[str] = Field(default_factory=list, max_length=100)
    datasets: list[str] = Field(default_factory=list, max_length=100)
    note: str = Field("", max_length=4000)


class IncidentClose(Body):
    resolution: str = Field(min_length=1, max_length=20000)


def _mine(caller: Caller, incident: Any) -> bool:
    owners = {caller.ws.model(ref).get("owner") for ref in incident.models}
    return caller.name in owners


def _visible(caller: Caller, incident_id: str) -> Any:
    """The incident, or 404 for a model_owner owning none of its models (as if it did not exist)."""
    from govern.incidents import get_incident

    with caller.ws.store.read() as session:
        incident = get_incident(session, incident_id)
    if caller.principal.role in OWN_MODELS_ONLY and not _mine(caller, incident):
        check_owner(caller.principal, None, f"incident {incident_id}")
    return incident


@router.get("/incidents", tags=["incidents"], summary="Incidents, newest first (overdue: earliest deadline first)")
def list_incidents(
    status: Literal["open", "closed", "overdue", "all"] = Query("open"),
    model: str | None = Query(None, max_length=700),
    caller: Caller = requires("incidents.read"),
) -> list[dict[str, Any]]:
    from govern.incidents import list_incidents as listed
    from govern.incidents import overdue_incidents

    now = utcnow()
    if model is not None:
        own(caller, model)
    with caller.ws.store.read() as session:
        if status == "overdue":
            found = overdue_incidents(session, now)
            if model is not None:
                keep = {i.id for i in listed(session, model=model)}
                found = [i for i in found if i.id in keep]
        else:
            found = listed(session, status=None if status == "all" else status, model=model)
    if caller.principal.role in OWN_MODELS_ONLY:
        found = [i for i in found if _mine(caller, i)]
    return [i.to_dict(now) for i in found]


@router.get("/incidents/{incident_id}", tags=["incidents"], summary="One incident: deadline, reports, actions, links")
def get_incident(incident_id: str, caller: Caller = requires("incidents.read")) -> dict[str, Any]:
    return _visible(caller, incident_id).to_dict()  # type: ignore[no-any-return]


@router.post("/incidents", status_code=201, tags=["incidents"], summary="Open an incident; the deadline is computed")
def open_incident(body: IncidentOpen, caller: Caller = requires("incidents.open")) -> dict[str, Any]:
    from govern.incidents import open_incident as do_open

    for ref in body.models:
        own(caller, ref)
    return do_open(
        caller.ws.context,
        caller.principal,
        title=body.title,
        category=body.category,
        models=body.models,
        datasets=body.datasets,
        description=body.description,
        aware_at=body.aware_at,
    ).to_dict()


@router.patch(
    "/incidents/{incident_id}",
    tags=["incidents"],
    summary="Change an open incident, add corrective actions and affected models/datasets",
)
def update_incident(
    incident_id: str, body: IncidentUpdate, caller: Caller = requires("incidents.update")
) -> dict[str, Any]:
    from govern.incidents import update_incident as do_update

    _visible(caller, incident_id)
    for ref in body.models:
        own(caller, ref)
    return do_update(
        caller.ws.context,
        caller.principal,
        incident_id,
        title=body.title,
        description=body.description,
        category=body.category,
        aware_at=body.aware_at,
        actions=body.actions,
        models=body.models,
        datasets=body.datasets,
        note=body.note,
    ).to_dict()


@router.post(
    "/incidents/{incident_id}/reports",
    status_code=201,
    tags=["incidents"],
    summary="Attach an initial, follow-up or final report document (multipart), stored content-addressed",
)
def report_incident(
    incident_id: str,
    file: UploadFile = File(...),
    kind: Literal["initial", "follow_up", "final"] = Form("initial"),
    note: str = Form("", max_length=4000),
    caller: Caller = requires("incidents.update"),
) -> dict[str, Any]:
    from govern.incidents import report_incident as do_report

    _visible(caller, incident_id)
    with _saved(file) as path:
        return do_report(caller.ws.context, caller.principal, incident_id, path, kind=kind, note=note).to_dict()


@router.post(
    "/incidents/{incident_id}/close",
    tags=["incidents"],
    summary="Close an incident once its initial report is filed (not by an owner of an affected model)",
)
def close_incident(
    incident_id: str, body: IncidentClose, caller: Caller = requires("incidents.close")
) -> dict[str, Any]:
    from govern.incidents import close_incident as do_close

    return do_close(caller.ws.context, caller.principal, incident_id, resolution=body.resolution).to_dict()
