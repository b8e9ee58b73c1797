"""The ``local`` engine of the registry (pyarrow.dataset streaming, see :mod:`govern.stats._local`)."""

from __future__ import annotations

from typing import Any

from ._local import collect_local
from ._spec import Spec
from ._states import Partials


def collect(source: Any, spec: Spec, *, progress: Any = None, **options: Any) -> Partials:
    """Stream ``source`` through the states (options: ``workers``, ``batch_size``, ``name``)."""
    return collect_local(source, spec, progress=progress, **options)


def VERSION() -> str:
    import pyarrow

    return f"pyarrow-{pyarrow.__version__}"
