"""Read a model card file (govern YAML/JSON, Hugging Face Markdown, Model Card Toolkit JSON).

Every format is converted into the dict shape of :class:`ModelCard`, remembering where each field
came from so a problem found on the converted card is reported at its place in the source file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from govern.core import GovernError, Location

from ._codes import (
    CARD_FENCE_UNCLOSED,
    CARD_FORMAT_UNKNOWN,
    CARD_METRIC_INVALID,
    CARD_PARSE_ERROR,
    CARD_SCHEMA_ERROR,
    CARD_SECTION_AMBIGUOUS,
    CARD_UNREADABLE,
)
from ._positions import SourcePath, json_path, nearest, positions
from ._schema import ModelCard

CardFormat = Literal["govern", "huggingface", "mct"]
FieldPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem in a card file."""

    code: str
    message: str
    location: Location

    def __str__(self) -> str:
        return f"{self.location}: {self.code}: {self.message}"

    def sort_key(self) -> tuple[int, int, str, str]:
        loc = self.location
        return (loc.line or 0, loc.col or 0, loc.path or "", self.code)


@dataclass
class LoadedCard:
    """A card file read and converted: the card (None when it does not validate) and problems."""

    file: str
    format: CardFormat
    card: ModelCard | None
    problems: list[Problem]
    origin: dict[FieldPath, SourcePath] = field(default_factory=dict)
    positions: dict[SourcePath, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: FieldPath) -> Location:
        """Where the card field ``path`` is (or would be) in the source file."""
        source: SourcePath = path
        for cut in range(len(path), 0, -1):
            if path[:cut] in self.origin:
                source = self.origin[path[:cut]] + path[cut:]
                break
        else:
            if self.format == "mct":
                source = ("govern", *path)
        pos = nearest(self.positions, source)
        line, col = pos if pos else (1 if self.format != "mct" else None, None)
        jpath = json_path(source) if self.format == "mct" else None
        return Location(self.file, line, col, jpath)


# Placeholders templates leave behind; they document nothing.
_PLACEHOLDER = re.compile(
    r"^\s*\[?\s*(more information needed|todo|tbd|to be (?:written|completed)|n/?a|none)\s*\]?\.?\s*$",
    re.IGNORECASE,
)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def is_placeholder(text: str) -> bool:
    return not text.strip() or bool(_PLACEHOLDER.match(text))


def read_card(path: Path) -> LoadedCard:
    """Read and convert ``path``; never raises for bad content (problems are collected)."""
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".md", ".markdown", ".json", ".yaml", ".yml"):
        msg = f"unknown card format {suffix or '(no extension)'}: expected .md, .json, .yaml"
        return LoadedCard(name, "govern", None, [Problem(CARD_FORMAT_UNKNOWN, msg, Location(name))])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        loc = Location(name)
        return LoadedCard(name, "govern", None, [Problem(CARD_UNREADABLE, str(exc), loc)])
    if suffix in (".md", ".markdown"):
        return _from_huggingface(name, text)
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            loc = Location(name, exc.lineno, exc.colno)
            return LoadedCard(name, "govern", None, [Problem(CARD_PARSE_ERROR, exc.msg, loc)])
        if isinstance(data, dict) and _looks_like_mct(data):
            return _from_mct(name, text, data)
        return _finish(LoadedCard(name, "govern", None, [], positions=positions(text)), data)
    return _from_yaml(name, text)


def _yaml_load(name: str, text: str, *, line_offset: int) -> tuple[Any, Problem | None]:
    import yaml

    try:
        return yaml.safe_load(text), None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 + line_offset if mark else None
        col = mark.column + 1 if mark else None
        msg = str(getattr(exc, "problem", None) or exc)
        return None, Problem(CARD_PARSE_ERROR, msg, Location(name, line, col))


def _from_yaml(name: str, text: str) -> LoadedCard:
    data, problem = _yaml_load(name, text, line_offset=0)
    loaded = LoadedCard(name, "govern", None, [], positions=positions(text))
    if problem:
        loaded.problems.append(problem)
        return loaded
    return _finish(loaded, data)


def _finish(loaded: LoadedCard, data: Any) -> LoadedCard:
    """Validate the converted dict against the schema, locating every error."""
    from pydantic import ValidationError

    if not isinstance(data, dict):
        loaded.problems.append(
            Problem(CARD_SCHEMA_ERROR, "a model card must be a mapping of sections", loaded.locate(()))
        )
        return loaded
    try:
        loaded.card = ModelCard.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            loaded.problems.append(
                Problem(CARD_SCHEMA_ERROR, f"{where}: {err['msg']}", loaded.locate(tuple(err["loc"])))
            )
    loaded.problems.sort(key=Problem.sort_key)
    return loaded


# ---------------------------------------------------------------- Hugging Face Markdown

# Normalized heading -> card field; the first non-empty section for a field wins.
_SECTIONS: dict[str, str] = {
    "model description": "model_details.description",
    "model details": "model_details.description",
    "model summary": "model_details.description",
    "direct use": "intended_use.primary_uses",
    "intended use": "intended_use.primary_uses",
    "intended uses": "intended_use.primary_uses",
    "primary intended uses": "intended_use.primary_uses",
    "uses": "intended_use.primary_uses",
    "primary intended users": "intended_use.primary_users",
    "out of scope use": "intended_use.out_of_scope",
    "out of scope uses": "intended_use.out_of_scope",
    "out of scope use cases": "intended_use.out_of_scope",
    "factors": "factors",
    "metrics": "metrics",
    "training data": "training_data.description",
    "testing data": "evaluation_data.description",
    "evaluation data": "evaluation_data.description",
    "bias risks and limitations": "ethical_considerations",
    "ethical considerations": "ethical_considerations",
    "recommendations": "caveats_and_recommendations",
    "caveats and recommendations": "caveats_and_recommendations",
    "limitations": "caveats_and_recommendations",
    "human oversight": "human_oversight.description",
}
_LIST_FIELDS = {
    "intended_use.primary_uses",
    "intended_use.primary_users",
    "intended_use.out_of_scope",
    "factors",
    "metrics",
    "ethical_considerations",
    "caveats_and_recommendations",
}
_HF_IGNORED = {
    "language", "pipeline_tag", "library_name", "base_model", "inference", "widget",
    "thumbnail", "co2_eq_emissions", "license_link", "model_name", "license_name", "datasets",
    "model-index",
}  # fmt: skip


def _normalize(heading: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", heading.lower()).split())


def _split_front_matter(text: str) -> tuple[str | None, str, int]:
    """(front matter, body, line number where the body starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "".join(lines[1:i]), "".join(lines[i + 1 :]), i + 2
    return None, text, 1


def _sections(name: str, body: str, first_line: int) -> tuple[list[tuple[str, int, str]], list[Problem]]:
    """(heading, line, source text directly under it) for each top-level heading of the body,
    as a CommonMark parser (markdown-it-py) sees it: a ``#`` line inside a fenced or indented
    code block, an HTML block or a comment is text, not a heading; setext headings count.

    Also the located problems of what could be read two ways: a heading naming a card section
    nested in a block quote or a list item (quoted, or meant as the section?), and a code fence
    never closed (it swallows every heading after it).
    """
    from markdown_it import MarkdownIt

    lines = body.splitlines()
    tokens = MarkdownIt("commonmark").parse(body)
    problems: list[Problem] = []
    starts: list[tuple[str, int, int]] = []  # (heading text, first line, first line after it), 0-based
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map is not None:
            text = tokens[i + 1].content.strip() if i + 1 < len(tokens) else ""
            if tok.level == 0:
                starts.append((text, tok.map[0], tok.map[1]))
            elif _normalize(text) in _SECTIONS:
                problems.append(
                    Problem(
                        CARD_SECTION_AMBIGUOUS,
                        f"heading {text!r} is inside a block quote or list, so it is not read as the card's "
                        f"{_SECTIONS[_normalize(text)]} section; move it out (or reword it) to say which is meant",
                        Location(name, first_line + tok.map[0], 1),
                    )
                )
        elif tok.type == "fence" and tok.map is not None and not _fence_closed(lines, tok.map, tok.markup):
            problems.append(
                Problem(
                    CARD_FENCE_UNCLOSED,
                    f"this {tok.markup} code block is never closed: everything after it, headings included, is code",
                    Location(name, first_line + tok.map[0], 1),
                )
            )
    out: list[tuple[str, int, str]] = []
    prev_heading, prev_line, prev_end = "", first_line, 0
    for text, start, end in starts:
        out.append((prev_heading, prev_line, "\n".join(lines[prev_end:start])))
        prev_heading, prev_line, prev_end = text, first_line + start, end
    out.append((prev_heading, prev_line, "\n".join(lines[prev_end:])))
    return out, problems


def _fence_closed(lines: list[str], span: list[int], markup: str) -> bool:
    """Whether the fence over ``span`` (0-based [start, end) lines) ends with a closing marker."""
    start, end = span
    if end - start < 2 or end > len(lines):
        return False
    last = lines[end - 1].strip()
    return last.startswith(markup[0] * len(markup)) and not last.strip(markup[0])


def _as_items(text: str) -> list[str]:
    bullets = [m.group(1).strip() for m in re.finditer(r"^\s*[-*+]\s+(.+)$", text, re.MULTILINE)]
    items = bullets or [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    return [i for i in items if not is_placeholder(i)]


def _from_huggingface(name: str, text: str) -> LoadedCard:
    front, body, body_line = _split_front_matter(text)
    loaded = LoadedCard(name, "huggingface", None, [])
    meta: Any = {}
    if front is not None:
        loaded.positions = positions(front, line_offset=1)
        meta, problem = _yaml_load(name, front, line_offset=1)
        if problem:
            loaded.problems.append(problem)
            return loaded
        meta = meta or {}
        if not isinstance(meta, dict):
            loaded.problems.append(
                Problem(CARD_SCHEMA_ERROR, "the front matter must be a mapping", Location(name, 2, 1))
            )
            return loaded
    loaded.positions.setdefault((), (1, 1))
    governed = set(ModelCard.model_fields)
    data: dict[str, Any] = {k: v for k, v in meta.items() if k in governed}
    details = data.setdefault("model_details", {})
    if not isinstance(details, dict):
        return _finish(loaded, data)
    for key, detail in (("license", "license"), ("license_name", "license"), ("model_name", "name")):
        if meta.get(key) and not details.get(detail):
            details[detail] = str(meta[key])
            loaded.origin[("model_details", detail)] = (key,)
    if (
        meta.get("datasets")
        and isinstance(data.setdefault("training_data", {}), dict)
        and not data["training_data"].get("datasets")
    ):
        data["training_data"]["datasets"] = meta["datasets"]
        loaded.origin[("training_data", "datasets")] = ("datasets",)
    if "model-index" in meta and "quantitative_analyses" not in data:
        data["quantitative_analyses"] = _model_index(loaded, meta["model-index"], details)

    unmapped: list[str] = []
    sections, ambiguities = _sections(name, body, body_line)
    loaded.problems.extend(ambiguities)
    from_section: dict[str, tuple[str, int]] = {}  # card field -> (heading, line) that gave it
    for heading, line, raw in sections:
        content = _COMMENT.sub("", raw).strip()
        target = _SECTIONS.get(_normalize(heading))
        if target is None or is_placeholder(content):
            if heading and not is_placeholder(content):
                unmapped.append(f"## {heading}\n\n{content}")
            continue
        if target in from_section:
            first, first_line = from_section[target]
            loaded.problems.append(
                Problem(
                    CARD_SECTION_AMBIGUOUS,
                    f"section {heading!r} and section {first!r} (line {first_line}) both give {target}; "
                    "merge them or rename one heading",
                    Location(name, line, 1),
                )
            )
            continue
        section, _, key = target.partition(".")
        holder: dict[str, Any] = data.setdefault(section, {}) if key else data
        slot = key or section
        if not isinstance(holder, dict) or holder.get(slot):
            # Already given in the front matter: keep the prose as a note rather than drop it.
            unmapped.append(f"## {heading}\n\n{content}")
            continue
        holder[slot] = _as_items(content) if target in _LIST_FIELDS else content
        from_section[target] = (heading, line)
        loaded.positions[tuple(target.split("."))] = (line, 1)
    if unmapped and not data.get("notes"):
        data["notes"] = "\n\n".join(unmapped)
    return _finish(loaded, data)


def _model_index(loaded: LoadedCard, index: Any, details: dict[str, Any]) -> list[dict[str, Any]]:
    """``model-index`` results -> quantitative_analyses, each remembered at its metric's line."""
    results: list[dict[str, Any]] = []
    if not isinstance(index, list):
        loaded.problems.append(
            Problem(CARD_SCHEMA_ERROR, "model-index must be a list", loaded.locate(("model-index",)))
        )
        return results
    for i, entry in enumerate(index):
        if not isinstance(entry, dict):
            continue
        if entry.get("name") and not details.get("name"):
            details["name"] = str(entry["name"])
            loaded.origin[("model_details", "name")] = ("model-index", i, "name")
        for j, res in enumerate(entry.get("results") or []):
            dataset = (res.get("dataset") or {}) if isinstance(res, dict) else {}
            for k, metric in enumerate((res.get("metrics") or []) if isinstance(res, dict) else []):
                where: SourcePath = ("model-index", i, "results", j, "metrics", k)
                if not isinstance(metric, dict):
                    continue
                value = metric.get("value")
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    pos = nearest(loaded.positions, (*where, "value"))
                    loaded.problems.append(
                        Problem(
                            CARD_METRIC_INVALID,
                            f"model-index metric {metric.get('type')!r} value {value!r} is not a number",
                            Location(loaded.file, *(pos or (None, None))),
                        )
                    )
                    continue
                loaded.origin[("quantitative_analyses", len(results))] = where
                results.append(
                    {
                        "metric": str(metric.get("name") or metric.get("type") or "metric"),
                        "value": float(value),
                        "dataset": dataset.get("name") or dataset.get("type"),
                        "group": metric.get("slice"),
                    }
                )
    return results


# ---------------------------------------------------------------- Model Card Toolkit JSON


def _looks_like_mct(data: dict[str, Any]) -> bool:
    return bool({"model_parameters", "quantitative_analysis", "considerations"} & set(data)) or str(
        data.get("schema_version", "")
    ).startswith("0.0.")


def _texts(items: Any, key: str) -> list[str]:
    """MCT lists hold objects ({description: ...}) in 0.0.2 and plain strings in 0.0.1."""
    out = []
    for item in items or []:
        value = item.get(key) if isinstance(item, dict) else item
        if isinstance(value, str) and not is_placeholder(value):
            out.append(value)
    return out


def _number(value: Any) -> float | None:
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


def _from_mct(name: str, text: str, mct: dict[str, Any]) -> LoadedCard:
    loaded = LoadedCard(name, "mct", None, [], positions=positions(text))
    o = loaded.origin
    md = mct.get("model_details") or {}
    mp = mct.get("model_parameters") or {}
    qa = mct.get("quantitative_analysis") or {}
    cons = mct.get("considerations") or {}
    version = md.get("version") or {}
    details: dict[str, Any] = {
        "name": md.get("name", ""),
        "version": version.get("name", "") if isinstance(version, dict) else str(version),
        "description": md.get("overview", ""),
        "owners": md.get("owners") or [],
        "license": ", ".join(
            str(lic.get("identifier") or lic.get("custom_text") or "") if isinstance(lic, dict) else str(lic)
            for lic in md.get("licenses") or []
        ),
        "date": version.get("date", "") if isinstance(version, dict) else "",
        "references": _texts(md.get("references"), "reference"),
        "citation": "\n".join(_texts(md.get("citations"), "citation")),
        "model_type": str(mp.get("model_architecture") or ""),
    }
    for ours, theirs in {
        "name": ("model_details", "name"),
        "version": ("model_details", "version", "name"),
        "description": ("model_details", "overview"),
        "owners": ("model_details", "owners"),
        "license": ("model_details", "licenses"),
        "date": ("model_details", "version", "date"),
        "references": ("model_details", "references"),
        "citation": ("model_details", "citations"),
        "model_type": ("model_parameters", "model_architecture"),
    }.items():
        o[("model_details", ours)] = theirs

    data: dict[str, Any] = {"model_details": details}
    data["intended_use"] = {
        "primary_uses": _texts(cons.get("use_cases"), "description"),
        "primary_users": _texts(cons.get("users"), "description"),
        "out_of_scope": _texts(cons.get("out_of_scope_uses"), "description"),
    }
    o[("intended_use", "primary_uses")] = ("considerations", "use_cases")
    o[("intended_use", "primary_users")] = ("considerations", "users")
    o[("intended_use", "out_of_scope")] = ("considerations", "out_of_scope_uses")
    data["caveats_and_recommendations"] = _texts(cons.get("limitations"), "description") + _texts(
        cons.get("tradeoffs"), "description"
    )
    o[("caveats_and_recommendations",)] = ("considerations", "limitations")
    data["ethical_considerations"] = [
        {"name": str(e.get("name", "")), "mitigation": str(e.get("mitigation_strategy", "") or "")}
        if isinstance(e, dict)
        else e
        for e in cons.get("ethical_considerations") or []
    ]
    o[("ethical_considerations",)] = ("considerations", "ethical_considerations")

    results: list[dict[str, Any]] = []
    factors: list[Any] = []
    metric_names: list[Any] = []
    for i, pm in enumerate(qa.get("performance_metrics") or []):
        where: SourcePath = ("quantitative_analysis", "performance_metrics", i)
        if not isinstance(pm, dict):
            continue
        value = _number(pm.get("value"))
        if value is None:
            line, column = nearest(loaded.positions, (*where, "value")) or (None, None)
            loaded.problems.append(
                Problem(
                    CARD_METRIC_INVALID,
                    f"performance metric {pm.get('type')!r} value {pm.get('value')!r} is not a number",
                    Location(name, line, column, json_path((*where, "value"))),
                )
            )
            continue
        ci = pm.get("confidence_interval") or {}
        group = pm.get("slice") or None
        o[("quantitative_analyses", len(results))] = where
        results.append(
            {
                "metric": str(pm.get("type", "")),
                "value": value,
                "group": group,
                "lower": _number(ci.get("lower_bound")),
                "upper": _number(ci.get("upper_bound")),
                "threshold": _number(pm.get("threshold")),
            }
        )
        if pm.get("type") and pm["type"] not in metric_names:
            metric_names.append(pm["type"])
        if group:
            factor = re.split(r"[=:]", str(group))[0]
            if factor not in factors:
                factors.append(factor)
    data["quantitative_analyses"] = results
    o[("quantitative_analyses",)] = ("quantitative_analysis", "performance_metrics")
    data["metrics"] = metric_names
    data["factors"] = factors
    o[("metrics",)] = o[("factors",)] = ("quantitative_analysis", "performance_metrics")

    # model_parameters.data: a list of named datasets (0.0.2) or {train, eval} (0.0.1).
    raw = mp.get("data") or []
    named = list(raw.items()) if isinstance(raw, dict) else [(d.get("name", ""), d) for d in raw if isinstance(d, dict)]
    for idx, (label, dset) in enumerate(named):
        section = "training_data" if "train" in str(label).lower() else "evaluation_data"
        if section in data:
            continue
        data[section] = {
            "description": str(dset.get("description", "") or ""),
            "datasets": [{"name": str(dset.get("name") or label), "url": dset.get("link")}],
        }
        o[(section,)] = ("model_parameters", "data", label if isinstance(raw, dict) else idx)

    # govern's own fields (risk tier, human oversight, ...) ride in a top-level "govern" object.
    extra = mct.get("govern") or {}
    if isinstance(extra, dict):
        for key, value in extra.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key].update(value)
                for sub in value:
                    o[(key, sub)] = ("govern", key, sub)
            else:
                data[key] = value
                o[(key,)] = ("govern", key)
    return _finish(loaded, data)


def load_card(path: Path) -> ModelCard:
    """Read ``path`` (any accepted format) into a :class:`ModelCard`.

    Raises ``GovernError`` with the first problem's code and location (``card_parse_error``,
    ``card_schema_error``, ...) when the file cannot be read into a valid card.
    """
    loaded = read_card(path)
    if loaded.card is None or loaded.problems:
        first = loaded.problems[0]
        more = f" (and {len(loaded.problems) - 1} more)" if len(loaded.problems) > 1 else ""
        raise GovernError(first.code, first.message + more, first.location)
    return loaded.card
