"""References to lineage entities: ``credit-risk@7``, ``dataset:ns/name@3``, ``run:<id>``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ._codes import INVALID_REF
from ._errors import GovernError

# A component is part of an LLM application: ``component:base_model/openai/gpt-4o@2024-08-06``,
# ``component:prompt/credit-memo-assistant/system.txt@3f9a1c2b4d5e`` (role, then name).
Kind = Literal["model", "dataset", "feature", "run", "component"]
KINDS: tuple[Kind, ...] = ("model", "dataset", "feature", "run", "component")

_NAME = re.compile(r"^[A-Za-z0-9_][^\s]*$")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")


@dataclass(frozen=True, slots=True)
class Ref:
    """A parsed reference. ``version`` is None for "the latest"; runs have no version."""

    kind: Kind
    name: str
    version: str | None = None

    def __str__(self) -> str:
        prefix = "" if self.kind == "model" else f"{self.kind}:"
        suffix = f"@{self.version}" if self.version is not None else ""
        return f"{prefix}{self.name}{suffix}"

    def with_version(self, version: str) -> Ref:
        return Ref(self.kind, self.name, version)


def parse_ref(text: str, *, default_kind: Kind = "model") -> Ref:
    """Parse a reference.

    ``kind:`` prefixes (``dataset:``, ``feature:``, ``run:``, ``model:``) select the kind; without
    one, ``default_kind`` applies. The version follows the last ``@``. Raises
    ``GovernError(invalid_ref)`` on malformed text.
    """
    raw = text.strip()
    kind: Kind = default_kind
    for candidate in KINDS:
        if raw.startswith(candidate + ":"):
            kind = candidate
            raw = raw[len(candidate) + 1 :]
            break
    name, sep, version = raw.rpartition("@")
    if not sep or not _VERSION.match(version):
        # No version, or an "@" that belongs to the name (snowflake://org@account/...).
        name, sep, version = raw, "", ""
    if not name or not _NAME.match(name):
        raise GovernError(INVALID_REF, f"malformed reference {text!r}")
    if kind == "run" and sep:
        raise GovernError(INVALID_REF, f"a run reference has no version: {text!r}")
    return Ref(kind, name, version if sep else None)


def dataset_name(namespace: str, name: str) -> str:
    """The govern name of an OpenLineage dataset ``{namespace, name}``."""
    return f"{namespace.rstrip('/')}/{name.lstrip('/')}" if namespace else name
