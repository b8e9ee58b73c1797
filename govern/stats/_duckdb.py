"""The ``duckdb`` runner: partials as SQL GROUP BYs over Parquet or CSV files, in DuckDB.

DuckDB reads the files itself (``read_parquet`` / ``read_csv`` with globs and hive partitions),
runs the aggregate queries of :mod:`govern.stats._sql` under a bounded ``memory_limit`` and
spills to a temporary directory, and returns only counts. The partial bytes equal the local
runner's for the same rows.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from govern.core import GovernError, Location

from ._codes import EVIDENCE_UNREADABLE
from ._paths import files_of
from ._spec import Spec
from ._sql import ColumnKind, SqlSource, collect_sql
from ._states import Partials

DEFAULT_MEMORY_LIMIT = "1GB"


def _kind(duck_type: str) -> ColumnKind:
    t = duck_type.upper()
    if t.startswith(("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER")):
        return "integer"
    if t.startswith(("UBIGINT", "UHUGEINT")):
        return "integer"
    if t.startswith(("FLOAT", "DOUBLE", "REAL", "DECIMAL")):
        return "float"
    if t == "BOOLEAN":
        return "boolean"
    if t.startswith(("VARCHAR", "ENUM")):
        return "string"
    return "other"


def relation(paths: Sequence[str], fmt: str, *, hive: bool) -> str:
    listed = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"
    hive_opt = f", hive_partitioning = {'true' if hive else 'false'}"
    if fmt == "parquet":
        return f"read_parquet({listed}{hive_opt})"
    return f"read_csv({listed}{hive_opt}, header = true)"


def collect(
    source: str | Path | Sequence[str | Path],
    spec: Spec,
    *,
    progress: Any = None,
    connection: Any = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    temp_directory: str | Path | None = None,
    threads: int | None = None,
    hive: bool = True,
) -> Partials:
    """Partials of the files ``source`` (a file, directory, glob or list of them, or a DuckDB
    relation) under ``spec``.

    Runs in ``connection`` when given (its settings are kept), else in a new in-memory DuckDB
    with ``memory_limit`` and a spill directory. Raises ``GovernError`` (``evidence_unreadable``,
    ``evidence_missing_column``, ...) located at the source.
    """
    import duckdb

    if _is_relation(source):
        return _collect_relation(source, spec)
    paths, fmt = files_of(source)
    where = str(source) if isinstance(source, (str, Path)) else str(paths[0])
    own = connection is None
    spill = None
    if own:
        spill = tempfile.TemporaryDirectory(prefix="govern-duckdb-") if temp_directory is None else None
        config: dict[str, Any] = {"memory_limit": memory_limit}
        if threads:
            config["threads"] = threads
        connection = duckdb.connect(config=config)
        connection.execute(f"SET temp_directory = '{temp_directory or spill.name}'")  # type: ignore[union-attr]
    try:
        rel = relation(paths, fmt, hive=hive)
        try:
            described = connection.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()
        except duckdb.Error as exc:
            raise GovernError(EVIDENCE_UNREADABLE, f"DuckDB cannot read it: {exc}", Location(where)) from None
        columns = {str(r[0]): _kind(str(r[1])) for r in described}

        def run(sql: str) -> list[tuple[Any, ...]]:
            try:
                return list(connection.execute(sql).fetchall())
            except duckdb.Error as exc:
                raise GovernError(EVIDENCE_UNREADABLE, f"DuckDB query failed: {exc}", Location(where)) from None

        return collect_sql(spec, SqlSource(dialect="duckdb", relation=rel, columns=columns, run=run, where=where))
    finally:
        if own:
            connection.close()
            if spill is not None:
                spill.cleanup()


def _is_relation(source: Any) -> bool:
    return type(source).__name__ == "DuckDBPyRelation"


def _collect_relation(rel: Any, spec: Spec) -> Partials:
    import duckdb

    view = f"govern_{uuid.uuid4().hex[:12]}"
    columns = {str(n): _kind(str(t)) for n, t in zip(rel.columns, rel.types, strict=True)}

    def run(sql: str) -> list[tuple[Any, ...]]:
        try:
            return list(rel.query(view, sql).fetchall())
        except duckdb.Error as exc:
            raise GovernError(EVIDENCE_UNREADABLE, f"DuckDB query failed: {exc}", Location("duckdb")) from None

    return collect_sql(spec, SqlSource(dialect="duckdb", relation=view, columns=columns, run=run, where="duckdb"))


def VERSION() -> str:
    import duckdb

    return f"duckdb-{duckdb.__version__}"
