"""Serious incidents (EU AI Act Art. 73): open, update, report, close; each ledgered in its transaction.

An incident has a category from Art. 3(49) (or a widespread infringement, Art. 3(61)); the date the
provider became aware of it (``aware_at``) and the category give the statutory deadline of the
initial report (Art. 73(2)-(4)). It links the model versions and datasets it affects; while it is
open it can hold their promotion (:func:`blocking`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import sqlalchemy as sa

from govern.core import ConflictError, GovernError, NotFoundError, PermissionDenied, isoformat, parse_ref, utcnow
from govern.store import table_of

from ._codes import (
    INCIDENT_AWARE_IN_FUTURE,
    INCIDENT_CLOSED,
    INCIDENT_INVALID,
    INCIDENT_NOT_FOUND,
    INCIDENT_NOT_REPORTED,
    INCIDENT_REPORT_ORDER,
    INVALID_CATEGORY,
    ROLE_NOT_ALLOWED,
    SOD_OWNER_CONFLICT,
)
from ._tables import IncidentLinkRow, IncidentReportRow, IncidentRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from govern.identity import Principal
    from govern.store import Store

incident_t = table_of(IncidentRow)
link_t = table_of(IncidentLinkRow)
report_t = table_of(IncidentReportRow)

Category = Literal[
    "death_or_serious_harm",
    "critical_infrastructure",
    "widespread_infringement",
    "fundamental_rights",
    "property_or_environment",
]
ReportKind = Literal["initial", "follow_up", "final"]
REPORT_KINDS: tuple[ReportKind, ...] = ("initial", "follow_up", "final")


@dataclass(frozen=True)
class CategoryRule:
    """What a category is (its legal definition) and how many days the initial report may take."""

    days: int
    definition: str
    deadline_article: str


CATEGORIES: dict[str, CategoryRule] = {
    "death_or_serious_harm": CategoryRule(
        10, "Art. 3(49)(a): the death of a person, or serious harm to a person's health", "Art. 73(4)"
    ),
    "critical_infrastructure": CategoryRule(
        2,
        "Art. 3(49)(b): a serious and irreversible disruption of the management or operation of critical "
        "infrastructure",
        "Art. 73(3)",
    ),
    "widespread_infringement": CategoryRule(
        2, "Art. 3(61): a widespread infringement (several Member States or a large number of people)", "Art. 73(3)"
    ),
    "fundamental_rights": CategoryRule(
        15,
        "Art. 3(49)(c): the infringement of obligations under Union law intended to protect fundamental rights",
        "Art. 73(2)",
    ),
    "property_or_environment": CategoryRule(
        15, "Art. 3(49)(d): serious harm to property or the environment", "Art. 73(2)"
    ),
}
"""Category -> its rule. Every category here is a serious incident; the shortest deadline applies."""

OPEN_ROLES = ("risk_officer", "admin", "model_owner")
UPDATE_ROLES = ("risk_officer", "admin", "model_owner")
CLOSE_ROLES = ("risk_officer", "admin")


class IncidentContext(Protocol):
    """What the write functions need: the store and the blob folder (``decisions.Context`` fits)."""

    @property
    def store(self) -> Store: ...

    @property
    def blob_dir(self) -> Path: ...


@dataclass(frozen=True, kw_only=True)
class IncidentReport:
    id: str
    kind: str
    digest: str
    filename: str
    size: int
    note: str
    submitted_at: datetime
    submitted_by: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "digest": self.digest,
            "filename": self.filename,
            "size": self.size,
            "note": self.note,
            "submitted_at": isoformat(self.submitted_at),
            "submitted_by": self.submitted_by,
        }


@dataclass(frozen=True, kw_only=True)
class Incident:
    """An incident as other rooms, the CLI and the API read it."""

    id: str
    title: str
    description: str
    category: str
    status: str
    aware_at: datetime
    deadline_at: datetime
    opened_at: datetime
    opened_by: str
    updated_at: datetime
    reported_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    resolution: str | None
    corrective_actions: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)  # {kind, ref}
    reports: list[IncidentReport] = field(default_factory=list)

    @property
    def deadline_days(self) -> int:
        return CATEGORIES[self.category].days

    @property
    def models(self) -> list[str]:
        return [link["ref"] for link in self.links if link["kind"] == "model"]

    def overdue(self, now: datetime | None = None) -> bool:
        """True when the initial report was not filed and the statutory deadline has passed."""
        return self.reported_at is None and (now or utcnow()) > self.deadline_at

    def reported_late(self) -> bool:
        return self.reported_at is not None and self.reported_at > self.deadline_at

    def to_dict(self, now: datetime | None = None) -> dict[str, Any]:
        rule = CATEGORIES[self.category]
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "category": self.category,
            "definition": rule.definition,
            "status": self.status,
            "aware_at": isoformat(self.aware_at),
            "deadline_days": rule.days,
            "deadline_article": rule.deadline_article,
            "deadline_at": isoformat(self.deadline_at),
            "overdue": self.overdue(now),
            "reported_at": isoformat(self.reported_at) if self.reported_at else None,
            "reported_late": self.reported_late(),
            "opened_at": isoformat(self.opened_at),
            "opened_by": self.opened_by,
            "updated_at": isoformat(self.updated_at),
            "closed_at": isoformat(self.closed_at) if self.closed_at else None,
            "closed_by": self.closed_by,
            "resolution": self.resolution,
            "corrective_actions": list(self.corrective_actions),
            "links": list(self.links),
            "reports": [r.to_dict() for r in self.reports],
        }


def category_rule(category: str) -> CategoryRule:
    """The rule of ``category``; raises ``invalid_category`` listing the valid ones."""
    rule = CATEGORIES.get(category.strip().replace("-", "_"))
    if rule is None:
        raise GovernError(
            INVALID_CATEGORY, f"unknown incident category {category!r}; categories: {', '.join(CATEGORIES)}"
        )
    return rule


def statutory_deadline(category: str, aware_at: datetime) -> datetime:
    """When the initial report is due: ``aware_at`` plus the category's days (Art. 73(2)-(4))."""
    return aware_at + timedelta(days=category_rule(category).days)


# -- writes ---------------------------------------------------------------------------------------


def open_incident(
    ctx: IncidentContext,
    principal: Principal,
    *,
    title: str,
    category: str,
    models: list[str],
    datasets: list[str] | None = None,
    description: str = "",
    aware_at: datetime | None = None,
) -> Incident:
    """Open an incident on ``models`` (at least one model version) and optionally ``datasets``.

    ``aware_at`` (default now) may not be in the future; the deadline is computed from it and the
    category. A ``model_owner`` may open one only on models it owns. Ledgers ``incident.opened``.
    Raises ``role_not_allowed``, ``invalid_category``, ``incident_invalid``,
    ``incident_aware_in_future``, and lineage's ``not_found``/``invalid_ref`` for a bad link.
    """
    _require_role(principal, OPEN_ROLES, "open an incident")
    key = category.strip().replace("-", "_")
    category_rule(key)
    if not title.strip():
        raise GovernError(INCIDENT_INVALID, "an incident needs a title")
    if not models:
        raise GovernError(INCIDENT_INVALID, "an incident names at least one affected model version (--model)")
    now = utcnow()
    aware = aware_at or now
    if aware > now:
        raise GovernError(INCIDENT_AWARE_IN_FUTURE, f"aware_at {isoformat(aware)} is in the future")
    incident_id = "inc_" + uuid.uuid4().hex[:20]
    with ctx.store.write() as session:
        links = _resolve_links(session, models, datasets or [])
        if principal.role == "model_owner":
            not_owned = [link["ref"] for link in links if link["kind"] == "model" and link["owner"] != principal.name]
            if not_owned:
                raise PermissionDenied(
                    ROLE_NOT_ALLOWED,
                    f"a model_owner opens incidents on its own models only, not {', '.join(not_owned)}",
                )
        deadline = aware + timedelta(days=CATEGORIES[key].days)
        session.execute(
            sa.insert(incident_t).values(
                id=incident_id,
                title=title.strip(),
                description=description.strip(),
                category=key,
                status="open",
                aware_at=aware,
                deadline_at=deadline,
                opened_at=now,
                opened_by=principal.name,
                updated_at=now,
                corrective_actions=[],
            )
        )
        _insert_links(session, incident_id, links)
        _ledger(
            session,
            principal,
            "incident.opened",
            {
                "incident": incident_id,
                "title": title.strip(),
                "category": key,
                "aware_at": isoformat(aware),
                "deadline_at": isoformat(deadline),
                "links": [{"kind": link["kind"], "ref": link["ref"]} for link in links],
            },
        )
        return _load(session, incident_id)


def update_incident(
    ctx: IncidentContext,
    principal: Principal,
    incident_id: str,
    *,
    title: str | None = None,
    description: str | None = None,
    category: str | None = None,
    aware_at: datetime | None = None,
    actions: list[str] | None = None,
    models: list[str] | None = None,
    datasets: list[str] | None = None,
    note: str = "",
) -> Incident:
    """Change an open incident: its title, description, category or ``aware_at`` (the deadline is
    recomputed), add corrective actions and affected models/datasets. Ledgers ``incident.updated``
    with every old and new value. Raises ``incident_not_found``, ``incident_closed``,
    ``incident_invalid`` (nothing to change), ``role_not_allowed``, ``invalid_category``."""
    _require_role(principal, UPDATE_ROLES, "update an incident")
    now = utcnow()
    with ctx.store.write() as session:
        current = _load(session, incident_id)
        _check_open(current)
        _check_owner_access(session, principal, current)
        values: dict[str, Any] = {}
        changes: dict[str, list[Any]] = {}
        if title is not None and title.strip() and title.strip() != current.title:
            values["title"] = title.strip()
        if description is not None and description.strip() != current.description:
            values["description"] = description.strip()
        if category is not None:
            key = category.strip().replace("-", "_")
            category_rule(key)
            if key != current.category:
                values["category"] = key
        if aware_at is not None and aware_at != current.aware_at:
            if aware_at > now:
                raise GovernError(INCIDENT_AWARE_IN_FUTURE, f"aware_at {isoformat(aware_at)} is in the future")
            values["aware_at"] = aware_at
        for name, new in values.items():
            old = getattr(current, name)
            changes[name] = [isoformat(old), isoformat(new)] if isinstance(new, datetime) else [old, new]
        if "category" in values or "aware_at" in values:
            deadline = values.get("aware_at", current.aware_at) + timedelta(
                days=CATEGORIES[values.get("category", current.category)].days
            )
            if deadline != current.deadline_at:
                values["deadline_at"] = deadline
                changes["deadline_at"] = [isoformat(current.deadline_at), isoformat(deadline)]
        added_actions = [
            {"action": a.strip(), "at": isoformat(now), "by": principal.name} for a in actions or [] if a.strip()
        ]
        if added_actions:
            values["corrective_actions"] = [*current.corrective_actions, *added_actions]
        known = {link["ref"] for link in current.links}
        new_links = [link for link in _resolve_links(session, models or [], datasets or []) if link["ref"] not in known]
        if not values and not new_links:
            raise GovernError(INCIDENT_INVALID, f"nothing to change in incident {incident_id}")
        values["updated_at"] = now
        session.execute(sa.update(incident_t).where(incident_t.c.id == incident_id).values(**values))
        _insert_links(session, incident_id, new_links)
        _ledger(
            session,
            principal,
            "incident.updated",
            {
                "incident": incident_id,
                "changes": changes,
                "corrective_actions": [a["action"] for a in added_actions],
                "links": [{"kind": link["kind"], "ref": link["ref"]} for link in new_links],
                **({"note": note.strip()} if note.strip() else {}),
            },
        )
        return _load(session, incident_id)


def report_incident(
    ctx: IncidentContext,
    principal: Principal,
    incident_id: str,
    path: Path | str,
    *,
    kind: str = "initial",
    note: str = "",
) -> Incident:
    """Attach a report document (the file at ``path``, stored content-addressed in the blob store):
    one ``initial`` report first, then any ``follow_up`` reports and a ``final`` one. The initial
    report's time is the incident's ``reported_at`` (late when after the deadline). Ledgers
    ``incident.reported`` with the document's digest. Raises ``incident_not_found``,
    ``incident_closed``, ``incident_report_order``, ``incident_invalid`` (unknown kind),
    ``role_not_allowed``, and evidence's ``evidence_unreadable``."""
    from govern.evidence import store_blob

    _require_role(principal, UPDATE_ROLES, "report an incident")
    if kind not in REPORT_KINDS:
        raise GovernError(INCIDENT_INVALID, f"report kind must be one of {', '.join(REPORT_KINDS)}, not {kind!r}")
    source = Path(path)
    with ctx.store.read() as session:  # fail before copying the file into the blob store
        current = _load(session, incident_id)
        _check_open(current)
        _check_owner_access(session, principal, current)
    digest = store_blob(ctx.blob_dir, source)
    now = utcnow()
    with ctx.store.write() as session:
        current = _load(session, incident_id)
        _check_open(current)
        kinds = [r.kind for r in current.reports]
        if kind == "initial" and "initial" in kinds:
            raise ConflictError(INCIDENT_REPORT_ORDER, f"incident {incident_id} already has its initial report")
        if kind != "initial" and "initial" not in kinds:
            raise ConflictError(INCIDENT_REPORT_ORDER, f"file the initial report of {incident_id} before a {kind} one")
        report_id = "irp_" + uuid.uuid4().hex[:20]
        session.execute(
            sa.insert(report_t).values(
                id=report_id,
                incident_id=incident_id,
                kind=kind,
                digest=digest,
                filename=source.name,
                size=source.stat().st_size,
                note=note.strip(),
                submitted_at=now,
                submitted_by=principal.name,
            )
        )
        values: dict[str, Any] = {"updated_at": now}
        if kind == "initial":
            values["reported_at"] = now
        session.execute(sa.update(incident_t).where(incident_t.c.id == incident_id).values(**values))
        _ledger(
            session,
            principal,
            "incident.reported",
            {
                "incident": incident_id,
                "report": report_id,
                "kind": kind,
                "digest": digest,
                "filename": source.name,
                "deadline_at": isoformat(current.deadline_at),
                "late": kind == "initial" and now > current.deadline_at,
            },
        )
        return _load(session, incident_id)


def close_incident(ctx: IncidentContext, principal: Principal, incident_id: str, *, resolution: str) -> Incident:
    """Close an incident with a resolution. Only a ``risk_officer`` or ``admin`` who owns none of
    the affected models may, and only once the initial report is filed. Ledgers ``incident.closed``.
    Raises ``role_not_allowed``, ``sod_owner_conflict``, ``incident_not_found``, ``incident_closed``,
    ``incident_not_reported``, ``incident_invalid`` (no resolution)."""
    _require_role(principal, CLOSE_ROLES, "close an incident")
    if not resolution.strip():
        raise GovernError(INCIDENT_INVALID, "closing an incident needs a resolution")
    now = utcnow()
    with ctx.store.write() as session:
        current = _load(session, incident_id)
        _check_open(current)
        owned = [ref for ref, owner in _model_owners(session, current).items() if owner == principal.name]
        if owned:
            raise PermissionDenied(
                SOD_OWNER_CONFLICT, f"{principal.name} owns {', '.join(owned)} and cannot close an incident on it"
            )
        if current.reported_at is None:
            raise ConflictError(
                INCIDENT_NOT_REPORTED, f"incident {incident_id} has no initial report; file it before closing"
            )
        session.execute(
            sa.update(incident_t)
            .where(incident_t.c.id == incident_id)
            .values(
                status="closed", closed_at=now, closed_by=principal.name, resolution=resolution.strip(), updated_at=now
            )
        )
        _ledger(
            session,
            principal,
            "incident.closed",
            {"incident": incident_id, "resolution": resolution.strip(), "reported_late": current.reported_late()},
        )
        return _load(session, incident_id)


# -- reads ----------------------------------------------------------------------------------------


def get_incident(session: Session, incident_id: str) -> Incident:
    """One incident with its links and reports. Raises ``NotFoundError(incident_not_found)``."""
    return _load(session, incident_id)


def list_incidents(session: Session, *, status: str | None = None, model: str | None = None) -> list[Incident]:
    """Incidents, newest first; optionally only ``open``/``closed`` ones, or those affecting ``model``
    (a model version, directly or through anything upstream of it)."""
    query = sa.select(incident_t.c.id).order_by(incident_t.c.opened_at.desc(), incident_t.c.id)
    if status is not None:
        query = query.where(incident_t.c.status == status)
    if model is not None:
        query = query.where(incident_t.c.id.in_(_affecting(session, model)))
    return [_load(session, i) for i in session.execute(query).scalars()]


def open_incidents(session: Session, model_ref: str) -> list[Incident]:
    """The open incidents affecting ``model_ref``: linked to that model version, or to a dataset,
    feature or run upstream of it. Raises lineage's ``not_found`` for an unknown model."""
    return list_incidents(session, status="open", model=model_ref)


def blocking(session: Session, model_ref: str) -> list[Incident]:
    """What holds the promotion of ``model_ref``: its open incidents (:func:`open_incidents`).

    The gate calls this (a fact for CEL rules, or a hard deny): a model version with an open serious
    incident is not promoted until the incident is closed.
    """
    return open_incidents(session, model_ref)


def overdue_incidents(session: Session, now: datetime | None = None) -> list[Incident]:
    """Incidents whose initial report is missing past the statutory deadline at ``now`` (default:
    the current time), earliest deadline first."""
    at = now or utcnow()
    ids = session.execute(
        sa.select(incident_t.c.id)
        .where(incident_t.c.reported_at.is_(None), incident_t.c.deadline_at < at)
        .order_by(incident_t.c.deadline_at, incident_t.c.id)
    ).scalars()
    return [_load(session, i) for i in ids]


# -- helpers --------------------------------------------------------------------------------------


def _require_role(principal: Principal, roles: tuple[str, ...], what: str) -> None:
    if principal.role not in roles:
        raise PermissionDenied(ROLE_NOT_ALLOWED, f"only {', '.join(roles)} may {what}")


def _check_open(incident: Incident) -> None:
    if incident.status != "open":
        raise ConflictError(INCIDENT_CLOSED, f"incident {incident.id} is closed")


def _check_owner_access(session: Session, principal: Principal, incident: Incident) -> None:
    """A ``model_owner`` acts only on incidents affecting a model it owns."""
    if principal.role == "model_owner" and principal.name not in _model_owners(session, incident).values():
        raise PermissionDenied(ROLE_NOT_ALLOWED, f"{principal.name} owns no model affected by {incident.id}")


def _model_owners(session: Session, incident: Incident) -> dict[str, str]:
    from govern.lineage import model_record

    return {ref: model_record(session, parse_ref(ref)).owner for ref in incident.models}


def _resolve_links(session: Session, models: list[str], datasets: list[str]) -> list[dict[str, Any]]:
    """Each named model version and dataset/feature version, resolved to its lineage node."""
    from govern.lineage import model_record, resolve

    links: dict[int, dict[str, Any]] = {}
    for text in models:
        ref = parse_ref(text)
        if ref.kind != "model" or ref.version is None:
            raise GovernError(INCIDENT_INVALID, f"an affected model is a model version NAME@VERSION, not {text!r}")
        rec = model_record(session, ref)
        links[rec.node_id] = {"kind": "model", "ref": rec.ref, "node_id": rec.node_id, "owner": rec.owner}
    for text in datasets:
        ref = parse_ref(text, default_kind="dataset")
        if ref.kind not in ("dataset", "feature") or ref.version is None:
            raise GovernError(
                INCIDENT_INVALID, f"an affected dataset is a dataset or feature version NAME@VERSION, not {text!r}"
            )
        node_id = resolve(session, ref)
        links[node_id] = {"kind": ref.kind, "ref": str(ref), "node_id": node_id, "owner": None}
    return list(links.values())


def _insert_links(session: Session, incident_id: str, links: list[dict[str, Any]]) -> None:
    for link in links:
        session.execute(
            sa.insert(link_t).values(
                incident_id=incident_id, node_id=link["node_id"], kind=link["kind"], ref=link["ref"]
            )
        )


def _affecting(session: Session, model_ref: str) -> sa.Select[tuple[str]]:
    """Ids of incidents linked to ``model_ref`` or to any node upstream of it."""
    from govern.lineage import model_record, subgraph

    ref = parse_ref(model_ref)
    rec = model_record(session, ref)
    nodes = set(subgraph(session, parse_ref(rec.ref), "upstream").nodes) | {rec.node_id}
    return sa.select(link_t.c.incident_id).where(link_t.c.node_id.in_(sorted(nodes))).distinct()


def _load(session: Session, incident_id: str) -> Incident:
    row = session.execute(sa.select(incident_t).where(incident_t.c.id == incident_id)).mappings().first()
    if row is None:
        raise NotFoundError(INCIDENT_NOT_FOUND, f"no incident {incident_id}")
    links = session.execute(
        sa.select(link_t.c.kind, link_t.c.ref).where(link_t.c.incident_id == incident_id).order_by(link_t.c.id)
    ).all()
    reports = session.execute(
        sa.select(report_t)
        .where(report_t.c.incident_id == incident_id)
        .order_by(report_t.c.submitted_at, report_t.c.id)
    ).mappings()
    return Incident(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        category=row["category"],
        status=row["status"],
        aware_at=row["aware_at"],
        deadline_at=row["deadline_at"],
        opened_at=row["opened_at"],
        opened_by=row["opened_by"],
        updated_at=row["updated_at"],
        reported_at=row["reported_at"],
        closed_at=row["closed_at"],
        closed_by=row["closed_by"],
        resolution=row["resolution"],
        corrective_actions=list(row["corrective_actions"] or []),
        links=[{"kind": k, "ref": r} for k, r in links],
        reports=[
            IncidentReport(
                id=r["id"],
                kind=r["kind"],
                digest=r["digest"],
                filename=r["filename"],
                size=r["size"],
                note=r["note"],
                submitted_at=r["submitted_at"],
                submitted_by=r["submitted_by"],
            )
            for r in reports
        ],
    )


def _ledger(session: Session, principal: Principal, kind: str, payload: dict[str, Any]) -> None:
    """The room's ledger entry, in the change's transaction; a principal named in single-user mode
    (no token) is marked so, as decisions does."""
    from govern.ledger import record

    if getattr(principal, "single_user", False):
        payload = {**payload, "single_user": True}
    payload = {**payload, "role": principal.role}
    record(session, actor=principal.name, kind=kind, payload=payload)
