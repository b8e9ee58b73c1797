"""Incidents: serious incidents under EU AI Act Art. 73, with the statutory reporting deadline of
their Art. 3(49) category, report documents (content-addressed), corrective actions and links to
the model versions and datasets they affect. Writes take ``(ctx, principal)`` and ledger their own
``incident.*`` entries; reads take the caller's session."""

from . import _codes as codes
from ._incidents import (
    CATEGORIES,
    CLOSE_ROLES,
    OPEN_ROLES,
    REPORT_KINDS,
    UPDATE_ROLES,
    Category,
    CategoryRule,
    Incident,
    IncidentContext,
    IncidentReport,
    ReportKind,
    blocking,
    category_rule,
    close_incident,
    get_incident,
    list_incidents,
    open_incident,
    open_incidents,
    overdue_incidents,
    report_incident,
    statutory_deadline,
    update_incident,
)

__all__ = [
    # error codes (the constants of every code this room raises)
    "codes",
    # categories and deadlines (Art. 3(49), Art. 73(2)-(4))
    "Category",
    "CategoryRule",
    "CATEGORIES",
    "category_rule",
    "statutory_deadline",
    "ReportKind",
    "REPORT_KINDS",
    "OPEN_ROLES",
    "UPDATE_ROLES",
    "CLOSE_ROLES",
    # types
    "Incident",
    "IncidentReport",
    "IncidentContext",
    # write (ledgered, (ctx, principal))
    "open_incident",
    "update_incident",
    "report_incident",
    "close_incident",
    # read (session)
    "get_incident",
    "list_incidents",
    "open_incidents",
    "overdue_incidents",
    "blocking",
]
