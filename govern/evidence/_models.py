"""Safe model loading: skops files only, with an allow-list of types.

Evidence comes from people other than the operator, and unpickling runs arbitrary code, so
pickle and joblib files are refused outright. A ``.skops`` file is loaded with
``skops.io.load(trusted=...)`` where ``trusted`` is exactly the file's untrusted types and only
after every one of them passed :data:`ALLOWED_TYPE_PREFIXES`.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from govern.core import GovernError, Location

from ._codes import EVIDENCE_MODEL_UNTRUSTED_TYPE, EVIDENCE_PICKLE_REFUSED, EVIDENCE_UNREADABLE

ALLOWED_TYPE_PREFIXES: tuple[str, ...] = (
    "sklearn.",
    "lightgbm.sklearn.",
    "lightgbm.basic.Booster",
    "numpy.",
    "scipy.sparse.",
    "collections.OrderedDict",
    "collections.defaultdict",
)
_PICKLE_SUFFIXES = {".pkl", ".pickle", ".joblib", ".pt", ".pth", ".sav", ".dill"}


def untrusted_types(path: Path | str) -> list[str]:
    """The types a skops file would instantiate beyond skops' own safe defaults."""
    import skops.io

    return list(skops.io.get_untrusted_types(file=str(path)))


def load_model(path: Path | str, *, name: str | None = None) -> Any:
    """Load a model from a ``.skops`` file after checking its types against the allow-list.

    Raises ``evidence_pickle_refused`` for pickle/joblib files (by suffix or content),
    ``evidence_unreadable`` for anything that is not a skops archive, and
    ``evidence_model_untrusted_type`` naming the types outside :data:`ALLOWED_TYPE_PREFIXES`.
    """
    path = Path(path)
    shown = str(name or path)
    where = Location(shown)
    if Path(shown).suffix.lower() in _PICKLE_SUFFIXES:
        raise GovernError(
            EVIDENCE_PICKLE_REFUSED,
            "pickle/joblib models can run arbitrary code when loaded; save the model with "
            "skops.io.dump(model, 'model.skops')",
            where,
        )
    if not path.is_file():
        raise GovernError(EVIDENCE_UNREADABLE, "file not found", where)
    with path.open("rb") as fh:
        head = fh.read(4)
    if head[:1] == b"\x80":
        raise GovernError(
            EVIDENCE_PICKLE_REFUSED,
            "this file is a pickle; save the model with skops.io.dump(model, 'model.skops')",
            where,
        )
    if not zipfile.is_zipfile(path):
        raise GovernError(EVIDENCE_UNREADABLE, "not a skops model file", where)
    try:
        types = untrusted_types(path)
    except Exception as exc:  # noqa: BLE001 - any parse failure of foreign bytes is "unreadable"
        raise GovernError(EVIDENCE_UNREADABLE, f"not a skops model file: {exc}", where) from None
    refused = [t for t in types if not t.startswith(ALLOWED_TYPE_PREFIXES)]
    if refused:
        raise GovernError(
            EVIDENCE_MODEL_UNTRUSTED_TYPE,
            f"the model file uses types outside the allow-list: {', '.join(sorted(refused))}",
            where,
        )
    import skops.io

    try:
        return skops.io.load(str(path), trusted=types)
    except Exception as exc:  # noqa: BLE001
        raise GovernError(EVIDENCE_UNREADABLE, f"cannot load the model: {exc}", where) from None
