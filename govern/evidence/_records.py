"""Content-addressed blob storage and the evidence records of model versions."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.core import EvidenceRole, GovernError, Location, Ref, is_evidence_role, parse_ref, utcnow

from ._codes import (
    EVIDENCE_BLOB_MISSING,
    EVIDENCE_DIGEST_INVALID,
    EVIDENCE_ROLE_INVALID,
    EVIDENCE_UNREADABLE,
    EVIDENCE_UNSUPPORTED_FORMAT,
)
from ._llm import CONFIG_ROLES, LLM_RESULTS_MEDIA_TYPE, RESULT_ROLES, results_bytes, validate_config
from ._mapping import PARTIALS_MEDIA_TYPE, ROLES, ColumnMapping, Evidence, EvidenceSet, Role
from ._partials import PartialsMaker, is_dataset, is_partials_file

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_CHUNK = 1 << 20


def blob_path(blob_dir: Path | str, digest: str) -> Path:
    """Where the blob ``sha256:<hex>`` lives: ``<blob_dir>/sha256/<hex[:2]>/<hex>``."""
    algo, _, hexdigest = digest.partition(":")
    if algo != "sha256" or len(hexdigest) != 64 or not all(c in "0123456789abcdef" for c in hexdigest):
        raise GovernError(EVIDENCE_DIGEST_INVALID, f"not a sha256 content address: {digest!r}")
    return Path(blob_dir) / algo / hexdigest[:2] / hexdigest


def store_blob(blob_dir: Path | str, path: Path | str) -> str:
    """Copy ``path`` into the blob store under its SHA-256 and return ``sha256:<hex>``.

    Idempotent: storing the same bytes twice keeps one read-only copy. The copy is written to a
    temporary file and renamed into place, so a blob is never seen half-written.
    Raises ``evidence_unreadable`` when ``path`` cannot be read.
    """
    source = Path(path)
    if not source.is_file():
        raise GovernError(EVIDENCE_UNREADABLE, "file not found", Location(str(source)))
    root = Path(blob_dir)
    root.mkdir(parents=True, exist_ok=True)
    hasher = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=root, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            while chunk := src.read(_CHUNK):
                hasher.update(chunk)
                out.write(chunk)
        digest = "sha256:" + hasher.hexdigest()
        target = blob_path(root, digest)
        tmp = Path(tmp_name)
        if target.exists():
            tmp.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp.chmod(0o444)
            tmp.replace(target)
    except OSError as exc:
        Path(tmp_name).unlink(missing_ok=True)
        raise GovernError(EVIDENCE_UNREADABLE, str(exc), Location(str(source))) from None
    return digest


def add_evidence(
    session: Session,
    blob_dir: Path | str,
    subject: str,
    role: str,
    path: Path | str,
    *,
    mapping: ColumnMapping | None = None,
    created_by: str,
    partials: PartialsMaker | None = None,
) -> Evidence:
    """Validate and store ``path`` as ``role`` evidence of model version ``subject``, and ledger
    ``evidence.added`` by ``created_by`` in the same transaction.

    An unknown model version is ``not_found`` before anything is stored. Tables (roles evaluation,
    reference, current, explanation) are loaded and the mapped columns validated first, so bad
    evidence is refused at the door with a located error; models are loaded with the skops
    allow-list. A dataset (directory, glob), a partials file or ``partials`` evidence is turned into
    partials by ``partials`` (pass ``govern.stats.to_partials``; without it such evidence is
    ``evidence_unsupported_format``). The caller owns the transaction (``session`` from
    ``Store.write()``).
    """
    from govern.ledger import record as ledger_record
    from govern.lineage import resolve

    from ._models import load_model
    from ._tables import EvidenceRecord
    from ._tabular import binary_column, group_codes, load_table, media_type, numeric_column

    if not is_evidence_role(role):
        raise GovernError(EVIDENCE_ROLE_INVALID, f"role must be one of {', '.join(ROLES)}, not {role!r}")
    ref = parse_ref(subject)
    model_node = resolve(session, ref)  # the model version must be registered
    source = Path(path)
    mapping = mapping or ColumnMapping()
    if role in RESULT_ROLES or role in CONFIG_ROLES:
        return _add_llm(session, blob_dir, ref, model_node, role, source, created_by=created_by)
    if role == "partials" or is_dataset(source) or is_partials_file(source):
        ev = _add_partials(session, blob_dir, str(ref), role, source, mapping, created_by=created_by, make=partials)
        ledger_record(
            session,
            actor=created_by,
            kind="evidence.added",
            payload={
                "model": str(ref),
                "role": role,
                "digest": ev.digest,
                "file": source.name,
                "columns": ev.mapping.to_dict(),
                "partials": ev.provenance,
            },
        )
        return ev
    if role == "model":
        load_model(source)
        kind = "application/octet-stream+skops"
    else:
        kind = media_type(source)
        frame = load_table(source)
        if mapping.label:
            binary_column(frame, mapping.label, positive=mapping.positive)
        if mapping.prediction:
            binary_column(frame, mapping.prediction, positive=mapping.positive)
        if mapping.score:
            numeric_column(frame, mapping.score)
        if mapping.sensitive:
            group_codes(frame, mapping.sensitive)
    digest = store_blob(blob_dir, source)
    record = EvidenceRecord(
        subject=str(ref),
        role=role,
        digest=digest,
        filename=source.name,
        media_type=kind,
        columns=mapping.to_dict(),
        created_at=utcnow(),
        created_by=created_by,
    )
    session.add(record)
    session.flush()
    ledger_record(
        session,
        actor=created_by,
        kind="evidence.added",
        payload={"model": str(ref), "role": role, "digest": digest, "file": source.name, "columns": mapping.to_dict()},
    )
    return Evidence(role, blob_path(blob_dir, digest), mapping, digest, source.name, kind)


def _add_partials(
    session: Session,
    blob_dir: Path | str,
    subject: str,
    role: Role,
    source: Path,
    mapping: ColumnMapping,
    *,
    created_by: str,
    make: PartialsMaker | None,
) -> Evidence:
    """Store partials for ``role``: a partials file as given (validated), or a dataset streamed."""
    from ._partials import write_temp
    from ._tables import EvidenceRecord

    if role in ("model", "explanation"):
        raise GovernError(
            EVIDENCE_ROLE_INVALID, f"{role} evidence cannot be a dataset or partials", Location(str(source))
        )
    if make is None:
        raise GovernError(
            EVIDENCE_UNSUPPORTED_FORMAT,
            "datasets and partials are read by govern.stats: pass partials=govern.stats.to_partials",
            Location(str(source)),
        )
    as_given = is_partials_file(source)
    reference = None
    if role == "current" and not as_given:
        reference = evidence_for(session, blob_dir, subject).get("reference")
    data, provenance, mapping = make(role, source, mapping, reference=reference)
    filename = source.name if as_given else (source.name or "dataset").replace("*", "_") + ".partials"
    stored = write_temp(data, blob_dir)
    try:
        digest = store_blob(blob_dir, stored)
    finally:
        stored.unlink(missing_ok=True)
    record = EvidenceRecord(
        subject=subject,
        role=role,
        digest=digest,
        filename=filename,
        media_type=PARTIALS_MEDIA_TYPE,
        columns={**mapping.to_dict(), "provenance": provenance},
        created_at=utcnow(),
        created_by=created_by,
    )
    session.add(record)
    session.flush()
    return Evidence(role, blob_path(blob_dir, digest), mapping, digest, filename, PARTIALS_MEDIA_TYPE, provenance)


def _add_llm(
    session: Session,
    blob_dir: Path | str,
    ref: Ref,
    model_node: int,
    role: Role,
    source: Path,
    *,
    created_by: str,
) -> Evidence:
    """Store an LLM application's evidence (see ``_llm``) and ledger ``evidence.added``.

    A prompt template, guardrail configuration or tool manifest is also a lineage component
    (``component:<role>/<model name>/<file name>@<digest prefix>``) that configures the model
    version, so the same file serving two applications is one node with two edges.
    """
    from govern.ledger import record as ledger_record
    from govern.lineage import ComponentSpec, record_component

    from ._partials import write_temp
    from ._tables import EvidenceRecord

    provenance: dict[str, Any] | None = None
    if role in RESULT_ROLES:
        data, provenance = results_bytes(source)
        stored = write_temp(data, blob_dir)
        try:
            digest = store_blob(blob_dir, stored)
        finally:
            stored.unlink(missing_ok=True)
        kind = LLM_RESULTS_MEDIA_TYPE
    else:
        if source.is_dir():
            raise GovernError(EVIDENCE_UNREADABLE, f"{role} evidence is one file, not a folder", Location(str(source)))
        kind = validate_config(role, source)
        digest = store_blob(blob_dir, source)
        component = ComponentSpec(
            role=role, name=f"{ref.name}/{source.name}", version=digest.removeprefix("sha256:")[:12], digest=digest
        )
        record_component(session, component, configures=model_node)
    subject = str(ref)
    columns: dict[str, Any] = {"provenance": provenance} if provenance else {}
    session.add(
        EvidenceRecord(
            subject=subject,
            role=role,
            digest=digest,
            filename=source.name,
            media_type=kind,
            columns=columns,
            created_at=utcnow(),
            created_by=created_by,
        )
    )
    session.flush()
    payload: dict[str, Any] = {"model": subject, "role": role, "digest": digest, "file": source.name}
    if provenance:
        payload["results"] = provenance
    else:
        payload["component"] = str(component.ref)
    ledger_record(session, actor=created_by, kind="evidence.added", payload=payload)
    return Evidence(role, blob_path(blob_dir, digest), ColumnMapping(), digest, source.name, kind, provenance)


def latest_mapping(session: Session, subject: str, role: EvidenceRole) -> dict[str, Any] | None:
    """The column mapping of the newest ``role`` evidence of model version ``subject`` (None if none)."""
    import sqlalchemy as sa
    from sqlmodel import col

    from ._tables import EvidenceRecord

    row = session.execute(
        sa.select(col(EvidenceRecord.columns))
        .where(col(EvidenceRecord.subject) == str(parse_ref(subject)), col(EvidenceRecord.role) == role)
        .order_by(col(EvidenceRecord.id).desc())
    ).first()
    return dict(row[0]) if row and row[0] is not None else None


def evidence_for(session: Session, blob_dir: Path | str, model_ref: str, *, champion: str | None = None) -> EvidenceSet:
    """Every evidence record of ``model_ref`` (oldest first), and the ``champion``'s when given."""
    import sqlalchemy as sa
    from sqlmodel import col

    from ._tables import EvidenceRecord

    subject = str(parse_ref(model_ref))
    rows = session.execute(
        sa.select(EvidenceRecord).where(col(EvidenceRecord.subject) == subject).order_by(col(EvidenceRecord.id))
    ).scalars()
    items = tuple(
        Evidence(
            row.role,  # type: ignore[arg-type]
            blob_path(blob_dir, row.digest),
            ColumnMapping.from_dict(row.columns),
            row.digest,
            row.filename,
            row.media_type,
            (row.columns or {}).get("provenance"),
        )
        for row in rows
    )
    other = evidence_for(session, blob_dir, champion) if champion else None
    return EvidenceSet(items, champion=other)


def copy_blob(blob_dir: Path | str, digest: str, target: Path | str) -> Path:
    """Write the blob ``digest`` to ``target`` (an export for auditors)."""
    source = blob_path(blob_dir, digest)
    if not source.is_file():
        raise GovernError(EVIDENCE_BLOB_MISSING, f"blob {digest} is not in the store")
    shutil.copyfile(source, target)
    return Path(target)
