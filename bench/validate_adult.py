"""Validation on real data: a model trained on UCI Adult, evaluated on its test split.

    python bench/validate_adult.py [--data DIR] [--output docs/validation.md]

Prints, and writes as Markdown, govern's fairness numbers beside fairlearn's and govern's drift
numbers (train -> test) beside scipy's, with the absolute differences. Needs the Adult files
(adult_train.csv, adult_test.csv); govern itself does not depend on them.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_DATA = Path("/work/shared/data/adult")
NUMERIC = ["age", "fnlwgt", "education-num", "capital-gain", "capital-loss", "hours-per-week"]
CATEGORICAL = ["workclass", "education", "marital-status", "occupation", "relationship", "race", "native-country"]


def _load(data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    train = pd.read_csv(data / "adult_train.csv", skipinitialspace=True)
    test = pd.read_csv(data / "adult_test.csv", skipinitialspace=True)
    for frame in (train, test):
        frame["label"] = frame["income"].astype(str).str.rstrip(".").eq(">50K").astype(int)
    return train, test


def run(data: Path) -> str:
    import lightgbm
    from fairlearn import metrics as fm
    from scipy.spatial.distance import jensenshannon
    from scipy.stats import chi2_contingency, ks_2samp, wasserstein_distance
    from sklearn.metrics import roc_auc_score

    from govern.checks import FAIRNESS_METRICS, drift, fairness, performance
    from govern.checks._drift import binned_counts, quantile_edges

    train, test = _load(data)
    features = NUMERIC + CATEGORICAL  # sex is held out of the model on purpose
    X_train = train[features].astype(dict.fromkeys(CATEGORICAL, "category"))
    X_test = test[features].astype({c: pd.CategoricalDtype(X_train[c].cat.categories) for c in CATEGORICAL})
    model = lightgbm.LGBMClassifier(n_estimators=200, learning_rate=0.05, num_leaves=31, random_state=0, verbose=-1)
    model.fit(X_train, train["label"])
    score = model.predict_proba(X_test)[:, 1]
    pred = (score >= 0.5).astype(int)
    y = test["label"].to_numpy()

    lines = ["# Validation on UCI Adult", ""]
    lines += [
        "A LightGBM model (200 trees; `sex` is not one of its inputs, `race` is) is trained on",
        f"`adult_train.csv` ({len(train):,} rows) and evaluated on `adult_test.csv` ({len(test):,} rows);",
        "`income` = `>50K` is the positive class. Produced by `bench/validate_adult.py`.",
        f"Test AUC: govern {performance(y, score, replicates=0).value:.6f}, scikit-learn {roc_auc_score(y, score):.6f}.",
        "",
    ]
    for columns in (["sex"], ["race"], ["sex", "race"]):
        ours = fairness(y, pred, sensitive=test[columns], replicates=1000, seed=0).to_json()
        lines += [
            f"## Fairness by {' x '.join(columns)}",
            "",
            "| metric | govern | fairlearn | abs. difference |",
            "|---|---|---|---|",
        ]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name in FAIRNESS_METRICS:
                ref = float(getattr(fm, name)(y, pred, sensitive_features=test[columns]))
                lines.append(
                    f"| {name} | {ours['metrics'][name]:.12f} | {ref:.12f} | {abs(ours['metrics'][name] - ref):.1e} |"
                )
            frame = fm.MetricFrame(
                metrics={
                    "selection_rate": fm.selection_rate,
                    "false_positive_rate": fm.false_positive_rate,
                    "false_negative_rate": fm.false_negative_rate,
                },
                y_true=y,
                y_pred=pred,
                sensitive_features=test[columns],
            )
        lines.append(
            f"\n95% bootstrap interval of demographic_parity_difference (1,000 replicates): "
            f"[{ours['lower']:.4f}, {ours['upper']:.4f}]; four-fifths rule: {'pass' if ours['four_fifths_pass'] else 'fail'}; "
            f"smallest group {ours['min_group_count']}{' (inconclusive)' if ours['inconclusive'] else ''}.\n"
        )
        if len(columns) == 1:
            lines += [
                "| group | selection_rate govern / fairlearn | false_positive_rate govern / fairlearn | false_negative_rate govern / fairlearn |",
                "|---|---|---|---|",
            ]
            for group, row in frame.by_group.iterrows():
                g = ours["per_group"][str(group)]
                lines.append(
                    f"| {group} | {g['selection_rate']:.10f} / {row['selection_rate']:.10f} | "
                    f"{g['false_positive_rate']:.10f} / {row['false_positive_rate']:.10f} | "
                    f"{g['false_negative_rate']:.10f} / {row['false_negative_rate']:.10f} |"
                )
            lines.append("")

    result = drift(train[NUMERIC + CATEGORICAL], test[NUMERIC + CATEGORICAL]).to_json()
    lines += [
        "## Drift, train -> test",
        "",
        "Numeric features:",
        "",
        "| feature | KS govern | KS scipy | p govern | p scipy | Wasserstein/std govern | scipy | JS govern | scipy | PSI |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    worst = 0.0
    for name in NUMERIC:
        s = result["per_feature"][name]
        a, b = train[name].to_numpy(float), test[name].to_numpy(float)
        ks = ks_2samp(a, b)
        w = wasserstein_distance(a, b) / np.std(a)
        edges = quantile_edges(np.sort(a))
        js = jensenshannon(binned_counts(np.sort(a), edges), binned_counts(np.sort(b), edges), base=2)
        worst = max(
            worst,
            abs(s["ks_statistic"] - ks.statistic),
            abs(s["ks_pvalue"] - ks.pvalue),
            abs(s["wasserstein"] - w),
            abs(s["jensen_shannon"] - js),
        )
        lines.append(
            f"| {name} | {s['ks_statistic']:.10f} | {ks.statistic:.10f} | {s['ks_pvalue']:.6g} | {ks.pvalue:.6g} | "
            f"{s['wasserstein']:.10f} | {w:.10f} | {s['jensen_shannon']:.10f} | {js:.10f} | {s['psi']:.6f} |"
        )
    lines += [
        "",
        "Categorical features:",
        "",
        "| feature | chi2 govern | chi2 scipy | p govern | p scipy | PSI | unseen share |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in CATEGORICAL:
        s = result["per_feature"][name]
        table = pd.crosstab(
            np.r_[np.zeros(len(train)), np.ones(len(test))], np.r_[train[name].astype(str), test[name].astype(str)]
        ).to_numpy()
        chi = chi2_contingency(table, correction=False)
        worst = max(worst, abs(s["chi2_statistic"] - chi.statistic), abs(s["chi2_pvalue"] - chi.pvalue))
        lines.append(
            f"| {name} | {s['chi2_statistic']:.8f} | {chi.statistic:.8f} | {s['chi2_pvalue']:.6g} | {chi.pvalue:.6g} | {s['psi']:.6f} | {s['unseen_share']:.6f} |"
        )
    lines += [
        "",
        f"Largest absolute difference between govern and scipy over all drift statistics: {worst:.1e}.",
        f"Decision matrix: min p-value {result['min_pvalue']:.3g} -> `{result['decision']}`; drifted (p < 0.01): {', '.join(result['drifted']) or 'none'}.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--output", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "validation.md")
    args = parser.parse_args()
    if not (args.data / "adult_train.csv").is_file():
        print(f"skipped: no Adult data in {args.data}", file=sys.stderr)
        return 0
    text = run(args.data)
    print(text)
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
