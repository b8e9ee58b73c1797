"""Real engines on loopback, started by the tests and stopped after them: DuckDB, PySpark
``local[2]``, a Dask ``LocalCluster`` and a local Ray instance.

Each fixture is session-scoped (one start per xdist worker; the engine tests share one worker
through ``xdist_group("engines")``). In CI (``CI`` set) a missing engine fails the test, it never
skips, like PostgreSQL in tests/conftest.py. Startup times are printed in the terminal summary.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

IN_CI = bool(os.environ.get("CI"))
STARTUP: dict[str, float] = {}


def _unavailable(engine: str, reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{engine} is required in CI: {reason}")
    pytest.skip(f"{engine} unavailable: {reason}")


def _import(engine: str, module: str) -> Any:
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as exc:
        _unavailable(engine, f"pip install 'govern[{engine}]' ({exc})")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if STARTUP:
        parts = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(STARTUP.items()))
        terminalreporter.write_line(f"engine startup: {parts}")


@pytest.fixture(scope="session")
def duckdb_conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """An in-process DuckDB connection with a bounded memory limit and a spill directory."""
    duckdb = _import("duckdb", "duckdb")
    start = time.perf_counter()
    con = duckdb.connect(config={"memory_limit": "512MB", "threads": 2})
    con.execute(f"SET temp_directory = '{tmp_path_factory.mktemp('duckdb-spill')}'")
    STARTUP["duckdb"] = time.perf_counter() - start
    try:
        yield con
    finally:
        con.close()


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A PySpark ``local[2]`` session bound to 127.0.0.1, UI off, two shuffle partitions."""
    _import("spark", "pyspark")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _unavailable("spark", "no Java runtime (JDK 17) on PATH")
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    start = time.perf_counter()
    session = (
        SparkSession.builder.master("local[2]")
        .appName("govern-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.local.dir", str(warehouse))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    STARTUP["spark"] = time.perf_counter() - start
    try:
        yield session
    finally:
        session.stop()


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    """A Dask ``LocalCluster`` of two single-threaded worker processes on loopback."""
    _import("dask", "distributed")
    from distributed import Client, LocalCluster

    start = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None)
    client = Client(cluster)
    STARTUP["dask"] = time.perf_counter() - start
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="session")
def ray_local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A fresh local Ray instance (two CPUs, no dashboard); never joins an existing cluster."""
    ray = _import("ray", "ray")
    start = time.perf_counter()
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        _node_ip_address="127.0.0.1",
        configure_logging=False,
    )
    STARTUP["ray"] = time.perf_counter() - start
    try:
        yield ray
    finally:
        ray.shutdown()


@pytest.fixture(scope="session")
def engines_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("engines")
