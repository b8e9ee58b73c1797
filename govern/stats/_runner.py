"""The runner registry: which engine turns a data source into partials.

An engine is a module exposing ``collect(source, spec, *, progress=None, **options) -> Partials``
(and optionally ``VERSION() -> str``). The registry names modules, not objects, so importing
govern never imports DuckDB, PySpark, Dask or Ray; an engine is imported on first use and a
missing extra is a clear ``stats_engine_unavailable`` error naming the pip extra.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Literal, Protocol

from govern.core import GovernError

from ._codes import STATS_ENGINE_UNAVAILABLE, STATS_ENGINE_UNKNOWN
from ._spec import Spec
from ._states import Partials

Engine = Literal["local", "duckdb", "spark", "dask", "ray"]
ENGINES: dict[str, tuple[str, str]] = {
    # engine -> (module implementing it, the pip extra it needs)
    "local": ("govern.stats._local_engine", ""),
    "duckdb": ("govern.stats._duckdb", "duckdb"),
    "spark": ("govern.stats._spark", "spark"),
    "dask": ("govern.stats._dask", "dask"),
    "ray": ("govern.stats._ray", "ray"),
}
Progress = Callable[[int, int], None]


class EngineModule(Protocol):
    def collect(self, source: Any, spec: Spec, *, progress: Progress | None = None, **options: Any) -> Partials: ...


def engine(name: str) -> EngineModule:
    """The engine module ``name``; ``stats_engine_unknown`` / ``stats_engine_unavailable``."""
    if name not in ENGINES:
        raise GovernError(STATS_ENGINE_UNKNOWN, f"no engine named {name!r} (known: {', '.join(ENGINES)})")
    module, extra = ENGINES[name]
    try:
        loaded: Any = importlib.import_module(module)
    except ImportError as exc:
        hint = f"; install it with `pip install 'govern[{extra}]'`" if extra else ""
        raise GovernError(STATS_ENGINE_UNAVAILABLE, f"the {name} engine cannot start ({exc}){hint}") from None
    return loaded  # type: ignore[no-any-return]


def engine_version(name: str) -> str:
    """``name/version`` of an engine (its library's version), for the evidence ledger."""
    module: Any = engine(name)
    version = getattr(module, "VERSION", None)
    return f"{name}/{version() if callable(version) else 'unknown'}"


def collect(
    source: Any, spec: Spec, *, engine_name: Engine = "local", progress: Progress | None = None, **options: Any
) -> Partials:
    """The partials of ``source`` under ``spec``, computed by ``engine_name`` where the data lives.

    ``source``: for ``local`` a file, directory, glob or file list (CSV or Parquet); engines also
    accept their native frames (a Spark/Dask DataFrame, a Ray Dataset, a DuckDB relation).
    """
    return engine(engine_name).collect(source, spec, progress=progress, **options)
