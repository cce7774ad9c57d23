"""SYNTHETIC crime: Poisson report counts per DeSO, year and offence, and one row per
report in the layout of the Police's extracts (some reports without a DeSO)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.random import Generator

from omradesbild.sources.base import OBS_COLUMNS
from omradesbild.synthetic.constants import CRIME_LAN_NAME, DESO_VERSION, KOMMUN_NAME, OFFENCES


def crime(
    rng: Generator,
    codes: np.ndarray,
    yrs: tuple[int, ...],
    pop: np.ndarray,
    dep: np.ndarray,
    influence: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Crime reports and counts.

    Notes
    -----
    Reports per DeSO, year and offence are Poisson with mean
    ``rate * pop / 1000 * exp(0.85 d + c)``, ``c`` the police-area crime influence. Dates are
    uniform in the year, registration lags geometric; about 4 % more reports have no DeSO.
    """
    recs: list[tuple[str, str, str, str | None]] = []  # (offence, offence_date, reg_date, deso)
    count_rows: list[tuple[str, str, str, float]] = []
    for off_code, (_, _, first, rate) in OFFENCES.items():
        for j, y in enumerate(yrs):
            if y < first:
                continue
            lam = rate * pop[:, j] / 1000.0 * np.exp(0.85 * dep[:, j] + influence[:, j])
            counts = rng.poisson(lam)
            start = np.datetime64(f"{y}-01-01")
            n_days = int((np.datetime64(f"{y + 1}-01-01") - start).astype(int))
            for i in range(len(codes)):
                count_rows.append((str(codes[i]), str(y), f"crime_{off_code}", float(counts[i])))
                for _ in range(int(counts[i])):
                    day = start + np.timedelta64(int(rng.integers(n_days)), "D")
                    lag = np.timedelta64(int(rng.geometric(0.75)) - 1, "D")
                    recs.append((off_code, str(day), str(day + lag), str(codes[i])))
            n_missing = int(rng.poisson(0.04 * counts.sum() + 0.3))
            for _ in range(n_missing):
                day = start + np.timedelta64(int(rng.integers(n_days)), "D")
                lag = np.timedelta64(int(rng.geometric(0.75)) - 1, "D")
                recs.append((off_code, str(day), str(day + lag), None))
    rep = pd.DataFrame(recs, columns=["offence_code", "offence_date", "registered_date", "deso"])
    rep = rep.sort_values(
        ["registered_date", "offence_date", "offence_code"], kind="stable"
    ).reset_index(drop=True)
    gaps = rng.integers(1, 400, len(rep))
    reports = pd.DataFrame(
        {
            "report_id": (1000 + np.cumsum(gaps)).astype(np.int64),
            "offence_code": rep["offence_code"],
            "offence_text": rep["offence_code"].map({k: v[0] for k, v in OFFENCES.items()}),
            "registered_date": rep["registered_date"],
            "offence_date": rep["offence_date"],
            "kommun": KOMMUN_NAME,
            "lan": CRIME_LAN_NAME,
            "deso_code": rep["deso"].astype(object),
            "count": np.ones(len(rep), dtype=np.int64),
        }
    )
    cc = pd.DataFrame(count_rows, columns=["area_code", "period", "variable", "value"])
    crime_counts = pd.DataFrame(
        {
            "area_code": cc["area_code"],
            "area_version": DESO_VERSION,
            "variable": cc["variable"],
            "period": cc["period"],
            "value": cc["value"],
            "unit": "antal brott",
            "missing_reason": pd.Series([None] * len(cc), dtype=object),
        }
    )
    crime_counts = crime_counts.sort_values(["area_code", "period", "variable"], kind="stable")
    return reports, crime_counts.reset_index(drop=True)[list(OBS_COLUMNS)]
