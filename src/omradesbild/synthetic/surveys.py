"""SYNTHETIC safety surveys per RegSO: feeling safe, trust in the police, victimisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.random import Generator

from omradesbild.synthetic.constants import SURVEY_VARIABLES, SURVEY_YEARS
from omradesbild.synthetic.helpers import logistic


def surveys(
    rng: Generator,
    regso_codes: list[str],
    regso_idx: np.ndarray,
    yrs: tuple[int, ...],
    pop: np.ndarray,
    dep: np.ndarray,
) -> pd.DataFrame:
    """Survey shares per RegSO and survey year, from the population-weighted deprivation.

    Shares are binomial draws over 70–240 respondents (fewer in deprived areas).
    """
    rows: list[tuple[str, str, str, float, str]] = []
    off = rng.normal(0.0, 0.15, (len(regso_codes), 3))
    for sy in SURVEY_YEARS:
        j = min(max(yrs.index(sy) if sy in yrs else len(yrs) - 1, 0), len(yrs) - 1)
        for r, code in enumerate(regso_codes):
            m = regso_idx == r
            w = pop[m, j].astype(float)
            d = float((dep[m, j] * w).sum() / w.sum())
            n = int(rng.integers(70, 240) * (1.0 - 0.1 * np.clip(d, 0, 2.5)))
            ps = (
                logistic(2.0 - 0.7 * d + off[r, 0]),
                logistic(1.6 - 0.45 * d + off[r, 1]),
                logistic(-2.3 + 0.45 * d + off[r, 2]),
            )
            for var, p in zip(SURVEY_VARIABLES[:3], ps, strict=True):
                k = int(rng.binomial(n, float(p)))
                rows.append((code, str(sy), var, round(100.0 * k / n, 1), "procent"))
            rows.append((code, str(sy), "survey_respondents", float(n), "antal personer"))
    out = pd.DataFrame(rows, columns=["area_code", "period", "variable", "value", "unit"])
    out.insert(1, "level", "regso")
    return out
