"""Champion-challenger: both models scored on the challenger's rows, compared pairwise (vs sklearn)."""

from __future__ import annotations

import pytest


def test_champion_is_scored_on_the_challengers_rows(tmp_path):
    import pandas as pd
    from sklearn.metrics import roc_auc_score

    from govern.checks import run_check
    from govern.demo import EVAL_MAPPING, build
    from govern.evidence import ColumnMapping, Evidence, EvidenceSet, load_model

    files = build(tmp_path, small=True)
    mapping = ColumnMapping.from_dict(EVAL_MAPPING)
    challenger = EvidenceSet(
        (Evidence("evaluation", files.retrain_eval, mapping), Evidence("model", files.retrain_model)),
        champion=EvidenceSet((Evidence("evaluation", files.lr_eval, mapping), Evidence("model", files.lr_model))),
    )
    m = run_check("performance", {"metric": "auc", "replicates": 200}, challenger, {})
    rows = pd.read_csv(files.retrain_eval)
    champion_scores = load_model(files.lr_model).predict_proba(
        rows[list(load_model(files.lr_model).feature_names_in_)]
    )[:, 1]
    expected = roc_auc_score(rows["outcome"], rows["score"]) - roc_auc_score(rows["outcome"], champion_scores)
    assert m.has_champion is True
    assert m.delta == pytest.approx(expected, abs=1e-9)
    assert m.delta_lower <= m.delta <= m.delta_upper
