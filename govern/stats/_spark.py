"""The ``spark`` adapter: partials from a PySpark DataFrame, computed inside the cluster.

``collect(df, spec)`` runs in the user's Spark job. By default it registers the DataFrame as a
temporary view and runs the aggregate queries of :mod:`govern.stats._sql` (GROUP BY counts; the
grid cell is a double-precision Spark expression identical to the spec's formula), so Spark's
own partial aggregation does the work and only count rows reach the driver. ``method="arrow"``
is the fallback for tables the SQL path cannot type (it needs govern installed on the
executors): ``mapInArrow`` builds one state per partition with the local runner's ``update`` and
ships its bytes. Either way the raw rows never leave the cluster, and the partial bytes equal
the local runner's for the same rows.

A sketch is not needed for any statistic here: count tables are exact, numeric features use the
reference profile's fixed grid (exact PSI, bracketed KS / Wasserstein / JS). Spark 4's
``kll_sketch_agg_double`` is used only by :func:`approximate_quantiles`, a cheap look at a
feature's distribution when choosing a grid, never for a measurement.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any, Literal

from govern.core import GovernError, Location

from ._codes import EVIDENCE_MISSING_COLUMN, EVIDENCE_UNREADABLE, STATS_SPEC_INVALID
from ._paths import files_of, is_path
from ._spec import Spec
from ._sql import ColumnKind, SqlSource, collect_sql
from ._states import Partials


def _kind(data_type: Any) -> ColumnKind:
    from pyspark.sql import types as T

    if isinstance(data_type, (T.ByteType, T.ShortType, T.IntegerType, T.LongType)):
        return "integer"
    if isinstance(data_type, (T.FloatType, T.DoubleType, T.DecimalType)):
        return "float"
    if isinstance(data_type, T.BooleanType):
        return "boolean"
    if isinstance(data_type, T.StringType):
        return "string"
    return "other"


def _rows(frame: Any) -> list[tuple[Any, ...]]:
    """The rows of a (small, aggregated) Spark result as tuples, through Arrow when available."""
    if hasattr(frame, "toArrow"):
        table = frame.toArrow()
        columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
        return list(zip(*columns, strict=True)) if columns else []
    return [tuple(r) for r in frame.collect()]


def read(source: Any) -> Any:
    """A Spark DataFrame of Parquet/CSV files, in the active session (or a new ``local[*]`` one)."""
    from pyspark.sql import SparkSession

    paths, fmt = files_of(source)
    session = SparkSession.getActiveSession()
    if session is None:
        session = (
            SparkSession.builder.master("local[*]")
            .appName("govern")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
    if fmt == "parquet":
        return session.read.parquet(*paths)
    return session.read.option("header", "true").option("inferSchema", "true").csv(paths)


def collect(
    df: Any,
    spec: Spec,
    *,
    progress: Any = None,
    method: Literal["sql", "arrow"] = "sql",
    where: str = "spark",
) -> Partials:
    """Partials of the Spark DataFrame ``df`` (or of Parquet/CSV files, read by Spark) under ``spec``.

    Raises ``GovernError`` with the same codes as the local runner (``evidence_missing_column``,
    ``evidence_label_not_binary``, ...), located at ``where``.
    """
    if is_path(df):
        where = str(df)
        df = read(df)
    if method == "arrow":
        return _collect_arrow(df, spec, where=where)
    if method != "sql":
        raise GovernError(STATS_SPEC_INVALID, f"unknown Spark method {method!r} (sql or arrow)", Location(where))
    from pyspark.errors import PySparkException

    session = df.sparkSession
    view = f"govern_{uuid.uuid4().hex[:12]}"
    df.createOrReplaceTempView(view)
    columns = {field.name: _kind(field.dataType) for field in df.schema.fields}

    def run(sql: str) -> list[tuple[Any, ...]]:
        try:
            return _rows(session.sql(sql))
        except PySparkException as exc:
            raise GovernError(EVIDENCE_UNREADABLE, f"Spark query failed: {exc}", Location(where)) from None

    try:
        return collect_sql(spec, SqlSource(dialect="spark", relation=view, columns=columns, run=run, where=where))
    finally:
        session.catalog.dropTempView(view)


def _partition_partials(spec_doc: dict[str, Any]) -> Any:
    def build(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        from govern.stats import Partials as _Partials
        from govern.stats import Spec as _Spec

        state = _Partials(_Spec.from_dict(spec_doc))
        for batch in batches:
            state.update(batch)
        yield pa.RecordBatch.from_pydict({"partials": [state.to_bytes()]})

    return build


def _collect_arrow(df: Any, spec: Spec, *, where: str) -> Partials:
    needed = [n for n in (spec.label, spec.prediction, spec.score) if n] + list(spec.sensitive)
    needed += [f.name for f in spec.features]
    needed = list(dict.fromkeys(needed))
    missing = [n for n in needed if n not in df.columns]
    if missing:
        raise GovernError(EVIDENCE_MISSING_COLUMN, f"column {missing[0]!r} not found", Location(where))
    parts = df.select(*needed).mapInArrow(_partition_partials(spec.describe()), "partials binary")
    total = Partials(spec)
    for row in parts.collect():
        total = total.merge(Partials.from_bytes(bytes(row["partials"]), spec))
    return total


def approximate_quantiles(df: Any, column: str, quantiles: list[float]) -> list[float]:
    """Approximate quantiles of one numeric column from Spark's native KLL sketch (Spark >= 4.1).

    For choosing or inspecting a grid only; no measurement depends on it.
    """
    from pyspark.sql import functions as F

    sketch = df.agg(F.expr(f"kll_sketch_agg_double(CAST(`{column}` AS DOUBLE)) AS s"))
    exprs = ", ".join(f"kll_sketch_get_quantile_double(s, CAST({q!r} AS DOUBLE))" for q in quantiles)
    row = sketch.selectExpr(f"array({exprs}) AS q").collect()[0]
    return [float(v) for v in row["q"]]


def VERSION() -> str:
    import pyspark

    return f"pyspark-{pyspark.__version__}"
