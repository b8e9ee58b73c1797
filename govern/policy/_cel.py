"""The one CEL interface of govern: compile with declared types and limits, evaluate fail-closed.

Engine: ``cel-expr-python`` (Google's C++ CEL): type-checked compile with located errors and
microsecond evaluation. Its evaluation has no cost limit of its own, and a missing map key
comes back as an ERROR-typed value (not an exception), so this module

* enforces static limits before compiling (size, nesting depth, comprehension nesting),
* checks a cost estimate against a budget before evaluating, from the sizes of the
  collections actually bound (comprehensions are the only super-linear construct in CEL),
  and the wall time after it,
* checks the type of every result: only a BOOL value is an answer; anything else is an error.

:func:`run_together` evaluates several programs in a single engine call: one list expression
of their sources, with the variables of each renamed apart (``value`` of one measurement,
``value`` of another), so facts are converted to engine values once for all of them. It answers
only when every element is a bool within budget; callers fall back to :func:`run`, one program
at a time, for anything else.

No Python is generated or executed from policy text.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Final

from cel_expr_python import cel

from govern.measurements import Threshold

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


_FLIP: Final = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_COMPARE: Final = frozenset(_FLIP)
# Tokens that may stand right before or after a whole comparison (not an operand of arithmetic).
_BOUNDARY: Final = frozenset({"", "(", ")", "&&", "||", "?", ":", ","})


def find_thresholds(source: str, numeric: frozenset[str]) -> tuple[Threshold, ...]:
    """Every ``var <op> number`` (or ``number <op> var``) comparison of ``source``, in source order.

    A documented, deliberately simple reading of the token stream, done once at compile time:
    ``var`` is a top-level variable in ``numeric`` (not a field or index of something), ``op``
    is a comparison, the number is a literal (with an optional unary minus), and the comparison
    is neither an operand of arithmetic (``1.0 - value <= 0.2``, ``value <= 0.1 * 2.0``) nor
    directly negated (``!(value <= 0.1)``). Anything else (``value <= params.max``) yields nothing.
    """
    toks: list[tuple[str, str]] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None:
            return ()
        pos = match.end()
        if match.lastgroup != "space":
            toks.append((match.lastgroup or "", match.group()))

    def text(i: int) -> str:
        return toks[i][1] if 0 <= i < len(toks) else ""

    def number(i: int) -> tuple[float, int] | None:
        """The number literal starting at token i (and the index after it)."""
        sign = 1.0
        if text(i) == "-":
            sign, i = -1.0, i + 1
        if 0 <= i < len(toks) and toks[i][0] == "number" and not toks[i][1].lower().startswith("0x"):
            try:
                return sign * float(toks[i][1].rstrip("uU")), i + 1
            except ValueError:
                return None
        return None

    def before_ok(i: int) -> bool:
        """Token i may precede a comparison: a boundary, but not ``!(`` (a negated comparison)."""
        return text(i) in _BOUNDARY and not (text(i) == "(" and text(i - 1) == "!")

    out: list[Threshold] = []
    for i, (kind, word) in enumerate(toks):
        if kind != "ident" or word not in numeric or text(i - 1) == ".":
            continue
        if text(i + 1) in _COMPARE and before_ok(i - 1):
            found = number(i + 2)
            if found is not None and text(found[1]) in _BOUNDARY:
                out.append(Threshold(variable=word, op=text(i + 1), value=found[0]))
                continue
        if text(i - 1) in _COMPARE and text(i + 1) in _BOUNDARY:
            start = i - 2 if text(i - 3) != "-" else i - 3
            found = number(start)
            if found is not None and found[1] == i - 1 and before_ok(start - 1):
                out.append(Threshold(variable=word, op=_FLIP[text(i - 1)], value=found[0]))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Program:
    """A compiled, type-checked boolean CEL expression. Immutable; evaluate with :func:`run`."""

    source: str
    scope: str
    variables: tuple[str, ...]  # declared variables the expression references
    tokens: int
    comprehension_depth: int
    _expr: Any
    thresholds: tuple[Threshold, ...] = ()

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
    numeric = frozenset(n for n, t in declared.items() if t in ("double", "int") and n not in FACT_VARIABLES)
    thresholds = find_thresholds(source, numeric) if scope != "facts" else ()
    return Program(source, scope, used, shape.tokens, shape.comprehension_depth, expr, thresholds)


@dataclass(frozen=True, slots=True)
class Outcome:
    """Result of one evaluation: ``value`` is True/False, or None with an error ``code``."""

    value: bool | None
    code: str | None = None
    message: str = ""


TRUE: Final = Outcome(True)
FALSE: Final = Outcome(False)


def run(program: Program, data: Mapping[str, Any], *, collection_elements: int = 0, arena: Any = None) -> Outcome:
    """Evaluate ``program`` over ``data`` (one value per name in ``program.variables``).

    Never raises for policy or data problems and never returns a value that is not a bool:
    an over-budget estimate (``cel_budget_exceeded``, checked *before* evaluating), an
    engine error or ERROR-typed result (``cel_eval_error``), a non-bool (``cel_not_bool``)
    or a run over the time budget (``cel_budget_exceeded``) is an :class:`Outcome` with
    ``value=None``. Callers treat ``None`` as a failed rule. ``arena``: one from ``Facts.arenas``.
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
        # Positional (activation, data, functions, arena): pybind11 parses keywords slower.
        result = program._expr.eval(None, data, None, arena)
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


JOINT_PREFIX: Final = "_j"  # renamed variables of a joint expression: ``_j<binding>_<name>``


def rename(source: str, names: Mapping[str, str]) -> str | None:
    """``source`` with each variable reference in ``names`` (an identifier not after ``.``)
    renamed, bound and free occurrences alike (so comprehensions keep their scoping); None when
    the lexer cannot read it all."""
    out: list[str] = []
    pos, last = 0, ""
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None:
            return None
        kind, text = match.lastgroup or "", match.group()
        pos = match.end()
        if kind == "ident" and last != "." and text in names:
            text = names[text]
        out.append(text)
        if kind != "space":
            last = text if kind == "op" else kind
    return "".join(out)


def fields_read(source: str, variable: str) -> frozenset[str] | None:
    """The fields of ``variable`` that ``source`` reads (``variable.<field>``), or None when it
    uses ``variable`` otherwise too (whole, as in ``variable == x``) or the lexer cannot read it
    all. A comprehension variable of the same name makes it None (its binder is not a field read)."""
    toks: list[tuple[str, str]] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None:
            return None
        pos = match.end()
        if match.lastgroup != "space":
            toks.append((match.lastgroup or "", match.group()))
    fields: set[str] = set()
    for i, (kind, text) in enumerate(toks):
        if kind != "ident" or text != variable or (i and toks[i - 1][1] == "."):
            continue
        if i + 2 >= len(toks) or toks[i + 1][1] != "." or toks[i + 2][0] != "ident":
            return None
        fields.add(toks[i + 2][1])
    return frozenset(fields)


@lru_cache(maxsize=64)
def _joint_env(declarations: frozenset[tuple[str, str]]) -> Any:
    return cel.NewEnv(POOL, variables={name: _cel_type(t) for name, t in declarations})


Member = tuple[str, str, tuple[tuple[str, str], ...]]  # (scope, source, ((variable, renamed), ...))


@lru_cache(maxsize=1024)
def joint_expression(members: tuple[Member, ...]) -> Any:
    """One compiled list expression of the members' expressions, each with its variables renamed
    as given (so rules reading different measurements share one binding), or None when it
    cannot be built: a source already uses a name starting with :data:`JOINT_PREFIX`, a name
    would be declared with two types, or the list does not compile to ``list(bool)``. A
    variable renamed to ``<name>[<index>]`` is an element of ``<name>``, a list of its type
    (scalars of one type travel to the engine as one list: fewer values to convert)."""
    declarations: dict[str, str] = {}
    texts: list[str] = []
    for scope, source, renames in members:
        names = dict(renames)
        identifiers = measure_shape(source).identifiers
        if any(i.startswith(JOINT_PREFIX) for i in identifiers):
            return None
        text = rename(source, names) if names else source
        if text is None:
            return None
        declared = declared_variables(scope)
        for name in identifiers & declared.keys():
            if name not in FACT_VARIABLES and name not in names:
                return None  # only the facts are one object for every member
            variable, kind = names.get(name, name), declared[name]
            if variable.endswith("]"):  # packed: ``<list>[<index>]``, an element of a list of that type
                variable, kind = variable.split("[", 1)[0], f"list({kind})"
            if declarations.setdefault(variable, kind) != kind:
                return None
        # Each member on its own lines, in parentheses: a trailing ``//`` comment ends at the newline.
        texts.append(f"(\n{text}\n)")
    try:
        expr = _joint_env(frozenset(declarations.items())).compile("[" + ",".join(texts) + "]")
    except RuntimeError:
        return None
    return expr if expr.return_type() == cel.Type.List(cel.Type.BOOL) else None


_BOOLS: Final = frozenset({bool})


def run_together(expr: Any, n: int, data: Mapping[str, Any], *, arena: Any = None) -> list[bool] | None:
    """Evaluate a :func:`joint_expression` of ``n`` members over ``data`` (every variable, as
    renamed) in one engine call: each member's answer, in order, or None when the engine gave
    anything but a bool for each (an error in any member errs the whole list) or the call took
    longer than :data:`TIME_BUDGET_SECONDS`. On None, evaluate each with :func:`run` to learn its
    own outcome. Cost budgets are the caller's to check first, per program, as :func:`run` would.
    ``arena``: one from ``Facts.arenas``.
    """
    started = time.perf_counter()
    try:
        values = expr.eval(None, data, None, arena).plain_value()  # positional, as in run()
    except Exception:  # noqa: BLE001 - the per-program fallback reports it
        return None
    if time.perf_counter() - started > TIME_BUDGET_SECONDS:
        return None
    if type(values) is not list or len(values) != n or not _BOOLS.issuperset(map(type, values)):
        return None
    return values
