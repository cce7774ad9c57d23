"""One level computed only where a report shows it: some areas (one kommun's), not every one.

A report of one kommun shows that kommun's areas, but some of what it shows is national by
its method: the index (its normalisation, ranks, rank intervals, classes and the reference
they are named against) runs over every area of the level in the store, and the country
reference sums every base area. :func:`scoped_level` computes every indicator for the areas
shown and only the index's components for every area, and the kommun values of the kommuner
shown and the country value. What is national (:func:`national_parts`: every area's index
components and the country's values; :func:`kept_rank_intervals`) is the same for every
kommun and kept between commands (:mod:`omradesbild.services.disk_cache`); the kommun's
indicators and values are summed from its own base areas' observations only;
:func:`police_of_index` gives the police list of the areas shown (every area's placement
kept between commands, as the map's shapes are), with the area types the index already has.
Every value shown equals the one the whole level gives
(``tests/test_city_scope_realdata.py`` compares them on the real data).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, NamedTuple

import pandas as pd

from omradesbild.config import AREA_TYPE_METHOD, BASE_VERSION
from omradesbild.errors import NotFoundError
from omradesbild.index import load_method
from omradesbild.index.method import IndexMethod
from omradesbild.services.cache import store_cached, store_cached_on_disk
from omradesbild.services.disk_cache import kept_on_disk
from omradesbild.services.level import (
    LevelIndex,
    LevelIndicators,
    References,
    build_level_indicators,
    disclose,
    reference_dict,
)
from omradesbild.services.level_police import PoliceData, placed_police, police_data
from omradesbild.store import Store
from omradesbild.wording import both


@store_cached
def scoped_level(
    store: Store,
    *,
    level: str,
    version: str,
    areas: frozenset[str],
    index_components: tuple[str, ...],
    base_version: str = BASE_VERSION,
    threshold: int = 5,
) -> tuple[LevelIndicators, References]:
    """:func:`~omradesbild.services.level.level_indicators` with every indicator of
    ``areas`` only and the index's components of every area (``index_raw``), and
    :func:`~omradesbild.services.level.references` of the kommuner of ``areas`` and the
    country.

    The national parts (:func:`national_parts`) do not depend on ``areas`` and are kept
    between commands; the indicators of ``areas`` and their kommuner's values are summed
    from the base counts of those kommuner's areas only (:func:`_kommun_counts`), or of
    every base area when those do not suffice.

    Parameters
    ----------
    store
        The store.
    level, version, base_version, threshold
        As for :func:`~omradesbild.services.level.level_indicators`.
    areas
        Codes of the level whose indicators are all computed (e.g. one kommun's areas).
    index_components
        The indicators the index reads (:func:`~omradesbild.services.level.components`),
        computed for every area.
    """
    from omradesbild.services.pipeline import area_indicators

    every = store.areas(level=level, version=version)
    if every.empty:
        raise NotFoundError(both("err_no_version", level=level, version=version))
    nat = national_parts(
        store, level=level, version=version, index_components=index_components,
        base_version=base_version, threshold=threshold,
    )  # fmt: skip
    counts = _kommun_counts(
        store, areas=areas, level=level, version=version, base_version=base_version
    )
    if counts is None:
        counts = _national_counts(store, base_version=base_version)
    raw = area_indicators(
        store, level=level, version=version, base_version=base_version, areas=areas,
        base=counts,
    )  # fmt: skip
    lv = build_level_indicators(
        store, every, raw, level=level, version=version, base_version=base_version,
        threshold=threshold, index_raw=nat.index_raw, index_disclosed=nat.index_disclosed,
    )  # fmt: skip
    kommuner = kommun_areas(areas, lv.kommun)
    return lv, {**_kommun_references(counts, kommuner, threshold=threshold), **nat.country}


class NationalParts(NamedTuple):
    """What a one-kommun report needs of every area: the same for every kommun."""

    #: Raw rows of the index's components of every area (area and period as text).
    index_raw: pd.DataFrame
    #: The same rows disclosed (:func:`~omradesbild.services.level.disclose`).
    index_disclosed: pd.DataFrame
    #: The country's reference values (keys ``("SE", period, indicator)``).
    country: References


@store_cached_on_disk
def national_parts(
    store: Store,
    *,
    level: str,
    version: str,
    index_components: tuple[str, ...],
    base_version: str = BASE_VERSION,
    threshold: int = 5,
) -> NationalParts:
    """The index's components of every area of the level and the country's references,
    from the base counts of every base area (computed once for both and not kept, unless
    the service cache holds them already: they are the largest part of the memory). Kept
    between commands (:mod:`omradesbild.services.disk_cache`) per store content.

    Computed afresh, the counts of every indicator are not made one frame: the index's
    components take the frame of their own rows, the country's values are summed from
    the blocks (:func:`~omradesbild.services.base_counts.compute_base_blocks`), the same
    values as from the frame of every row."""
    from omradesbild.indicators import reference_values_from_counts
    from omradesbild.indicators.compute import country_values_from_blocks
    from omradesbild.services.base_counts import base_counts, compute_base_blocks
    from omradesbild.services.cache import peek
    from omradesbild.services.level import as_text_keys
    from omradesbild.services.pipeline import area_indicators

    counts = peek(base_counts, store, base_version=base_version)
    if counts is not None:
        refs = reference_values_from_counts(counts, parts="country") if not counts.empty else None
    else:
        blocks = compute_base_blocks(store, base_version=base_version)
        counts = blocks.frame("base", indicators=index_components)
        refs = None if blocks.empty else country_values_from_blocks(blocks)
    index_raw = as_text_keys(
        area_indicators(
            store, level=level, version=version, base_version=base_version,
            indicators=list(index_components), base=counts,
        )
    )  # fmt: skip
    country = {} if refs is None else reference_dict(disclose(refs, threshold))
    return NationalParts(index_raw, disclose(index_raw, threshold), country)


def _national_counts(store: Store, *, base_version: str) -> pd.DataFrame:
    """The base counts of every base area: those the service cache holds, else computed
    and not kept."""
    from omradesbild.services.base_counts import base_counts, compute_base_counts
    from omradesbild.services.cache import peek

    counts = peek(base_counts, store, base_version=base_version)
    if counts is None:
        counts = compute_base_counts(store, base_version=base_version)
    return counts


def _kommun_counts(
    store: Store, *, areas: frozenset[str], level: str, version: str, base_version: str
) -> pd.DataFrame | None:
    """The base counts of the base areas of the kommuner of ``areas`` (by the code rule):
    the rows, in their order, that the base counts of every area hold for them.

    None when they may not suffice for the indicators of ``areas`` and their kommuner's
    values, which are then summed from every base area: an area without a kommun by the
    code rule, a base area linked to ``areas`` in another kommun, a level with data of its
    own (whose source is chosen on the whole level), or a variable the kommuner lack.
    """
    from omradesbild.indicators import indicator_counts
    from omradesbild.indicators.counts import needed_variables
    from omradesbild.services.level import kommun_code
    from omradesbild.services.links import links_to
    from omradesbild.store.reads import indicator_observations, stored_periods, stored_variables

    own_data = version != base_version and bool(stored_periods(store, area_version=version))
    if level == "country" or own_data:
        return None
    of_area = [kommun_code(a) for a in areas]
    kommuner = {k for k in of_area if k is not None}
    if not kommuner or len(kommuner) < len(set(of_area)):
        return None  # an area without a kommun by the code rule
    if version != base_version:
        links = links_to(store, base_version=base_version, level=level, version=version)
        linked = links.loc[links["to_code"].astype(str).isin(areas), "from_code"].astype(str)
        if not {c[:4] for c in linked.unique()} <= kommuner:
            return None
    held = stored_variables(store, area_version=base_version)
    variables = needed_variables(held)
    obs = indicator_observations(
        store, area_version=base_version, variables=variables, kommuner=sorted(kommuner)
    )
    if set(obs["variable"].astype(str).unique()) != set(variables):
        return None
    return indicator_counts(obs, level="base")


def _kommun_references(
    counts: pd.DataFrame, kommuner: frozenset[str], *, threshold: int
) -> References:
    """:func:`~omradesbild.services.level.references` of ``kommuner`` from the base counts
    ``counts`` (of their areas at least): the same values, without summing every other
    kommun."""
    from omradesbild.indicators import reference_values_from_counts
    from omradesbild.indicators.aggregate import kommun_links

    if counts.empty:
        return {}
    links = kommun_links(counts["area_code"].unique())
    links = links.loc[links["to_code"].astype(str).isin(kommuner)]
    # the kommuner's sums from their own areas' rows (the others have no link to them)
    mine = counts.loc[counts["area_code"].isin(links["from_code"])]
    refs = reference_values_from_counts(
        mine, kommun_links_frame=links, kommun_counts=mine, parts="kommun"
    )
    return reference_dict(disclose(refs, threshold))


@kept_on_disk
def kept_rank_intervals(
    ind: pd.DataFrame, table: pd.DataFrame, *, method: IndexMethod, draws: int, seed: int
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """:func:`~omradesbild.services.pipeline.rank_intervals` of every area of a level in one
    period, kept between commands by the content of its inputs
    (:func:`~omradesbild.services.disk_cache.kept_on_disk`): the same for every kommun's
    report."""
    from omradesbild.services.pipeline import rank_intervals

    return rank_intervals(ind, table, method=method, draws=draws, seed=seed)


@kept_on_disk
def national_index(
    every: pd.DataFrame,
    disclosed: pd.DataFrame,
    kommun: dict[str, str | None],
    *,
    method: IndexMethod,
    level: str,
    version: str,
) -> LevelIndex:
    """:func:`~omradesbild.services.level.index_of` every area of the level, kept between
    commands by the content of its inputs (the same for every kommun's report)."""
    from omradesbild.services.level import index_of

    return index_of(every, disclosed, kommun, method=method, level=level, version=version)


def police_of_index(
    store: Store,
    *,
    level: str,
    version: str,
    period: str,
    index: LevelIndex | None,
    areas: Collection[str] | None = None,
    base_version: str = BASE_VERSION,
) -> PoliceData:
    """:func:`~omradesbild.services.level_police.police_data`, with SCB's area types of ``period``
    taken from ``index`` when it is that method's (not computed a second time), and then
    only the rows of ``areas`` given when given (e.g. the kommun's: :func:`~omradesbild.
    services.level_police.placed_police`, from every area's placement kept between
    commands; the rows of those areas equal the whole level's). Every area's list already
    kept in the service cache is taken as it is.

    The list's own index sums the areas of :data:`~omradesbild.config.BASE_VERSION`:
    ``index`` is used only when its indicators were read from those (``base_version``, the
    version of the observations aggregated to ``level`` for it); of other base areas, the
    area types are computed as the list's own."""
    from omradesbild.services.cache import peek

    if areas is None:
        kept = peek(police_data, store, level=level, version=version, period=period)
        if kept is not None:
            return kept
    if (
        index is not None
        and base_version == BASE_VERSION
        and period in index.results
        and index.method.id == AREA_TYPE_METHOD
        and index.method == load_method(AREA_TYPE_METHOD)
    ):
        types = index.results[period]
        return placed_police(
            store, level=level, version=version, period=period, area_types=types, areas=areas
        )
    return police_data(store, level=level, version=version, period=period)


def kommun_areas(codes: Collection[str], kommun: dict[str, str | None]) -> frozenset[str]:
    """The kommuner of ``codes`` (by ``kommun``, area code -> kommun code)."""
    return frozenset(k for c in codes if (k := kommun.get(c)) is not None)


__all__ = [
    "NationalParts",
    "kept_rank_intervals",
    "kommun_areas",
    "national_index",
    "national_parts",
    "police_of_index",
    "scoped_level",
]
