"""The base areas' indicator counts, computed once per store content and shared.

Every level's indicators start from the same counts: each indicator's numerator and
denominator per base area (DeSO 2018) and period
(:func:`~omradesbild.indicators.indicator_counts`). They are computed here once for every
stored period, from only the variables the indicators read, and kept per store content
(:func:`~omradesbild.services.cache.store_cached_intermediate`), so that DeSO, RegSO,
kommun and country, every period and the index's periods are summed from one computation
instead of one each.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from omradesbild.indicators.blocks import CountBlocks
from omradesbild.services.cache import store_cached_intermediate
from omradesbild.store import Store
from omradesbild.store.reads import indicator_observations, stored_variables


def compute_base_counts(
    store: Store, *, base_version: str, indicators: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """:func:`base_counts`, computed afresh and not kept (for a caller that needs them once
    and would rather free them at once)."""
    return compute_base_blocks(store, base_version=base_version, indicators=indicators).frame(
        "base"
    )


def compute_base_blocks(
    store: Store, *, base_version: str, indicators: tuple[str, ...] | None = None
) -> CountBlocks:
    """:func:`compute_base_counts` before its rows are one frame
    (:func:`~omradesbild.indicators.counts.count_blocks`): for a caller that needs the
    frame of a few indicators and the country's sums of all (a one-kommun report's
    national parts)."""
    from omradesbild.indicators.counts import count_blocks

    chosen = list(indicators) if indicators else None
    obs = level_observations(store, area_version=base_version, indicators=chosen)
    return count_blocks(obs, indicators=chosen)


@store_cached_intermediate
def base_counts(
    store: Store, *, base_version: str, indicators: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """:func:`~omradesbild.indicators.indicator_counts` of every stored period.

    Parameters
    ----------
    store
        The store.
    base_version
        Boundary version of the base areas whose observations are read.
    indicators
        Indicator ids (all computable ones by default).

    Returns
    -------
    DataFrame
        :data:`~omradesbild.indicators.COUNT_COLUMNS` with ``level`` ``"base"``; shared by
        every caller, so treat it as read-only. The rows of some periods equal those
        ``indicator_counts`` gives when asked for those periods only.
    """
    return compute_base_counts(store, base_version=base_version, indicators=indicators)


def level_observations(
    store: Store, *, area_version: str, indicators: Sequence[str] | None = None
) -> pd.DataFrame:
    """The observations of ``area_version`` areas that these indicators can read.

    :func:`~omradesbild.store.reads.indicator_observations` of the variables
    :func:`~omradesbild.indicators.counts.needed_variables` names: the indicators computed
    from them equal those computed from all of the version's observations.
    """
    from omradesbild.indicators.counts import needed_variables

    held = stored_variables(store, area_version=area_version)
    variables = needed_variables(held, indicators=indicators)
    return indicator_observations(store, area_version=area_version, variables=variables)


def counts_of(
    store: Store,
    *,
    base_version: str,
    indicators: Sequence[str] | None = None,
    periods: Sequence[str] | None = None,
    every: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`base_counts` of some indicators in some periods (all by default); ``every``:
    the base counts of every indicator and period already at hand (the rows of
    ``indicators`` taken from them, each indicator's in the order given, as
    :func:`base_counts` of those indicators puts them)."""
    if every is not None:
        counts = every if indicators is None else _of_indicators(every, indicators)
    else:
        counts = base_counts(
            store, base_version=base_version, indicators=tuple(indicators) if indicators else None
        )
    if periods is None:
        return counts
    return counts.loc[counts["period"].isin([str(p) for p in periods])]


def _of_indicators(counts: pd.DataFrame, indicators: Sequence[str]) -> pd.DataFrame:
    """The rows of ``indicators`` (each once), indicator by indicator in the order given,
    each indicator's rows in their order."""
    rank = {str(i): k for k, i in enumerate(dict.fromkeys(str(i) for i in indicators))}
    codes, uniques = pd.factorize(counts["indicator"])
    of_code = np.asarray([rank.get(str(u), -1) for u in uniques] + [-1], dtype=np.int64)
    row_rank = of_code[codes]  # a missing indicator (code -1) takes the appended -1
    kept = np.flatnonzero(row_rank >= 0)
    return counts.iloc[kept[np.argsort(row_rank[kept], kind="stable")]]
