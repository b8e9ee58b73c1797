"""Bad evidence is a located error; models load only through skops with an allow-list."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from govern.core import GovernError
from govern.evidence import (
    ColumnMapping,
    binary_column,
    blob_path,
    group_codes,
    load_model,
    load_table,
    numeric_column,
    store_blob,
)


def _csv(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _error(fn, *args, **kwargs) -> GovernError:  # type: ignore[no-untyped-def]
    with pytest.raises(GovernError) as err:
        fn(*args, **kwargs)
    return err.value


def test_empty_file(tmp_path: Path) -> None:
    err = _error(load_table, _csv(tmp_path, "empty_file.csv", ""))
    assert err.code == "evidence_empty" and "empty_file.csv" in str(err)
    assert _error(load_table, _csv(tmp_path, "header_only.csv", "a,b\n")).code == "evidence_empty"


def test_unsupported_format_and_missing_file(tmp_path: Path) -> None:
    assert _error(load_table, _csv(tmp_path, "data.xlsx", "x")).code == "evidence_unsupported_format"
    assert _error(load_table, tmp_path / "absent.csv").code == "evidence_unreadable"


def test_missing_column_names_file_and_column(tmp_path: Path) -> None:
    frame = load_table(_csv(tmp_path, "missing_label_column.csv", "score,sex\n0.1,F\n"))
    err = _error(binary_column, frame, "label")
    assert err.code == "evidence_missing_column" and "'label'" in str(err)


def test_wrong_type_is_located_at_its_csv_line(tmp_path: Path) -> None:
    frame = load_table(_csv(tmp_path, "score_not_a_number.csv", "label,score\n1,0.2\n0,0.3\n1,high\n"))
    err = _error(numeric_column, frame, "score")
    assert err.code == "evidence_wrong_type"
    assert err.location is not None and err.location.line == 4
    assert str(err).startswith(f"{tmp_path / 'score_not_a_number.csv'}:4:")


def test_label_not_binary_and_positive_value(tmp_path: Path) -> None:
    frame = load_table(_csv(tmp_path, "label_three_values.csv", "label\n0\n1\n2\n"))
    err = _error(binary_column, frame, "label")
    assert err.code == "evidence_label_not_binary" and err.location.line == 4  # type: ignore[union-attr]
    frame = load_table(_csv(tmp_path, "label_text.csv", "income\n>50K\n<=50K\n>50K\n"))
    assert _error(binary_column, frame, "income").code == "evidence_label_not_binary"
    assert binary_column(frame, "income", positive=">50K").tolist() == [1, 0, 1]


def test_empty_sensitive_group_and_missing_values(tmp_path: Path) -> None:
    frame = pd.DataFrame({"sex": pd.Categorical(["F", "F"], categories=["F", "M"])})
    frame.to_parquet(tmp_path / "sensitive_group_empty.parquet")
    loaded = load_table(tmp_path / "sensitive_group_empty.parquet")
    assert _error(group_codes, loaded, ["sex"]).code == "evidence_empty_group"
    frame = load_table(_csv(tmp_path, "sensitive_value_missing.csv", "sex,x\nF,1\n,2\nM,3\n"))
    err = _error(group_codes, frame, ["sex"])
    assert err.code == "evidence_missing_values" and err.location.line == 3  # type: ignore[union-attr]


def test_pickle_is_refused_by_suffix_and_by_content(tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit(np.array([[0.0], [1.0]]), [0, 1])
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(model))
    (tmp_path / "pickle_renamed.skops").write_bytes(pickle.dumps(model))
    assert _error(load_model, tmp_path / "model.pkl").code == "evidence_pickle_refused"
    assert _error(load_model, tmp_path / "pickle_renamed.skops").code == "evidence_pickle_refused"


def test_skops_allow_list(tmp_path: Path) -> None:
    import lightgbm
    import skops.io
    from sklearn.ensemble import GradientBoostingClassifier

    X = np.random.default_rng(0).random((60, 2))
    y = (X[:, 0] > 0.5).astype(int)
    for model in (GradientBoostingClassifier(n_estimators=3), lightgbm.LGBMClassifier(n_estimators=3, verbose=-1)):
        model.fit(X, y)
        skops.io.dump(model, tmp_path / "ok.skops")
        assert np.allclose(load_model(tmp_path / "ok.skops").predict_proba(X), model.predict_proba(X))
    skops.io.dump({"f": pd.DataFrame}, tmp_path / "untrusted_type.skops")
    err = _error(load_model, tmp_path / "untrusted_type.skops")
    assert err.code == "evidence_model_untrusted_type" and "pandas" in err.message
    (tmp_path / "not_a_zip.skops").write_bytes(b"hello")
    assert _error(load_model, tmp_path / "not_a_zip.skops").code == "evidence_unreadable"


def test_blobs_are_content_addressed_and_read_only(tmp_path: Path) -> None:
    source = _csv(tmp_path, "a.csv", "x\n1\n")
    digest = store_blob(tmp_path / "blobs", source)
    import hashlib

    assert digest == "sha256:" + hashlib.sha256(b"x\n1\n").hexdigest()
    assert store_blob(tmp_path / "blobs", source) == digest
    stored = blob_path(tmp_path / "blobs", digest)
    assert stored.read_bytes() == b"x\n1\n" and not (stored.stat().st_mode & 0o222)
    assert _error(blob_path, tmp_path, "md5:abc").code == "evidence_digest_invalid"


def test_mapping_round_trip_and_unknown_keys() -> None:
    mapping = ColumnMapping(label="y", score="s", sensitive=("sex", "race"), positive="1")
    assert ColumnMapping.from_dict(mapping.to_dict()) == mapping
    assert _error(ColumnMapping.from_dict, {"lable": "y"}).code == "evidence_mapping_invalid"
