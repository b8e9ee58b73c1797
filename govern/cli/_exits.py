"""What a command ends with, and the one table from outcomes to exit codes (used only by ``main``).

A command that finds problems does not exit: it returns an :class:`Outcome` (``DENY``,
``PENDING``, ``RETRAIN``, ...). An error is a ``GovernError``; :func:`error_outcome` says which
outcome it is. ``govern.cli.main`` turns either into the process exit code with :data:`EXIT_CODES`.
The codes are documented in DESIGN.md and docs/cli.md.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Mapping

    from govern.core import GovernError
    from govern.decisions import Decision


class Outcome(StrEnum):
    """How a command ended. A command returns one (``None`` means ``OK``)."""

    OK = "ok"  # success, allow, monitor, ledger intact
    DENY = "deny"  # gate promote denied
    PENDING_APPROVAL = "pending_approval"  # gate promote waits for approvals
    REVIEW = "review"  # gate retrain: a person must look at the drift
    RETRAIN = "retrain"  # gate retrain: retraining required
    POLICY_TESTS_FAILED = "policy_tests_failed"  # govern policy test
    INTEGRITY_FAILURE = "integrity_failure"  # a VerificationError (ledger, checkpoint, proof, signature)
    INVALID = "invalid"  # bad input or cannot run: a GovernError, a usage error, validate found problems
    INTERRUPTED = "interrupted"  # Ctrl-C


EXIT_CODES: Final[Mapping[Outcome, int]] = {
    Outcome.OK: 0,
    Outcome.DENY: 1,
    Outcome.POLICY_TESTS_FAILED: 1,
    Outcome.INTEGRITY_FAILURE: 1,
    Outcome.INVALID: 2,
    Outcome.PENDING_APPROVAL: 3,
    Outcome.REVIEW: 3,
    Outcome.RETRAIN: 4,
    Outcome.INTERRUPTED: 130,
}


def decision_outcome(decision: Decision) -> Outcome:
    """A gate decision's outcome (allow and monitor are ``OK``)."""
    return Outcome.OK if decision.outcome in ("allow", "monitor") else Outcome(decision.outcome)


def error_outcome(err: GovernError) -> Outcome:
    """An integrity failure for a ``VerificationError``, else bad input."""
    from govern.core import VerificationError

    return Outcome.INTEGRITY_FAILURE if isinstance(err, VerificationError) else Outcome.INVALID


def exit_code(outcome: Outcome) -> int:
    return EXIT_CODES[outcome]
