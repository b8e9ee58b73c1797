"""Policy room: packs of YAML + CEL rules, validated with located errors, compiled once.

The gate calls :func:`load_packs`, then per model version :meth:`PackSet.tier`,
:meth:`PackSet.applicable` and :meth:`BoundRule.judge` (:func:`judge_many` judges many rules
at once, with the same results); :func:`verdict` combines results the way ``govern policy
test`` does. Imports only ``govern.core`` and ``govern.measurements``.
"""

from govern.measurements import Threshold

from . import _codes as codes
from ._cel import (
    COST_BUDGET,
    MAX_COMPREHENSION_NESTING,
    MAX_EXPRESSION_CHARS,
    MAX_NESTING_DEPTH,
    TIME_BUDGET_SECONDS,
)
from ._controls import Control, load_catalog
from ._facts import Facts, prepare_facts
from ._load import ParamsValidator, load_packs, validate_paths
from ._measurements import CHECKS, MEASUREMENTS, Check
from ._packset import (
    ApprovalRequirement,
    BoundRule,
    CompiledPack,
    Judgement,
    MonitoringRequirement,
    PackSet,
    TierResult,
    combine,
    judge_many,
    verdict,
)
from ._problems import PolicyInvalid, Problem
from ._schema import TIERS, Gate, OnFail, RuleResult, Tier, Verdict
from ._signing import sign_pack
from ._testing import PolicyTestReport, TestFailure, run_policy_tests

__all__ = [
    # error codes (the constants of every code this room raises)
    "codes",
    # loading and validation
    "load_packs",
    "validate_paths",
    "ParamsValidator",
    "Problem",
    "PolicyInvalid",
    # compiled packs and evaluation
    "PackSet",
    "CompiledPack",
    "BoundRule",
    "Judgement",
    "Threshold",
    "TierResult",
    "ApprovalRequirement",
    "MonitoringRequirement",
    "Facts",
    "prepare_facts",
    "judge_many",
    "verdict",
    "combine",
    # vocabulary
    "Tier",
    "TIERS",
    "Gate",
    "OnFail",
    "RuleResult",
    "Verdict",
    "Check",
    "CHECKS",
    "MEASUREMENTS",
    # controls
    "Control",
    "load_catalog",
    # policy tests
    "run_policy_tests",
    "PolicyTestReport",
    "TestFailure",
    # signing
    "sign_pack",
    # limits
    "MAX_EXPRESSION_CHARS",
    "MAX_NESTING_DEPTH",
    "MAX_COMPREHENSION_NESTING",
    "COST_BUDGET",
    "TIME_BUDGET_SECONDS",
]
