"""Render a Decision for people and CI systems: text, JSON, JUnit XML, Markdown, SARIF 2.1.0."""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from xml.sax.saxutils import escape, quoteattr

from ._types import Decision, Finding

Format = Literal["text", "json", "junit", "markdown", "sarif"]
_SYMBOL = {"pass": "PASS", "fail": "FAIL", "inconclusive": "INCONCLUSIVE", "error": "ERROR", "waived": "WAIVED"}


def _value(f: Finding) -> str:
    return "-" if f.value is None else f"{f.value:.4g}"


def _headline(d: Decision) -> str:
    where = f" -> {d.target}" if d.target else ""
    return f"{d.outcome.upper()}: {d.gate} {d.model}{where} (tier {d.tier}; exit {d.exit_code})"


def render_text(d: Decision) -> str:
    lines = [_headline(d)]
    width = max((len(f.rule) for f in d.findings), default=10)
    for f in d.findings:
        lines.append(
            f"  {_SYMBOL[f.result]:<12} {f.rule:<{width}}  value={_value(f):<8} require: {f.require}"
            + (f"   [{f.on_fail}]" if f.result != "pass" else "")
        )
        if f.result not in ("pass",):
            lines.append(f"  {'':<12} {'':<{width}}  {f.message}")
    for reason in d.reasons:
        if reason.startswith(("needs approval", "approval request", "tier prohibited")):
            lines.append(f"  -> {reason}")
    if d.approval:
        lines.append(f"  approval request {d.approval['request']}: {d.approval['status']} ({d.approval['summary']})")
    lines.append(f"  decision {d.id}, ledger seq {d.ledger_seq}, hash {(d.ledger_hash or '')[:16]}")
    if d.registry is not None:
        lines.append(f"  {d.registry['line']}")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """``text`` safe inside a GitHub-flavoured Markdown table cell (a bare ``|`` splits the cell,
    even inside a code span: CEL's ``||`` would break the row)."""
    return text.replace("|", "\\|").replace("\n", " ")


def _summary(d: Decision) -> str:
    """One sentence a reader sees first: how many rules did not pass, by consequence."""
    not_passed = [f for f in d.findings if f.result != "pass"]
    if not not_passed:
        return f"All {len(d.findings)} rules passed."
    by: dict[str, int] = {}
    for f in not_passed:
        key = "waived" if f.result == "waived" else ("error" if f.result == "error" else f.on_fail)
        by[key] = by.get(key, 0) + 1
    parts = ", ".join(f"{n} {k}" for k, n in sorted(by.items()))
    return f"{len(not_passed)} of {len(d.findings)} rules did not pass ({parts})."


def render_markdown(d: Decision) -> str:
    """A CI job summary: outcome heading, a table of the rules that did not pass, the rest folded."""
    icon = {"allow": "✅", "monitor": "✅", "deny": "❌", "retrain": "🔁"}.get(d.outcome, "⏳")
    out = [
        f"### {icon} govern: **{d.outcome}** — {d.gate} `{d.model}`" + (f" → `{d.target}`" if d.target else ""),
        "",
        _summary(d),
        "",
        f"Tier **{d.tier}** (`{d.tier_rule}`) · requested by `{d.requester}` · decision `{d.id}` · "
        f"ledger seq {d.ledger_seq}",
        "",
    ]
    blocking = [f for f in d.findings if f.result != "pass"]
    if blocking:
        out += ["| result | rule | value | requirement | on fail | controls |", "|---|---|---|---|---|---|"]
        for f in blocking:
            out.append(
                f"| {_SYMBOL[f.result]} | `{f.rule}` | {_value(f)} | `{_cell(f.require)}` | {f.on_fail} | "
                f"{_cell(', '.join(f.controls))} |"
            )
        out.append("")
    passed = [f for f in d.findings if f.result == "pass"]
    if passed:
        out += ["<details><summary>" + f"{len(passed)} rule(s) passed</summary>", ""]
        out += [f"- `{f.rule}`: {_value(f)} (`{f.require}`)" for f in passed]
        out += ["", "</details>", ""]
    if d.approval:
        out.append(f"Approval request `{d.approval['request']}`: **{d.approval['status']}** — {d.approval['summary']}")
        out.append("")
    return "\n".join(out)


def render_junit(d: Decision) -> str:
    """JUnit XML (the Jenkins/Ant schema that CI systems read): one testcase per rule."""
    fails = sum(1 for f in d.findings if f.result in ("fail", "inconclusive") and f.on_fail != "warn")
    errors = sum(1 for f in d.findings if f.result == "error")
    skipped = sum(1 for f in d.findings if f.result == "waived")
    name = f"govern {d.gate} {d.model}" + (f" to {d.target}" if d.target else "")
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name={quoteattr("govern")} tests="{len(d.findings)}" failures="{fails}" errors="{errors}">',
        f'  <testsuite name={quoteattr(name)} tests="{len(d.findings)}" failures="{fails}" errors="{errors}" '
        f'skipped="{skipped}" timestamp={quoteattr(d.time[:19])}>',
        "    <properties>",
        f'      <property name="outcome" value={quoteattr(d.outcome)}/>',
        f'      <property name="tier" value={quoteattr(d.tier)}/>',
        f'      <property name="decision" value={quoteattr(d.id)}/>',
        f'      <property name="ledger_seq" value={quoteattr(str(d.ledger_seq))}/>',
        "    </properties>",
    ]
    for f in d.findings:
        head = f"    <testcase classname={quoteattr(f.policy)} name={quoteattr(f.rule)}"
        detail = escape(f"value={_value(f)} require: {f.require}\n{f.message}\ncontrols: {', '.join(f.controls)}")
        if f.result == "pass":
            out.append(head + "/>")
        elif f.result in ("fail", "inconclusive") and f.on_fail == "warn":
            # A warning does not fail the gate, but the CI page should still show it.
            out.append(head + f">\n      <system-out>{escape('warn: ' + f.message)}</system-out>\n    </testcase>")
        elif f.result == "waived":
            out.append(
                head + f">\n      <skipped message={quoteattr('waived: ' + (f.waiver or ''))}/>\n    </testcase>"
            )
        elif f.result == "error":
            out.append(
                head + f'>\n      <error message={quoteattr(f.message)} type="error">{detail}</error>\n    </testcase>'
            )
        else:
            out.append(
                head + f">\n      <failure message={quoteattr(f.message)} type={quoteattr(f.result)}>"
                f"{detail}</failure>\n    </testcase>"
            )
    out += ["  </testsuite>", "</testsuites>", ""]
    return "\n".join(out)


def _artifact(path: str, root: Path) -> dict[str, Any]:
    """An artifactLocation: repository-relative (``%SRCROOT%``, the directory the gate ran in) when
    the file is under ``root``, otherwise an absolute ``file:`` URI (a pack installed elsewhere)."""
    p = Path(path)
    absolute = p if p.is_absolute() else (root / p)
    try:
        rel = Path(os.path.normpath(absolute)).relative_to(Path(os.path.normpath(root)))
    except ValueError:
        return {"uri": Path(os.path.normpath(absolute)).as_uri()}
    return {"uri": str(PurePosixPath(*rel.parts)), "uriBaseId": "%SRCROOT%"}


def _physical(source: str | None, root: Path) -> dict[str, Any] | None:
    """A physicalLocation of a ``file:line`` source."""
    if not source:
        return None
    file, sep, line = source.rpartition(":")
    if not sep or not line.isdigit():
        file, line = source, "1"
    return {"physicalLocation": {"artifactLocation": _artifact(file, root), "region": {"startLine": int(line)}}}


def render_sarif(d: Decision, *, version: str = "0.1.0", root: Path | None = None) -> str:
    """SARIF 2.1.0: every rule as a reportingDescriptor, one result per rule that did not pass.

    Each result's physicalLocation is the rule in its policy file (uri relative to ``root``,
    default the current directory, with ``uriBaseId`` ``%SRCROOT%``; region ``startLine`` the
    rule's line), so GitHub code scanning shows it on that line; the model version is the logical
    location. A waived finding is a suppressed result.
    """
    base = Path.cwd() if root is None else root
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for f in d.findings:
        if f.rule not in index:
            index[f.rule] = len(rules)
            rules.append(
                {
                    "id": f.rule,
                    "name": f.rule.split("/", 1)[-1],
                    "shortDescription": {"text": f.description or f.require},
                    "fullDescription": {"text": f"{f.check}: {f.require}"},
                    "defaultConfiguration": {"level": "warning" if f.on_fail in ("warn", "review") else "error"},
                    "properties": {"controls": list(f.controls), "check": f.check, "onFail": f.on_fail},
                }
            )
    results = []
    for f in d.findings:
        if f.result == "pass":
            continue
        # A check that failed to run denies whatever the rule's on_fail says (fail closed).
        level = "error" if f.result == "error" or f.on_fail not in ("warn", "review") else "warning"
        # SARIF 2.1.0 3.27.10: a result whose kind is not "fail" has level "none". An
        # inconclusive measurement is "review": a person has to look; the decision says how much it weighs.
        kind = "review" if f.result == "inconclusive" else "fail"
        results.append(
            {
                "ruleId": f.rule,
                "ruleIndex": index[f.rule],
                "kind": kind,
                "level": "none" if kind != "fail" else level,
                "message": {"text": f"{d.model}: {f.result}: {f.message} (value {_value(f)}, require {f.require})"},
                "locations": [
                    {
                        **(_physical(f.source, base) or {}),
                        "logicalLocations": [{"name": d.model, "kind": "module", "fullyQualifiedName": d.model}],
                    }
                ],
                "properties": {"result": f.result, "value": f.value, "controls": list(f.controls), "decision": d.id},
                **(
                    {
                        "suppressions": [
                            {"kind": "external", "status": "accepted", "justification": f"waiver {f.waiver}"}
                        ]
                    }
                    if f.result == "waived"
                    else {}
                ),
            }
        )
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "govern",
                        "version": version,
                        "informationUri": "https://example.invalid/govern",
                        "rules": rules,
                    }
                },
                "results": results,
                "originalUriBaseIds": {"%SRCROOT%": {"uri": base.resolve().as_uri() + "/"}},
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "exitCode": d.exit_code,
                        "properties": {
                            "outcome": d.outcome,
                            "tier": d.tier,
                            "decision": d.id,
                            "ledgerSeq": d.ledger_seq,
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def render(d: Decision, fmt: Format) -> str:
    """``d`` rendered as ``fmt`` (text for people, JSON for programs, JUnit/SARIF/Markdown for CI)."""
    if fmt == "json":
        return json.dumps(d.to_dict(), indent=2) + "\n"
    return {"text": render_text, "junit": render_junit, "markdown": render_markdown, "sarif": render_sarif}[fmt](d)
