"""Routes: compliance reports (model and period) as PDF/A-3b with evidence attached, or HTML."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import AwareDatetime

from govern.core import GovernError

from ._codes import PERIOD_INVALID
from ._deps import Caller, requires
from ._models import own

router = APIRouter(prefix="/reports", tags=["reports"])
ReportFormat = Literal["pdf", "html"]
_MEDIA = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
_REPORT: dict[str, dict[str, Any]] = {"application/pdf": {}, "text/html": {}}


def _file(write: Callable[[Path], object], fmt: ReportFormat, name: str) -> Response:
    """Render through ``write(path)`` into a private temporary folder and answer the bytes."""
    with tempfile.TemporaryDirectory(prefix="govern-report-") as tmp:
        path = Path(tmp) / f"report.{fmt}"
        write(path)
        body = path.read_bytes()
    return Response(
        body, media_type=_MEDIA[fmt], headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    )


@router.get(
    "/models/{ref}",
    summary="Model report: card, lineage, rules, fairness, drift, reviews, ledger proofs",
    response_class=Response,
    responses={200: {"content": _REPORT}},
)
def model_report(
    ref: str,
    format: ReportFormat = "pdf",
    caller: Caller = requires("reports.read"),
) -> Response:
    own(caller, ref)
    return _file(lambda path: caller.ws.report_model(ref, path), format, f"govern-{ref.replace('@', '-')}")


@router.get(
    "/period",
    summary="Period report: exceptions first, then every decision, review and stage change",
    response_class=Response,
    responses={200: {"content": _REPORT}},
)
def period_report(
    start: AwareDatetime = Query(..., alias="from"),
    end: AwareDatetime = Query(..., alias="to"),
    format: ReportFormat = "pdf",
    caller: Caller = requires("reports.period"),
) -> Response:
    if end <= start:
        raise GovernError(PERIOD_INVALID, "`to` must be after `from`")
    return _file(
        lambda path: caller.ws.report_period(start, end, path), format, f"govern-period-{_day(start)}-{_day(end)}"
    )


def _day(value: datetime) -> str:
    return value.strftime("%Y%m%d")
