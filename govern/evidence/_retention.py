"""Retention of the blob store: a blob the ledger names is kept for the documentation retention
after the last entry that names it (EU AI Act Art. 18); garbage collection refuses before then."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.core import GovernError, isoformat, parse_time, utcnow

from ._codes import EVIDENCE_RETENTION_ACTIVE
from ._records import blob_path

if TYPE_CHECKING:
    from govern.store import Store

_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
# A blob no entry names yet may be one a transaction is about to ledger (blobs are stored first).
UNREFERENCED_GRACE = timedelta(days=1)


@dataclass(frozen=True)
class Retained:
    """Why a blob is kept: the last ledger entry naming it and when its retention ends."""

    digest: str
    seq: int | None
    kind: str | None
    until: datetime
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "digest": self.digest,
            "seq": self.seq,
            "kind": self.kind,
            "until": isoformat(self.until),
            "reason": self.reason,
        }


@dataclass
class Collection:
    """The result of :func:`collect_blobs`: what was (or, in a dry run, would be) removed and kept."""

    removed: list[str] = field(default_factory=list)
    kept: list[Retained] = field(default_factory=list)
    applied: bool = False
    ledger_seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "removed": list(self.removed),
            "kept": [k.to_dict() for k in self.kept],
            "ledger_seq": self.ledger_seq,
        }


def _blobs(blob_dir: Path) -> dict[str, Path]:
    root = blob_dir / "sha256"
    if not root.is_dir():
        return {}
    return {f"sha256:{p.name}": p for p in sorted(root.glob("??/*")) if p.is_file() and len(p.name) == 64}


def _references(store: Store) -> dict[str, tuple[int, str, datetime]]:
    """Digest -> (seq, kind, time) of the newest ledger entry whose payload names it."""
    from govern.ledger import iter_entries

    found: dict[str, tuple[int, str, datetime]] = {}
    with store.read() as session:
        for entry in iter_entries(session):
            for digest in _DIGEST.findall(entry.payload_text):
                found[digest] = (entry.seq, entry.kind, parse_time(entry.time))
    return found


def collect_blobs(
    store: Store,
    blob_dir: Path | str,
    *,
    actor: str,
    retention_days: int,
    digests: list[str] | None = None,
    apply: bool = False,
) -> Collection:
    """Remove blobs whose retention has ended: unreferenced ones older than a day, and ones whose
    last ledger reference is more than ``retention_days`` old. Without ``apply`` nothing is deleted
    (a dry run). With ``digests``, only those are considered, and any still retained is refused:
    ``GovernError(evidence_retention_active)`` names the entry and the date its retention ends,
    and nothing is deleted. An applied collection that removed something ledgers
    ``evidence.collected`` (the digests and the retention applied) before the files go.
    """
    from govern.ledger import record

    root = Path(blob_dir)
    present = _blobs(root)
    refs = _references(store)
    now = utcnow()
    wanted = sorted(set(digests)) if digests else sorted(present)
    result = Collection()
    for digest in wanted:
        path = present.get(digest) if digests is None else blob_path(root, digest)
        if path is None or not path.is_file():
            continue
        ref = refs.get(digest)
        if ref is not None:
            until = ref[2] + timedelta(days=retention_days)
            if until > now:
                result.kept.append(
                    Retained(
                        digest,
                        ref[0],
                        ref[1],
                        until,
                        f"named by ledger entry {ref[0]} ({ref[1]}, {isoformat(ref[2])}); "
                        f"documentation retention of {retention_days} days (EU AI Act Art. 18) ends {isoformat(until)}",
                    )
                )
                continue
        else:
            stored = datetime.fromtimestamp(path.stat().st_mtime, tz=now.tzinfo)
            # mtime is wall-clock; compare on the real clock, not a pinned test clock
            if time.time() - path.stat().st_mtime < UNREFERENCED_GRACE.total_seconds():
                result.kept.append(
                    Retained(
                        digest,
                        None,
                        None,
                        stored + UNREFERENCED_GRACE,
                        "stored less than a day ago and not ledgered yet",
                    )
                )
                continue
        result.removed.append(digest)
    if digests and result.kept:
        first = result.kept[0]
        raise GovernError(EVIDENCE_RETENTION_ACTIVE, f"refusing to delete {first.digest}: {first.reason}")
    if apply and result.removed:
        with store.write() as session:
            entry = record(
                session,
                actor=actor,
                kind="evidence.collected",
                payload={"removed": result.removed, "retention_days": retention_days},
            )
            result.ledger_seq = entry.seq
        for digest in result.removed:
            target = blob_path(root, digest)
            target.chmod(0o644)
            target.unlink(missing_ok=True)
    result.applied = apply
    return result
