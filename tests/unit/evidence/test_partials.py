"""Datasets become partials at the door; partials files are validated; checks read them back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from govern.checks._streamed import drift_of, fairness_of
from govern.core import GovernError
from govern.evidence import ColumnMapping, add_evidence, evidence_for
from govern.stats import Partials, evaluation_spec, to_partials
from govern.store import Store


@pytest.fixture
def store(db_url: str | None, tmp_path: Path) -> Store:
    s = Store(db_url or f"sqlite:///{tmp_path / 'govern.db'}")
    s.migrate()
    yield s
    s.dispose()


def _frame(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "sex": rng.choice(["F", "M"], n),
            "label": rng.integers(0, 2, n),
            "score": rng.random(n),
            "income": rng.normal(shift, 1, n),
            "city": rng.choice(["a", "b"], n),
        }
    )


def _dataset(frame: pd.DataFrame, root: Path, parts: int = 3) -> Path:
    root.mkdir(parents=True)
    for i, idx in enumerate(np.array_split(np.arange(len(frame)), parts)):
        pq.write_table(pa.Table.from_pandas(frame.iloc[idx], preserve_index=False), root / f"p{i}.parquet")
    return root


MAPPING = ColumnMapping(label="label", score="score", sensitive=("sex",))


@pytest.fixture(autouse=True)
def _models(store: Store) -> None:
    """Evidence is refused for an unregistered model version: register the ones these tests use."""
    from govern.lineage import ModelSpec, record_model

    with store.write() as session:
        for version in ("2", "3", "4"):
            record_model(session, ModelSpec(name="credit", version=version))


def test_a_directory_is_stored_as_partials_with_provenance(store: Store, tmp_path: Path) -> None:
    frame = _frame(30_000, 0)
    data = _dataset(frame, tmp_path / "eval")
    blobs = tmp_path / "blobs"
    with store.write() as session:
        added = add_evidence(
            session, blobs, "credit@2", "evaluation", data, mapping=MAPPING, created_by="tester", partials=to_partials
        )
    assert added.is_partials and added.provenance is not None
    assert added.provenance["rows"] == 30_000 and added.provenance["files"] == 3
    assert added.provenance["engine"].startswith("local/pyarrow-")
    assert added.provenance["dataset_digest"].startswith("sha256:")
    assert added.path.stat().st_size < 3 << 20  # counts: at most the 2**20 distinct scores and the score grid
    with store.read() as session:
        evidence = evidence_for(session, blobs, "credit@2")
    item = evidence.get("evaluation")
    assert item is not None and item.is_partials and item.provenance == added.provenance
    streamed = fairness_of(
        evidence,
        sensitive=None,
        threshold=0.5,
        metric="demographic_parity_difference",
        confidence=0.95,
        replicates=200,
        seed=0,
        min_group_size=30,
    )
    # the same numbers as the table file measured in memory
    single = tmp_path / "eval.parquet"
    frame.to_parquet(single)
    with store.write() as session:
        add_evidence(
            session, blobs, "credit@3", "evaluation", single, mapping=MAPPING, created_by="tester", partials=to_partials
        )
    with store.read() as session:
        in_memory = fairness_of(
            evidence_for(session, blobs, "credit@3"),
            sensitive=None,
            threshold=0.5,
            metric="demographic_parity_difference",
            confidence=0.95,
            replicates=200,
            seed=0,
            min_group_size=30,
        )
    assert streamed.to_json() == in_memory.to_json()


def test_partials_file_and_drift_windows(store: Store, tmp_path: Path) -> None:
    blobs = tmp_path / "blobs"
    ref = _dataset(_frame(20_000, 1), tmp_path / "ref")
    cur = _dataset(_frame(20_000, 2, shift=0.3), tmp_path / "cur")
    with store.write() as session:
        with pytest.raises(GovernError) as err:
            add_evidence(
                session, blobs, "credit@2", "current", cur, mapping=MAPPING, created_by="tester", partials=to_partials
            )
        assert err.value.code == "evidence_missing"
    with store.write() as session:
        add_evidence(
            session, blobs, "credit@2", "reference", ref, mapping=MAPPING, created_by="tester", partials=to_partials
        )
    with store.write() as session:
        add_evidence(
            session, blobs, "credit@2", "current", cur, mapping=MAPPING, created_by="tester", partials=to_partials
        )
    with store.read() as session:
        evidence = evidence_for(session, blobs, "credit@2")
    m = drift_of(evidence, features=None, categorical=[], method="psi", threshold=None, review_p=0.05, retrain_p=0.01)
    assert set(m.per_feature) == {"sex", "income", "city"}
    assert m.per_feature["income"].psi > 0.05 and m.per_feature["city"].psi < 0.01
    assert m.prediction_psi is not None

    # pre-computed partials (e.g. from a cluster job) are stored as given, after validation
    partials = tmp_path / "eval.partials"
    frame = _frame(5_000, 3)
    partials.write_bytes(Partials(evaluation_spec(MAPPING)).update(pa.Table.from_pandas(frame)).to_bytes())
    with store.write() as session:
        added = add_evidence(
            session, blobs, "credit@4", "partials", partials, created_by="tester", partials=to_partials
        )
    assert added.mapping.label == "label" and added.path.read_bytes() == partials.read_bytes()
    broken = tmp_path / "broken.partials"
    broken.write_bytes(partials.read_bytes()[:-10])
    with store.write() as session, pytest.raises(GovernError) as err:
        add_evidence(session, blobs, "credit@4", "partials", broken, created_by="tester", partials=to_partials)
    assert err.value.code == "stats_bytes_invalid" and "broken.partials" in str(err.value)


def test_without_a_partials_maker_a_dataset_is_refused(store: Store, tmp_path: Path) -> None:
    """govern.evidence never imports govern.stats: a dataset needs the caller's PartialsMaker."""
    data = _dataset(_frame(100, 0), tmp_path / "eval")
    with store.write() as session, pytest.raises(GovernError) as err:
        add_evidence(session, tmp_path / "blobs", "credit@2", "evaluation", data, mapping=MAPPING, created_by="tester")
    assert err.value.code == "evidence_unsupported_format"
    assert not (tmp_path / "blobs").exists() or not any((tmp_path / "blobs").rglob("*"))
