"""Synthetic credit applications with a known, documented injected bias (seeded).

Ground truth: an applicant repays when a latent creditworthiness score, built only from
financial features, exceeds a threshold. Injected bias: in the *historical decisions* used as
training labels, applicants with ``sex == "F"`` who should have been approved were rejected with
probability ``BIAS_FLIP`` (0.35), and the postcode group ``zip_group`` is a proxy for ``race``
(it agrees with it 80% of the time). A model that learns from those labels and sees ``sex`` or
``zip_group`` reproduces the bias; one trained on financial features only does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

BIAS_FLIP = 0.35
FINANCIAL = ["age", "income", "debt_ratio", "credit_history_years", "late_payments", "employment_years", "loan_amount"]
SENSITIVE = ["sex", "race"]
PROXIES = ["zip_group"]


def applications(n: int, *, seed: int, drift: float = 0.0) -> pd.DataFrame:
    """``n`` applications. ``drift`` > 0 shifts incomes down and debt up (a recession)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    sex = rng.choice(["F", "M"], size=n, p=[0.48, 0.52])
    race = rng.choice(["A", "B", "C"], size=n, p=[0.6, 0.25, 0.15])
    proxy = np.where(rng.random(n) < 0.8, race, rng.choice(["A", "B", "C"], size=n))
    age = rng.integers(21, 75, size=n)
    income = rng.lognormal(mean=10.8 - 0.35 * drift, sigma=0.45, size=n).round(-1)
    debt_ratio = np.clip(rng.beta(2.0, 5.0, size=n) + 0.18 * drift, 0, 1).round(3)
    history = np.clip(age - 18 - rng.integers(0, 10, size=n), 0, None)
    late = rng.poisson(0.6 + 0.8 * drift, size=n)
    employment = np.clip(rng.normal(6 - 2 * drift, 4, size=n), 0, None).round(1)
    loan = rng.lognormal(mean=9.6, sigma=0.6, size=n).round(-2)
    score = (
        0.9 * (np.log(income) - 10.8)
        - 2.2 * (debt_ratio - 0.28)
        + 0.03 * history
        - 0.45 * late
        + 0.05 * employment
        - 0.35 * (np.log(loan) - 9.6)
        + rng.normal(0, 0.45, size=n)
    )
    repaid = (score > -0.25).astype(int)
    flip = (sex == "F") & (repaid == 1) & (rng.random(n) < BIAS_FLIP)
    approved_historically = np.where(flip, 0, repaid)
    return pd.DataFrame(
        {
            "age": age,
            "income": income,
            "debt_ratio": debt_ratio,
            "credit_history_years": history,
            "late_payments": late,
            "employment_years": employment,
            "loan_amount": loan,
            "sex": sex,
            "race": race,
            "zip_group": proxy,
            "repaid": repaid,
            "label": approved_historically,
        }
    )
