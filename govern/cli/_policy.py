"""`govern policy ...` commands: validate, test, list, sign. Parse, call govern.policy, format."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ._codes import INVALID_OPTION
from ._common import Format, emit_json, format_option
from ._exits import Outcome

if TYPE_CHECKING:
    from govern.policy import ParamsValidator

app = typer.Typer(help="Validate, test, list and sign policy packs.", no_args_is_help=True)

PathsArgument = typer.Argument(None, help="Pack folders, folders of packs or YAML files (default: shipped packs)")
FormatOption = format_option(Format.TEXT, Format.JSON)


def _format(fmt: str) -> str:
    """``text`` or ``json``; anything else is bad input (exit 2, one line), never a silent text."""
    if fmt not in ("text", "json"):
        from govern.core import GovernError

        raise GovernError(INVALID_OPTION, f"--format must be text or json, not {fmt!r}")
    return fmt


def _check_params() -> ParamsValidator:
    """The checks' parameter schemas, injected into the policy loader (policy imports only core)."""
    from govern.checks import param_problems

    return param_problems


def _paths(paths: list[Path] | None) -> list[Path]:
    from govern.core import resource_path

    return list(paths) if paths else [resource_path("policies")]


@app.command("validate")
def validate(paths: list[Path] | None = PathsArgument, fmt: Format = FormatOption) -> Outcome:
    """Report every problem as file:line:col: code: message (sorted); exit 2 if any."""
    from govern.policy import validate_paths

    _format(fmt)
    problems = validate_paths(_paths(paths), check_params=_check_params())
    if fmt == "json":
        emit_json({"ok": not problems, "problems": [p.to_dict() for p in problems]})
    else:
        for problem in problems:
            typer.echo(problem)
        if problems:
            typer.echo(f"{len(problems)} problem(s)", err=True)
        else:
            typer.echo("ok: no problems")
    return Outcome.INVALID if problems else Outcome.OK


@app.command("test")
def test(paths: list[Path] | None = PathsArgument, fmt: Format = FormatOption) -> Outcome:
    """Run each pack's tests/ fixtures; exit 1 on any failure. Lists rules no test exercised."""
    from govern.policy import run_policy_tests

    _format(fmt)
    report = run_policy_tests(_paths(paths), check_params=_check_params())
    if fmt == "json":
        emit_json(
            {
                "ok": report.ok,
                "cases": report.cases,
                "failures": [
                    {"pack": f.pack, "case": f.case, "location": f.location, "diff": list(f.diff)}
                    for f in report.failures
                ],
                "unexercised": list(report.unexercised),
            }
        )
    else:
        for failure in report.failures:
            typer.echo(f"FAIL {failure.location}: {failure.pack}: {failure.case}")
            for line in failure.diff:
                typer.echo(f"    {line}")
        for rule in report.unexercised:
            typer.echo(f"not exercised: {rule}")
        status = "ok" if report.ok else "FAILED"
        typer.echo(f"{status}: {report.cases - len(report.failures)}/{report.cases} cases passed")
    return Outcome.OK if report.ok else Outcome.POLICY_TESTS_FAILED


@app.command("list")
def list_packs(paths: list[Path] | None = PathsArgument, fmt: Format = FormatOption) -> None:
    """List packs (name, digest, signed) and their rules (check, onFail, controls)."""
    from govern.policy import load_packs

    _format(fmt)
    packset = load_packs(_paths(paths), check_params=_check_params())
    data = [
        {
            "pack": pack.name,
            "digest": pack.digest,
            "signed": pack.signed,
            "rules": [
                {
                    "id": rule.qualified_id,
                    "policy": rule.policy,
                    "check": rule.check,
                    "onFail": rule.on_fail,
                    "require": rule.require,
                    "controls": list(rule.controls),
                }
                for policy in pack.policies
                for rule in policy.rules
            ],
        }
        for pack in packset.packs
    ]
    if fmt == "json":
        emit_json(data)
        return
    for pack in data:
        typer.echo(f"{pack['pack']}  {pack['digest']}{'  signed' if pack['signed'] else ''}")
        for rule in pack["rules"]:  # type: ignore[attr-defined]
            typer.echo(f"  {rule['id']:<45} {rule['check']:<15} {rule['onFail']:<8} {', '.join(rule['controls'])}")


@app.command("sign")
def sign(
    pack: Path = typer.Argument(..., help="Pack folder (with pack.yaml)"),
    key: Path = typer.Option(..., "--key", help="Ed25519 private key (PEM, or base64 32-byte seed)"),
) -> None:
    """Write PACK/pack.sig (Ed25519 over the pack digest) and print the public key to trust."""
    from govern.policy import sign_pack

    path, public = sign_pack(pack, key)
    typer.echo(f"signed {path}")
    typer.echo(f"public key: {public}")


@app.command("backtest")
def backtest(
    pack: list[Path] = typer.Argument(..., help="changed pack folder(s); replace the loaded packs of the same name"),
    since: str = typer.Option(..., "--since", help="ISO date: replay promotion decisions from then on"),
    fmt: Format = FormatOption,
    workspace: Path | None = typer.Option(None, "--workspace", "-w", envvar="GOVERN_WORKSPACE"),
) -> None:
    """Replay a changed pack over past decisions' recorded measurements; list what would flip."""
    from govern.core import parse_time
    from govern.decisions import backtest as do_backtest

    from ._common import open_workspace

    _format(fmt)
    with open_workspace(workspace) as ws:
        count, flips = do_backtest(ws.context, pack, parse_time(since))
    if fmt == "json":
        emit_json({"replayed": count, "flips": [f.to_dict() for f in flips]})
        return
    typer.echo(f"replayed {count} decision(s); {len(flips)} would change")
    for f in flips:
        typer.echo(f"  {f.decision} {f.model} ({f.time:%Y-%m-%d}): {f.before} -> {f.after}  [{', '.join(f.rules)}]")
