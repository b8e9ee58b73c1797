"""Decisions: the promotion and retraining gates, approvals, waivers and stage changes.

Every mutating function takes a :class:`Context` (store, blob folder, compiled packs) and the
acting principal, and writes its state change and ledger entry in one transaction. The CLI and
the API call these through ``govern.Workspace``. Other rooms read recorded decisions, votes,
waivers and stage changes through the read API below (session in, dataclasses out).
"""

from . import _codes as codes
from ._approvals import ApprovalView, Vote, get_request, list_requests, vote
from ._context import Context, audit
from ._format import Format, render
from ._gate import promote, retrain
from ._monitoring import MonitoringStatus, monitoring_holds, monitoring_status
from ._read import (
    StageChangeRecord,
    StoredDecision,
    VoteRecord,
    WaiverRecord,
    expired_requests,
    get_decision,
    history,
    last_decision_seq,
    latest_decision,
    stage_changes,
    votes,
    waivers,
)
from ._reevaluate import Flip, backtest, flag
from ._register import add_evidence, register_model
from ._targets import TargetHolder, holders
from ._types import EXIT_CODES, PROMOTION_TARGETS, STAGES, Decision, Finding, Outcome
from ._waivers import WaiverView, list_waivers, rollback, waive

__all__ = [
    # error codes (the constants of every code this room raises)
    "codes",
    "Context",
    "audit",
    # gates
    "promote",
    "retrain",
    "Decision",
    "Finding",
    "Outcome",
    "EXIT_CODES",
    "STAGES",
    "PROMOTION_TARGETS",
    "TargetHolder",
    "holders",
    "render",
    "Format",
    # registration, and evidence (session in: govern.evidence.add_evidence reading datasets by govern.stats)
    "register_model",
    "add_evidence",
    # approvals and waivers
    "vote",
    "get_request",
    "list_requests",
    "ApprovalView",
    "Vote",
    "waive",
    "list_waivers",
    "WaiverView",
    "rollback",
    # re-evaluation
    "flag",
    "backtest",
    "Flip",
    # read API (session in, dataclasses out)
    "get_decision",
    "latest_decision",
    "monitoring_status",
    "monitoring_holds",
    "MonitoringStatus",
    "history",
    "last_decision_seq",
    "votes",
    "waivers",
    "stage_changes",
    "expired_requests",
    "StoredDecision",
    "VoteRecord",
    "WaiverRecord",
    "StageChangeRecord",
]
