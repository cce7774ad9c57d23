"""Change between two periods per area, from the store; summaries of change and trend tables.

The tables themselves are :func:`omradesbild.services.levels.change_table` and
:func:`omradesbild.services.levels.trend_table`; this module computes the change from
base-area (DeSO) counts and the kommun and country references.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from omradesbild.config import BASE_VERSION
from omradesbild.errors import ConfigError, NotFoundError
from omradesbild.followup.change import compare_to_reference, indicator_change
from omradesbild.indicators import reference_values_from_counts
from omradesbild.services.base_counts import counts_of
from omradesbild.services.followup._common import (
    check_indicators,
    in_kommun,
    kommun_code,
    require_kommun,
    require_periods,
    store_periods,
)
from omradesbild.services.pipeline import area_indicators
from omradesbild.store import Store
from omradesbild.wording import Message, both

#: Columns of the significant changes shown in a summary, in order.
CHANGE_SHOW_COLUMNS: tuple[str, ...] = (
    "area_code", "area_name", "indicator", "value_from", "value_to", "diff", "diff_ci_low",
    "diff_ci_high", "p_value", "change", "kommun_diff", "country_diff", "vs_kommun",
)  # fmt: skip


def base_indicators(
    store: Store,
    *,
    level: str,
    version: str | None,
    periods: Sequence[str],
    indicators: Sequence[str] | None,
) -> pd.DataFrame:
    """The indicators of ``periods`` summed from the base areas' (DeSO) counts
    (:func:`~omradesbild.services.pipeline.area_indicators`), offence years flagged
    incomplete kept: :mod:`omradesbild.services.levels` decides on those."""
    return area_indicators(
        store, level=level, version=version, periods=list(periods),
        indicators=check_indicators(indicators), include_incomplete_crime=True,
    )  # fmt: skip


def of_kommun(ind: pd.DataFrame, kommun: str | None, *, level: str) -> pd.DataFrame:
    """The rows of ``ind`` in ``kommun`` (all when ``None``); none is an error."""
    if kommun is None:
        return ind
    ind = ind.loc[in_kommun(ind["area_code"], kommun)]
    if ind.empty:
        raise NotFoundError(both("err_no_kommun_indicators", level=level, kommun=kommun))
    return ind


@dataclass(frozen=True)
class ChangeQuery:
    """What a change table is asked for.

    Attributes
    ----------
    level, version
        The areas (``version`` ``None``: the level's default boundary version).
    periods
        The earlier and the later period (text).
    indicators
        Catalogue ids; ``None`` for all.
    kommun
        Only the areas of this kommun (e.g. ``"0180"``); ``None`` for all.
    """

    level: str
    version: str | None
    periods: tuple[str, str]
    indicators: Sequence[str] | None = None
    kommun: str | None = None


def base_change_input(store: Store, query: ChangeQuery) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The indicators of both periods summed from the base areas' counts (of the kommun
    when given) and the kommun and country values of the same counts ("country" is every
    area in the store)."""
    level, periods = query.level, query.periods
    p_from, p_to = periods
    check_indicators(query.indicators)
    kommun = require_kommun(store, query.kommun)
    if p_from == p_to:
        raise ConfigError(both("err_same_periods", period=p_from))
    stored = store_periods(store)
    missing = [p for p in periods if p not in stored]
    if missing:
        raise NotFoundError(
            both("err_no_period_obs", periods=", ".join(missing), stored=", ".join(stored))
        )
    ind = base_indicators(
        store, level=level, version=query.version, periods=periods, indicators=query.indicators
    )
    ind = of_kommun(ind, kommun, level=level)
    require_periods(ind, periods, what=Message("err_svc_indicators_at_level", level=level))
    # Counts of every stored period, as the areas' own: a rate whose denominator comes from
    # the nearest year takes it among all stored years, not only the two compared.
    counts = counts_of(
        store, base_version=BASE_VERSION, indicators=sorted(set(ind["indicator"])),
        periods=list(periods),
    )  # fmt: skip
    ref = reference_values_from_counts(counts)
    return ind, ref


def change_with_references(
    ind: pd.DataFrame, ref: pd.DataFrame, periods: tuple[str, str], *, confidence: float
) -> pd.DataFrame:
    """Change of indicators between two periods per area, next to its kommun and the country.

    Returns :func:`~omradesbild.followup.change.indicator_change`'s columns (and
    ``source`` when ``ind`` has it) plus ``kommun_code``, ``kommun_from``, ``kommun_to``,
    ``kommun_diff``, ``kommun_change``, ``country_from``, ``country_to``, ``country_diff``,
    ``country_change``, ``diff_vs_kommun`` (= ``diff − kommun_diff``), ``diff_vs_country``
    and ``vs_kommun`` / ``vs_country`` (the area's level in the later period against the
    reference: ``higher``, ``lower`` or ``similar`` by its interval). ``ref`` holds the
    kommun and country values computed from the same source as ``ind``.
    """
    p_from, p_to = periods
    ch = indicator_change(ind, period_from=p_from, period_to=p_to, confidence=confidence)
    out = ch.copy()
    if "source" in ind.columns:
        src = ind.drop_duplicates("indicator").set_index("indicator")["source"]
        out["source"] = out["indicator"].map(src)
    out["kommun_code"] = [kommun_code(str(c)) for c in out["area_code"]]
    out = with_reference_change(out, ref, p_from, p_to, confidence)
    out["diff_vs_kommun"] = out["diff"] - out["kommun_diff"]
    out["diff_vs_country"] = out["diff"] - out["country_diff"]
    return with_reference_comparison(out, ind, ref, p_to).reset_index(drop=True)


def with_reference_comparison(
    out: pd.DataFrame, ind: pd.DataFrame, ref: pd.DataFrame, p_to: str
) -> pd.DataFrame:
    """Add ``vs_kommun`` / ``vs_country``: each area's level in ``p_to`` against its kommun
    and the country (:func:`~omradesbild.followup.change.compare_to_reference`); ``None``
    without reference values."""
    if ref.empty:
        out["vs_kommun"] = None
        out["vs_country"] = None
        return out
    cmp = compare_to_reference(ind.loc[ind["period"].astype(str) == p_to], ref)
    cmp = cmp[["area_code", "level", "indicator", "vs_kommun", "vs_country"]]
    return out.merge(cmp, on=["area_code", "level", "indicator"], how="left")


def with_reference_change(
    out: pd.DataFrame, ref: pd.DataFrame, p_from: str, p_to: str, confidence: float
) -> pd.DataFrame:
    """Add the kommun's and the country's values and change (``kommun_*``, ``country_*``).

    ``out`` needs ``kommun_code`` and ``indicator``; ``ref`` is
    :func:`~omradesbild.indicators.reference_values`' frame (may be empty: the columns are
    then missing values).
    """
    if ref.empty:
        for c in ("kommun", "country"):
            out[[f"{c}_from", f"{c}_to", f"{c}_diff"]] = np.nan
            out[f"{c}_change"] = None
        return out
    rch = indicator_change(ref, period_from=p_from, period_to=p_to, confidence=confidence)
    rcols = ["area_code", "indicator", "value_from", "value_to", "diff", "change"]
    kom = rch.loc[rch["level"] == "kommun", rcols]
    kom.columns = ["kommun_code", "indicator", *[f"kommun_{c}" for c in rcols[2:]]]
    kom = kom.rename(columns={"kommun_value_from": "kommun_from", "kommun_value_to": "kommun_to"})
    nat = rch.loc[rch["level"] == "country", rcols[1:]]
    nat.columns = ["indicator", *[f"country_{c}" for c in rcols[2:]]]
    nat = nat.rename(
        columns={"country_value_from": "country_from", "country_value_to": "country_to"}
    )
    out = out.merge(kom, on=["kommun_code", "indicator"], how="left")
    return out.merge(nat, on="indicator", how="left")


@dataclass(frozen=True)
class ChangeSummary:
    """The parts of a change table a reader looks at first
    (:func:`omradesbild.services.levels.change_table`).

    Attributes
    ----------
    counts
        One row per indicator, one column per ``change`` (``improving``, ``worsening``,
        ``no significant change`` …, ``not tested`` for medians): numbers of areas.
    kommun
        The kommun's values and change per indicator (one row per kommun and indicator).
    country
        The country's values and change per indicator.
    significant
        The areas whose change is significant (columns :data:`CHANGE_SHOW_COLUMNS`).
    """

    counts: pd.DataFrame
    kommun: pd.DataFrame
    country: pd.DataFrame
    significant: pd.DataFrame


def summarise_change(df: pd.DataFrame) -> ChangeSummary:
    """Split a change table into counts, kommun, country and significant changes (``kommun``
    empty when the areas are kommuner: a kommun's table has no ``kommun_code``)."""
    counts = (
        df.assign(change=df["change"].fillna("not tested"))
        .groupby(["indicator", "change"])
        .size()
        .unstack(fill_value=0)
        .reset_index()
    )
    kcols = ["indicator", "kommun_code", "kommun_from", "kommun_to", "kommun_diff"]
    kcols.append("kommun_change")
    if "kommun_code" in df.columns:
        kom = df[kcols].dropna(subset=["kommun_code"]).drop_duplicates()
    else:  # areas that are kommuner (level kommun): their kommun is the table itself
        kom = pd.DataFrame(columns=kcols)
    ccols = ["indicator", "country_from", "country_to", "country_diff", "country_change"]
    country = df[ccols].drop_duplicates("indicator")
    sig = df.loc[df["significant"].fillna(False).astype(bool)]
    sig = sig[[c for c in CHANGE_SHOW_COLUMNS if c in sig]]
    return ChangeSummary(counts, kom.reset_index(drop=True), country, sig)


def trend_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Numbers of areas per indicator (rows) and trend direction (columns)."""
    return df.groupby(["indicator", "direction"]).size().unstack(fill_value=0).reset_index()
