"""govern: policy-as-code governance and compliance for machine-learning models.

The SDK front door is :class:`govern.Workspace` (``from govern import Workspace``): everything the
CLI does, as typed methods. Importing ``govern`` stays light: the names below are loaded on first
use (a module ``__getattr__``), so no engine, database driver or web framework is imported before
it is needed.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_LAZY = {
    "Workspace": "govern.workspace",
    "GovernError": "govern.core",
    "Location": "govern.core",
    "ModelSpec": "govern.lineage",
    "DatasetSpec": "govern.lineage",
    "RunSpec": "govern.lineage",
    "DataCard": "govern.lineage",
}

__all__ = [
    "__version__",
    "Workspace",
    "GovernError",
    "Location",
    "ModelSpec",
    "DatasetSpec",
    "RunSpec",
    "DataCard",
]

if TYPE_CHECKING:
    from govern.core import GovernError, Location
    from govern.lineage import DataCard, DatasetSpec, ModelSpec, RunSpec
    from govern.workspace import Workspace


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'govern' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
