"""Compute indicators from counts, at any area level, with confidence intervals.

The computation has three pure steps, each usable on its own:

1. :func:`indicator_counts` — evaluate every indicator's numerator and denominator *counts*
   per area and period from long observations;
2. :func:`aggregate_counts` — sum those counts over links (crosswalks) to a higher level;
   weights below 1 give weighted counts; missing values propagate;
3. :func:`finalize_indicators` — turn counts into values, intervals, reliability flags and
   (optionally) empirical-Bayes smoothed values.

:func:`compute_indicators` chains the three. Rates are never averaged: a RegSO's value is its
summed numerator over its summed denominator.

The steps live in :mod:`~omradesbild.indicators.counts`,
:mod:`~omradesbild.indicators.aggregate` and :mod:`~omradesbild.indicators.finalize`; their
public names are importable from here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

import pandas as pd

from omradesbild.config import DEFAULT_CONFIDENCE
from omradesbild.indicators._shared import (
    COUNT_COLUMNS,
    COUNTRY_CODE,
    OUTPUT_COLUMNS,
    empty_frame,
)
from omradesbild.indicators.aggregate import (
    aggregate_counts,
    coded_area,
    country_counts,
    country_links,
    kommun_links,
)
from omradesbild.indicators.blocks import CountBlocks
from omradesbild.indicators.catalogue import Catalogue
from omradesbild.indicators.counts import indicator_availability, indicator_counts
from omradesbild.indicators.finalize import finalize_indicators
from omradesbild.indicators.text_codes import distinct

__all__ = [
    "COUNTRY_CODE",
    "COUNT_COLUMNS",
    "OUTPUT_COLUMNS",
    "add_reference_levels",
    "aggregate_counts",
    "compute_indicators",
    "country_links",
    "country_values_from_blocks",
    "finalize_indicators",
    "indicator_availability",
    "indicator_counts",
    "indicators_from_counts",
    "kommun_links",
    "reference_values",
    "reference_values_from_counts",
]


def compute_indicators(
    observations: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    links: pd.DataFrame | None = None,
    level: str = "deso",
    indicators: Sequence[str] | None = None,
    periods: Iterable[str] | None = None,
    smooth: bool = False,
    confidence: float = DEFAULT_CONFIDENCE,
    strict: bool = False,
) -> pd.DataFrame:
    """Indicators per area and period, at the observations' level or aggregated.

    Parameters
    ----------
    observations
        Long observations (:data:`~omradesbild.sources.base.OBS_COLUMNS`; at least
        ``area_code``, ``variable``, ``period``, ``value``).
    catalogue
        Indicator catalogue; the shipped one by default.
    links
        Crosswalk from the observations' areas to ``level``
        (:data:`~omradesbild.sources.base.LINK_COLUMNS`). When ``None``: no aggregation,
        except for ``level="kommun"`` (code rule on DeSO/RegSO codes) and
        ``level="country"`` (all areas, code :data:`COUNTRY_CODE`).
    level
        Output level label (and link target level).
    indicators
        Indicator ids (all computable ones by default).
    periods
        Periods to compute (all by default).
    smooth
        Add empirical-Bayes smoothed values in ``value_smoothed``.
    confidence
        Confidence level of ``ci_low``/``ci_high``.
    strict
        Raise if an explicitly requested indicator cannot be computed.

    Returns
    -------
    DataFrame
        :data:`OUTPUT_COLUMNS`, one row per area, period and indicator.

    Notes
    -----
    Counts are computed at the observations' level (:func:`indicator_counts`), summed over
    links (:func:`aggregate_counts`) and only then divided (:func:`finalize_indicators`):
    a higher-level value is :math:`k \\sum_i w_i y_i / \\sum_i w_i n_i`, never an average of
    area values.
    """
    counts = indicator_counts(
        observations,
        catalogue=catalogue,
        indicators=indicators,
        periods=periods,
        level="base",
        strict=strict,
    )
    return indicators_from_counts(
        counts, catalogue=catalogue, links=links, level=level, smooth=smooth, confidence=confidence
    )


def indicators_from_counts(
    counts: pd.DataFrame,
    links: pd.DataFrame | None = None,
    level: str = "deso",
    *,
    catalogue: Catalogue | None = None,
    smooth: bool = False,
    confidence: float = DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """The second half of :func:`compute_indicators`: base-area counts to indicators.

    Parameters
    ----------
    counts
        :func:`indicator_counts` of the base areas (any ``level`` label), e.g. computed once
        for every period and then restricted to some of them: a period's rows do not depend
        on the other periods'.
    links, level, catalogue, smooth, confidence
        As for :func:`compute_indicators`.

    Returns
    -------
    DataFrame
        :data:`OUTPUT_COLUMNS`, as :func:`compute_indicators` gives them for the
        observations ``counts`` were computed from.
    """
    if links is None and level == "kommun":
        links = kommun_links(distinct(counts["area_code"]))
    elif links is None and level == "country":
        links = country_links(distinct(counts["area_code"]))
    if links is not None:
        counts = aggregate_counts(counts, links, level=level, require_complete=level != "country")
    elif not counts.empty:
        counts = counts.assign(level=level)
    return finalize_indicators(counts, catalogue=catalogue, confidence=confidence, smooth=smooth)


def reference_values(
    observations: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    indicators: Sequence[str] | None = None,
    periods: Iterable[str] | None = None,
    kommun_links_frame: pd.DataFrame | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """Kommun and country values for comparison, from the same base observations.

    Parameters
    ----------
    observations
        Base-level observations (DeSO or RegSO codes unless ``kommun_links_frame`` is given).
    kommun_links_frame
        Links from the observations' areas to kommuner; by default the code rule.

    Returns
    -------
    DataFrame
        :data:`OUTPUT_COLUMNS` with ``level`` ``"kommun"`` and ``"country"`` (code
        :data:`COUNTRY_CODE`: the sum over *all areas in the observations* — the whole
        country only if the observations cover it).
    """
    counts = indicator_counts(
        observations, catalogue=catalogue, indicators=indicators, periods=periods, level="base"
    )
    return reference_values_from_counts(
        counts, catalogue=catalogue, kommun_links_frame=kommun_links_frame, confidence=confidence
    )


def reference_values_from_counts(
    counts: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    kommun_links_frame: pd.DataFrame | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
    kommun_counts: pd.DataFrame | None = None,
    parts: Literal["both", "kommun", "country"] = "both",
) -> pd.DataFrame:
    """:func:`reference_values` from the base areas' counts
    (:func:`~omradesbild.indicators.indicator_counts`, ``level="base"``) instead of their
    observations: the counts a level's indicators are summed from serve the references too.

    ``kommun_counts``: the rows of ``counts`` the kommun values are summed from, when the
    caller has them at hand (e.g. the rows of the areas ``kommun_links_frame`` links, in
    their order): the same sums, without passing over every other row.

    ``parts``: the kommun values only (``counts`` then need hold only the kommuner's
    areas), the country's only, or both; each row equals the one ``"both"`` gives (every
    row is finalised on its own).
    """
    if counts.empty:
        return empty_frame(OUTPUT_COLUMNS)
    frames = []
    if parts != "country":
        klinks = kommun_links_frame
        if klinks is None:
            klinks = kommun_links(distinct(counts["area_code"]))
        kom_rows = counts if kommun_counts is None else kommun_counts
        frames.append(aggregate_counts(kom_rows, klinks, level="kommun"))
    if parts != "kommun":
        frames.append(country_counts(counts))  # over country_links(codes), without the links
    return finalize_indicators(
        pd.concat(frames, ignore_index=True), catalogue=catalogue, confidence=confidence
    )


def country_values_from_blocks(
    blocks: CountBlocks,
    *,
    catalogue: Catalogue | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """:func:`reference_values_from_counts` of ``blocks.frame(...)`` with ``parts="country"``
    (:func:`~omradesbild.indicators.counts.count_blocks`): the same rows, the country's
    counts summed from the blocks without building the frame of every row."""
    if blocks.empty:
        return empty_frame(OUTPUT_COLUMNS)
    return finalize_indicators(
        pd.concat([blocks.country()], ignore_index=True), catalogue=catalogue, confidence=confidence
    )


def add_reference_levels(
    result: pd.DataFrame,
    references: pd.DataFrame,
    *,
    area_kommun: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Add ``kommun_code``, ``kommun_value`` and ``country_value`` columns for comparison.

    Parameters
    ----------
    result
        Output of :func:`compute_indicators`.
    references
        Output of :func:`reference_values`.
    area_kommun
        Kommun code per area code for areas whose code does not start with one (city
        districts, custom areas); DeSO, RegSO and kommun codes use the code rule.

    Returns
    -------
    DataFrame
        A copy of ``result`` with the three added columns (``NaN`` where unknown).
    """
    out = result.copy()
    mapping = dict(area_kommun or {})
    codes = out["area_code"].astype(str).astype(object)
    kommun = codes.str[:4].to_numpy(dtype=object, copy=True)
    kommun[~coded_area(codes).to_numpy()] = None
    named = codes.isin(list(mapping)).to_numpy()
    given = pd.Series(list(mapping.values()), index=list(mapping), dtype=object)
    kommun[named] = given.reindex(codes[named]).to_numpy(dtype=object)
    out["kommun_code"] = kommun.tolist()  # as a list, the column takes the dtype it always had
    kom = references.loc[
        references["level"] == "kommun", ["area_code", "period", "indicator", "value"]
    ]
    kom = kom.rename(columns={"area_code": "kommun_code", "value": "kommun_value"})
    nat = references.loc[references["level"] == "country", ["period", "indicator", "value"]]
    nat = nat.rename(columns={"value": "country_value"})
    out = out.merge(kom, on=["kommun_code", "period", "indicator"], how="left")
    out = out.merge(nat, on=["period", "indicator"], how="left")
    return out
