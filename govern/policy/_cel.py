"""The one CEL interface of govern: compile with declared types and limits, evaluate fail-closed.

Engine: ``cel-expr-python`` (Google's C++ CEL): type-checked compile with located errors and
microsecond evaluation. Its evaluation has no cost limit of its own, and a missing map key
comes back as an ERROR-typed value (not an exception), so this module

* enforces static limits before compiling (size, nesting depth, comprehension nesting),
* checks a cost estimate against a budget before evaluating, from the sizes of the
  collections actually bound (comprehensions are the only super-linear construct in CEL),
  and the wall time after it,
* checks the type of every result: only a BOOL value is an answer; anything else is an error.

No Python is generated or executed from policy text.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from cel_expr_python import cel

from ._facts import POOL
from ._measurements import FACT_VARIABLES, MEASUREMENTS, PARAMS_TYPE

MAX_EXPRESSION_CHARS: Final = 2048
MAX_NESTING_DEPTH: Final = 12
MAX_COMPREHENSION_NESTING: Final = 2
COST_BUDGET: Final = 1_000_000  # token count x (bound collection elements + 1) ** comprehension depth
TIME_BUDGET_SECONDS: Final = 0.05

_MACROS: Final = frozenset({"all", "exists", "exists_one", "map", "filter"})
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>[rRbB]{0,2}(?:'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\"|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"))
  | (?P<number>(?:0[xX][0-9a-fA-F]+|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)[uU]?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<open>[(\[{])
  | (?P<close>[)\]}])
  | (?P<op>&&|\|\||==|!=|<=|>=|[-+*/%!<>?:.,])
    """,
    re.VERBOSE | re.DOTALL,
)
_ENGINE_ERROR = re.compile(r"ERROR: <input>:(\d+):(\d+): (.*?)(?:\n \||$)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class CelIssue:
    """A problem in one expression, located within the expression (1-based line and column)."""

    code: str
    message: str
    line: int = 1
    col: int = 1


class CelCompileError(Exception):
    """Raised by :func:`compile_expression`; carries every issue found."""

    def __init__(self, issues: list[CelIssue]) -> None:
        super().__init__("; ".join(i.message for i in issues))
        self.issues = issues


@dataclass(frozen=True, slots=True)
class Shape:
    """What the lexer learned: size, depths and the identifiers the expression references."""

    tokens: int
    depth: int
    comprehension_depth: int
    identifiers: frozenset[str]


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def measure_shape(source: str) -> Shape:
    """Lex ``source`` and enforce the static limits; raises :class:`CelCompileError`."""
    if len(source) > MAX_EXPRESSION_CHARS:
        raise CelCompileError(
            [CelIssue("cel_too_large", f"expression has {len(source)} characters; the limit is {MAX_EXPRESSION_CHARS}")]
        )
    stack: list[bool] = []  # one entry per open bracket: is it a comprehension macro's call?
    tokens = depth = comp_depth = 0
    identifiers: set[str] = set()
    # The two previous significant tokens (operators by their text, others by their kind):
    # a comprehension is ``. <macro-name> (``.
    before, last, last_text = "", "", ""
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None:
            break  # the engine reports the syntax error with its own location
        kind, text, start = match.lastgroup or "", match.group(), pos
        pos = match.end()
        if kind == "space":
            continue
        tokens += 1
        if kind == "open":
            is_macro = text == "(" and last == "ident" and last_text in _MACROS and before == "."
            stack.append(is_macro)
            depth = max(depth, len(stack))
            comps = sum(stack)
            if len(stack) > MAX_NESTING_DEPTH:
                line, col = _line_col(source, start)
                raise CelCompileError([CelIssue("cel_too_deep", f"nesting deeper than {MAX_NESTING_DEPTH}", line, col)])
            if comps > MAX_COMPREHENSION_NESTING:
                line, col = _line_col(source, start)
                raise CelCompileError(
                    [
                        CelIssue(
                            "cel_comprehension_too_deep",
                            f"comprehensions nested {comps} deep; the limit is {MAX_COMPREHENSION_NESTING}",
                            line,
                            col,
                        )
                    ]
                )
            comp_depth = max(comp_depth, comps)
        elif kind == "close":
            if stack:
                stack.pop()
        elif kind == "ident" and last != ".":
            identifiers.add(text)
        before, last, last_text = last, (text if kind == "op" else kind), text
    return Shape(tokens, depth, comp_depth, frozenset(identifiers))


def _cel_type(spec: str) -> cel.Type:
    simple = {
        "double": cel.Type.DOUBLE,
        "int": cel.Type.INT,
        "bool": cel.Type.BOOL,
        "string": cel.Type.STRING,
        "dyn": cel.Type.DYN,
    }
    if spec in simple:
        return simple[spec]
    if spec.startswith("list(") and spec.endswith(")"):
        return cel.Type.List(_cel_type(spec[5:-1]))
    if spec.startswith("map(string,") and spec.endswith(")"):
        return cel.Type.Map(cel.Type.STRING, _cel_type(spec[len("map(string,") : -1]))
    return cel.Type(spec)  # a fact message, e.g. govern.facts.Model


def declared_variables(scope: str) -> dict[str, str]:
    """Variables visible in ``scope``: ``"facts"`` (tiering, appliesTo.when) or a check name."""
    variables = dict(FACT_VARIABLES)
    if scope != "facts":
        variables["params"] = PARAMS_TYPE
        variables.update(MEASUREMENTS[scope])
    return variables


@cache
def _env(scope: str) -> Any:
    return cel.NewEnv(POOL, variables={name: _cel_type(t) for name, t in declared_variables(scope).items()})


def _classify(message: str) -> str:
    if message.startswith("Syntax error") or "mismatched input" in message:
        return "cel_syntax_error"
    if message.startswith("undeclared reference"):
        return "cel_undeclared_reference"
    if message.startswith("undefined field"):
        return "cel_unknown_field"
    return "cel_type_error"


@dataclass(frozen=True, slots=True)
class Program:
    """A compiled, type-checked boolean CEL expression. Immutable; evaluate with :func:`run`."""

    source: str
    scope: str
    variables: tuple[str, ...]  # declared variables the expression references
    tokens: int
    comprehension_depth: int
    _expr: Any

    def cost_estimate(self, collection_elements: int) -> int:
        """Upper bound on evaluation steps given the number of bound collection elements."""
        return int(self.tokens * (collection_elements + 1) ** self.comprehension_depth)


def compile_expression(source: str, *, scope: str) -> Program:
    """Compile a boolean CEL expression for ``scope`` (``"facts"`` or a check name).

    Raises :class:`CelCompileError` with every issue: limits (``cel_too_large``,
    ``cel_too_deep``, ``cel_comprehension_too_deep``), ``cel_syntax_error``,
    ``cel_undeclared_reference``, ``cel_unknown_field``, ``cel_type_error`` and
    ``cel_not_bool`` (the expression's type is not bool).
    """
    shape = measure_shape(source)
    try:
        expr = _env(scope).compile(source)
    except RuntimeError as exc:
        text = str(exc)
        issues = [
            CelIssue(_classify(m.group(3).strip()), m.group(3).strip(), int(m.group(1)), int(m.group(2)))
            for m in _ENGINE_ERROR.finditer(text)
        ]
        raise CelCompileError(issues or [CelIssue("cel_syntax_error", text)]) from None
    rtype = expr.return_type()
    if rtype != cel.Type.BOOL:
        raise CelCompileError([CelIssue("cel_not_bool", f"expression has type {rtype.name().lower()}, not bool")])
    declared = declared_variables(scope)
    used = tuple(sorted(name for name in shape.identifiers if name in declared))
    return Program(source, scope, used, shape.tokens, shape.comprehension_depth, expr)


@dataclass(frozen=True, slots=True)
class Outcome:
    """Result of one evaluation: ``value`` is True/False, or None with an error ``code``."""

    value: bool | None
    code: str | None = None
    message: str = ""


TRUE: Final = Outcome(True)
FALSE: Final = Outcome(False)


def run(program: Program, data: Mapping[str, Any], *, collection_elements: int = 0) -> Outcome:
    """Evaluate ``program`` over ``data`` (one value per name in ``program.variables``).

    Never raises for policy or data problems and never returns a value that is not a bool:
    an over-budget estimate (``cel_budget_exceeded``, checked *before* evaluating), an
    engine error or ERROR-typed result (``cel_eval_error``), a non-bool (``cel_not_bool``)
    or a run over the time budget (``cel_budget_exceeded``) is an :class:`Outcome` with
    ``value=None``. Callers treat ``None`` as a failed rule.
    """
    if program.comprehension_depth:
        cost = program.cost_estimate(collection_elements)
        if cost > COST_BUDGET:
            return Outcome(
                None,
                "cel_budget_exceeded",
                f"estimated cost {cost} exceeds the budget {COST_BUDGET} "
                f"({collection_elements} collection elements, "
                f"comprehensions nested {program.comprehension_depth} deep)",
            )
    started = time.perf_counter()
    try:
        result = program._expr.eval(data=data)
    except Exception as exc:  # noqa: BLE001 - the engine's errors on odd data are failures, not crashes
        return Outcome(None, "cel_eval_error", f"{type(exc).__name__}: {exc}")
    elapsed = time.perf_counter() - started
    value = result.value()
    # Only a BOOL result has a Python bool value (an ERROR's value is its message text), so the
    # type test on the value is the result-type check, without the cost of result.type().
    if type(value) is not bool:
        if result.type() == cel.Type.ERROR:
            return Outcome(None, "cel_eval_error", str(value))
        return Outcome(None, "cel_not_bool", f"result has type {result.type().name().lower()}, not bool")
    if elapsed > TIME_BUDGET_SECONDS:
        return Outcome(
            None, "cel_budget_exceeded", f"evaluation took {elapsed:.3f}s; the budget is {TIME_BUDGET_SECONDS}s"
        )
    return TRUE if value else FALSE
