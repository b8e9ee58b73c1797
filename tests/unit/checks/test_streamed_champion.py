"""The performance check on dataset evidence compares the champion's own evaluation, unpaired."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from govern.checks import run_check
from govern.evidence import ColumnMapping, Evidence, EvidenceSet

MAPPING = ColumnMapping(label="y", score="s")


def _dataset(root: Path, seed: int, lift: float) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    y = (rng.random(6_000) < 0.3).astype(int)
    frame = pd.DataFrame({"y": y, "s": np.clip(rng.normal(0.3 + lift * y, 0.2), 0, 1)})
    root.mkdir()
    for i in range(3):
        frame.iloc[i * 2_000 : (i + 1) * 2_000].to_parquet(root / f"part-{i}.parquet")
    return root, frame


def test_champion_comparison_from_datasets(tmp_path: Path) -> None:
    challenger, ours = _dataset(tmp_path / "challenger", 1, 0.30)
    champion, theirs = _dataset(tmp_path / "champion", 2, 0.20)
    ev = EvidenceSet(
        (Evidence("evaluation", challenger, MAPPING),),
        champion=EvidenceSet((Evidence("evaluation", champion, MAPPING),)),
    )
    m = run_check("performance", {"metric": "auc", "replicates": 300}, ev, {})
    exact = roc_auc_score(ours.y, ours.s) - roc_auc_score(theirs.y, theirs.s)
    assert m.has_champion and m.paired is False
    assert m.delta == pytest.approx(exact, abs=1e-12)  # exact: the distinct-score table
    assert m.delta_lower < m.delta < m.delta_upper and m.delta_lower > 0  # clearly better
    assert m.lower is not None and m.lower < m.value < m.upper

    # a table challenger against a dataset champion goes the same way
    ours.to_csv(tmp_path / "challenger.csv", index=False)
    mixed = EvidenceSet(
        (Evidence("evaluation", tmp_path / "challenger.csv", MAPPING),),
        champion=EvidenceSet((Evidence("evaluation", champion, MAPPING),)),
    )
    again = run_check("performance", {"metric": "auc", "replicates": 300}, mixed, {})
    assert again.has_champion and again.delta == pytest.approx(exact, abs=1e-12)
