"""Find packs on disk, validate every document (collecting located problems), compile.

A PATH is a pack folder (with ``pack.yaml``), a folder of pack folders, or one YAML file
(a pack of one file, named after the file). A pack's content is every ``*.yaml`` under its
folder except ``tests/``; its tests are ``tests/*.yaml``; its signature is ``pack.sig``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from govern.core import json_digest

from ._cel import CelCompileError, Program, compile_expression
from ._controls import load_catalog
from ._packset import (
    ApprovalRequirement,
    BoundRule,
    CompiledPack,
    CompiledPolicy,
    MonitoringRequirement,
    PackSet,
    TieringRuleC,
)
from ._problems import PolicyInvalid, Problem
from ._schema import KINDS, Approvals, MonitoringPlan, PackManifest, Policy, PolicyTest, Tiering, parse_duration
from ._yaml import Document, PathKey, load_documents

# A rule's check parameters validated by their owner (``govern.checks.param_problems``): given the
# check's name and its ``with`` mapping, every problem as (path inside ``with``, message, at_key).
# Injected by the caller because this room imports only core.
ParamsValidator = Callable[[str, dict[str, Any]], Sequence[tuple[tuple[str | int, ...], str, bool]]]

MANIFEST = "pack.yaml"
SIGNATURE = "pack.sig"
_CONTENT_KINDS = ("Pack", "Policy", "Tiering", "Approvals", "MonitoringPlan")


@dataclass(slots=True)
class _Source:
    root: Path
    display: str  # how the user named the pack's folder or file
    files: list[Path]
    tests: list[Path]
    single_file: bool


@dataclass(slots=True)
class _Validated:
    """One pack after validation: compiled when it had no problems."""

    source: _Source
    name: str
    content: dict[str, list[Any]] = field(default_factory=dict)
    pack: CompiledPack | None = None
    tests: list[tuple[Document, PolicyTest]] = field(default_factory=list)
    rule_ids: set[str] = field(default_factory=set)


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def _discover(paths: Sequence[Path], problems: list[Problem]) -> list[_Source]:
    sources: list[_Source] = []
    for path in paths:
        if path.is_file():
            sources.append(_Source(path.parent, str(path), [path], [], True))
        elif (path / MANIFEST).is_file():
            sources.append(_pack_source(path, str(path)))
        elif path.is_dir():
            packs = sorted(p.parent for p in path.glob(f"*/{MANIFEST}"))
            if not packs:
                problems.append(
                    Problem(str(path), 1, 1, "pack_manifest_missing", f"no {MANIFEST} here or in a sub-folder")
                )
            sources.extend(_pack_source(p, str(path / p.name)) for p in packs)
        else:
            problems.append(Problem(str(path), 1, 1, "policy_path_missing", "no such file or folder"))
    return sources


def _pack_source(root: Path, display: str) -> _Source:
    tests_dir = root / "tests"
    files = [p for p in _yaml_files(root) if tests_dir not in p.parents]
    tests = _yaml_files(tests_dir) if tests_dir.is_dir() else []
    return _Source(root, display, files, tests, False)


def _display(source: _Source, path: Path) -> str:
    if source.single_file:
        return source.display
    return str(Path(source.display) / path.relative_to(source.root))


def _schema_problems(doc: Document, exc: ValidationError) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc: PathKey = tuple(p for p in err["loc"] if p != "[key]")
        kind = err["type"]
        if kind == "extra_forbidden":
            name = str(loc[-1])
            close = difflib.get_close_matches(name, _KNOWN_KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            out.append(doc.problem(loc, "policy_unknown_key", f"unknown key {name!r}{hint}", key=True))
        elif kind == "missing":
            # Point at the parent's key ("spec:"), or at the parent itself when it has none.
            out.append(doc.problem(loc[:-1], "policy_missing_key", f"missing required key {str(loc[-1])!r}", key=True))
        elif kind.endswith("_type") and kind not in ("literal_type",):
            out.append(doc.problem(loc, "policy_wrong_type", f"{'.'.join(map(str, loc))}: {err['msg']}"))
        else:
            out.append(doc.problem(loc, "policy_invalid_value", f"{'.'.join(map(str, loc))}: {err['msg']}"))
    return out


def _models(model: type[BaseModel], seen: set[type] | None = None) -> list[type[BaseModel]]:
    seen = seen if seen is not None else set()
    if model in seen:
        return []
    seen.add(model)
    out = [model]
    for finfo in model.model_fields.values():
        for arg in _type_args(finfo.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                out.extend(_models(arg, seen))
    return out


def _type_args(annotation: Any) -> list[Any]:
    args = [annotation]
    for sub in getattr(annotation, "__args__", ()) or ():
        args.extend(_type_args(sub))
    return args


# Suggestions for a misspelt key come from every key the schema knows (any level).
_KNOWN_KEYS = sorted(
    {
        finfo.alias or fname
        for kind in KINDS.values()
        for cls in _models(kind)
        for fname, finfo in cls.model_fields.items()
    }
)


def _parse(doc: Document, allowed: tuple[str, ...], problems: list[Problem]) -> Any:
    data = doc.data
    if not isinstance(data, dict):
        problems.append(doc.problem((), "policy_not_mapping", "a policy document must be a mapping"))
        return None
    kind = data.get("kind")
    if kind is None:
        problems.append(doc.problem((), "policy_missing_key", "missing required key 'kind'"))
        return None
    if kind not in KINDS:
        problems.append(
            doc.problem(("kind",), "policy_unknown_kind", f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        )
        return None
    if kind not in allowed:
        where = "tests/" if kind == "PolicyTest" else "the pack, not in tests/"
        problems.append(doc.problem(("kind",), "policy_wrong_place", f"a {kind} document belongs in {where}"))
        return None
    try:
        return KINDS[kind].model_validate(data)
    except ValidationError as exc:
        problems.extend(_schema_problems(doc, exc))
        return None


def _compile(
    doc: Document, path: PathKey, source: str, scope: str, problems: list[Problem], what: str
) -> Program | None:
    try:
        return compile_expression(source, scope=scope)
    except CelCompileError as exc:
        for issue in exc.issues:
            line, col = doc.expression_pos(path, issue.line, issue.col)
            problems.append(Problem(doc.file, line, col, issue.code, f"{what}: {issue.message}"))
        return None


def _check_controls(
    doc: Document,
    base: PathKey,
    controls: Sequence[str],
    catalog: dict[str, Any],
    problems: list[Problem],
    cited: set[str],
) -> None:
    cited.update(controls)
    for i, control in enumerate(controls):
        if control not in catalog:
            close = difflib.get_close_matches(control, list(catalog), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(doc.problem((*base, i), "unknown_control", f"unknown control {control!r}{hint}"))


def _validate_pack(
    source: _Source, catalog: dict[str, Any], problems: list[Problem], check_params: ParamsValidator | None
) -> _Validated:
    start = len(problems)
    docs: list[tuple[Document, Any]] = []
    content: dict[str, list[Any]] = {}
    for path in source.files:
        parsed, yaml_problems = load_documents(path, display=_display(source, path))
        problems.extend(yaml_problems)
        allowed = _CONTENT_KINDS if not source.single_file else (*_CONTENT_KINDS, "PolicyTest")
        for doc in parsed:
            model = _parse(doc, allowed, problems)
            if model is not None:
                docs.append((doc, model))
        rel = path.name if source.single_file else path.relative_to(source.root).as_posix()
        content[rel] = [d.data for d in parsed]

    manifests = [(d, m) for d, m in docs if isinstance(m, PackManifest)]
    if source.single_file:
        name = next((m.metadata.name for _, m in docs if not isinstance(m, PolicyTest)), Path(source.display).stem)
    elif not manifests:
        problems.append(Problem(source.display, 1, 1, "pack_manifest_missing", f"{MANIFEST} is missing"))
        name = source.root.name
    else:
        name = manifests[0][1].metadata.name
        for doc, _ in manifests[1:]:
            problems.append(doc.problem(("kind",), "duplicate_pack_manifest", "a pack has one Pack document"))

    result = _Validated(source, name, content)
    policies: list[CompiledPolicy] = []
    tiering: tuple[TieringRuleC, ...] | None = None
    tiering_default = None
    approvals: dict[str, ApprovalRequirement] = {}
    monitoring: dict[str, MonitoringRequirement] = {}
    seen_rules: dict[str, Document] = {}
    seen_policies: set[str] = set()
    seen_kinds: set[str] = set()
    cited: set[str] = set()  # every control any document of the pack names (policies, tiering, approvals)
    for doc, model in docs:
        _check_controls(doc, ("metadata", "controls"), model.metadata.controls, catalog, problems, cited)
        if isinstance(model, Policy):
            if model.metadata.name in seen_policies:
                problems.append(
                    doc.problem(
                        ("metadata", "name"),
                        "duplicate_policy_name",
                        f"policy {model.metadata.name!r} is defined twice",
                    )
                )
            seen_policies.add(model.metadata.name)
            when = None
            if model.spec.applies_to.when is not None:
                when = _compile(
                    doc, ("spec", "appliesTo", "when"), model.spec.applies_to.when, "facts", problems, "appliesTo.when"
                )
            rules: list[BoundRule] = []
            for i, rule in enumerate(model.spec.rules):
                base: PathKey = ("spec", "rules", i)
                if rule.id in seen_rules:
                    problems.append(
                        doc.problem(
                            (*base, "id"), "duplicate_rule_id", f"rule id {rule.id!r} is used twice in pack {name!r}"
                        )
                    )
                seen_rules[rule.id] = doc
                controls = tuple(dict.fromkeys([*model.metadata.controls, *rule.controls]))
                if not controls:
                    problems.append(
                        doc.problem((*base, "id"), "rule_without_controls", f"rule {rule.id!r} cites no control")
                    )
                _check_controls(doc, (*base, "controls"), rule.controls, catalog, problems, cited)
                for at, message, at_key in check_params(rule.check, dict(rule.with_)) if check_params else ():
                    problems.append(
                        doc.problem(
                            (*base, "with", *at), "check_params_invalid", f"rule {rule.id!r}: {message}", key=at_key
                        )
                    )
                program = _compile(doc, (*base, "require"), rule.require, rule.check, problems, f"rule {rule.id!r}")
                if program is not None:
                    rules.append(
                        BoundRule(
                            pack=name,
                            policy=model.metadata.name,
                            id=rule.id,
                            check=rule.check,
                            require=rule.require,
                            on_fail=rule.on_fail,
                            controls=controls,
                            description=rule.description,
                            _params=dict(rule.with_),
                            _program=program,
                            source=f"{doc.file}:{doc.pos((*base, 'id')).line}",
                        )
                    )
            policies.append(
                CompiledPolicy(
                    name,
                    model.metadata.name,
                    frozenset(model.spec.applies_to.tiers),
                    frozenset(model.spec.gates),
                    when,
                    tuple(rules),
                    frozenset(model.spec.applies_to.kinds),
                )
            )
        elif isinstance(model, Tiering):
            if "Tiering" in seen_kinds:
                problems.append(doc.problem(("kind",), "duplicate_tiering", "a pack has at most one Tiering document"))
            seen_kinds.add("Tiering")
            compiled = []
            ids: set[str] = set()
            for i, trule in enumerate(model.spec.rules):
                base = ("spec", "rules", i)
                if trule.id in ids:
                    problems.append(
                        doc.problem((*base, "id"), "duplicate_rule_id", f"tiering rule id {trule.id!r} is used twice")
                    )
                ids.add(trule.id)
                _check_controls(doc, (*base, "controls"), trule.controls, catalog, problems, cited)
                program = _compile(doc, (*base, "when"), trule.when, "facts", problems, f"tiering rule {trule.id!r}")
                if program is not None:
                    compiled.append(TieringRuleC(trule.id, trule.tier, program))
            tiering, tiering_default = tuple(compiled), model.spec.default
        elif isinstance(model, Approvals):
            if "Approvals" in seen_kinds:
                problems.append(
                    doc.problem(("kind",), "duplicate_approvals", "a pack has at most one Approvals document")
                )
            seen_kinds.add("Approvals")
            for tier, need in model.spec.tiers.items():
                base = ("spec", "tiers", tier)
                _check_controls(doc, (*base, "controls"), need.controls, catalog, problems, cited)
                for role in need.at_least:
                    if role not in need.roles:
                        problems.append(
                            doc.problem(
                                (*base, "atLeast", role),
                                "approvals_invalid",
                                f"atLeast names {role!r}, which is not in roles",
                            )
                        )
                if sum(need.at_least.values()) > need.count:
                    problems.append(
                        doc.problem(
                            (*base, "atLeast"), "approvals_invalid", "atLeast asks for more approvers than count"
                        )
                    )
                approvals[tier] = ApprovalRequirement(
                    frozenset(need.roles),
                    need.count,
                    {str(k): v for k, v in need.at_least.items()},
                    parse_duration(need.expires_after),
                    (name,),
                )
        elif isinstance(model, MonitoringPlan):
            if "MonitoringPlan" in seen_kinds:
                problems.append(
                    doc.problem(
                        ("kind",), "duplicate_monitoring_plan", "a pack has at most one MonitoringPlan document"
                    )
                )
            seen_kinds.add("MonitoringPlan")
            for tier, plan in model.spec.tiers.items():
                _check_controls(doc, ("spec", "tiers", tier, "controls"), plan.controls, catalog, problems, cited)
                monitoring[tier] = MonitoringRequirement(
                    parse_duration(plan.every), plan.hold_promotion, frozenset(plan.owners), (name,)
                )
        elif isinstance(model, PolicyTest):
            result.tests.append((doc, model))
    result.rule_ids = set(seen_rules)

    for path in source.tests:
        parsed, yaml_problems = load_documents(path, display=_display(source, path))
        problems.extend(yaml_problems)
        for doc in parsed:
            model = _parse(doc, ("PolicyTest",), problems)
            if model is not None:
                result.tests.append((doc, model))
    for doc, test in result.tests:
        for i, case in enumerate(test.spec.cases):
            for rule_id in case.expect.rules:
                if rule_id not in seen_rules:
                    problems.append(
                        doc.problem(
                            ("spec", "cases", i, "expect", "rules", rule_id),
                            "policy_test_unknown_rule",
                            f"case {case.name!r} expects a result for unknown rule {rule_id!r}",
                            key=True,
                        )
                    )

    if len(problems) == start:
        digest = json_digest({"pack": name, "files": content})
        result.pack = CompiledPack(
            name=name,
            digest=digest,
            root=str(source.root),
            signed=False,
            policies=tuple(policies),
            tiering=tiering,
            tiering_default=tiering_default,
            approvals=approvals,
            controls=frozenset(cited),
            monitoring=monitoring,
        )
    return result


def _validate(
    paths: Sequence[Path], check_params: ParamsValidator | None = None
) -> tuple[list[_Validated], list[Problem]]:
    problems: list[Problem] = []
    sources = _discover([Path(p) for p in paths], problems)
    catalog = load_catalog()
    validated = [_validate_pack(s, catalog, problems, check_params) for s in sources]
    names: dict[str, str] = {}
    for v in validated:
        if v.name in names:
            problems.append(
                Problem(
                    v.source.display,
                    1,
                    1,
                    "duplicate_pack_name",
                    f"pack {v.name!r} is also loaded from {names[v.name]}",
                )
            )
        names.setdefault(v.name, v.source.display)
    packs = [v.pack for v in validated if v.pack is not None]
    for tier in ("prohibited", "high", "limited", "minimal"):
        found = [p for p in packs if tier in p.approvals]
        if found and not frozenset.intersection(*(p.approvals[tier].roles for p in found)):
            problems.append(
                Problem(
                    found[-1].root,
                    1,
                    1,
                    "approvals_conflict",
                    f"packs {', '.join(p.name for p in found)} allow no common approver role for tier {tier!r}",
                )
            )
    return validated, problems


def validate_paths(paths: Sequence[Path], *, check_params: ParamsValidator | None = None) -> list[Problem]:
    """Every problem in the packs at ``paths`` (files, packs, folders of packs), sorted.

    Covers YAML syntax, schema (unknown/missing keys, wrong types and values), CEL syntax,
    undeclared variables, type errors and non-bool results, limits, unknown controls,
    duplicate ids, policy tests naming unknown rules, and altered signed packs; with
    ``check_params`` (``govern.checks.param_problems``) also every rule's ``with`` parameters
    (``check_params_invalid`` at the offending key or value). Never raises for bad content; an
    empty list means valid.
    """
    from ._signing import signature_problems

    validated, problems = _validate(paths, check_params)
    for v in validated:
        if v.pack is not None:
            problems.extend(signature_problems(v.source.root, v.source.display, v.pack.digest))
    return sorted(problems)


def load_packs(
    paths: Sequence[Path],
    *,
    require_signed: bool = False,
    trusted_keys: Sequence[Path] = (),
    check_params: ParamsValidator | None = None,
) -> PackSet:
    """Validate and compile the packs at ``paths`` into an immutable :class:`PackSet`.

    ``check_params`` validates every rule's ``with`` (see :func:`validate_paths`); without it a
    bad parameter surfaces only when the check runs (``check_params_invalid``, the rule fails).

    Raises :class:`PolicyInvalid` (code ``policy_invalid``, exit 2, every problem attached)
    when anything is wrong. A pack with a ``pack.sig`` must match it (else
    ``VerificationError(pack_signature_invalid)``); with ``require_signed`` every pack must
    be signed (``pack_unsigned``) by one of ``trusted_keys`` (``pack_signer_untrusted``;
    ``pack_trust_missing`` when no key is given).
    """
    from ._signing import verify_pack

    validated, problems = _validate(paths, check_params)
    if problems:
        raise PolicyInvalid(problems)
    packs = []
    for v in validated:
        assert v.pack is not None  # no problems means every pack compiled
        signed = verify_pack(
            v.source.root, v.source.display, v.pack.digest, require_signed=require_signed, trusted_keys=trusted_keys
        )
        packs.append(_with_signed(v.pack, signed))
    return PackSet(tuple(packs))


def _with_signed(pack: CompiledPack, signed: bool) -> CompiledPack:
    from dataclasses import replace

    return replace(pack, signed=signed)
