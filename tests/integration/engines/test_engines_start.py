"""Each engine starts on loopback and answers a trivial query (startup times: terminal summary)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.xdist_group("engines")]


def test_duckdb_answers(duckdb_conn: Any) -> None:
    assert duckdb_conn.execute("SELECT count(*) FROM range(1000)").fetchone() == (1000,)


def test_spark_answers(spark: Any) -> None:
    assert spark.range(1000).count() == 1000


def test_dask_answers(dask_client: Any) -> None:
    assert dask_client.submit(sum, range(1000)).result() == 499500


def test_ray_answers(ray_local: Any) -> None:
    @ray_local.remote
    def total(n: int) -> int:
        return sum(range(n))

    assert ray_local.get(total.remote(1000)) == 499500
