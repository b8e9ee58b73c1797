"""Compiled packs: immutable objects the gate evaluates (compile once, evaluate many)."""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from operator import contains, getitem, is_, itemgetter
from typing import Any, Final

from govern.core import GovernError
from govern.measurements import Measurement, Threshold

from ._cel import (
    COST_BUDGET,
    FALSE,
    JOINT_PREFIX,
    TRUE,
    Member,
    Program,
    declared_variables,
    fields_read,
    joint_expression,
    run,
    run_together,
)
from ._codes import MEASUREMENT_INVALID, MEASUREMENT_MISSING_FIELD, TIERING_ERROR, TIERING_MISSING
from ._facts import SCALAR_TYPES, Facts, count_elements, prepare_facts
from ._measurements import FACT_VARIABLES, MODEL_FIELDS
from ._schema import TIERS, Gate, OnFail, RuleResult, Tier, Verdict


@dataclass(frozen=True, slots=True)
class Judgement:
    """The result of one rule on one measurement.

    ``result`` is ``pass`` or ``fail`` (the ``require`` expression's answer), ``inconclusive``
    (the measurement says there was not enough data) or ``error`` (missing field, runtime
    error, non-bool, over budget; ``code`` says which). Only ``pass`` may ever allow.
    """

    result: RuleResult
    message: str
    code: str | None = None


@dataclass(frozen=True, slots=True)
class TierResult:
    """The risk tier of a model version and what decided it (``pack/rule-id`` or ``pack/default``)."""

    tier: Tier
    rule_id: str
    pack: str


@dataclass(frozen=True, slots=True)
class MonitoringRequirement:
    """A production model of the tier is monitored at least ``every``; ``hold_promotion``: an
    overdue plan holds the promotion of the model's versions. ``owners``: roles notified."""

    every: timedelta
    hold_promotion: bool = False
    owners: frozenset[str] = frozenset()
    packs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ApprovalRequirement:
    """Approvals a tier needs: ``count`` distinct approvers, each holding one of ``roles``,
    with at least ``at_least[role]`` approvers of that role; an approval older than
    ``expires_after`` no longer counts. ``count == 0`` means no approval is required.
    """

    roles: frozenset[str]
    count: int
    at_least: Mapping[str, int] = field(default_factory=dict)
    expires_after: timedelta = timedelta(days=30)
    packs: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        return self.count > 0


@dataclass(frozen=True, slots=True, eq=False, kw_only=True)
class BoundRule:
    """One rule of one policy, compiled. ``judge`` evaluates it; it never raises for bad data."""

    pack: str
    policy: str
    id: str
    check: str
    require: str
    on_fail: OnFail
    controls: tuple[str, ...]
    description: str
    _params: dict[str, Any] = field(repr=False)
    _program: Program = field(repr=False)
    source: str = ""  # "file:line" of the rule in its policy file (as the pack path was given)

    @property
    def qualified_id(self) -> str:
        """``pack/rule-id``: unique across a PackSet (rule ids are unique within a pack)."""
        return f"{self.pack}/{self.id}"

    @property
    def threshold(self) -> Threshold | None:
        """The first ``var <op> number`` comparison of ``require`` (see ``find_thresholds``), or None."""
        return self._program.thresholds[0] if self._program.thresholds else None

    @property
    def thresholds(self) -> tuple[Threshold, ...]:
        """Every ``var <op> number`` comparison of ``require``, in source order."""
        return self._program.thresholds

    @property
    def params(self) -> dict[str, Any]:
        """The rule's ``with`` parameters (a copy: the check may keep it)."""
        return copy.deepcopy(self._params)

    _fact_vars: tuple[str, ...] = field(init=False, repr=False)
    _measure_vars: tuple[str, ...] = field(init=False, repr=False)
    _uses_params: bool = field(init=False, repr=False)
    _pass: Judgement = field(init=False, repr=False)
    _fail: Judgement = field(init=False, repr=False)
    _inconclusive: Judgement = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Everything per-rule is computed once, so judge() does only binding and evaluation.
        used = self._program.variables
        set_ = object.__setattr__
        set_(self, "_fact_vars", tuple(n for n in used if n in FACT_VARIABLES))
        set_(self, "_measure_vars", tuple(n for n in used if n not in FACT_VARIABLES and n != "params"))
        set_(self, "_uses_params", "params" in used)
        set_(self, "_pass", Judgement("pass", f"{self.qualified_id}: {self.require}"))
        set_(self, "_fail", Judgement("fail", f"{self.qualified_id}: not {self.require}"))
        set_(self, "_inconclusive", Judgement("inconclusive", f"{self.qualified_id}: measurement is inconclusive"))

    def judge(self, measurement: Measurement | Mapping[str, Any], facts: Mapping[str, Any] | Facts) -> Judgement:
        """Evaluate ``require`` over ``measurement`` (the check's output, or its CEL variables) and the facts.

        ``facts`` is the gate's facts dict (docs/policy-language.md) or, faster when judging many rules
        for one model version, a :class:`Facts` from :func:`prepare_facts`. Fail closed: an
        inconclusive measurement gives ``inconclusive``; a missing field, wrong type, engine
        error, non-bool result or exceeded budget gives ``error`` with the rule id in the message.
        :func:`judge_many` gives the same judgements for many rules at once, faster.
        """
        brackets: Mapping[str, Any] = {}
        if isinstance(measurement, Measurement):
            brackets = getattr(measurement, "intervals", None) or {}
            measurement = measurement.to_cel()
        ended = self._precheck(measurement)
        if ended is not None:
            return ended
        if type(facts) is not Facts:
            try:
                facts = prepare_facts(facts)
            except GovernError as err:
                return self._error(err.code, err.message)
        data: dict[str, Any] = {}
        bound = self._bind(measurement, facts, data)
        if type(bound) is Judgement:
            return bound
        elements: int = bound  # type: ignore[assignment]
        program = self._program
        arena = facts.arenas.get()
        outcome = run(program, data, collection_elements=elements, arena=arena)
        bracketed = [name for name in self._measure_vars if name in brackets]
        if bracketed and (outcome is TRUE or outcome is FALSE):
            # A gridded statistic is known only to lie in its interval: judge both ends, and a
            # rule whose answer differs between them is inconclusive (docs/scale.md).
            ends = [
                run(
                    program,
                    {**data, **{n: getattr(brackets[n], end) for n in bracketed}},
                    collection_elements=elements,
                    arena=arena,
                )
                for end in ("lower", "upper")
            ]
            if any(e is not outcome for e in ends):
                return Judgement(
                    "inconclusive",
                    f"{self.qualified_id}: the interval of {', '.join(bracketed)} straddles the rule's threshold",
                )
        if outcome is TRUE:
            return self._pass
        if outcome is FALSE:
            return self._fail
        return self._error(outcome.code or "cel_eval_error", outcome.message)

    def _precheck(self, measurement: Any) -> Judgement | None:
        """The judgement of a measurement that is not a mapping or is inconclusive, else None."""
        if type(measurement) is not dict and not isinstance(measurement, Mapping):
            return self._error(MEASUREMENT_INVALID, "the measurement is not a mapping")
        if measurement.get("inconclusive") is True:
            return self._inconclusive
        return None

    def _bind(self, measurement: Mapping[str, Any], facts: Facts, data: dict[str, Any]) -> Judgement | int:
        """Add the variables ``require`` uses to ``data``; the cost model's element count, or the
        judgement that ends the rule before evaluating (a missing field, an estimate over the budget)."""
        fact_values = facts.values
        for name in self._fact_vars:
            data[name] = fact_values[name]
        for name in self._measure_vars:
            if name not in measurement:
                return self._error(MEASUREMENT_MISSING_FIELD, f"the {self.check} measurement has no {name!r}")
            data[name] = measurement[name]
        if self._uses_params:
            data["params"] = self._params
        program = self._program
        if not program.comprehension_depth:
            return 0
        elements = len(self._fact_vars) * facts.collection_size + sum(
            count_elements(data[name]) for name in program.variables if name not in FACT_VARIABLES
        )
        if program.cost_estimate(elements) > COST_BUDGET:
            outcome = run(program, data, collection_elements=elements)  # the budget error, unevaluated
            return self._error(outcome.code or "cel_budget_exceeded", outcome.message)
        return elements

    def _error(self, code: str, message: str) -> Judgement:
        return Judgement("error", f"{self.qualified_id}: {code}: {message}", code)


# Rules evaluated together in one engine call at most (bounds the joint expressions' size).
JOINT_LIMIT: Final = 32
_PLANS_MAX: Final = 4096  # cached plans (one per list of rules and sharing of measurements)


# Measurement variables of these types are packed into one list per type in a joint binding.
_PACKED: Final = ("double", "bool", "string", "int")
_UNBOUNDED: Final = sys.maxsize
_DICTS: Final = frozenset({dict})
# Fact variables bound as messages, and their fields: a joint reading only some gets a trimmed copy.
_MESSAGES: Final = {"model": frozenset(MODEL_FIELDS), "lineage": frozenset({"datasets", "runs"})}


def _max_elements(program: Program) -> int:
    """The most bound collection elements ``program``'s cost estimate allows (-1: not even none).

    The estimate grows with the elements, so ``program.cost_estimate(n) <= COST_BUDGET`` exactly
    when ``n <= _max_elements(program)``: the joint path compares counts with it, per call, instead
    of computing estimates."""
    if program.cost_estimate(0) > COST_BUDGET:
        return -1
    if not program.comprehension_depth:
        return _UNBOUNDED
    low, high = 0, 1
    while program.cost_estimate(high) <= COST_BUDGET:
        low, high = high, 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        if program.cost_estimate(middle) <= COST_BUDGET:
            low = middle
        else:
            high = middle
    return low


@dataclass(frozen=True, slots=True, eq=False)
class _Joint:
    """Rules evaluated in one engine call. ``members`` index the pairs of the call; ``sources``
    picks the measurements its members judge (read or not: an inconclusive one makes its rules
    inconclusive). The binding takes ``params`` as ``(joint name, the rule's params)``, the
    ``facts`` named (with the :meth:`Facts.trimmed` key of a message whose fields its members
    read: a smaller message to convert), and the measurement values read in one pass, ``reads`` as (picker of the
    measurements, names): first the scalars, packed into one list per type (``packed``, as
    ``(list name, start, stop)`` slices of the values read), then the others, bound to the
    joint names ``unpacked``.

    Cost budgets (as :meth:`BoundRule._bind` counts elements), precomputed for the members with
    comprehensions with :func:`_max_elements`: those whose count depends on the facts alone
    (they read no measurement variable, or only packed ones) are within budget when
    ``facts.collection_size <= size_limit`` and the packed values they read (``scalars``:
    positions in the values read) are scalars, else the members are judged one by one; the
    others are ``budgeted`` as ``(fact variables read, elements left for the facts and the
    measurement after params, positions of their unpacked values)``. ``answers``: each
    member's ``(fail judgement, pass judgement)``, indexed by its bool.
    """

    members: tuple[int, ...]
    expression: Any  # the compiled joint_expression
    sources: itemgetter[Any]  # the measurements judged, from the call's (each once or more)
    params: tuple[tuple[str, dict[str, Any]], ...]
    facts: tuple[tuple[str, tuple[str, frozenset[str]] | None], ...]
    reads: tuple[itemgetter[Any] | None, tuple[str, ...]]
    packed: tuple[tuple[str, int, int], ...]
    unpacked: tuple[str, ...]
    size_limit: int
    scalars: tuple[int, ...]
    budgeted: tuple[tuple[int, int, tuple[int, ...]], ...]
    answers: tuple[tuple[Judgement, Judgement], ...]


# (the one joint when it judges every pair, or None; the joints; the pairs judged alone)
_Plan = tuple[_Joint | None, tuple[_Joint, ...], tuple[int, ...]]
_plans: dict[tuple[Any, ...], _Plan] = {}
# The last plan of each list of rules judged over dicts: (the types, pickers of the pairs that
# share a measurement and of the pairs they share it with, the plan). See _find_plan.
_recent: dict[tuple[Any, ...], tuple[tuple[type, ...], itemgetter[Any], itemgetter[Any], _Plan]] = {}


def _picker(indexes: list[int]) -> itemgetter[Any]:
    """The items at ``indexes`` (not empty) of a sequence, as a tuple; the last is repeated at the
    end, so a single index also gives a tuple (``zip`` and ``map`` with the names stop before it)."""
    return itemgetter(*indexes, indexes[-1])


def _size_limit(most: int, read: int) -> int:
    """The largest ``collection_size`` of the facts for which ``read * size <= most``."""
    if read:
        return most // read
    return _UNBOUNDED if most >= 0 else -1


def _plan(rules: tuple[BoundRule, ...], shared: tuple[int, ...]) -> _Plan:
    """The joint evaluations of a call: ``shared[i]`` is the first pair with pair i's
    measurement (or -1: judge it alone). Each measurement (and each params object) read gets its
    own names in the joint binding."""
    alone: list[int] = []
    chunk: list[int] = []
    chunks = [chunk]
    for i in range(len(rules)):
        if shared[i] < 0:
            alone.append(i)
            continue
        if len(chunk) == JOINT_LIMIT:
            chunk = []
            chunks.append(chunk)
        chunk.append(i)
    joints: list[_Joint] = []
    for members in chunks:
        numbers: dict[tuple[str, int], int] = {}  # (measurement | params, pair) -> binding number
        facts: dict[str, set[str] | None] = {}  # fact -> the fields read (None: whole)
        params: dict[str, dict[str, Any]] = {}
        packed: dict[str, dict[tuple[int, str], int]] = {}  # list name -> (pair, name) -> index
        unpacked: dict[int, dict[str, str]] = {}
        expression: list[Member] = []
        for i in members:
            rule = rules[i]
            declared = declared_variables(rule._program.scope)
            renames: list[tuple[str, str]] = []
            for name in rule._fact_vars:
                read = fields_read(rule._program.source, name) if name in _MESSAGES else None
                known = facts.setdefault(name, set() if read is not None else None)
                if read is None or known is None:
                    facts[name] = None
                else:
                    known.update(read)
            k = numbers.setdefault(("m", shared[i]), len(numbers))
            for name in rule._measure_vars:
                if declared[name] in _PACKED:
                    slots = packed.setdefault(f"{JOINT_PREFIX}p_{declared[name]}", {})
                    index = slots.setdefault((shared[i], name), len(slots))
                    renames.append((name, f"{JOINT_PREFIX}p_{declared[name]}[{index}]"))
                else:
                    renames.append((name, f"{JOINT_PREFIX}{k}_{name}"))
                    unpacked.setdefault(shared[i], {})[renames[-1][1]] = name
            if rule._uses_params:
                k = numbers.setdefault(("p", i), len(numbers))
                renames.append(("params", f"{JOINT_PREFIX}{k}_params"))
                params[renames[-1][1]] = rule._params
            expression.append((rule._program.scope, rule._program.source, tuple(renames)))
        compiled = joint_expression(tuple(expression)) if len(members) > 1 else None
        if compiled is None:
            alone.extend(members)
            continue
        reads = [slot for slots in packed.values() for slot in slots]
        spans: list[tuple[str, int, int]] = []
        for name, slots in packed.items():
            start = spans[-1][2] if spans else 0
            spans.append((name, start, start + len(slots)))
        position = {slot: k for k, slot in enumerate(reads)}  # of each value read
        for src, names in unpacked.items():
            for name in names.values():
                position[src, name] = len(reads)
                reads.append((src, name))
        size_limit, scalars = _UNBOUNDED, set[int]()
        budgeted: list[tuple[int, int, tuple[int, ...]]] = []
        for i in members:
            rule = rules[i]
            if not rule._program.comprehension_depth:
                continue
            declared = declared_variables(rule._program.scope)
            left = _max_elements(rule._program) - (count_elements(rule._params) if rule._uses_params else 0)
            others = tuple(position[shared[i], n] for n in rule._measure_vars if declared[n] not in _PACKED)
            scalars.update(position[shared[i], n] for n in rule._measure_vars if declared[n] in _PACKED)
            if others:
                budgeted.append((len(rule._fact_vars), left, others))
            else:
                size_limit = min(size_limit, _size_limit(left, len(rule._fact_vars)))
        joints.append(
            _Joint(
                tuple(members),
                compiled,
                _picker(sorted({shared[i] for i in members})),  # an inconclusive one ends every rule
                tuple(params.items()),
                tuple(
                    (name, None if read is None or read >= _MESSAGES[name] else (name, frozenset(read)))
                    for name, read in facts.items()
                ),
                (_picker([src for src, _ in reads]) if reads else None, tuple(name for _, name in reads)),
                tuple(spans),
                tuple(joint_name for names in unpacked.values() for joint_name in names),
                size_limit,
                tuple(sorted(scalars)),
                tuple(budgeted),
                tuple((rules[i]._fail, rules[i]._pass) for i in members),
            )
        )
    single = joints[0] if len(joints) == 1 and not alone else None
    return single, tuple(joints), tuple(sorted(alone))


def judge_many(
    pairs: Iterable[tuple[BoundRule, Measurement | Mapping[str, Any]]], facts: Mapping[str, Any] | Facts
) -> list[Judgement]:
    """The judgements of ``[rule.judge(measurement, facts) for rule, measurement in pairs]``, faster.

    Rules whose bindings agree (every variable two of them use is bound to the same object: the
    same prepared facts, the same measurement, as the gate shares one measurement per check and
    ``with``) are evaluated together in one engine call, so the facts are converted to engine
    values once for all of them rather than once per rule. Rules the joint call does not answer
    with a bool each within budget (any member's error errs the whole call), or whose
    measurement is inconclusive, lacks a field, or carries intervals, are judged one by one by
    :meth:`BoundRule.judge`: results, error codes and messages are the same as judging each alone.
    """
    if type(pairs) is not list:
        pairs = list(pairs)  # and it keeps every measurement alive: ids stay unique during the call
    if not pairs:
        return []
    if type(facts) is not Facts:
        try:
            facts = prepare_facts(facts)
        except GovernError:
            return [rule.judge(measurement, facts) for rule, measurement in pairs]
    rules, measurements = zip(*pairs)  # noqa: B905 - pairs, by construction
    measured: Any = measurements  # each pair's CEL variables
    recent = _recent.get(rules)
    if (
        recent is not None  # the common case: the gate's and the bench's, checked in C
        and tuple(map(type, measurements)) == recent[0]
        and all(map(is_, recent[1](measurements), recent[2](measurements)))
    ):
        plan, every_dict = recent[3], True
    else:
        plan, measured, every_dict = _find_plan(rules, measurements)
    single, joints, alone = plan
    if single is not None:  # the common case: one engine call for every rule
        values = _evaluate(single, measured, facts, every_dict)
        if values is not None:
            return list(map(getitem, single.answers, values))
    out: list[Judgement | None] = [None] * len(pairs)
    for joint in joints:
        values = _evaluate(joint, measured, facts, every_dict)
        if values is None:
            for i in joint.members:
                out[i] = rules[i].judge(measurements[i], facts)
            continue
        for i, answers, value in zip(joint.members, joint.answers, values, strict=True):
            out[i] = answers[value]
    for i in alone:
        out[i] = rules[i].judge(measurements[i], facts)
    return out  # type: ignore[return-value]  # every index was set above


def _find_plan(rules: tuple[BoundRule, ...], measurements: tuple[Any, ...]) -> tuple[_Plan, Any, bool]:
    """The plan of a call (cached by the rules and how the pairs share measurements), each pair's
    CEL variables and whether every measurement is a dict. A call of dicts also records the plan
    in ``_recent`` under its rules, with what another call of those rules must share to use it."""
    measured: Any = measurements
    every_dict = set(map(type, measurements)) == _DICTS
    if every_dict:  # the first pair with the same measurement, by a dict of first indexes by id
        first: dict[int, int] = {}
        shared = tuple(map(first.setdefault, map(id, measurements), range(len(measurements))))
    else:
        measured, sharing = _share(measurements)
        shared = tuple(sharing)
    key = (rules, shared)
    plan = _plans.get(key)
    if plan is None:
        if len(_plans) >= _PLANS_MAX:
            _plans.clear()
            _recent.clear()
        plan = _plans[key] = _plan(rules, shared)
    if every_dict:
        # The plan holds for any call of dicts with the same rules in which each pair shares its
        # measurement with the same first pair; pairs it binds apart may share one (a value bound
        # twice), so checking the pairs that share is enough.
        again = [i for i, j in enumerate(shared) if j != i] or [0]  # [0]: pair 0 is pair 0
        _recent[rules] = ((dict,) * len(rules), _picker(again), _picker([shared[i] for i in again]), plan)
    return plan, measured, every_dict


def _share(measurements: tuple[Any, ...]) -> tuple[list[Any], list[int]]:
    """Each pair's CEL variables (None: judged alone) and the first pair with the same
    measurement (-1: alone, e.g. one with intervals or not a mapping)."""
    first: dict[int, int] = {}
    measured: list[Any] = []
    shared: list[int] = []
    for i, measurement in enumerate(measurements):
        if type(measurement) is dict:
            measured.append(measurement)
            shared.append(first.setdefault(id(measurement), i))
        elif isinstance(measurement, Measurement) and not getattr(measurement, "intervals", None):
            j = first.setdefault(id(measurement), i)
            measured.append(measured[j] if j < i else measurement.to_cel())
            shared.append(j)
        elif isinstance(measurement, Mapping) and not isinstance(measurement, Measurement):
            measured.append(measurement)
            shared.append(first.setdefault(id(measurement), i))
        else:
            measured.append(None)
            shared.append(-1)
    return measured, shared


def _evaluate(joint: _Joint, measured: Any, facts: Facts, every_dict: bool) -> list[bool] | None:
    """The joint call's answers, or None: the members are to be judged one by one (a measurement
    is inconclusive or lacks a field, a cost estimate is over budget, the engine did not answer).
    ``every_dict``: every measurement of ``measured`` is a dict (no ``__missing__``: a missing
    field raises KeyError)."""
    size = facts.collection_size
    if size > joint.size_limit:
        return None
    for measurement in joint.sources(measured):
        if measurement.get("inconclusive") is True:
            return None
    pick, names = joint.reads
    if pick is None:
        values = []
    elif every_dict:
        try:  # every value the members read, in one pass in C
            values = list(map(getitem, pick(measured), names))
        except KeyError:
            return None
    elif all(map(contains, pick(measured), names)):
        values = list(map(getitem, pick(measured), names))
    else:
        return None
    for k in joint.scalars:
        if type(values[k]) not in SCALAR_TYPES:
            return None  # a value of another type: its element count is for the rule to check alone
    for read, left, positions in joint.budgeted:
        left -= read * size
        for k in positions:
            value = values[k]
            if type(value) not in SCALAR_TYPES:
                left -= count_elements(value)
        if left < 0:
            return None
    data: dict[str, Any] = dict(joint.params)
    fact_values = facts.values
    for name, trimmed in joint.facts:
        data[name] = fact_values[name] if trimmed is None else facts.trimmed(trimmed)
    for name, start, stop in joint.packed:
        data[name] = values[start:stop]
    if joint.unpacked:
        unpacked = values[len(values) - len(joint.unpacked) :]
        data.update(zip(joint.unpacked, unpacked, strict=True))
    return run_together(joint.expression, len(joint.members), data, arena=facts.arenas.get())


def system_kind(facts: Mapping[str, Any]) -> str:
    """``llm`` for a model version tagged ``kind: llm`` (an LLM application), else ``classical``."""
    tags = (facts.get("model") or {}).get("tags") or {}
    return "llm" if isinstance(tags, Mapping) and tags.get("kind") == "llm" else "classical"


@dataclass(frozen=True, slots=True, eq=False)
class CompiledPolicy:
    pack: str
    name: str
    tiers: frozenset[str]
    gates: frozenset[str]
    when: Program | None
    rules: tuple[BoundRule, ...]
    kinds: frozenset[str]


@dataclass(frozen=True, slots=True, eq=False)
class TieringRuleC:
    id: str
    tier: Tier
    program: Program


@dataclass(frozen=True, slots=True, eq=False, kw_only=True)
class CompiledPack:
    name: str
    digest: str
    root: str
    signed: bool
    policies: tuple[CompiledPolicy, ...]
    tiering: tuple[TieringRuleC, ...] | None
    tiering_default: Tier | None
    approvals: Mapping[str, ApprovalRequirement]
    controls: frozenset[str] = frozenset()  # every control the pack's documents cite
    monitoring: Mapping[str, MonitoringRequirement] = field(default_factory=dict)  # tier -> plan


def _facts_data(program: Program, facts: Facts) -> dict[str, Any]:
    return {name: facts.values[name] for name in program.variables}


def verdict(judged: Iterable[tuple[BoundRule, Judgement]]) -> Verdict:
    """Combine rule results: ``deny`` > ``retrain`` > ``review`` > ``allow`` (see :func:`combine`)."""
    return combine((rule.on_fail, judgement.result) for rule, judgement in judged)


def combine(results: Iterable[tuple[str, str]]) -> Verdict:
    """The verdict of ``(onFail, result)`` pairs, the one rule the gate and policy tests share.

    ``error`` denies whatever the rule's onFail; a failed rule counts as its ``onFail``
    (``warn`` only informs); ``inconclusive`` needs review (never allow by default); ``pass``
    (and a waived failure, which callers leave out) allows.
    """
    rank = {"allow": 0, "review": 1, "retrain": 2, "deny": 3}
    worst: Verdict = "allow"
    for on_fail, result in results:
        step: Verdict = "allow"
        if result == "error":
            step = "deny"
        elif result == "inconclusive":
            step = "review"
        elif result == "fail" and on_fail != "warn":
            step = on_fail  # type: ignore[assignment]
        if rank[step] > rank[worst]:
            worst = step
    return worst


@dataclass(frozen=True, slots=True, eq=False)
class PackSet:
    """Compiled, immutable policy packs. Build with :func:`load_packs`."""

    packs: tuple[CompiledPack, ...]

    @property
    def digests(self) -> dict[str, str]:
        """Pack name -> ``sha256:<hex>`` over the pack's canonical content (tests excluded)."""
        return {p.name: p.digest for p in self.packs}

    @property
    def cited_controls(self) -> frozenset[str]:
        """Every control a rule, a policy, a tiering rule or an approvals document of the packs
        cites (rules' ``controls`` hold only the rule and policy ones)."""
        return frozenset(c for p in self.packs for c in p.controls)

    @property
    def rules(self) -> tuple[BoundRule, ...]:
        """Every rule of every policy, in pack and file order."""
        return tuple(r for p in self.packs for pol in p.policies for r in pol.rules)

    def tier(self, facts: Mapping[str, Any] | Facts) -> TierResult:
        """The model's risk tier: in each pack with tiering, the first rule that holds (else the
        pack's default); across packs, the riskiest answer wins.

        Raises ``GovernError(tiering_missing)`` when no pack defines tiering and
        ``GovernError(tiering_error)`` when a tiering rule cannot be evaluated (fail closed:
        an unknown tier is never assumed low).
        """
        prepared = prepare_facts(facts)
        best: TierResult | None = None
        for pack in self.packs:
            if pack.tiering is None or pack.tiering_default is None:
                continue
            found = TierResult(pack.tiering_default, f"{pack.name}/default", pack.name)
            for rule in pack.tiering:
                outcome = run(
                    rule.program,
                    _facts_data(rule.program, prepared),
                    collection_elements=prepared.collection_size,
                )
                if outcome.value is None:
                    raise GovernError(
                        TIERING_ERROR, f"tiering rule {pack.name}/{rule.id}: {outcome.code}: {outcome.message}"
                    )
                if outcome.value:
                    found = TierResult(rule.tier, f"{pack.name}/{rule.id}", pack.name)
                    break
            if best is None or TIERS.index(found.tier) < TIERS.index(best.tier):
                best = found
        if best is None:
            raise GovernError(TIERING_MISSING, "no loaded policy pack defines tiering")
        return best

    def applicable(self, facts: Mapping[str, Any] | Facts, gate: Gate) -> list[BoundRule]:
        """Rules that apply to this model version at ``gate``.

        A policy applies when ``gate`` is among its gates, the model's tier (``model.tier``;
        computed with :meth:`tier` when the facts have none) is among its tiers, its kind
        (``llm`` for a version tagged ``kind: llm``, else ``classical``) among its kinds, and its
        ``when`` holds. A ``when`` that cannot be evaluated counts as holding (fail closed:
        more rules, never fewer). An empty list is the caller's error to raise.
        """
        prepared = prepare_facts(facts)
        if not prepared.tier:
            prepared = prepared.with_tier(self.tier(prepared).tier)
        out: list[BoundRule] = []
        kind = system_kind(prepared.plain)
        for pack in self.packs:
            for policy in pack.policies:
                if gate not in policy.gates or prepared.tier not in policy.tiers or kind not in policy.kinds:
                    continue
                if policy.when is not None:
                    outcome = run(
                        policy.when,
                        _facts_data(policy.when, prepared),
                        collection_elements=prepared.collection_size,
                    )
                    if outcome.value is False:
                        continue
                out.extend(policy.rules)
        return out

    def monitoring_requirement(self, tier: Tier | str) -> MonitoringRequirement | None:
        """The monitoring plan of ``tier`` merged across packs to the strictest (the shortest
        cadence; held if any pack holds), or None when no pack plans monitoring for it."""
        found = [p.monitoring[tier] for p in self.packs if tier in p.monitoring]
        if not found:
            return None
        return MonitoringRequirement(
            min(m.every for m in found),
            any(m.hold_promotion for m in found),
            frozenset().union(*(m.owners for m in found)),
            tuple(sorted({p for m in found for p in m.packs})),
        )

    def approval_requirement(self, tier: Tier | str) -> ApprovalRequirement:
        """What approvals ``tier`` needs, merged across packs to the strictest: the largest
        count, the intersection of eligible roles, the largest per-role minimum and the
        shortest expiry. ``count == 0`` when no pack asks for approvals at this tier.
        """
        found = [p.approvals[tier] for p in self.packs if tier in p.approvals]
        if not found:
            return ApprovalRequirement(frozenset(), 0)
        roles = frozenset.intersection(*(a.roles for a in found))
        at_least: dict[str, int] = {}
        for a in found:
            for role, n in a.at_least.items():
                at_least[role] = max(at_least.get(role, 0), n)
        return ApprovalRequirement(
            roles,
            max(a.count for a in found),
            at_least,
            min(a.expires_after for a in found),
            tuple(sorted({p for a in found for p in a.packs})),
        )
