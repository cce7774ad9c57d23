"""The whole of one level as the pages and reports read it: :class:`LevelPicture`.

Indicators, references, the index and the police list of a level (built by
:mod:`omradesbild.services.level`), with what every area page of the level shares computed
on first use and kept: rank intervals per period, trends, contributions to the score,
changes since the period before, SCB's published area types.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from omradesbild.config import BASE_VERSION, PAGE_UNCERTAINTY_DRAWS
from omradesbild.errors import OmradesbildError
from omradesbild.index.method import IndexMethod
from omradesbild.services.layers import city_classes
from omradesbild.services.level import (
    LevelIndex,
    LevelIndicators,
    References,
    level_index,
    level_indicators,
    rank_uncertainty,
)
from omradesbild.services.level import (
    references as _references,
)
from omradesbild.services.level_police import PoliceData, no_police, police_data
from omradesbild.services.models import CityClass
from omradesbild.services.records import ColumnRecords, RowByArea, records_by_area
from omradesbild.store import Store


@dataclass
class LevelPicture:
    """Indicators, references, the index and the police list of one level, with the rank
    intervals of each period computed on first use (and kept)."""

    indicators: LevelIndicators
    references: References
    index: LevelIndex | None
    police: PoliceData
    draws: int
    seed: int = 0
    #: SCB's published area types by area code: ``[(period, type), …]`` (RegSO only).
    published: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    #: The city's own published classes by area code (layers that carry them).
    city_classes: dict[str, tuple[CityClass, ...]] = field(default_factory=dict)
    #: The entries of the Police's lists with their kommun
    #: (:func:`~omradesbild.services.followup.goals.police_entries`): what police goals count.
    police_entries: pd.DataFrame = field(default_factory=pd.DataFrame)
    _unc: dict[str, tuple[Mapping[str, dict[str, Any]], dict[str, Any]]] = field(
        default_factory=dict, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _memo: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    def _once(self, key: tuple[str, str], build: Any) -> Any:
        with self._lock:
            if key not in self._memo:
                self._memo[key] = build()
            return self._memo[key]

    def published_raw(self) -> pd.DataFrame:
        """The raw indicator rows whose values are published (not suppressed)."""
        lv = self.indicators
        return lv.raw[~lv.indicators["masked"].fillna(False).astype(bool).to_numpy()]

    def police_by_area(self) -> dict[str, list[dict[str, Any]]]:
        """The police list's rows by area (computed once)."""
        return dict(self._once(("police", ""), self.police.by_area))

    def trends(self) -> dict[str, list[dict[str, Any]]]:
        """Linear trends of every published indicator series with three periods or more,
        by area (:func:`omradesbild.followup.trend`, computed once for the level)."""

        def build() -> dict[str, list[dict[str, Any]]]:
            from omradesbild.followup import trend

            try:
                tr = trend(self.published_raw())
            except OmradesbildError:
                return {}
            return records_by_area(tr[tr["n_periods"] >= 3])

        result: dict[str, list[dict[str, Any]]] = self._once(("trends", ""), build)
        return result

    def contributions(self, period: str) -> Mapping[str, list[dict[str, Any]]]:
        """Each component's contribution to every area's score in ``period``, by area
        (:func:`omradesbild.measures.contributions.index_contributions`, computed once;
        an area's rows made when first read: a report of one kommun reads a few of the
        level's areas)."""

        def build() -> Mapping[str, list[dict[str, Any]]]:
            from omradesbild.measures.contributions import index_contributions

            ix = self.index
            if ix is None or period not in ix.results:
                return {}
            contrib = index_contributions(ix.results[period], ix.method, period=period)
            return ColumnRecords(contrib)

        result: Mapping[str, list[dict[str, Any]]] = self._once(("contributions", period), build)
        return result

    def period_before(self, period: str) -> str | None:
        """The level's period with indicators before ``period`` (the one :meth:`changes`
        compares with), or None when there is none."""
        earlier = [p for p in self.indicators.periods if p < period]
        return earlier[-1] if earlier else None

    def changes(self, period: str) -> dict[str, list[dict[str, Any]]]:
        """Change of every published indicator since the period before ``period``, by area
        (:func:`omradesbild.followup.indicator_change`, computed once per period)."""

        def build() -> dict[str, list[dict[str, Any]]]:
            from omradesbild.followup import indicator_change

            prev = self.period_before(period)
            if prev is None:
                return {}
            pub = self.published_raw()
            both = pub[pub["period"].isin([prev, period])]
            n = both.groupby(["area_code", "indicator"])["period"].transform("nunique")
            both = both[(n == 2).to_numpy() & both["value"].notna().to_numpy()]
            try:
                ch = indicator_change(both, period_from=prev, period_to=period)
            except OmradesbildError:
                return {}
            return records_by_area(ch)

        result: dict[str, list[dict[str, Any]]] = self._once(("changes", period), build)
        return result

    def uncertainty(self, period: str) -> tuple[Mapping[str, dict[str, Any]], dict[str, Any]]:
        """``(area -> rank_p05/rank_p95/prob_class_k, summary)`` of ``period``."""
        with self._lock:
            if period in self._unc:
                return self._unc[period]
            ix = self.index
            out: tuple[Mapping[str, dict[str, Any]], dict[str, Any]] = ({}, {"draws": 0})
            if ix is not None and self.draws > 0 and period in ix.tables:
                try:
                    unc, summary = rank_uncertainty(
                        self.indicators, ix.method, ix.tables[period], period,
                        draws=self.draws, seed=self.seed,
                    )  # fmt: skip
                    out = (RowByArea(unc), summary)
                except OmradesbildError:
                    pass
            self._unc[period] = out
            return out


def level_picture(
    store: Store,
    *,
    level: str,
    version: str,
    method: IndexMethod | None,
    base_version: str = BASE_VERSION,
    threshold: int = 5,
    draws: int = PAGE_UNCERTAINTY_DRAWS,
    seed: int = 0,
    police_period: str | None = None,
    indicators: LevelIndicators | None = None,
    index: LevelIndex | None = None,
    references: References | None = None,
    police: PoliceData | None = None,
) -> LevelPicture:
    """Read and compute one level (see :class:`LevelPicture`).

    ``police_period`` is the period whose population weighs the police overlay (default
    the latest period of the index, else of the indicators). ``indicators`` and ``index``
    skip their computation when already at hand, ``references`` too (default every
    kommun's and the country's, :func:`references`) and ``police`` (:func:`police_data`).
    """
    lv = indicators or level_indicators(
        store, level=level, version=version, base_version=base_version, threshold=threshold
    )
    refs = (
        references
        if references is not None
        else _references(store, base_version=base_version, threshold=threshold)
    )
    ix = index or (level_index(lv, method) if method is not None else None)
    if ix is not None and not ix.results:
        ix = None
    period = police_period or (ix.latest() if ix is not None else (lv.periods or [""])[-1])
    if police is None and period:
        police = police_data(store, level=level, version=version, period=period)
    return LevelPicture(
        indicators=lv,
        references=refs,
        index=ix,
        police=police or no_police(),
        draws=draws,
        seed=seed,
        published=published_by_area(store, level=level, codes=lv.names),
        city_classes=city_classes(store, level=level, version=version),
        police_entries=_police_entries(store),
    )


def _police_entries(store: Store) -> pd.DataFrame:
    from omradesbild.services.followup.goals import police_entries

    return police_entries(store)


def published_by_area(
    store: Store, *, level: str, codes: Iterable[str]
) -> dict[str, list[tuple[str, int]]]:
    """SCB's published area types of the level's areas, oldest year first (RegSO only: SCB
    publishes them for RegSO; see :mod:`omradesbild.services.official`)."""
    if level != "regso":
        return {}
    from omradesbild.services.official import published_types_frame

    df = published_types_frame(store, area_codes=list(codes))
    out: dict[str, list[tuple[str, int]]] = {}
    for code, per, cls in sorted(
        zip(df["area_code"], df["period"], df["official_type"].astype(int), strict=True)
    ):
        out.setdefault(str(code), []).append((str(per), int(cls)))
    return out
