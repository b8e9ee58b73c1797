"""MLflow's own client for a tracking/registry URI, with CLI-friendly timeouts.

A filesystem store (``./mlruns``, ``file://...``) is read with MLflow's documented opt-out
``MLFLOW_ALLOW_FILE_STORE=true`` set for the duration of the call: MLflow 3 refuses the file
backend by default, and a read needs none of what its maintenance mode withholds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from govern.core import GovernError

from ._codes import MLFLOW_MISSING

_ENV_DEFAULTS = {
    # MLflow retries an unreachable server for minutes by default; a CLI should answer promptly.
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
}


def is_file_store(uri: str) -> bool:
    scheme = urlsplit(uri).scheme
    return scheme in ("", "file") or (len(scheme) == 1 and os.name == "nt")


def redacted(uri: str) -> str:
    """``uri`` without user and password (what the ledger records)."""
    parts = urlsplit(uri)
    if "@" not in parts.netloc:
        return uri
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


@contextmanager
def mlflow_client(uri: str) -> Iterator[Any]:
    """An ``MlflowClient`` on ``uri`` for both tracking and registry."""
    try:
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise GovernError(MLFLOW_MISSING, "MLflow is not installed; install govern with the [mlflow] extra") from None
    overrides = dict(_ENV_DEFAULTS)
    if is_file_store(uri):
        overrides["MLFLOW_ALLOW_FILE_STORE"] = "true"
    saved = {k: os.environ.get(k) for k in overrides}
    for key, value in overrides.items():
        if key == "MLFLOW_ALLOW_FILE_STORE" or os.environ.get(key) is None:
            os.environ[key] = value
    try:
        yield MlflowClient(tracking_uri=uri, registry_uri=uri)
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
