"""What the web pages and the API show, computed once and cached in memory.

Every computation reads the store (opened read-only for the moment it takes) and is cached
with :func:`functools.lru_cache`, keyed on the store file's path and modification time:
ingesting into the store invalidates the cache on the next request. The first request for a
level (or an index method at a level) pays the computation (a second or two for all 3 363
RegSO); later requests only look up prepared frames, so pages and the API answer in
milliseconds.

Everything published is disclosure-controlled
(:func:`~omradesbild.reports.disclosure.apply_disclosure`): indicator values computed from
small counts are suppressed, and index components with them
(:func:`~omradesbild.reports.exports.publishable_index`). The index itself is computed from
the unsuppressed values (every area of the level is the reference distribution).
"""

from __future__ import annotations

import functools
import json
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from omradesbild.errors import InputError, MethodError, NotFoundError, OmradesbildError
from omradesbild.index.method import IndexMethod

#: Levels that are not offered as pages (they are references or overlays).
HIDDEN_LEVELS = frozenset({"country", "police_area"})

#: Maximum Monte-Carlo draws the API accepts per request.
MAX_DRAWS = 500

_LOCK = threading.RLock()


# --------------------------------------------------------------------------------- helpers
def store_key(path: str | Path) -> tuple[str, int]:
    """``(path, mtime_ns)`` of the store (and its WAL file): the cache key."""
    p = Path(path)
    try:
        mtime = p.stat().st_mtime_ns
    except OSError as exc:
        from omradesbild.errors import StoreError

        raise StoreError(
            f"{p}: no store here; create one with 'omradesbild ingest …' or "
            "'omradesbild demo', or set OMRADESBILD_DB"
        ) from exc
    wal = Path(f"{p}.wal")
    if wal.exists():
        mtime = max(mtime, wal.stat().st_mtime_ns)
    return str(p), mtime


def _open(path: str) -> Any:
    from omradesbild.store import Store

    return Store(path, read_only=True)


def clean(x: Any) -> Any:
    """A JSON-safe scalar: NaN/NA -> None, numpy -> Python."""
    if x is None or x is pd.NA or x is pd.NaT:
        return None
    if isinstance(x, np.bool_ | bool):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        f = float(x)
        return None if math.isnan(f) or math.isinf(f) else f
    return x


def records(df: pd.DataFrame, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts."""
    cols = list(columns) if columns is not None else list(df.columns)
    cols = [c for c in cols if c in df.columns]
    return [
        {c: clean(v) for c, v in zip(cols, row, strict=True)}
        for row in df[cols].itertuples(index=False, name=None)
    ]


def catalogue_order() -> dict[str, int]:
    """Indicator id -> position in the catalogue."""
    from omradesbild.indicators import default_catalogue

    return {i: n for n, i in enumerate(default_catalogue().ids)}


def _disclose(ind: pd.DataFrame, threshold: int) -> pd.DataFrame:
    from omradesbild.reports.disclosure import apply_disclosure

    return apply_disclosure(ind, threshold=threshold)


# ------------------------------------------------------------------------------- the store
@dataclass(frozen=True)
class StoreInfo:
    """Levels, all areas and the sources of the store."""

    levels: list[dict[str, Any]]
    areas: pd.DataFrame  # area_code, level, version, name, parent_code
    sources: pd.DataFrame
    periods: list[str]
    synthetic: bool
    lookup: dict[str, list[tuple[str, str, str]]]  # code -> [(level, version, name)]

    def level_names(self) -> list[str]:
        return sorted({str(r["level"]) for r in self.levels})


@functools.lru_cache(maxsize=8)
def _store_info(path: str, mtime: int) -> StoreInfo:
    with _open(path) as store:
        summary = store.summary()
        areas = store.areas()[["area_code", "level", "version", "name", "parent_code"]]
        sources = store.sources()
    levels = [a for a in summary["areas"] if a["level"] not in HIDDEN_LEVELS]
    publishers = " ".join(sources["publisher"].astype(str)).lower()
    lookup: dict[str, list[tuple[str, str, str]]] = {}
    for code, lvl, ver, name in areas[["area_code", "level", "version", "name"]].itertuples(
        index=False, name=None
    ):
        if lvl in HIDDEN_LEVELS:
            continue
        nm = name if isinstance(name, str) and name else str(code)
        lookup.setdefault(str(code), []).append((str(lvl), str(ver), nm))
    return StoreInfo(
        lookup=lookup,
        levels=levels,
        areas=areas,
        sources=sources,
        periods=[str(p) for p in summary["periods"]],
        synthetic="syntetisk" in publishers,
    )


# ------------------------------------------------------------------------------ one level
@dataclass(frozen=True)
class LevelData:
    """Indicators of every area of one level, all periods, prepared for lookups."""

    level: str
    version: str
    areas: pd.DataFrame  # area_code, name, kommun_code
    names: dict[str, str]
    kommun: dict[str, str | None]
    raw: pd.DataFrame  # long indicators, all periods, NOT disclosed (index input only)
    indicators: pd.DataFrame  # long indicators, disclosed
    by_area: dict[str, list[dict[str, Any]]]  # area -> disclosed rows (JSON-safe dicts)
    by_period_indicator: dict[tuple[str, str], pd.DataFrame]
    periods: list[str]
    indicator_ids: list[str]


@functools.lru_cache(maxsize=16)
def _level_data(
    path: str, mtime: int, level: str, version: str, base_version: str, threshold: int
) -> LevelData:
    from omradesbild.areas.codes import kommun_of
    from omradesbild.services.pipeline import area_indicators

    with _open(path) as store:
        areas = store.areas(level=level, version=version)
        if areas.empty:
            raise NotFoundError(f"the store holds no {level} areas of version {version}")
        raw = area_indicators(store, level=level, version=version, base_version=base_version)
    areas = areas[["area_code", "name", "parent_code"]].copy()
    areas["area_code"] = areas["area_code"].astype(str)
    names = {
        c: (n if isinstance(n, str) and n else c)
        for c, n in zip(areas["area_code"], areas["name"], strict=True)
    }
    kommun: dict[str, str | None] = {}
    for c in areas["area_code"]:
        k = kommun_of(c)
        kommun[c] = k if k.isdigit() else None
    areas["kommun_code"] = areas["area_code"].map(kommun)
    raw = raw.assign(area_code=raw["area_code"].astype(str), period=raw["period"].astype(str))
    pub = _disclose(raw, threshold)
    by_area: dict[str, list[dict[str, Any]]] = {}
    for r in records(pub):
        by_area.setdefault(str(r["area_code"]), []).append(r)
    order = catalogue_order()
    ids = sorted(pub["indicator"].astype(str).unique(), key=lambda i: (order.get(i, 999), i))
    return LevelData(
        level=level,
        version=version,
        areas=areas.reset_index(drop=True),
        names=names,
        kommun=kommun,
        raw=raw,
        indicators=pub,
        by_area=by_area,
        by_period_indicator={
            (str(p), str(i)): g.sort_values("area_code")
            for (p, i), g in pub.groupby(["period", "indicator"], sort=False)
        },
        periods=sorted(pub["period"].astype(str).unique()),
        indicator_ids=ids,
    )


@functools.lru_cache(maxsize=8)
def _references(
    path: str, mtime: int, base_version: str, threshold: int
) -> dict[tuple[str, str, str], tuple[Any, Any, Any, bool]]:
    """(kommun code or "SE", period, indicator) -> (value, ci_low, ci_high, masked)."""
    from omradesbild.indicators import reference_values

    with _open(path) as store:
        obs = store.observations(area_version=base_version)
    if obs.empty:
        return {}
    refs = _disclose(reference_values(obs), threshold)
    out: dict[tuple[str, str, str], tuple[Any, Any, Any, bool]] = {}
    for r in refs.itertuples(index=False):
        code = "SE" if r.level == "country" else str(r.area_code)
        out[(code, str(r.period), str(r.indicator))] = (
            clean(r.value),
            clean(r.ci_low),
            clean(r.ci_high),
            bool(r.masked),
        )
    return out


# ---------------------------------------------------------------------------------- index
@dataclass(frozen=True)
class IndexData:
    """One index method at one level: every period it can be computed in."""

    method: IndexMethod
    level: str
    version: str
    tables: dict[str, pd.DataFrame]  # period -> wide input table (raw values)
    results: dict[str, pd.DataFrame]  # period -> compute_index output (+ components)
    published: dict[str, pd.DataFrame]  # period -> publishable rows
    by_area: dict[str, dict[str, dict[str, Any]]]  # period -> area -> row
    history: dict[str, list[tuple[str, Any]]]  # area -> [(period, class)]
    class_labels: dict[int, str] = field(default_factory=dict)

    @property
    def periods(self) -> list[str]:
        return sorted(self.results)

    def latest(self) -> str:
        if not self.results:
            raise NotFoundError(
                f"index {self.method.id!r} cannot be computed for {self.level} in any period: "
                "the variables it needs are not in the store"
            )
        return self.periods[-1]

    def period_or_latest(self, period: str | None) -> str:
        if period is None or period == "":
            return self.latest()
        if str(period) not in self.results:
            raise NotFoundError(
                f"index {self.method.id!r} cannot be computed for {self.level} in {period}; "
                f"periods with the index: {', '.join(self.periods) or 'none'}"
            )
        return str(period)


def method_by_id(method_id: str) -> IndexMethod:
    """A shipped method by id; unknown ids are a 404."""
    from omradesbild.index import load_method, shipped_methods

    if method_id not in shipped_methods():
        raise NotFoundError(
            f"unknown index method {method_id!r}; methods: {', '.join(shipped_methods())}"
        )
    return load_method(method_id)


def index_table(raw: pd.DataFrame, method: IndexMethod) -> pd.DataFrame:
    """Wide table of the method's indicators (and fallbacks) for ``compute_index``."""
    from omradesbild.services.pipeline import index_table as _wide

    return _wide(raw, method)


def _publish(result: pd.DataFrame, disclosed: pd.DataFrame) -> pd.DataFrame:
    from omradesbild.reports.exports import publishable_index

    return publishable_index(result, disclosed)


def _index_data_from(
    lv: LevelData, method: IndexMethod, *, periods: Sequence[str] | None = None
) -> IndexData:
    from omradesbild.index import compute_index
    from omradesbild.services.pipeline import check_picture

    check_picture(method)
    needed = {i.source_column for i in method.indicators} | {f.column for f in method.fallbacks}
    sub = lv.raw[lv.raw["indicator"].isin(needed)]
    tables: dict[str, pd.DataFrame] = {}
    results: dict[str, pd.DataFrame] = {}
    published: dict[str, pd.DataFrame] = {}
    if not sub.empty:
        wide_all = index_table(sub, method)
        for period, table in wide_all.groupby("period", sort=True):
            p = str(period)
            if periods is not None and p not in periods:
                continue
            table = table.reset_index(drop=True)
            try:
                res = compute_index(
                    table, method=method, id_column="area_code", period_column="period"
                )
            except OmradesbildError:
                continue
            if not res["score"].notna().any():
                continue
            attrs = dict(res.attrs)
            res = res.merge(table, on=["area_code", "period"], how="left")
            res.attrs = attrs
            tables[p] = table
            results[p] = res
            disclosed = lv.indicators[lv.indicators["period"] == p]
            published[p] = _publish(res, disclosed)
    by_area = {p: {str(r["area_code"]): r for r in records(df)} for p, df in published.items()}
    history: dict[str, list[tuple[str, Any]]] = {}
    for p in sorted(results):
        res = results[p]
        if "class" not in res.columns:
            continue
        for code, cls in zip(res["area_code"], res["class"], strict=True):
            history.setdefault(str(code), []).append((p, clean(cls)))
    labels: dict[int, str] = {}
    for res in results.values():
        if "class_label" in res.columns:
            for c, lab in zip(res["class"], res["class_label"], strict=True):
                if clean(c) is not None and isinstance(lab, str):
                    labels.setdefault(int(c), lab)
    return IndexData(
        method=method,
        level=lv.level,
        version=lv.version,
        tables=tables,
        results=results,
        published=published,
        by_area=by_area,
        history=history,
        class_labels=labels,
    )


@functools.lru_cache(maxsize=32)
def _index_data(
    path: str,
    mtime: int,
    method_id: str,
    level: str,
    version: str,
    base_version: str,
    threshold: int,
) -> IndexData:
    lv = _level_data(path, mtime, level, version, base_version, threshold)
    return _index_data_from(lv, method_by_id(method_id))


def _se_table(lv: LevelData, method: IndexMethod, period: str) -> pd.DataFrame:
    ind = lv.raw[lv.raw["period"] == period]
    se_long = ind.assign(value=(ind["ci_high"] - ind["ci_low"]) / 3.92)
    return index_table(se_long, method).drop(columns="period").fillna(0.0)


def run_monte_carlo(
    lv: LevelData,
    method: IndexMethod,
    table: pd.DataFrame,
    period: str,
    *,
    draws: int,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Rank intervals (weights, normalisation and sampling error perturbed) for one period.

    As :func:`omradesbild.services.pipeline.area_index_uncertainty`, on the cached indicators.
    """
    from omradesbild.index.uncertainty import monte_carlo

    norms = list(dict.fromkeys([method.normalisation.method, "zscore", "percentrank_inc"]))
    return monte_carlo(
        table.drop(columns="period"),
        method=method,
        id_column="area_code",
        draws=draws,
        seed=seed,
        normalisations=norms,
        indicator_se=_se_table(lv, method, period),
    )


@functools.lru_cache(maxsize=32)
def _uncertainty(
    path: str,
    mtime: int,
    method_id: str,
    level: str,
    version: str,
    base_version: str,
    threshold: int,
    period: str,
    draws: int,
) -> dict[str, dict[str, Any]]:
    lv = _level_data(path, mtime, level, version, base_version, threshold)
    ix = _index_data(path, mtime, method_id, level, version, base_version, threshold)
    if draws < 1 or period not in ix.tables:
        return {}
    try:
        unc, _ = run_monte_carlo(lv, ix.method, ix.tables[period], period, draws=draws)
    except OmradesbildError:
        return {}
    return {str(r["area_code"]): r for r in records(unc)}


# -------------------------------------------------------------------------------- geojson
def display_geojson(gdf: Any, *, tolerance: float, decimals: int = 5) -> dict[str, Any]:
    """Simplified polygons in EPSG:4326 as a FeatureCollection (feature id = area code)."""
    from omradesbild.reports.profile import display_geojson as _display_geojson

    return _display_geojson(gdf, tolerance=tolerance, decimals=decimals)


@functools.lru_cache(maxsize=8)
def _geojson(path: str, mtime: int, level: str, version: str, tolerance: float) -> bytes:
    with _open(path) as store:
        gdf = store.areas(level=level, version=version, geometry=True)
    gdf = gdf[gdf.geometry.notna()]
    if gdf.empty:
        doc: dict[str, Any] = {"type": "FeatureCollection", "features": []}
    else:
        doc = display_geojson(gdf[["area_code", "geometry"]], tolerance=tolerance)
        names = dict(zip(gdf["area_code"].astype(str), gdf["name"], strict=True))
        for f in doc["features"]:
            n = names.get(str(f["id"]))
            f["properties"] = {"name": n if isinstance(n, str) else str(f["id"])}
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


# ------------------------------------------------------------------------------ the facade
class WebData:
    """The cached computations for one store, with the web app's settings.

    Parameters
    ----------
    store_path
        The store file.
    base_version, threshold, draws, simplify_m
        As :class:`~omradesbild.web.settings.WebSettings`.
    """

    def __init__(
        self,
        store_path: str | Path,
        *,
        base_version: str = "deso2018",
        threshold: int = 5,
        draws: int = 200,
        simplify_m: float = 25.0,
    ) -> None:
        self.path = str(store_path)
        self.base_version = base_version
        self.threshold = threshold
        self.draws = draws
        self.simplify_m = simplify_m

    def key(self) -> tuple[str, int]:
        return store_key(self.path)

    def info(self) -> StoreInfo:
        with _LOCK:
            return _store_info(*self.key())

    def check_level(self, level: str) -> str:
        """``level`` if the store has areas of it, else an :class:`InputError` (422)."""
        known = self.info().level_names()
        if level not in known:
            raise InputError(
                f"unknown area level {level!r}",
                field="level",
                expected=f"one of {', '.join(known) or '(the store has no areas)'}",
            )
        return level

    def resolve_version(self, level: str, version: str | None) -> str:
        """The boundary version of ``level``: as given (checked), the default or the only one."""
        from omradesbild.services.pipeline import DEFAULT_VERSION

        self.check_level(level)
        versions = sorted(str(r["version"]) for r in self.info().levels if r["level"] == level)
        if version:
            if version not in versions:
                raise InputError(
                    f"unknown boundary version {version!r} of level {level!r}",
                    field="version",
                    expected=f"one of {', '.join(versions)}",
                )
            return version
        default = DEFAULT_VERSION.get(level)
        if default in versions:
            return str(default)
        if len(versions) == 1:
            return versions[0]
        raise InputError(
            f"level {level!r} has several boundary versions",
            field="version",
            expected=f"one of {', '.join(versions)}",
        )

    def level(self, level: str, version: str | None = None) -> LevelData:
        version = self.resolve_version(level, version)
        with _LOCK:
            return _level_data(*self.key(), level, version, self.base_version, self.threshold)

    def references(self) -> Mapping[tuple[str, str, str], tuple[Any, Any, Any, bool]]:
        with _LOCK:
            return _references(*self.key(), self.base_version, self.threshold)

    def index(self, method_id: str, level: str, version: str | None = None) -> IndexData:
        lv = self.level(level, version)
        with _LOCK:
            return _index_data(
                *self.key(), method_id, level, lv.version, self.base_version, self.threshold
            )

    def uncertainty(
        self,
        method_id: str,
        level: str,
        period: str,
        version: str | None = None,
        draws: int | None = None,
    ) -> dict[str, dict[str, Any]]:
        lv = self.level(level, version)
        with _LOCK:
            return _uncertainty(
                *self.key(),
                method_id,
                level,
                lv.version,
                self.base_version,
                self.threshold,
                period,
                self.draws if draws is None else draws,
            )

    def geojson(self, level: str, version: str | None = None) -> bytes:
        version = self.resolve_version(level, version)
        with _LOCK:
            return _geojson(*self.key(), level, version, self.simplify_m)

    def find_area(self, code: str, level: str | None = None) -> tuple[str, str, str]:
        """``(level, version, name)`` of an area code (the default version first)."""
        from omradesbild.services.pipeline import DEFAULT_VERSION

        hits = self.info().lookup.get(code, [])
        if level:
            hits = [h for h in hits if h[0] == level]
        if not hits:
            raise NotFoundError(f"no area with code {code!r} in the store")
        default = [h for h in hits if DEFAULT_VERSION.get(h[0]) == h[1]]
        return (default or hits)[0]

    def warm(self, level: str, method_id: str) -> None:
        """Compute what the pages of ``level`` need (after start-up)."""
        lv = self.level(level)
        self.references()
        ix = self.index(method_id, level, lv.version)
        if ix.results:
            self.uncertainty(method_id, level, ix.latest(), lv.version)


def clear_caches() -> None:
    """Forget every cached computation (tests)."""
    for f in (_store_info, _level_data, _references, _index_data, _uncertainty, _geojson):
        f.cache_clear()


# ------------------------------------------------------------------------ method explorer
def modified_method(
    method: IndexMethod,
    *,
    weights: Mapping[str, float] | None = None,
    include: Sequence[str] | None = None,
) -> IndexMethod:
    """The method with some indicators left out and/or the top-level weights replaced.

    Parameters
    ----------
    weights
        Non-negative weights of the top-level units (indicator ids, or theme ids when the
        method has themes); units not named keep their declared (or equal) weight. They are
        rescaled to sum to one.
    include
        Indicator ids to keep (default all); themes left empty are dropped.

    Notes
    -----
    With weights :math:`v_u \\ge 0` the method uses :math:`w_u = v_u / \\sum_k v_k`
    (explicit weighting), so only the ratios of the given weights matter.
    """
    from omradesbild.index import parse_method

    data = method.model_dump(mode="python")
    ids = [i.id for i in method.indicators]
    if include is not None:
        keep = [i for i in ids if i in set(include)]
        unknown = sorted(set(include) - set(ids))
        if unknown:
            raise MethodError(
                f"indicators {unknown} are not in method {method.id!r}; its indicators: {ids}"
            )
        if not keep:
            raise MethodError("keep at least one indicator")
        data["indicators"] = [d for d in data["indicators"] if d["id"] in keep]
        data["fallbacks"] = [f for f in data["fallbacks"] if f["indicator"] in keep]
        themes = method.resolved_themes()
        if themes:
            kept_themes = []
            for t in themes:
                members = [i for i in t.indicators if i in keep]
                if not members:
                    continue
                td = t.model_dump(mode="python")
                td["indicators"] = members
                td["weighting"] = _restrict(td["weighting"], members)
                kept_themes.append(td)
            data["themes"] = kept_themes
            for d in data["indicators"]:
                d["theme"] = None
            units = [t["id"] for t in kept_themes]
        else:
            units = keep
        data["weighting"] = _restrict(data["weighting"], units)
    units = (
        [t["id"] for t in data["themes"]]
        if data.get("themes")
        else ([t.id for t in method.resolved_themes()] or [d["id"] for d in data["indicators"]])
    )
    if weights:
        unknown = sorted(set(weights) - set(units))
        if unknown:
            raise MethodError(f"weights for unknown units {unknown}; the units are {units}")
        current = data["weighting"]
        base = (
            current["weights"]
            if current.get("method") == "explicit" and current.get("weights")
            else {u: 1.0 / len(units) for u in units}
        )
        raw = {u: float(weights.get(u, base.get(u, 0.0))) for u in units}
        bad = [u for u, v in raw.items() if not math.isfinite(v) or v < 0]
        if bad:
            raise MethodError(f"weights must be finite and >= 0; bad: {bad}")
        total = math.fsum(raw.values())
        if total <= 0:
            raise MethodError("the weights sum to 0: give at least one unit a positive weight")
        normed = {u: v / total for u, v in raw.items()}
        # Make the sum exactly 1 within the method's tolerance.
        last = units[-1]
        normed[last] = 1.0 - math.fsum(v for u, v in normed.items() if u != last)
        data["weighting"] = {"method": "explicit", "weights": normed}
    data["id"] = f"{method.id}-explore"
    return parse_method(data, source=f"explore:{method.id}")


def _restrict(weighting: dict[str, Any], units: list[str]) -> dict[str, Any]:
    if weighting.get("method") != "explicit" or not weighting.get("weights"):
        return weighting
    w = {u: float(weighting["weights"].get(u, 0.0)) for u in units}
    total = math.fsum(w.values())
    if total <= 0:
        return {"method": "equal", "weights": None}
    normed = {u: v / total for u, v in w.items()}
    normed[units[-1]] = 1.0 - math.fsum(v for u, v in normed.items() if u != units[-1])
    return {"method": "explicit", "weights": normed}


def effective_unit_weights(method: IndexMethod) -> dict[str, float]:
    """Top-level unit -> weight as declared (equal weights spelled out)."""
    themes = method.resolved_themes()
    units = [t.id for t in themes] if themes else [i.id for i in method.indicators]
    if method.weighting.method == "explicit" and method.weighting.weights:
        return {u: float(method.weighting.weights.get(u, 0.0)) for u in units}
    return {u: 1.0 / len(units) for u in units}


def explore(
    data: WebData,
    *,
    method_id: str,
    level: str,
    period: str | None,
    weights: Mapping[str, float] | None,
    include: Sequence[str] | None,
    draws: int,
    seed: int = 0,
) -> dict[str, Any]:
    """Ranks and classes of every area under a modified method, next to the declared one."""
    from omradesbild.index import compute_index

    if draws < 0 or draws > MAX_DRAWS:
        raise InputError(f"draws must be 0…{MAX_DRAWS}, got {draws}", field="draws")
    lv = data.level(level)
    base = data.index(method_id, level, lv.version)
    p = base.period_or_latest(period)
    method = modified_method(base.method, weights=weights, include=include)
    table = base.tables[p]
    res = compute_index(table, method=method, id_column="area_code", period_column="period")
    b = base.results[p].set_index("area_code")
    r = res.set_index("area_code")
    unc: dict[str, dict[str, Any]] = {}
    summary: dict[str, Any] = {"draws": 0}
    if draws > 0:
        u, s = run_monte_carlo(lv, method, table, p, draws=draws, seed=seed)
        unc = {str(x["area_code"]): x for x in records(u)}
        summary = {
            "draws": draws,
            "median_rank_interval_90": clean(s.get("median_rank_interval_90")),
            "share_robust_class": clean(s.get("share_robust_class")),
        }
    rows = []
    has_class = "class" in r.columns
    for code in r.index.astype(str):
        nr = clean(r.at[code, "rank"])
        br = clean(b.at[code, "rank"]) if code in b.index else None
        nc = clean(r.at[code, "class"]) if has_class else None
        bc = clean(b.at[code, "class"]) if has_class and code in b.index else None
        u_ = unc.get(code, {})
        rows.append(
            {
                "area_code": code,
                "name": lv.names.get(code, code),
                "score": clean(r.at[code, "score"]),
                "rank": None if nr is None else int(nr),
                "base_rank": None if br is None else int(br),
                "rank_change": None if nr is None or br is None else int(br) - int(nr),
                "class": None if nc is None else int(nc),
                "base_class": None if bc is None else int(bc),
                "rank_p05": u_.get("rank_p05"),
                "rank_p95": u_.get("rank_p95"),
            }
        )
    rows.sort(key=lambda x: (x["rank"] is None, x["rank"] or 0, x["area_code"]))
    both = [(x["rank"], x["base_rank"]) for x in rows if x["rank"] and x["base_rank"]]
    rho = None
    if len(both) > 2:
        a = np.array(both, dtype=float)
        rho = clean(np.corrcoef(a[:, 0], a[:, 1])[0, 1])
    return {
        "method": base.method.id,
        "level": level,
        "version": lv.version,
        "period": p,
        "weights": effective_unit_weights(method),
        "indicators": [i.id for i in method.indicators],
        "n_areas": len(rows),
        "n_class_changed": sum(
            1 for x in rows if x["class"] is not None and x["class"] != x["base_class"]
        ),
        "rank_correlation": rho,
        "uncertainty": summary,
        "rows": rows,
    }
