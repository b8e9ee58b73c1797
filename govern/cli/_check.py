"""`govern check ...`: the gate's checks on local files, before anything is registered.

Each command builds an evidence set from its arguments and calls ``govern.checks.run_check``,
so an ad-hoc check and the gate compute the same numbers with the same code.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ._codes import STATS_ENGINE_UNKNOWN
from ._common import Format, emit_json, emit_text, format_option

if TYPE_CHECKING:
    from govern.measurements import (
        DriftMeasurement,
        ExplainabilityMeasurement,
        FairnessMeasurement,
        PerformanceMeasurement,
    )

app = typer.Typer(help="Run a check on local files (no workspace needed).", no_args_is_help=True)

FormatOption = format_option(Format.TEXT, Format.JSON, short=True)
EngineOption = typer.Option(
    "local", "--engine", help="where a dataset directory is reduced: local, duckdb, spark, dask or ray"
)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _progress(label: str) -> Any:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{label}: {done}/{total}{end}")
        sys.stderr.flush()

    return show


def _run(name: str, params: dict[str, Any], evidence: Any, fmt: Format, render: Any) -> None:
    from govern.checks import run_check

    measurement = run_check(name, params, evidence, {}, progress=_progress(name))
    if fmt == "json":
        emit_json(measurement.to_json())
    else:
        emit_text(render(measurement))


def _engine(name: str) -> str:
    from govern.core import GovernError
    from govern.stats import ENGINES

    if name not in ENGINES:
        raise GovernError(STATS_ENGINE_UNKNOWN, f"no engine named {name!r} (known: {', '.join(ENGINES)})")
    return name


def _num(value: float | None, spec: str = ".4f", width: int = 0) -> str:
    """A number, or an em dash when the statistic does not exist (never a made-up 0)."""
    return f"{'—' if value is None else format(value, spec):>{width}}"


def _render_fairness(m: FairnessMeasurement) -> str:
    lines = [
        f"{'metric':32} value",
        *(f"{k:32} {_num(v)}" for k, v in m.metrics.items()),
        f"CI of the headline ({_num(m.value)}): [{_num(m.lower)}, {_num(m.upper)}]",
        f"four-fifths rule: {'pass' if m.four_fifths_pass else 'FAIL'}; smallest group: {m.min_group_count}"
        + ("  (INCONCLUSIVE: below the minimum group size)" if m.inconclusive else ""),
        "",
        f"{'group':28} {'count':>8} {'sel':>7} {'tpr':>7} {'fpr':>7} {'fnr':>7} {'prec':>7} {'acc':>7}",
    ]
    for group, g in m.per_group.items():
        lines.append(
            f"{group[:28]:28} {g.count:>8} {g.selection_rate:7.4f} {g.true_positive_rate:7.4f} "
            f"{g.false_positive_rate:7.4f} {g.false_negative_rate:7.4f} {g.precision:7.4f} {g.accuracy:7.4f}"
        )
    return "\n".join(lines) + "\n"


def _render_drift(m: DriftMeasurement) -> str:
    lines = [f"{'feature':24} {'ks/chi2':>10} {'p-value':>10} {'psi':>8} {'wass.':>8} {'js':>8}"]
    for name, s in m.per_feature.items():
        stat = s.ks_statistic if s.kind == "numeric" else s.chi2_statistic
        lines.append(
            f"{name[:24]:24} {_num(stat, '.4f', 10)} {_num(s.pvalue, '.2e', 10)} {_num(s.psi, '.4f', 8)} "
            f"{_num(s.wasserstein, '.4f', 8)} {_num(s.jensen_shannon, '.4f', 8)}"
        )
    lines.append(
        f"max {m.method}: {_num(m.max_value)}; min p-value: {m.min_pvalue:.2e}; "
        f"prediction PSI: {_num(m.prediction_psi)}"
    )
    lines.append(f"drifted: {', '.join(m.drifted) or 'none'}; decision: {m.decision}")
    return "\n".join(lines) + "\n"


def _render_explain(m: ExplainabilityMeasurement) -> str:
    lines = [f"{'feature':28} mean |SHAP|"]
    lines += [f"{f[:28]:28} {m.importance[f]:.6f}" for f in m.top_features]
    lines.append(f"protected share: {_num(m.protected_share)}; proxy share: {_num(m.proxy_share)}")
    proxies = ", ".join(f"{k} ({v:.2f})" for k, v in m.proxies.items())
    lines.append(
        f"proxies: {proxies or 'none'}; protected or proxies in top: {', '.join(m.protected_in_top) or 'none'}"
    )
    return "\n".join(lines) + "\n"


def _render_performance(m: PerformanceMeasurement) -> str:
    lines = [f"{k:20} {_num(v)}" for k, v in m.metrics.items()]
    if m.has_champion:
        lines.append(f"challenger - champion: {_num(m.delta)} [{_num(m.delta_lower)}, {_num(m.delta_upper)}]")
    return "\n".join(lines) + "\n"


@app.command("fairness")
def fairness_cmd(
    data: Path = typer.Argument(..., help="Evaluation table (.csv or .parquet)"),
    label: str = typer.Option(..., "--label", help="True label column"),
    prediction: str | None = typer.Option(None, "--prediction", help="Predicted label column"),
    sensitive: str = typer.Option(..., "--sensitive", help="Sensitive column(s), comma-separated (intersected)"),
    score: str | None = typer.Option(None, "--score", help="Score column (used when there is no --prediction)"),
    positive: str | None = typer.Option(None, "--positive", help="Value of the positive class if not 0/1"),
    metric: str = typer.Option("demographic_parity_difference", "--metric"),
    replicates: int = typer.Option(1000, "--replicates", help="Bootstrap replicates (0: none)"),
    min_group_size: int = typer.Option(30, "--min-group-size"),
    engine: str = EngineOption,
    fmt: Format = FormatOption,
) -> None:
    """Group fairness metrics with bootstrap intervals (DATA: a table, a dataset directory or a glob)."""
    from govern.evidence import ColumnMapping, Evidence, EvidenceSet

    mapping = ColumnMapping(
        label=label, prediction=prediction, score=score, sensitive=tuple(_split(sensitive)), positive=positive
    )
    evidence = EvidenceSet((Evidence("evaluation", data, mapping),), engine=_engine(engine))
    params = {"metric": metric, "replicates": replicates, "min_group_size": min_group_size}
    _run("fairness", params, evidence, fmt, _render_fairness)


@app.command("drift")
def drift_cmd(
    reference: Path = typer.Argument(..., help="Reference table (training or last-good sample)"),
    current: Path = typer.Argument(..., help="Current table"),
    columns: str | None = typer.Option(None, "--columns", help="Features to compare (default: all)"),
    categorical: str | None = typer.Option(None, "--categorical", help="Numeric columns to treat as categories"),
    score: str | None = typer.Option(None, "--score", help="Score column: its PSI is the prediction drift"),
    method: str = typer.Option("psi", "--method", help="psi, ks, wasserstein, jensen_shannon, chi2"),
    threshold: float | None = typer.Option(None, "--threshold", help="Drifted when the method's statistic >= this"),
    engine: str = EngineOption,
    fmt: Format = FormatOption,
) -> None:
    """Per-feature drift (KS, PSI, Wasserstein, Jensen-Shannon; chi-square for categories)."""
    from govern.evidence import ColumnMapping, Evidence, EvidenceSet

    mapping = ColumnMapping(score=score)
    evidence = EvidenceSet(
        (Evidence("reference", reference, mapping), Evidence("current", current, mapping)), engine=_engine(engine)
    )
    params: dict[str, Any] = {
        "method": method,
        "features": _split(columns) or "all",
        "categorical": _split(categorical),
    }
    if threshold is not None:
        params["threshold"] = threshold
    _run("drift", params, evidence, fmt, _render_drift)


@app.command("explain")
def explain_cmd(
    model: Path = typer.Argument(..., help="Model saved with skops (.skops); pickle is refused"),
    data: Path = typer.Argument(..., help="Table with the model's input columns"),
    protected: str | None = typer.Option(None, "--protected", help="Protected attribute columns"),
    proxy_threshold: float = typer.Option(0.5, "--proxy-threshold"),
    max_samples: int = typer.Option(500, "--max-samples", help="Rows explained by the sampled explainer"),
    top_k: int = typer.Option(10, "--top-k"),
    fmt: Format = FormatOption,
) -> None:
    """Global SHAP importance, protected attributes and their proxies."""
    from govern.evidence import ColumnMapping, Evidence, EvidenceSet

    names = _split(protected)
    evidence = EvidenceSet(
        (Evidence("model", model), Evidence("evaluation", data, ColumnMapping(sensitive=tuple(names))))
    )
    params = {"protected": names, "proxy_threshold": proxy_threshold, "max_samples": max_samples, "top_k": top_k}
    _run("explainability", params, evidence, fmt, _render_explain)


@app.command("performance")
def performance_cmd(
    data: Path = typer.Argument(..., help="Evaluation table"),
    label: str = typer.Option(..., "--label"),
    score: str = typer.Option(..., "--score", help="Positive-class probability column"),
    champion_score: str | None = typer.Option(None, "--champion-score", help="The champion's score column, same rows"),
    positive: str | None = typer.Option(None, "--positive"),
    metric: str = typer.Option("auc", "--metric", help="auc, accuracy, f1, log_loss, brier, calibration_error"),
    replicates: int = typer.Option(1000, "--replicates"),
    engine: str = EngineOption,
    fmt: Format = FormatOption,
) -> None:
    """AUC, accuracy, F1, log loss, Brier, calibration error; challenger vs champion."""
    from govern.evidence import ColumnMapping, Evidence, EvidenceSet

    mapping = ColumnMapping(label=label, score=score, positive=positive)
    evidence = EvidenceSet((Evidence("evaluation", data, mapping),), engine=_engine(engine))
    if champion_score:
        champion = ColumnMapping(label=label, score=champion_score, positive=positive)
        evidence.champion = EvidenceSet((Evidence("evaluation", data, champion),))
    _run("performance", {"metric": metric, "replicates": replicates}, evidence, fmt, _render_performance)
