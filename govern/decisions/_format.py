"""Render a Decision for people and CI systems: text, JSON, JUnit XML, Markdown, SARIF 2.1.0."""

from __future__ import annotations

import json
from typing import Literal
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
        lines.append(f"  {_SYMBOL[f.result]:<12} {f.rule:<{width}}  value={_value(f):<8} require: {f.require}"
                     + (f"   [{f.on_fail}]" if f.result != "pass" else ""))
        if f.result not in ("pass",):
            lines.append(f"  {'':<12} {'':<{width}}  {f.message}")
    for reason in d.reasons:
        if reason.startswith(("needs approval", "approval request", "tier prohibited")):
            lines.append(f"  -> {reason}")
    if d.approval:
        lines.append(f"  approval request {d.approval['request']}: {d.approval['status']} ({d.approval['summary']})")
    lines.append(f"  decision {d.id}, ledger seq {d.ledger_seq}, hash {(d.ledger_hash or '')[:16]}")
    return "\n".join(lines) + "\n"


def render_markdown(d: Decision) -> str:
    icon = {"allow": "✅", "monitor": "✅", "deny": "❌", "retrain": "🔁"}.get(d.outcome, "⏳")
    out = [f"### {icon} govern: **{d.outcome}** — {d.gate} `{d.model}`" + (f" → `{d.target}`" if d.target else ""),
           "", f"Tier **{d.tier}** (`{d.tier_rule}`) · requested by `{d.requester}` · decision `{d.id}` · "
           f"ledger seq {d.ledger_seq}", ""]
    blocking = [f for f in d.findings if f.result != "pass"]
    if blocking:
        out += ["| result | rule | value | requirement | on fail | controls |", "|---|---|---|---|---|---|"]
        for f in blocking:
            out.append(f"| {_SYMBOL[f.result]} | `{f.rule}` | {_value(f)} | `{f.require}` | {f.on_fail} | "
                       f"{', '.join(f.controls)} |")
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
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites name={quoteattr("govern")} tests="{len(d.findings)}" failures="{fails}" errors="{errors}">',
           f'  <testsuite name={quoteattr(name)} tests="{len(d.findings)}" failures="{fails}" errors="{errors}" '
           f'skipped="{skipped}" timestamp={quoteattr(d.time[:19])}>',
           '    <properties>',
           f'      <property name="outcome" value={quoteattr(d.outcome)}/>',
           f'      <property name="tier" value={quoteattr(d.tier)}/>',
           f'      <property name="decision" value={quoteattr(d.id)}/>',
           f'      <property name="ledger_seq" value={quoteattr(str(d.ledger_seq))}/>',
           '    </properties>']
    for f in d.findings:
        head = f'    <testcase classname={quoteattr(f.policy)} name={quoteattr(f.rule)}'
        detail = escape(f"value={_value(f)} require: {f.require}\n{f.message}\ncontrols: {', '.join(f.controls)}")
        if f.result == "pass" or (f.result in ("fail", "inconclusive") and f.on_fail == "warn"):
            out.append(head + "/>")
        elif f.result == "waived":
            out.append(head + f'>\n      <skipped message={quoteattr("waived: " + (f.waiver or ""))}/>\n    </testcase>')
        elif f.result == "error":
            out.append(head + f'>\n      <error message={quoteattr(f.message)} type="error">{detail}</error>\n    </testcase>')
        else:
            out.append(head + f'>\n      <failure message={quoteattr(f.message)} type={quoteattr(f.result)}>'
                       f'{detail}</failure>\n    </testcase>')
    out += ["  </testsuite>", "</testsuites>", ""]
    return "\n".join(out)


def render_sarif(d: Decision, *, version: str = "0.1.0") -> str:
    """SARIF 2.1.0: one result per rule that did not pass; the policy pack file is the location."""
    rules, index = [], {}
    for f in d.findings:
        if f.rule not in index:
            index[f.rule] = len(rules)
            rules.append({
                "id": f.rule, "name": f.rule.split("/", 1)[-1],
                "shortDescription": {"text": f.description or f.require},
                "fullDescription": {"text": f"{f.check}: {f.require}"},
                "defaultConfiguration": {"level": "warning" if f.on_fail in ("warn", "review") else "error"},
                "properties": {"controls": list(f.controls), "check": f.check, "onFail": f.on_fail},
            })
    results = []
    for f in d.findings:
        if f.result == "pass":
            continue
        level = "note" if f.result == "waived" else ("warning" if f.on_fail in ("warn", "review") else "error")
        results.append({
            "ruleId": f.rule, "ruleIndex": index[f.rule], "level": level,
            "kind": "review" if f.result == "inconclusive" else "fail",
            "message": {"text": f"{d.model}: {f.result}: {f.message} (value {_value(f)}, require {f.require})"},
            "locations": [{"logicalLocations": [{"name": d.model, "kind": "module",
                                                 "fullyQualifiedName": d.model}]}],
            "properties": {"value": f.value, "controls": list(f.controls), "decision": d.id},
            **({"suppressions": [{"kind": "external", "justification": f"waiver {f.waiver}"}]}
               if f.result == "waived" else {}),
        })
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "govern", "version": version, "informationUri": "https://example.invalid/govern",
                                "rules": rules}},
            "results": results,
            "invocations": [{"executionSuccessful": True, "properties": {"outcome": d.outcome, "tier": d.tier,
                                                                         "decision": d.id, "ledgerSeq": d.ledger_seq}}],
        }],
    }
    return json.dumps(doc, indent=2) + "\n"


def render(d: Decision, fmt: Format) -> str:
    """``d`` in ``fmt``."""
    if fmt == "json":
        return json.dumps(d.to_dict(), indent=2) + "\n"
    return {"text": render_text, "junit": render_junit, "markdown": render_markdown, "sarif": render_sarif}[fmt](d)
