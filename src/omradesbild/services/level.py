"""One level of areas, computed once: indicators, references, the index, uncertainty, police.

This is the only path from the store to the pure functions for the pages and reports: the
web app caches the objects built here, the report site and the PDF build them once per run.

Everything published is disclosure-controlled
(:func:`~omradesbild.reports.disclosure.apply_disclosure`): indicator values computed from
small counts are suppressed, and index components with them
(:func:`~omradesbild.reports.exports.publishable_index`). The index itself is computed from
the unsuppressed values (every area of the level in the store is the reference
distribution).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from omradesbild.config import BASE_VERSION
from omradesbild.errors import NotFoundError, OmradesbildError
from omradesbild.index.method import IndexMethod
from omradesbild.services.cache import store_cached
from omradesbild.services.groups import GroupFrames
from omradesbild.services.records import (
    AreaRecords,
    RowByArea,
    clean,
    clean_column,
    records_by_area,
)
from omradesbild.services.reference import Reference, class_names
from omradesbild.store import Store
from omradesbild.wording import both


def catalogue_order() -> dict[str, int]:
    """Indicator id -> position in the catalogue."""
    from omradesbild.indicators import default_catalogue

    return {i: n for n, i in enumerate(default_catalogue().ids)}


def disclose(ind: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """``ind`` with small counts suppressed (``masked``, ``mask_reason`` columns)."""
    from omradesbild.reports.disclosure import apply_disclosure

    out = apply_disclosure(ind, threshold=threshold)
    if "masked" not in out.columns:
        out = out.assign(masked=False)
    return out


def kommun_code(code: str) -> str | None:
    """The kommun of an area code, or None when the code does not name one."""
    from omradesbild.areas.codes import kommun_of

    try:
        k = kommun_of(code)
    except Exception:
        return None
    return k if k.isdigit() else None


def method_by_id(method_id: str) -> IndexMethod:
    """A shipped method by id; unknown ids are a :class:`NotFoundError`."""
    from omradesbild.index import load_method, shipped_methods

    if method_id not in shipped_methods():
        methods = ", ".join(shipped_methods())
        raise NotFoundError(both("err_unknown_method_id", method=repr(method_id), methods=methods))
    return load_method(method_id)


# ------------------------------------------------------------------------------ indicators
@dataclass(frozen=True)
class LevelIndicators:
    """Indicators of every area of one level, all periods, prepared for lookups."""

    level: str
    version: str
    base_version: str
    threshold: int
    areas: pd.DataFrame  # area_code, name, parent_code, kommun_code
    names: dict[str, str]
    kommun: dict[str, str | None]
    raw: pd.DataFrame  # long indicators, all periods, NOT disclosed (index input only)
    indicators: pd.DataFrame  # long indicators, disclosed
    by_area: Mapping[str, list[dict[str, Any]]]  # area -> disclosed rows (JSON-safe dicts)
    by_period_indicator: Mapping[tuple[str, str], pd.DataFrame]  # GroupFrames
    periods: list[str]
    indicator_ids: list[str]
    #: When ``raw`` holds only some areas (:mod:`omradesbild.services.level_scope`): the raw
    #: and disclosed rows of the index's components for every area of the level, which the
    #: index is computed from; None when ``raw`` holds every area.
    index_raw: pd.DataFrame | None = None
    index_disclosed: pd.DataFrame | None = None

    @property
    def national_raw(self) -> pd.DataFrame:
        """Raw rows of every area of the level (only the index's components when scoped)."""
        return self.raw if self.index_raw is None else self.index_raw

    @property
    def national_disclosed(self) -> pd.DataFrame:
        """Disclosed rows of every area (only the index's components when scoped)."""
        return self.indicators if self.index_disclosed is None else self.index_disclosed

    def rows_at_once(self) -> LevelIndicators:
        """The same, with every area's rows made now (for a run that reads every area's:
        one conversion of the frame instead of a take and a conversion per area)."""
        if not isinstance(self.by_area, AreaRecords):
            return self
        return replace(self, by_area=records_by_area(self.indicators))


@store_cached
def level_indicators(
    store: Store, *, level: str, version: str, base_version: str = BASE_VERSION, threshold: int = 5
) -> LevelIndicators:
    """Every indicator of every area of ``level`` in every period, raw and disclosed."""
    from omradesbild.services.pipeline import area_indicators

    areas = store.areas(level=level, version=version)
    if areas.empty:
        raise NotFoundError(both("err_no_version", level=level, version=version))
    raw = area_indicators(store, level=level, version=version, base_version=base_version)
    return build_level_indicators(
        store, areas, raw, level=level, version=version, base_version=base_version,
        threshold=threshold,
    )  # fmt: skip


def build_level_indicators(
    store: Store,
    areas: pd.DataFrame,
    raw: pd.DataFrame,
    *,
    level: str,
    version: str,
    base_version: str,
    threshold: int,
    index_raw: pd.DataFrame | None = None,
    index_disclosed: pd.DataFrame | None = None,
) -> LevelIndicators:
    """:class:`LevelIndicators` of the level's ``areas`` (every area of the level, from the
    store) from the indicator rows ``raw`` (of every area, or of some areas with
    ``index_raw`` the index's components of every area; ``index_disclosed``: those rows
    disclosed, when at hand, with area and period already as text)."""
    areas = areas[["area_code", "name", "parent_code"]].reset_index(drop=True)
    areas["area_code"] = areas["area_code"].astype(str)
    from omradesbild.services.names import area_kommuner, names_by_code

    kommun = area_kommuner(store, areas["area_code"], level=level, version=version)
    areas["kommun_code"] = areas["area_code"].map(kommun)
    raw = as_text_keys(raw)
    pub = disclose(raw, threshold)
    # Some areas only: their rows at once (a dict per row is cheap for a kommun's areas).
    by_area = AreaRecords(pub) if index_raw is None else records_by_area(pub)
    order = catalogue_order()
    index_pub = None
    ids = set(pub["indicator"].astype(str).unique())
    periods = set(pub["period"].astype(str).unique())
    if index_raw is not None:
        if index_disclosed is None:
            index_raw = as_text_keys(index_raw)
        index_pub = disclose(index_raw, threshold) if index_disclosed is None else index_disclosed
        ids |= set(index_pub["indicator"].astype(str).unique())
        periods |= set(index_pub["period"].astype(str).unique())
    names = names_by_code(areas)
    return LevelIndicators(
        level=level,
        version=version,
        base_version=base_version,
        threshold=threshold,
        areas=areas,
        names=names,
        kommun=kommun,
        raw=raw,
        indicators=pub,
        by_area=by_area,
        by_period_indicator=GroupFrames(pub),
        periods=sorted(periods),
        indicator_ids=sorted(ids, key=lambda i: (order.get(i, 999), i)),
        index_raw=index_raw,
        index_disclosed=index_pub,
    )


def as_text_keys(raw: pd.DataFrame) -> pd.DataFrame:
    """``raw`` with its ``area_code`` and ``period`` as text (the keys every level's rows
    are looked up by)."""
    return raw.assign(area_code=raw["area_code"].astype(str), period=raw["period"].astype(str))


class RefValue(NamedTuple):
    """A disclosed reference value."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    masked: bool


#: (kommun code or "SE", period, indicator) -> the reference value.
References = dict[tuple[str, str, str], RefValue]


@store_cached
def references(store: Store, *, base_version: str = BASE_VERSION, threshold: int = 5) -> References:
    """Kommun and country values of every indicator and period, disclosed."""
    from omradesbild.indicators import reference_values_from_counts
    from omradesbild.services.base_counts import base_counts

    # The base areas' counts that the levels' indicators are summed from (computed once per
    # store content): the same counts reference_values would compute from every observation.
    counts = base_counts(store, base_version=base_version)
    if counts.empty:
        return {}
    return reference_dict(disclose(reference_values_from_counts(counts), threshold))


def reference_dict(refs: pd.DataFrame) -> References:
    """Disclosed reference rows keyed by (kommun code or "SE", period, indicator).

    A later row with the same key wins.
    """
    codes = np.array(list(map(str, refs["area_code"].tolist())), dtype=object)
    codes[(refs["level"] == "country").to_numpy(dtype=bool)] = "SE"
    keys = zip(
        codes.tolist(),
        map(str, refs["period"].tolist()),
        map(str, refs["indicator"].tolist()),
        strict=True,
    )
    values = zip(
        clean_column(refs["value"]),
        clean_column(refs["ci_low"]),
        clean_column(refs["ci_high"]),
        map(bool, refs["masked"].tolist()),
        strict=True,
    )
    return dict(zip(keys, map(RefValue._make, values), strict=True))


# ---------------------------------------------------------------------------------- index
@dataclass(frozen=True)
class LevelIndex:
    """One index method at one level: every period it can be computed in."""

    method: IndexMethod
    level: str
    version: str
    tables: dict[str, pd.DataFrame]  # period -> wide input table (raw values)
    results: dict[str, pd.DataFrame]  # period -> compute_index output (+ components)
    published: dict[str, pd.DataFrame]  # period -> publishable rows
    by_area: dict[str, Mapping[str, dict[str, Any]]]  # period -> area -> row
    history: dict[str, list[tuple[str, Any]]]  # area -> [(period, class)]
    classes: tuple[int, ...] = ()  # the classes areas have in any period
    references: dict[str, Reference] = field(default_factory=dict)  # period -> reference
    hidden: dict[str, frozenset[str]] = field(default_factory=dict)  # period -> areas
    n_scored: dict[str, int] = field(default_factory=dict)  # period -> areas with a score

    @property
    def periods(self) -> list[str]:
        return sorted(self.results)

    def latest(self) -> str:
        if not self.results:
            raise NotFoundError(
                both("err_index_no_period", method=repr(self.method.id), level=self.level)
            )
        return self.periods[-1]

    def period_or_latest(self, period: str | None) -> str:
        if period is None or period == "":
            return self.latest()
        if str(period) not in self.results:
            raise NotFoundError(
                both("err_index_not_in_period", method=repr(self.method.id), level=self.level,
                     period=period, periods=", ".join(self.periods) or "–")
            )  # fmt: skip
        return str(period)

    def class_names(self, lang: str, period: str | None = None) -> dict[int, str]:
        """Class -> its name in ``lang`` against the reference of ``period`` (default the
        latest), for the classes areas have in any period
        (:func:`~omradesbild.services.reference.class_names`)."""
        if not self.references:
            return {}
        p = period if period in self.references else max(self.references)
        names = class_names(self.method, self.references[p], lang)
        return {k: names[k - 1] for k in self.classes if 0 < k <= len(names)}

    def class_name(self, cls: int, lang: str, period: str | None = None) -> str:
        """The name of class ``cls`` in ``lang`` (empty when the method has no such class)."""
        return self.class_names(lang, period).get(cls, "")

    def n_reference(self, period: str) -> int:
        """Areas with a score in ``period`` (the reference distribution of the ranks);
        counted once per period, as every profile asks."""
        n = self.n_scored.get(period)
        return int(self.results[period]["score"].notna().sum()) if n is None else n

    def score(self, code: str, period: str) -> float | None:
        """The published score: None where a component of the area is suppressed."""
        if code in self.hidden.get(period, frozenset()):
            return None
        row = self.by_area.get(period, {}).get(code)
        return None if row is None else row.get("score")


def components(method: IndexMethod) -> set[str]:
    """The indicators a method reads (its components and their fallbacks)."""
    return {i.source_column for i in method.indicators} | {f.column for f in method.fallbacks}


def level_index(lv: LevelIndicators, method: IndexMethod) -> LevelIndex:
    """Compute ``method`` for every period in which it can be computed at the level.

    The classes are relative to the level's own areas; against a non-national reference
    they get relative names (:func:`~omradesbild.services.reference.with_reference`). When
    only some areas' indicators are at hand (one kommun's), the index of every area is the
    same for every kommun and kept between commands
    (:func:`~omradesbild.services.level_scope.national_index`).
    """
    from omradesbild.services.level_scope import national_index

    compute = index_of if lv.index_raw is None else national_index
    every, disclosed, kommun = lv.national_raw, lv.national_disclosed, lv.kommun
    return compute(every, disclosed, kommun, method=method, level=lv.level, version=lv.version)


def index_of(
    every: pd.DataFrame,
    disclosed_rows: pd.DataFrame,
    kommun: dict[str, str | None],
    *,
    method: IndexMethod,
    level: str,
    version: str,
) -> LevelIndex:
    """:func:`level_index` from every area's raw and disclosed indicator rows (the index's
    components at least) and every area's kommun."""
    from omradesbild.index import compute_index
    from omradesbild.reports.exports import publishable_index
    from omradesbild.services.pipeline import check_picture, index_table
    from omradesbild.services.reference import reference_of, with_reference

    check_picture(method)
    needed = components(method)
    sub = every[every["indicator"].isin(needed)]
    tables: dict[str, pd.DataFrame] = {}
    results: dict[str, pd.DataFrame] = {}
    published: dict[str, pd.DataFrame] = {}
    hidden: dict[str, frozenset[str]] = {}
    references: dict[str, Reference] = {}
    if not sub.empty:
        for period, table in index_table(sub, method).groupby("period", sort=True):
            p = str(period)
            table = table.reset_index(drop=True)
            try:
                res = compute_index(
                    table, method=method, id_column="area_code", period_column="period"
                )
            except OmradesbildError:
                continue
            ref = reference_of(kommun.get(str(c)) for c in table["area_code"])
            res = with_reference(res, method, ref)
            if not res["score"].notna().any():
                continue
            attrs = dict(res.attrs)
            res = res.merge(table, on=["area_code", "period"], how="left")
            res.attrs = attrs
            tables[p], results[p], references[p] = table, res, ref
            disclosed = disclosed_rows[disclosed_rows["period"] == p]
            published[p] = publishable_index(res, disclosed)
            masked = disclosed[disclosed["indicator"].isin(needed) & disclosed["masked"]]
            hidden[p] = frozenset(masked["area_code"].astype(str))
    by_area: dict[str, Mapping[str, dict[str, Any]]] = {
        p: RowByArea(df) for p, df in published.items()
    }
    history: dict[str, list[tuple[str, Any]]] = {}
    classes: set[int] = set()
    for p in sorted(results):
        res = results[p]
        if "class" not in res.columns:
            continue
        of_area = clean_column(res["class"])
        for code, cls in zip(res["area_code"], of_area, strict=True):
            history.setdefault(str(code), []).append((p, cls))
        classes.update(int(c) for c in of_area if c is not None)
    return LevelIndex(
        method=method,
        level=level,
        version=version,
        tables=tables,
        results=results,
        published=published,
        by_area=by_area,
        history=history,
        classes=tuple(sorted(classes)),
        references=references,
        hidden=hidden,
        n_scored={p: int(res["score"].notna().sum()) for p, res in results.items()},
    )


def rank_uncertainty(
    lv: LevelIndicators,
    method: IndexMethod,
    table: pd.DataFrame,
    period: str,
    *,
    draws: int,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Monte-Carlo rank intervals and class probabilities of every area in one period.

    :func:`~omradesbild.services.pipeline.rank_intervals` on the level's indicators of
    ``period``, with the method's normalisation, ``zscore`` and ``percentrank_inc``; kept
    between commands (:func:`~omradesbild.services.level_scope.kept_rank_intervals`).
    """
    from omradesbild.services.level_scope import kept_rank_intervals

    every = lv.national_raw
    ind = every[every["period"] == period]
    return kept_rank_intervals(ind, table, method=method, draws=draws, seed=seed)


def rank_bounds(u: dict[str, Any]) -> tuple[int | None, int | None]:
    """The 90 % rank interval as whole ranks: the 5th percentile rounded down, the 95th up.

    The percentiles of the draws' ranks are interpolated (fractional); the interval shown
    everywhere is the smallest range of whole ranks that contains them.
    """
    lo, hi = clean(u.get("rank_p05")), clean(u.get("rank_p95"))
    return (
        None if lo is None else math.floor(float(lo) + 1e-9),
        None if hi is None else math.ceil(float(hi) - 1e-9),
    )
