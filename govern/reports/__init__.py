"""Compliance reports: model and period reports and model cards as PDF/A-3b (or HTML).

Rendered from plain data (``ModelReportData``, ``PeriodReportData``) by Jinja2 templates in
``audit/templates`` and WeasyPrint; charts are inline SVG; the machine-readable evidence
(decisions, checkpoint, inclusion proofs, public key) is embedded as PDF attachments.
"""

from . import _codes as codes
from ._annex import AnnexContext, AnnexItem, AnnexSection, annex_iv_sections
from ._attachments import evidence_files, extract_attachments
from ._data import (
    ControlStatus,
    DecisionRecord,
    DriftFeature,
    Evidence,
    ExceptionItem,
    FairnessTable,
    FeatureImportance,
    Finding,
    GroupRate,
    LedgerRow,
    LineageEdge,
    LineageGraph,
    LineageNode,
    ModelReportData,
    MonitoringPoint,
    PeriodReportData,
    ReviewAction,
    StageChange,
    Verification,
)
from ._engine import local_fetcher, markdown_safe, templates_dir
from ._format import fmt
from ._gather import gather_annex_iv, gather_model, gather_period, monitoring_history
from ._render import (
    model_report_html,
    period_report_html,
    render_annex_iv,
    render_card,
    render_model_report,
    render_period_report,
)
from ._svg import monitoring_chart
from ._verify import ReportVerification, verify_report

__all__ = [
    # monitoring history (model report, web inbox)
    "monitoring_history",
    "monitoring_chart",
    # error codes (the constants of every code this room raises)
    "codes",
    # EU AI Act Annex IV technical documentation
    "gather_annex_iv",
    "render_annex_iv",
    "annex_iv_sections",
    "AnnexContext",
    "AnnexSection",
    "AnnexItem",
    # report data
    "ModelReportData",
    "MonitoringPoint",
    "PeriodReportData",
    "DecisionRecord",
    "Finding",
    "FairnessTable",
    "GroupRate",
    "DriftFeature",
    "FeatureImportance",
    "LineageGraph",
    "LineageNode",
    "LineageEdge",
    "ReviewAction",
    "LedgerRow",
    "Verification",
    "ControlStatus",
    "Evidence",
    "ExceptionItem",
    "StageChange",
    # rendering
    "render_model_report",
    "render_period_report",
    "render_card",
    "model_report_html",
    "period_report_html",
    "fmt",
    "markdown_safe",
    "local_fetcher",
    "templates_dir",
    # gathering from a workspace
    "gather_model",
    "gather_period",
    # evidence in the PDF
    "evidence_files",
    "extract_attachments",
    "verify_report",
    "ReportVerification",
]
