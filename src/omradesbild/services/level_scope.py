"""One level computed only where a report shows it: some areas (one kommun's), not every one.

A report of one kommun shows that kommun's areas, but some of what it shows is national by
its method: the index (its normalisation, ranks, rank intervals, classes and the reference
they are named against) runs over every area of the level in the store, and the country
reference sums every base area. :func:`scoped_level` computes every indicator for the areas
shown and only the index's components for every area, and the kommun values of the kommuner
shown and the country value (the base counts read once for both and then let go);
:func:`police_of_index` places the police list on the areas shown, with the area types the
index already has.
Every value shown equals the one the whole level gives
(``tests/test_city_scope_realdata.py`` compares them on the real data).
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from omradesbild.config import AREA_TYPE_METHOD, BASE_VERSION
from omradesbild.errors import NotFoundError
from omradesbild.index import load_method
from omradesbild.services.cache import store_cached
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

    The base areas' counts of every indicator (:func:`~omradesbild.services.base_counts.
    base_counts`) are read once for both and not kept (unless the service cache holds them
    already): after the country's sums they are not needed, and they are the largest part
    of the memory.

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
    from omradesbild.services.base_counts import base_counts, compute_base_counts
    from omradesbild.services.cache import peek
    from omradesbild.services.pipeline import area_indicators

    every = store.areas(level=level, version=version)
    if every.empty:
        raise NotFoundError(f"the store holds no {level} areas of version {version}")
    counts = peek(base_counts, store, base_version=base_version)
    if counts is None:
        counts = compute_base_counts(store, base_version=base_version)
    raw = area_indicators(
        store, level=level, version=version, base_version=base_version, areas=areas,
        base=counts,
    )  # fmt: skip
    index_raw = area_indicators(
        store, level=level, version=version, base_version=base_version,
        indicators=list(index_components), base=counts,
    )  # fmt: skip
    lv = build_level_indicators(
        store, every, raw, level=level, version=version, base_version=base_version,
        threshold=threshold, index_raw=index_raw,
    )  # fmt: skip
    return lv, _references(counts, kommun_areas(areas, lv.kommun), threshold=threshold)


def _references(counts: pd.DataFrame, kommuner: frozenset[str], *, threshold: int) -> References:
    """:func:`~omradesbild.services.level.references` of ``kommuner`` and the country from
    the base counts ``counts``: the same values, without summing every other kommun."""
    from omradesbild.indicators import reference_values_from_counts
    from omradesbild.indicators.aggregate import kommun_links

    if counts.empty:
        return {}
    links = kommun_links(counts["area_code"].unique())
    links = links.loc[links["to_code"].astype(str).isin(kommuner)]
    # the kommuner's sums from their own areas' rows (the others have no link to them)
    mine = counts.loc[counts["area_code"].isin(links["from_code"])]
    refs = reference_values_from_counts(counts, kommun_links_frame=links, kommun_counts=mine)
    return reference_dict(disclose(refs, threshold))


def police_of_index(
    store: Store,
    *,
    level: str,
    version: str,
    period: str,
    index: LevelIndex | None,
    areas: Collection[str] | None = None,
) -> PoliceData:
    """:func:`~omradesbild.services.level_police.police_data`, with SCB's area types of ``period``
    taken from ``index`` when it is that method's (not computed a second time), and then
    only ``areas`` placed when given (e.g. the kommun's: :func:`~omradesbild.services.
    level_police.placed_police`; the rows of those areas equal the whole level's). Every
    area's list already kept in the service cache is taken as it is."""
    from omradesbild.services.cache import peek

    if areas is None:
        kept = peek(police_data, store, level=level, version=version, period=period)
        if kept is not None:
            return kept
    if (
        index is not None
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


__all__ = ["kommun_areas", "police_of_index", "scoped_level"]
