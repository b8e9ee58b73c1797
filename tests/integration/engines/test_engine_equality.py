"""One 10^6-row table, six ways: in memory, local streaming, DuckDB, Spark local, Dask, Ray.

Every engine must produce the same partial bytes as the local runner (they are canonical: the
same rows give the same bytes), so every measurement is identical. The measurements themselves
are checked against the in-memory checks (``govern.checks``) within 1e-12 where exact, and for
gridded statistics the reported interval must contain the exact value (scipy on all the rows).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy.stats import ks_2samp

from govern.stats import (
    Partials,
    Spec,
    collect,
    collect_local,
    measure_drift,
    measure_fairness,
    measure_performance,
    profile_source,
)

pytestmark = [pytest.mark.xdist_group("engines"), pytest.mark.slow]
ROWS = 1_000_000
FILES = 4
SEGMENTS = np.array(["retail", "sme", "corporate"])
FEATURES = ["x_normal", "x_lognormal", "x_count", "x_age", "segment"]


def _table(rng: np.random.Generator, n: int, *, shift: float) -> pa.Table:
    sex = rng.choice(np.array(["female", "male"]), n, p=[0.48, 0.52])
    race = rng.choice(np.array(["white", "black", "hispanic", "asian", "other"]), n, p=[0.6, 0.13, 0.18, 0.06, 0.03])
    label = (rng.random(n) < 0.3).astype(np.int8)
    logit = rng.standard_normal(n) * 1.1 + np.where(label == 1, 0.9, -0.9) + np.where(sex == "female", -0.3, 0.0)
    score = (1 / (1 + np.exp(-logit))).astype(np.float32)
    x_normal = (rng.standard_normal(n) + shift).astype(np.float32)
    x_normal[rng.random(n) < 0.001] = np.nan  # some missing values, counted apart
    return pa.table(
        {
            "sex": pa.array(sex).dictionary_encode(),
            "race": race,
            "label": label,
            "score": score,
            "x_normal": x_normal,
            "x_lognormal": np.exp(rng.standard_normal(n) * 0.8 + 3 + shift),
            "x_count": rng.poisson(3 * (1 + shift), n).astype(np.int16),
            "x_age": np.clip(np.rint(rng.standard_normal(n) * 12 + 42 + 10 * shift), 18, 90).astype(np.int8),
            "segment": rng.choice(SEGMENTS, n, p=[0.7, 0.2 + shift / 2, 0.1 - shift / 2]),
        }
    )


def _write(table: pa.Table, directory: Path) -> Path:
    directory.mkdir(parents=True)
    step = table.num_rows // FILES
    for i in range(FILES):
        pq.write_table(table.slice(i * step, step), directory / f"part-{i}.parquet", row_group_size=100_000)
    return directory


@pytest.fixture(scope="module")
def data(engines_dir: Path) -> dict[str, Any]:
    rng = np.random.default_rng(14)
    reference = _table(rng, ROWS, shift=0.0)
    current = _table(rng, ROWS, shift=0.05)
    ref_dir = _write(reference, engines_dir / "reference")
    cur_dir = _write(current, engines_dir / "current")
    profiles, _ = profile_source(str(ref_dir), features=FEATURES, categorical=["segment"])
    spec = Spec(label="label", score="score", sensitive=("sex", "race"), features=profiles)
    return {
        "spec": spec,
        "reference": reference,
        "current": current,
        "ref_dir": ref_dir,
        "cur_dir": cur_dir,
        "ref_partials": collect_local(str(ref_dir), spec),
        "local": collect_local(str(cur_dir), spec),
    }


def _in_memory(data: dict[str, Any]) -> Partials:
    """The current table as one batch (the in-memory path of the checks)."""
    return Partials(data["spec"]).update(data["current"])


def _same_measurements(data: dict[str, Any], partials: Partials) -> None:
    local: Partials = data["local"]
    assert partials.to_bytes() == local.to_bytes()
    assert partials.rows == ROWS
    mine = measure_fairness(partials.fairness, replicates=200).to_json()  # type: ignore[arg-type]
    assert mine == measure_fairness(local.fairness, replicates=200).to_json()  # type: ignore[arg-type]
    drift = measure_drift(data["ref_partials"], partials).to_json()
    assert drift == measure_drift(data["ref_partials"], local).to_json()
    # 100 replicates: equal bytes give equal measurements; 1,000 Poisson draws over 10^6 score cells cost 8 s
    mine_perf = measure_performance(partials.scores, replicates=100).to_json()  # type: ignore[arg-type]
    assert mine_perf == measure_performance(local.scores, replicates=100).to_json()  # type: ignore[arg-type]


# -- the reference: in memory and local streaming against the exact libraries ------------------------


def test_local_streaming_equals_in_memory_batch(data: dict[str, Any]) -> None:
    assert _in_memory(data).to_bytes() == data["local"].to_bytes()


def test_measurements_equal_the_in_memory_checks(data: dict[str, Any]) -> None:
    from govern.checks import fairness

    current: pa.Table = data["current"]
    y = current["label"].to_numpy().astype(np.int64)
    pred = (current["score"].to_numpy() >= 0.5).astype(np.int64)
    sensitive = {
        "sex": current["sex"].combine_chunks().dictionary_decode().to_numpy(zero_copy_only=False),
        "race": current["race"].to_numpy(zero_copy_only=False),
    }
    expected = fairness(y, pred, sensitive=sensitive, replicates=0)
    got = measure_fairness(data["local"].fairness, replicates=0)
    expected = expected if isinstance(expected, dict) else expected.to_json()
    assert got.value == pytest.approx(expected["value"], abs=1e-12)
    for group, stats in expected["per_group"].items():
        assert got.per_group[group].selection_rate == pytest.approx(stats["selection_rate"], abs=1e-12)
        assert got.per_group[group].true_positive_rate == pytest.approx(stats["true_positive_rate"], abs=1e-12)

    from sklearn.metrics import roc_auc_score

    perf = measure_performance(data["local"].scores)
    assert perf.metrics["auc"] == pytest.approx(roc_auc_score(y, current["score"].to_numpy()), abs=1e-12)


def test_gridded_intervals_contain_the_exact_statistics(data: dict[str, Any]) -> None:
    drift = measure_drift(data["ref_partials"], data["local"])
    for name in ("x_normal", "x_lognormal", "x_count", "x_age"):
        a = data["reference"][name].to_numpy(zero_copy_only=False).astype(np.float64)
        b = data["current"][name].to_numpy(zero_copy_only=False).astype(np.float64)
        exact = ks_2samp(a[~np.isnan(a)], b[~np.isnan(b)]).statistic
        feature = drift.per_feature[name]
        interval = feature.intervals.get("ks_statistic")
        if interval is None:  # exact distinct tables (integer features): equal to scipy
            assert feature.ks_statistic == pytest.approx(exact, abs=1e-12)
        else:
            assert interval.lower - 1e-12 <= exact <= interval.upper + 1e-12, (name, interval, exact)
            assert interval.upper - interval.lower < 0.01
    assert drift.per_feature["x_count"].intervals == {}  # few distinct values: exact


# -- the engines -------------------------------------------------------------------------------------


def test_duckdb_gives_the_same_bytes(data: dict[str, Any], duckdb_conn: Any) -> None:
    _same_measurements(data, collect(str(data["cur_dir"]), data["spec"], engine_name="duckdb"))
    # on a relation of the caller's own connection, too
    rel = duckdb_conn.read_parquet(f"{data['cur_dir']}/*.parquet")
    assert collect(rel, data["spec"], engine_name="duckdb").to_bytes() == data["local"].to_bytes()


def test_spark_sql_gives_the_same_bytes(data: dict[str, Any], spark: Any) -> None:
    df = spark.read.parquet(str(data["cur_dir"]))
    _same_measurements(data, collect(df, data["spec"], engine_name="spark"))


def test_spark_map_in_arrow_fallback_gives_the_same_bytes(data: dict[str, Any], spark: Any) -> None:
    df = spark.read.parquet(str(data["cur_dir"]))
    partials = collect(df, data["spec"], engine_name="spark", method="arrow")
    assert partials.to_bytes() == data["local"].to_bytes()


def test_dask_gives_the_same_bytes(data: dict[str, Any], dask_client: Any) -> None:
    import dask.dataframe as dd

    ddf = dd.read_parquet(str(data["cur_dir"]), split_row_groups=True)
    assert ddf.npartitions > 1
    _same_measurements(data, collect(ddf, data["spec"], engine_name="dask", split_every=3))


def test_ray_gives_the_same_bytes(data: dict[str, Any], ray_local: Any) -> None:
    dataset = ray_local.data.read_parquet(str(data["cur_dir"]))
    _same_measurements(data, collect(dataset, data["spec"], engine_name="ray"))


def test_engines_report_the_same_located_error(data: dict[str, Any], spark: Any, duckdb_conn: Any) -> None:
    from govern.core import GovernError

    bad = Spec(label="label", score="score", sensitive=("no_such_column",))
    df = spark.read.parquet(str(data["cur_dir"]))
    for source, engine in ((str(data["cur_dir"]), "duckdb"), (df, "spark"), (str(data["cur_dir"]), "local")):
        with pytest.raises(GovernError) as caught:
            collect(source, bad, engine_name=engine)  # type: ignore[arg-type]
        assert caught.value.code == "evidence_missing_column", engine
