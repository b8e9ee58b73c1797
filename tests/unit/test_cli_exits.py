"""One exit path: commands return an Outcome, errors are GovernErrors, main() maps both to codes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from govern.cli import EXIT_CODES, Outcome, decision_outcome, error_outcome, main
from govern.core import GovernError, VerificationError
from govern.decisions import EXIT_CODES as DECISION_EXIT_CODES
from govern.decisions import Outcome as DecisionOutcome

CLI = Path(__file__).resolve().parents[2] / "govern" / "cli"


class _Decision:
    def __init__(self, outcome: str) -> None:
        self.outcome = outcome


def test_documented_exit_codes() -> None:
    # DESIGN.md / docs/cli.md: 0 ok/allow/intact, 1 deny/integrity/policy tests, 2 bad input,
    # 3 pending approval or review, 4 retrain.
    assert {o: EXIT_CODES[o] for o in Outcome} == {
        Outcome.OK: 0,
        Outcome.DENY: 1,
        Outcome.INTEGRITY_FAILURE: 1,
        Outcome.POLICY_TESTS_FAILED: 1,
        Outcome.INVALID: 2,
        Outcome.PENDING_APPROVAL: 3,
        Outcome.REVIEW: 3,
        Outcome.RETRAIN: 4,
        Outcome.INTERRUPTED: 130,
    }


@pytest.mark.parametrize("outcome", get_args(DecisionOutcome))
def test_gate_exit_code_agrees_with_the_decision_document(outcome: str) -> None:
    # The decision JSON/SARIF carries exitCode; the process must exit with the same number.
    assert EXIT_CODES[decision_outcome(_Decision(outcome))] == DECISION_EXIT_CODES[outcome]  # type: ignore[arg-type]


def test_error_outcomes() -> None:
    assert error_outcome(VerificationError("ledger_hash_mismatch", "x")) is Outcome.INTEGRITY_FAILURE
    assert error_outcome(GovernError("invalid_ref", "x")) is Outcome.INVALID


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (["policy", "list", "--format", "bogus"], "text, json"),
        (["lineage", "show", "m@1", "--format", "yaml"], "tree, json, dot"),
        (["gate", "promote", "m@1", "--to", "staging", "--format", "html"], "text, json, junit, markdown, sarif"),
        (["card", "validate", "card.md", "--format", "xml"], "text, json"),
        (["audit", "public-key", "--format", "der"], "note, vkeys, pem"),
        (["check", "drift", "a.csv", "b.csv", "-f", "csv"], "text, json"),
    ],
)
def test_unknown_format_is_one_line_and_exit_2(
    args: list[str], allowed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"govern: invalid_format: --format must be one of {allowed}, not "), err


def test_commands_do_not_exit_on_their_own() -> None:
    # Only main() ends the process; commands return an Outcome or raise GovernError.
    exits = re.compile(r"\bsys\.exit\(|\bSystemExit\b|\btyper\.Exit\b|\braise Exit\b")
    offenders = [
        f"{path.name}:{n}"
        for path in sorted(CLI.glob("*.py"))
        if path.name != "__init__.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if exits.search(line)
    ]
    assert offenders == []


def test_only_the_invoked_group_is_built(capsys: pytest.CaptureFixture[str]) -> None:
    import typer

    from govern.cli._app import GROUPS, build

    every = typer.main.get_command(build())
    assert set(GROUPS) < set(every.commands)  # type: ignore[attr-defined]
    assert set(typer.main.get_command(build(["gate", "promote"])).commands) == {"gate"}  # type: ignore[attr-defined]
    assert set(typer.main.get_command(build(["--help"])).commands) == set(every.commands)  # type: ignore[attr-defined]
    # An unknown command still reads as one against the whole tree, exit 2.
    with pytest.raises(SystemExit) as exited:
        main(["gaet", "promote"])
    assert exited.value.code == 2
    assert "No such command 'gaet'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["gate", "--help"])
    assert exited.value.code == 0
    assert "promote" in capsys.readouterr().out
