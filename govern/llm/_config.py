"""An LLM application's configuration files: prompt templates, guardrail configurations and an
agent's tool-permission manifest, read with located errors.

A guardrail configuration is read in NeMo Guardrails' ``config.yml`` shape: ``rails.<section>.flows``
lists the rails of each section (``input``, ``output``, ``retrieval``, ``dialog``, ``execution``).
A tool manifest lists the tools an agent may call and what each may do::

    tools:
      - {name: search_kb, permissions: [read]}
      - {name: send_email, permissions: [send], requires_approval: true}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from govern.core import GovernError, Location

from ._codes import LLM_CONFIG_INVALID, LLM_RESULTS_UNREADABLE

RAIL_SECTIONS: tuple[str, ...] = ("input", "output", "retrieval", "dialog", "execution")


@dataclass(frozen=True, slots=True)
class Guardrails:
    """The rails a guardrail configuration declares, by section (``input`` -> its flows, in order)."""

    rails: dict[str, list[str]]

    @property
    def all(self) -> list[str]:
        return [flow for section in RAIL_SECTIONS for flow in self.rails.get(section, [])]


@dataclass(frozen=True, slots=True)
class ToolGrant:
    """One tool an agent may call: its permissions and whether each call needs a human's approval."""

    name: str
    permissions: list[str]
    requires_approval: bool


def read_text(path: Path | str) -> str:
    """A configuration file's text; ``llm_results_unreadable`` when it is missing or not UTF-8,
    ``llm_config_invalid`` when it is empty."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GovernError(LLM_RESULTS_UNREADABLE, "no such file", Location(str(path))) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GovernError(LLM_RESULTS_UNREADABLE, f"cannot read: {exc}", Location(str(path))) from None
    if not text.strip():
        raise GovernError(LLM_CONFIG_INVALID, "the file is empty", Location(str(path)))
    return text


def _mapping(path: Path | str) -> dict[str, Any]:
    text = read_text(path)
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise GovernError(LLM_CONFIG_INVALID, str(exc.problem or exc), Location(str(path), line, col)) from None
    if not isinstance(data, dict):
        raise GovernError(LLM_CONFIG_INVALID, "expected a mapping at the top level", Location(str(path)))
    return data


def read_guardrails(path: Path | str) -> Guardrails:
    """The rails of a guardrail configuration (NeMo Guardrails ``config.yml`` shape, YAML or JSON).

    Raises ``llm_config_invalid`` located at the file and JSON path when ``rails`` is missing, a
    section is unknown, or a section's ``flows`` is not a list of names.
    """
    data = _mapping(path)

    def fail(where: str, message: str) -> GovernError:
        return GovernError(LLM_CONFIG_INVALID, message, Location(str(path), path=where))

    rails = data.get("rails")
    if not isinstance(rails, dict):
        raise fail("$.rails", "a guardrail configuration needs a `rails` mapping (rails.input.flows, ...)")
    out: dict[str, list[str]] = {}
    for section, body in rails.items():
        if section not in RAIL_SECTIONS:
            raise fail(f"$.rails.{section}", f"unknown rail section {section!r} (known: {', '.join(RAIL_SECTIONS)})")
        if body is None:
            out[section] = []
            continue
        if not isinstance(body, dict):
            raise fail(f"$.rails.{section}", "expected a mapping with `flows`")
        flows = body.get("flows", [])
        if not isinstance(flows, list) or not all(isinstance(f, str) and f.strip() for f in flows):
            raise fail(f"$.rails.{section}.flows", "expected a list of flow names")
        out[str(section)] = [f.strip() for f in flows]
    return Guardrails(out)


def read_tools(path: Path | str) -> list[ToolGrant]:
    """The tools of a tool-permission manifest (``tools: [{name, permissions, requires_approval}]``)."""
    data = _mapping(path)
    tools = data.get("tools")
    if not isinstance(tools, list):
        raise GovernError(
            LLM_CONFIG_INVALID, "a tool manifest needs a `tools` list", Location(str(path), path="$.tools")
        )
    out: list[ToolGrant] = []
    for i, tool in enumerate(tools):
        where = f"$.tools[{i}]"
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str) or not tool["name"]:
            raise GovernError(LLM_CONFIG_INVALID, "each tool needs a `name`", Location(str(path), path=where))
        unknown = set(tool) - {"name", "permissions", "requires_approval", "description"}
        if unknown:
            raise GovernError(LLM_CONFIG_INVALID, f"unknown keys {sorted(unknown)}", Location(str(path), path=where))
        perms = tool.get("permissions", [])
        if not isinstance(perms, list) or not all(isinstance(p, str) for p in perms):
            raise GovernError(
                LLM_CONFIG_INVALID,
                "permissions must be a list of names",
                Location(str(path), path=f"{where}.permissions"),
            )
        out.append(ToolGrant(tool["name"], list(perms), bool(tool.get("requires_approval", False))))
    return out
