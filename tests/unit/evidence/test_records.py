"""Evidence records on both backends: add, then read back as an EvidenceSet."""

from __future__ import annotations

from pathlib import Path

import pytest

from govern.core import GovernError
from govern.evidence import ColumnMapping, add_evidence, evidence_for
from govern.ledger import iter_entries
from govern.lineage import ModelSpec, record_model
from govern.store import Store


@pytest.fixture
def store(db_url: str | None, tmp_path: Path) -> Store:
    s = Store(db_url or f"sqlite:///{tmp_path / 'govern.db'}")
    s.migrate()
    with s.write() as session:  # evidence belongs to registered model versions
        for version in ("1", "2"):
            record_model(session, ModelSpec(name="credit", version=version))
    yield s
    s.dispose()


def test_add_and_read_back(store: Store, tmp_path: Path) -> None:
    data = tmp_path / "eval.csv"
    data.write_text("label,score,sex\n1,0.9,F\n0,0.2,M\n")
    mapping = ColumnMapping(label="label", score="score", sensitive=("sex",))
    with store.write() as session:
        added = add_evidence(
            session, tmp_path / "blobs", "credit@2", "evaluation", data, mapping=mapping, created_by="ana"
        )
        add_evidence(session, tmp_path / "blobs", "credit@1", "evaluation", data, mapping=mapping, created_by="bo")
    with store.read() as session:
        evidence = evidence_for(session, tmp_path / "blobs", "credit@2", champion="credit@1")
        entries = [e for e in iter_entries(session) if e.kind == "evidence.added"]
    assert [(e.actor, e.payload["model"], e.payload["digest"]) for e in entries] == [
        ("ana", "credit@2", added.digest),
        ("bo", "credit@1", added.digest),
    ]
    item = evidence.get("evaluation")
    assert item is not None and item.digest == added.digest and item.mapping == mapping
    assert item.filename == "eval.csv" and item.path.read_bytes() == data.read_bytes()
    assert evidence.champion is not None and evidence.champion.get("evaluation") is not None
    frame, _ = evidence.table("evaluation", purpose="test")
    assert list(frame.columns) == ["label", "score", "sex"]


def test_bad_evidence_is_refused_before_storing(store: Store, tmp_path: Path) -> None:
    data = tmp_path / "label_not_binary.csv"
    data.write_text("label,score\n1,0.9\n5,0.2\n")
    with pytest.raises(GovernError) as err, store.write() as session:
        add_evidence(
            session,
            tmp_path / "blobs",
            "credit@2",
            "evaluation",
            data,
            mapping=ColumnMapping(label="label"),
            created_by="ana",
        )
    assert err.value.code == "evidence_label_not_binary"
    assert not (tmp_path / "blobs").exists()
    with store.read() as session:
        assert evidence_for(session, tmp_path / "blobs", "credit@2").items == ()
        assert [e.kind for e in iter_entries(session)] == []  # no entry without its evidence


def test_evidence_of_an_unknown_model_is_refused(store: Store, tmp_path: Path) -> None:
    data = tmp_path / "eval.csv"
    data.write_text("label\n1\n")
    with pytest.raises(GovernError) as err, store.write() as session:
        add_evidence(session, tmp_path / "blobs", "nobody@1", "evaluation", data, created_by="ana")
    assert err.value.code == "not_found"
