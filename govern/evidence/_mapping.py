"""What the columns of a tabular evidence file mean, and the evidence a check reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from govern.core import EVIDENCE_ROLES, EvidenceRole, GovernError

from ._codes import EVIDENCE_BLOB_MISSING, EVIDENCE_MAPPING_INVALID, EVIDENCE_MISSING

if TYPE_CHECKING:
    from govern.llm import EvalResults, Guardrails

Role = EvidenceRole  # the shared vocabulary (govern.core)
ROLES = EVIDENCE_ROLES
PARTIALS_MEDIA_TYPE = "application/vnd.govern.partials"
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Which columns hold the label, the hard prediction, the score and the sensitive attributes.

    ``positive`` is the label/prediction value that counts as the positive class when the
    columns are not already 0/1 or boolean (``">50K"``). Every field is optional; a check
    states which it needs and fails with ``evidence_missing_column`` when one is absent.
    """

    label: str | None = None
    prediction: str | None = None
    score: str | None = None
    sensitive: tuple[str, ...] = ()
    positive: str | None = None

    @property
    def roles(self) -> frozenset[str]:
        """Every column named by the mapping (these are not model features)."""
        names = {self.label, self.prediction, self.score, *self.sensitive}
        return frozenset(n for n in names if n)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "prediction": self.prediction,
            "score": self.score,
            "sensitive": list(self.sensitive),
            "positive": self.positive,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ColumnMapping:
        """Inverse of :meth:`to_dict`; unknown keys raise ``evidence_mapping_invalid``."""
        data = dict(data or {})
        data.pop("provenance", None)  # partials evidence: what produced them, not a column
        unknown = set(data) - {"label", "prediction", "score", "sensitive", "positive"}
        if unknown:
            raise GovernError(EVIDENCE_MAPPING_INVALID, f"unknown column mapping keys: {sorted(unknown)}")
        sensitive = data.pop("sensitive", None) or ()
        if isinstance(sensitive, str):
            sensitive = [s for s in sensitive.split(",") if s.strip()]
        return cls(sensitive=tuple(s.strip() for s in sensitive), **data)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One stored evidence file: its role, where its bytes are, and its column mapping."""

    role: Role
    path: Path
    mapping: ColumnMapping = ColumnMapping()
    digest: str | None = None
    filename: str | None = None
    media_type: str | None = None
    provenance: dict[str, Any] | None = None  # partials: what produced them (engine, dataset digest, rows)

    @property
    def name(self) -> str:
        """The name to show in error locations (the original file name when known)."""
        return self.filename or str(self.path)

    @property
    def is_partials(self) -> bool:
        """Whether the bytes are pre-computed partial statistics (``govern.stats``), not rows."""
        if self.media_type is not None:
            return self.media_type == PARTIALS_MEDIA_TYPE
        path = Path(self.path)
        if not path.is_file():
            return False
        with path.open("rb") as f:
            return f.read(8) == b"GOVSTATS"


@dataclass
class EvidenceSet:
    """The evidence of one model version, by role, plus the champion's for comparisons.

    Tables, models and partials are loaded once and cached (:meth:`cached`), so a gate running
    many rules over the same evidence reads each file once.
    """

    items: tuple[Evidence, ...] = ()
    champion: EvidenceSet | None = None
    engine: str = "local"  # the govern.stats engine that streams datasets (local, duckdb, spark, dask, ray)
    _cache: dict[tuple[str, ...], Any] = field(default_factory=dict, repr=False, compare=False)

    def get(self, role: Role) -> Evidence | None:
        """The newest evidence of ``role`` (the last one added), or None.

        ``partials`` evidence stands for the evaluation: asking for ``evaluation`` returns the
        newest of the two.
        """
        roles = {role, "partials"} if role == "evaluation" else {role}
        for item in reversed(self.items):
            if item.role in roles:
                return item
        return None

    def cached(self, key: tuple[str, ...], make: Callable[[], _T]) -> _T:
        """``make()``, computed once per ``key`` for this evidence set (loaded tables, models,
        partials: what a gate running many rules would otherwise read again)."""
        if key not in self._cache:
            self._cache[key] = make()
        return cast("_T", self._cache[key])

    def require(self, role: Role, *, purpose: str) -> Evidence:
        """The evidence of ``role``; ``GovernError(evidence_missing)`` naming ``purpose`` otherwise."""
        item = self.get(role)
        if item is None:
            raise GovernError(EVIDENCE_MISSING, f"{purpose} needs {role} evidence; add it with `govern evidence add`")
        return item

    def table(self, role: Role, *, purpose: str) -> tuple[Any, Evidence]:
        """The loaded table (pandas DataFrame) of ``role`` and its :class:`Evidence`."""
        from ._tabular import load_table

        item = self.require(role, purpose=purpose)
        return self.cached(("table", str(item.path)), lambda: load_table(item.path, name=item.name)), item

    def eval_results(self, role: Role, *, purpose: str) -> EvalResults:
        """The newest ``llm_eval`` or ``redteam`` evidence, read back into ``govern.llm.EvalResults``."""
        import json

        from govern.llm import EvalResults

        item = self.require(role, purpose=purpose)

        def read() -> EvalResults:
            try:
                data = json.loads(Path(item.path).read_bytes())
            except (OSError, ValueError) as exc:
                raise GovernError(EVIDENCE_BLOB_MISSING, f"{role} evidence {item.name} cannot be read: {exc}") from None
            return EvalResults.from_json(data, name=item.name)

        return self.cached(("llm", str(item.path)), read)

    def guardrails(self, *, purpose: str) -> Guardrails:
        """The rails of the newest ``guardrails`` evidence (``govern.llm.read_guardrails``)."""
        from govern.llm import read_guardrails

        item = self.require("guardrails", purpose=purpose)
        return self.cached(("guardrails", str(item.path)), lambda: read_guardrails(item.path))

    def model(self, *, purpose: str) -> Any:
        """The model loaded safely from the ``model`` evidence (see :func:`load_model`)."""
        from ._models import load_model

        item = self.require("model", purpose=purpose)
        return self.cached(("model", str(item.path)), lambda: load_model(item.path, name=item.name))
