"""One source per indicator: counts summed from base areas, or published for the level itself.

Some series are published only for RegSO (e.g. SCB's RegSO time series 2020–2023), others
only for DeSO. An indicator of a RegSO can then be computed two ways: from DeSO counts summed
over the key, or from the RegSO's own observations. :func:`choose_level_sources` picks one of
them per indicator for all periods asked for, so that a value is never built from both (no
double counting) and a time series never switches source midway.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

#: Source labels in :func:`choose_level_sources`' result.
AGGREGATED = "aggregated"
NATIVE = "native"


def _covered(ind: pd.DataFrame) -> dict[str, set[str]]:
    if ind.empty:
        return {}
    have = ind.loc[ind["value"].notna(), ["indicator", "period"]].drop_duplicates()
    out: dict[str, set[str]] = {}
    for indicator, period in zip(have["indicator"].tolist(), have["period"].tolist(), strict=True):
        out.setdefault(str(indicator), set()).add(str(period))
    return out


def choose_level_sources(
    aggregated: pd.DataFrame, native: pd.DataFrame, *, periods: Sequence[str] | None = None
) -> dict[str, str]:
    """Which source each indicator takes: ``"aggregated"`` or ``"native"``.

    Parameters
    ----------
    aggregated, native
        Indicators (output of :func:`~omradesbild.indicators.compute_indicators`) from base
        counts summed to the level, and from the level's own observations.
    periods
        The periods asked for (default: all in either input).

    Returns
    -------
    dict
        Indicator id -> source, for every indicator with a value in either input.

    Notes
    -----
    For each indicator the source with values in more of the periods wins; on a tie the
    aggregated base counts win (they also give DeSO and any other level the same way).
    """
    agg, nat = _covered(aggregated), _covered(native)
    wanted = {str(p) for p in periods} if periods is not None else None
    out: dict[str, str] = {}
    for ind in sorted(set(agg) | set(nat)):
        a, n = agg.get(ind, set()), nat.get(ind, set())
        if wanted is not None:
            a, n = a & wanted, n & wanted
        if not a and not n:
            continue
        out[ind] = NATIVE if len(n) > len(a) else AGGREGATED
    return out


def combine_levels(
    aggregated: pd.DataFrame,
    native: pd.DataFrame,
    *,
    periods: Sequence[str] | None = None,
    sources: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Indicators from one source each (see :func:`choose_level_sources`).

    Returns
    -------
    pandas.DataFrame
        The rows of the chosen source for every indicator, with an added ``source`` column
        (``aggregated`` or ``native``). ``aggregated`` and ``native`` rows are never both
        kept for an indicator, so no count is counted twice.
    """
    chosen = (
        sources
        if sources is not None
        else choose_level_sources(aggregated, native, periods=periods)
    )
    parts = []
    for frame, label in ((aggregated, AGGREGATED), (native, NATIVE)):
        if frame.empty:
            continue
        keep = frame["indicator"].astype(str).map(chosen) == label
        parts.append(frame.loc[keep].assign(source=label))
    if not parts:
        base = aggregated if not aggregated.empty else native
        return base.assign(source=pd.Series(dtype="object"))
    out = pd.concat(parts, ignore_index=True)
    if periods is not None:
        out = out.loc[out["period"].astype(str).isin({str(p) for p in periods})]
    return out.reset_index(drop=True)
