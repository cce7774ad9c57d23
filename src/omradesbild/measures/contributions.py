"""What drives an index score: each component's normalised value times its weight."""

from __future__ import annotations

import numpy as np
import pandas as pd

from omradesbild.index.method import IndexMethod


def index_contributions(index: pd.DataFrame, method: IndexMethod, *, period: str) -> pd.DataFrame:
    r"""Each component's contribution to the score: normalised value × weight.

    Parameters
    ----------
    index
        Output of :func:`~omradesbild.index.compute_index` (with ``<id>_norm`` columns and
        ``attrs["weights"][period]``).
    method
        The index method.
    period
        The period whose weights apply.

    Returns
    -------
    DataFrame
        ``area_code, indicator, normalised, weight, contribution``.

    Notes
    -----
    For arithmetic aggregation :math:`S = \sum_j w_j z_j`, so the contributions
    :math:`w_j z_j` sum to the score. For geometric aggregation they are the terms of the
    weighted log-mean and do not sum to the score.
    """
    weights_all = index.attrs.get("weights", {})
    weights = weights_all.get(period) or weights_all.get(str(period)) or {}
    if not weights and method.indicators:
        weights = {i.id: 1.0 / len(method.indicators) for i in method.indicators}
    rows = []
    for ind in method.indicators:
        col = f"{ind.id}_norm"
        if col not in index.columns:
            continue
        w = float(weights.get(ind.id, np.nan))
        z = pd.to_numeric(index[col], errors="coerce").astype("float64")
        rows.append(
            pd.DataFrame(
                {
                    "area_code": index["area_code"].astype(str).to_numpy(),
                    "indicator": ind.id,
                    "normalised": z.to_numpy(),
                    "weight": w,
                    "contribution": (z * w).to_numpy(),
                }
            )
        )
    if not rows:
        return pd.DataFrame(
            columns=["area_code", "indicator", "normalised", "weight", "contribution"]
        )
    return pd.concat(rows, ignore_index=True)
