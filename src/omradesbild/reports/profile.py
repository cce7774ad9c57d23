"""The data behind the report site: the city overview and one profile per area.

:func:`load_site_data` is the only function here that reads the store; it computes every
table once for all areas (indicators for all periods, kommun and country references, the
index for every period, Monte-Carlo rank intervals, the Police overlay, display
geometries) and applies disclosure control to what is published. The other functions are
pure: ``(DataFrame, *, params) -> DataFrame``.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from omradesbild.errors import ConfigError, NotFoundError, OmradesbildError
from omradesbild.index.method import IndexMethod
from omradesbild.wording import fmt_num, text

#: Groups for the gap measures: indicator whose numerator/denominator are the counts.
GAP_GROUPS: tuple[str, ...] = ("foreign_born", "low_econ_standard", "foreign_background")

#: Indicators whose denominator is the total population (the first present is used).
_POPULATION_INDICATORS = ("age_0_19", "age_65_plus", "foreign_born", "foreign_background")


@dataclass
class SiteData:
    """Everything the site shows, computed once for all areas.

    Frames hold all areas in scope (the kommun filter) unless noted; indicator frames are
    disclosure-controlled (``masked`` column).
    """

    level: str
    version: str
    base_version: str
    period: str
    lang: str
    method: IndexMethod
    threshold: int
    areas: pd.DataFrame  # area_code, name, kommun_code, has_geometry
    profile_codes: list[str]
    indicators: pd.DataFrame  # long, all periods, disclosed
    references: pd.DataFrame  # long kommun + country, all periods, disclosed
    index: pd.DataFrame  # chosen period, every reference area
    uncertainty: pd.DataFrame  # per area (every reference area)
    uncertainty_summary: dict[str, Any]
    n_reference: int
    type_history: pd.DataFrame  # area_code, period, class
    police: pd.DataFrame  # listed rows: area_code, period, category, share, on_list
    police_periods: list[str]
    police_known: set[str]
    geojson: dict[str, Any] | None
    geometry_dissolved: bool
    sources: pd.DataFrame
    method_info: dict[str, str]
    gaps: pd.DataFrame
    pop_by_type: pd.DataFrame
    priority: pd.DataFrame
    police_types: pd.DataFrame
    goals: pd.DataFrame
    goals_note: str | None
    trends: pd.DataFrame
    synthetic: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------------------- pure parts
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


def segregation_indices(counts: pd.DataFrame, *, group_column: str = "group") -> pd.DataFrame:
    r"""Dissimilarity index *D* and Theil's information index *H* per group.

    Parameters
    ----------
    counts
        ``group_column``, ``area_code``, ``x`` (persons in the group) and ``t`` (all
        persons) per area. Areas with a missing or zero total are left out.

    Returns
    -------
    DataFrame
        ``group, n_areas, group_total, total, share, dissimilarity, theil``.

    Notes
    -----
    With :math:`X = \sum x_i`, :math:`T = \sum t_i`, :math:`P = X / T`,
    :math:`p_i = x_i / t_i` and the entropy :math:`E(p) = -p\ln p - (1-p)\ln(1-p)`:

    .. math::

        D = \tfrac12 \sum_i \left| \frac{x_i}{X} - \frac{t_i - x_i}{T - X} \right|,
        \qquad H = \sum_i \frac{t_i \, (E(P) - E(p_i))}{E(P)\, T}.

    These are the formulas of PySAL ``segregation.singlegroup.Dissim`` and ``Entropy``
    (Massey & Denton 1988); they are computed here directly so the report does not need
    that package at run time.
    """

    def _entropy(p: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            e = -p * np.log(p) - (1 - p) * np.log(1 - p)
        return np.nan_to_num(e)

    out = []
    for group, g in counts.groupby(group_column, sort=False):
        x = pd.to_numeric(g["x"], errors="coerce").to_numpy(dtype="float64")
        t = pd.to_numeric(g["t"], errors="coerce").to_numpy(dtype="float64")
        ok = np.isfinite(x) & np.isfinite(t) & (t > 0)
        x, t = np.minimum(x[ok], t[ok]), t[ok]
        big_x, big_t = float(x.sum()), float(t.sum())
        d = h = share = math.nan
        if big_t > 0 and 0 < big_x < big_t:
            share = big_x / big_t
            d = 0.5 * float(np.abs(x / big_x - (t - x) / (big_t - big_x)).sum())
            e = float(_entropy(np.array([share]))[0])
            h = float((t * (e - _entropy(x / t))).sum() / (e * big_t))
        out.append(
            {
                "group": str(group),
                "n_areas": int(ok.sum()),
                "group_total": big_x,
                "total": big_t,
                "share": share,
                "dissimilarity": d,
                "theil": h,
            }
        )
    return pd.DataFrame(
        out, columns=["group", "n_areas", "group_total", "total", "share", "dissimilarity", "theil"]
    )


def population_by_type(
    index: pd.DataFrame, population: pd.Series, *, threshold: int = 5
) -> pd.DataFrame:
    """Areas and residents per area type, with the share of the residents.

    Parameters
    ----------
    index
        ``area_code, class, class_label`` (areas in scope).
    population
        Residents per ``area_code``.
    threshold
        Counts of residents below this are hidden (NaN), as everywhere on the site.

    Returns
    -------
    DataFrame
        ``class, class_label, n_areas, population, share`` (share in percent).
    """
    df = index[["area_code", "class", "class_label"]].dropna(subset=["class"]).copy()
    df["population"] = df["area_code"].map(population).astype("float64")
    g = (
        df.groupby(["class", "class_label"], as_index=False)
        .agg(n_areas=("area_code", "size"), population=("population", "sum"))
        .sort_values("class")
    )
    total = float(g["population"].sum())
    g["share"] = 100.0 * g["population"] / total if total > 0 else np.nan
    small = g["population"] < threshold
    g.loc[small, ["population", "share"]] = np.nan
    g["class"] = g["class"].astype(int)
    return g.reset_index(drop=True)


def priority_list(
    index: pd.DataFrame,
    trends: pd.DataFrame,
    names: pd.Series,
    *,
    method: IndexMethod,
    lang: str = "sv",
    top_share: float = 0.1,
    catalogue_names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Areas with the largest and/or worsening challenges, each with its reason in words.

    An area is on the list when its class is among the method's two most vulnerable
    classes, or its score is among the ``top_share`` highest, or a component indicator of
    the index has a significant worsening trend.

    Parameters
    ----------
    index
        ``area_code, score, rank, class`` of the areas in scope.
    trends
        :func:`omradesbild.followup.trend` output (may be empty).
    names
        Area name per ``area_code``.
    method
        The index method (its component indicators and labels).
    lang
        Language of the reasons.
    top_share
        Share of the highest scores that count as "largest challenges".
    catalogue_names
        Readable indicator names by id.

    Returns
    -------
    DataFrame
        ``area_code, name, rank, score, class, reason``, most vulnerable first.
    """
    names_map = catalogue_names or {}
    scored = index.dropna(subset=["score"])
    n = len(scored)
    cutoff = scored["score"].quantile(1 - top_share) if n else np.nan
    components = {i.source_column for i in method.indicators} | {f.column for f in method.fallbacks}
    worse = trends[(trends["direction"] == "worsening") & trends["indicator"].isin(components)]
    worse_by_area = {k: g for k, g in worse.groupby("area_code")}
    rows = []
    for r in index[["area_code", "score", "rank", "class"]].to_dict("records"):
        code = str(r["area_code"])
        reasons = []
        cls = r["class"]
        if pd.notna(cls) and int(cls) <= 2:
            reasons.append(text("reason_type", lang, cls=int(cls)))
        if pd.notna(r["score"]) and n and r["score"] >= cutoff:
            reasons.append(text("reason_top", lang, pct=round(100 * top_share)))
        for t in worse_by_area.get(code, pd.DataFrame()).itertuples(index=False):
            reasons.append(
                text(
                    "reason_trend",
                    lang,
                    what=names_map.get(str(t.indicator), str(t.indicator)),
                    dir=text("worsening", lang),
                    slope=fmt_num(t.slope, lang, 2, signed=True),
                    unit="",
                ).replace("  ", " ")
            )
        if reasons:
            rows.append(
                {
                    "area_code": code,
                    "name": names.get(code, code),
                    "rank": r["rank"],
                    "score": r["score"],
                    "class": cls,
                    "reason": "; ".join(reasons),
                }
            )
    out = pd.DataFrame(rows, columns=["area_code", "name", "rank", "score", "class", "reason"])
    return out.sort_values("rank", na_position="last", kind="mergesort").reset_index(drop=True)


def display_geojson(gdf: Any, *, tolerance: float = 25.0, decimals: int = 5) -> dict[str, Any]:
    """A small GeoJSON FeatureCollection in EPSG:4326 for display (feature id = area code).

    Parameters
    ----------
    gdf
        GeoDataFrame with ``area_code`` and polygons in a projected CRS (metres; EPSG:3006).
    tolerance
        Douglas–Peucker tolerance in metres (topology preserved per polygon).
    decimals
        Decimals kept in longitude/latitude (5 ≈ 1 m).
    """
    import shapely

    geo = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    simplified = shapely.simplify(geo.geometry.to_numpy(), tolerance, preserve_topology=True)
    g4326 = geo.set_geometry(list(simplified), crs=geo.crs).to_crs(4326)
    rounded = shapely.transform(g4326.geometry.to_numpy(), lambda c: np.round(c, decimals))
    features = [
        {
            "type": "Feature",
            "id": str(code),
            "properties": {},
            "geometry": shapely.geometry.mapping(g),
        }
        for code, g in zip(geo["area_code"], rounded, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def dissolve_by_links(base: Any, links: pd.DataFrame) -> Any:
    """Polygons of target areas dissolved from base polygons (e.g. DeSO 2018 → RegSO 2020).

    Each base area goes to its target with the largest link weight; a target is kept only
    when every base area linked to it has a polygon (no partial shapes).

    Parameters
    ----------
    base
        GeoDataFrame ``area_code`` + geometry (may contain missing geometries).
    links
        ``from_code, to_code, weight``.

    Returns
    -------
    GeoDataFrame
        ``area_code`` (the target code) + dissolved geometry, same CRS.
    """
    import geopandas as gpd

    lk = links.sort_values("weight", ascending=False, kind="mergesort")
    lk = lk.drop_duplicates("from_code")[["from_code", "to_code"]]
    has = base.dropna(subset=["geometry"])
    has = has[~has.geometry.is_empty]
    have_codes = set(has["area_code"].astype(str))
    complete = lk.groupby("to_code")["from_code"].agg(lambda s: set(s) <= have_codes)
    keep = set(complete[complete].index)
    merged = has.merge(lk, left_on="area_code", right_on="from_code")
    merged = merged[merged["to_code"].isin(keep)]
    if merged.empty:
        return gpd.GeoDataFrame({"area_code": []}, geometry=[], crs=base.crs)
    out = merged[["to_code", "geometry"]].dissolve(by="to_code").reset_index()
    return gpd.GeoDataFrame(
        {"area_code": out["to_code"].astype(str)}, geometry=out.geometry.to_numpy(), crs=base.crs
    )


# ------------------------------------------------------------------------------ store glue
def _disclose(ind: pd.DataFrame, threshold: int) -> pd.DataFrame:
    from omradesbild.reports.disclosure import apply_disclosure

    out = apply_disclosure(ind, threshold=threshold)
    if "masked" not in out.columns:
        out = out.assign(masked=False)
    return out


def _index_by_period(ind_all: pd.DataFrame, method: IndexMethod) -> dict[str, pd.DataFrame]:
    from omradesbild.index import compute_index
    from omradesbild.services.pipeline import index_table

    table = index_table(ind_all, method)
    out: dict[str, pd.DataFrame] = {}
    for period, sub in table.groupby("period", sort=True):
        try:
            res = compute_index(
                sub.reset_index(drop=True),
                method=method,
                id_column="area_code",
                period_column="period",
            )
        except OmradesbildError:
            continue
        if res["score"].notna().any():
            out[str(period)] = res
    return out


def _police(
    store: Any, *, level: str, version: str, base_version: str, codes: set[str]
) -> tuple[pd.DataFrame, list[str], set[str], pd.DataFrame]:
    """Listed areas per period (overlay of police polygons, or police→area links)."""
    from omradesbild.followup.police import (
        listed_areas,
        overlay_police,
        police_list_from_links,
        police_polygons,
    )
    from omradesbild.services.pipeline import compose_links

    cls = store.classifications(scheme="police_uso")
    empty = pd.DataFrame(
        columns=["area_code", "period", "police_code", "category", "share", "on_list"]
    )
    if cls.empty:
        return empty, [], set(), pd.DataFrame()
    parts = []
    known: set[str] = set()
    pareas = store.areas(level="police_area", geometry=True)
    pareas = pareas[pareas.geometry.notna()]
    poly_versions = set(pareas["version"])
    if not pareas.empty:
        base = store.areas(level=None, version=base_version, geometry=True)
        base = base[
            base.geometry.notna()
            & base["area_code"].isin(_base_codes(store, base_version, version, codes))
        ]
        if not base.empty:
            links = None
            if version != base_version:
                lk = compose_links(store.links(), from_version=base_version, to_version=version)
                links = lk[lk["from_code"].isin(set(base["area_code"]))]
                full = lk.groupby("to_code")["from_code"].agg(set)
                have = set(base["area_code"])
                known |= {str(c) for c, s in full.items() if s <= have}
            else:
                known |= set(base["area_code"])
            police = police_polygons(pareas, cls[cls["version"].isin(poly_versions)])
            parts.append(overlay_police(police, base[["area_code", "geometry"]], area_links=links))
    links_all = store.links()
    for v in sorted(set(cls["version"]) - poly_versions):
        lk = links_all[(links_all["from_version"] == v) & (links_all["to_version"] == version)]
        if lk.empty:
            continue
        parts.append(police_list_from_links(cls[cls["version"] == v], lk))
        known |= codes
    if not parts:
        return empty, [], set(), pd.DataFrame()
    overlay = pd.concat(parts, ignore_index=True)
    overlay = overlay[overlay["area_code"].isin(codes)]
    listed = listed_areas(overlay)
    periods = sorted({str(p) for p in overlay["period"]} | {str(p) for p in cls["period"]})
    return listed, periods, known & codes, overlay


def _base_codes(store: Any, base_version: str, version: str, codes: set[str]) -> set[str]:
    from omradesbild.services.pipeline import compose_links

    if version == base_version:
        return codes
    lk = compose_links(store.links(), from_version=base_version, to_version=version)
    return set(lk.loc[lk["to_code"].isin(codes), "from_code"])


def _geometry(
    store: Any, *, level: str, version: str, base_version: str, codes: set[str], tolerance: float
) -> tuple[dict[str, Any] | None, bool]:
    from omradesbild.services.pipeline import compose_links

    own = store.areas(level=level, version=version, geometry=True)
    own = own[own.geometry.notna() & own["area_code"].isin(codes)]
    dissolved = False
    if own.empty and version != base_version:
        try:
            lk = compose_links(store.links(), from_version=base_version, to_version=version)
        except OmradesbildError:
            return None, False
        lk = lk[lk["to_code"].isin(codes)]
        base = store.areas(version=base_version, geometry=True)
        base = base[base["area_code"].isin(set(lk["from_code"]))]
        if base.geometry.notna().any():
            own = dissolve_by_links(base[["area_code", "geometry"]], lk)
            dissolved = True
    if own.empty:
        return None, False
    return display_geojson(own[["area_code", "geometry"]], tolerance=tolerance), dissolved


def _goals(
    *,
    goals_path: Path | None,
    lang: str,
    ind_all: pd.DataFrame,
    index_periods: dict[str, pd.DataFrame],
    scope: set[str],
    overlay: pd.DataFrame,
    method: IndexMethod,
) -> tuple[pd.DataFrame, str | None]:
    from omradesbild.followup import anchored_classes, goal_history, goal_status, load_goals
    from omradesbild.followup.goals import GapGoal, IndicatorGoal
    from omradesbild.services.pipeline import index_table

    gf = load_goals(goals_path)
    rows = []
    types = (
        pd.concat(
            [r[["area_code", "class"]].assign(period=p) for p, r in index_periods.items()],
            ignore_index=True,
        )
        if index_periods
        else pd.DataFrame(columns=["area_code", "class", "period"])
    )
    types_scope = types[types["area_code"].isin(scope)]
    police_cls = pd.DataFrame(columns=["area_code", "period", "category"])
    if not overlay.empty:
        police_cls = (
            overlay.loc[overlay["area_code"].isin(scope), ["police_code", "period", "category"]]
            .drop_duplicates()
            .rename(columns={"police_code": "area_code"})
        )
    for goal in gf.goals:
        try:
            area_types = types_scope
            sel = getattr(goal, "areas", None)
            if sel is not None and getattr(sel, "source", None) == "area_type":
                if getattr(sel, "method", method.id) != method.id:
                    raise ConfigError(f"goal uses method {sel.method}")
                table = index_table(ind_all, method)
                table = table[table["period"].isin(list(index_periods))]
                anch = anchored_classes(table, method=method, base_period=str(goal.base_year))
                area_types = anch.rename(columns={"class_anchored": "class"})
                area_types = area_types[area_types["area_code"].isin(scope)]
            if isinstance(goal, GapGoal) and goal.method != method.id:
                raise ConfigError(f"goal uses method {goal.method}")
            ind = ind_all[ind_all["area_code"].isin(scope)]
            if isinstance(goal, IndicatorGoal):
                ind = ind_all
            hist = goal_history(
                goal, indicators=ind, area_types=area_types, classifications=police_cls
            )
            if hist.empty:
                continue
            rows.append(goal_status(goal, hist, language=lang).as_dict())  # type: ignore[arg-type]
        except (OmradesbildError, KeyError, ValueError):
            continue
    note = None if rows else text("goals_none", lang)
    return pd.DataFrame(rows), note


def load_site_data(
    store: Any,
    *,
    level: str = "regso",
    version: str | None = None,
    period: str | None = None,
    lang: str = "sv",
    method: str | IndexMethod = "scb-omradestyp",
    threshold: int = 5,
    areas: Sequence[str] | None = None,
    kommun: str | None = None,
    draws: int = 500,
    seed: int = 0,
    base_version: str = "deso2018",
    simplify_m: float = 25.0,
    goals_path: Path | None = None,
) -> SiteData:
    """Read and compute everything the site shows (one pass over the store).

    Parameters
    ----------
    store
        An open :class:`~omradesbild.store.Store`.
    level, version
        The areas profiled (default RegSO 2020).
    period
        The year of the picture; default the latest year in which the index can be computed.
    lang
        ``"sv"`` or ``"en"``.
    method
        Index method id, path or object.
    threshold
        Disclosure threshold (counts below it are suppressed).
    areas
        Only these area codes get a profile page (the overview still covers the scope).
    kommun
        Restrict the scope (overview and profiles) to one kommun's areas; the index's
        reference distribution stays every area of the level in the store.
    draws, seed
        Monte-Carlo settings of the rank intervals.
    base_version
        Version of the observations aggregated to ``level``.
    simplify_m
        Display simplification tolerance in metres.
    goals_path
        Goal file (default the shipped example).
    """
    from omradesbild import __version__ as pkg_version
    from omradesbild.areas.codes import kommun_of
    from omradesbild.followup import crosstab_police_types, trend
    from omradesbild.index import load_method
    from omradesbild.index.uncertainty import monte_carlo
    from omradesbild.indicators import default_catalogue, reference_values
    from omradesbild.services.pipeline import area_indicators, index_table, resolve_version
    from omradesbild.wording import check_lang

    lang = check_lang(lang)
    m = method if isinstance(method, IndexMethod) else load_method(method)
    version = resolve_version(store, level, version)
    all_areas = store.areas(level=level, version=version)
    if all_areas.empty:
        raise NotFoundError(f"the store holds no {level} areas of version {version}")

    def _kommun(code: str) -> str | None:
        try:
            return kommun_of(code)
        except Exception:
            return None

    all_areas = all_areas.assign(kommun_code=[_kommun(str(c)) for c in all_areas["area_code"]])
    scope_areas = all_areas
    if kommun:
        scope_areas = all_areas[all_areas["kommun_code"] == kommun]
        if scope_areas.empty:
            raise NotFoundError(f"the store holds no {level} areas ({version}) in kommun {kommun}")
    scope = set(scope_areas["area_code"].astype(str))
    if areas:
        missing = sorted(set(areas) - scope)
        if missing:
            raise NotFoundError(
                f"areas not found among the {level} areas ({version})"
                + (f" of kommun {kommun}" if kommun else "")
                + f": {', '.join(missing[:10])}"
            )
        profile_codes = sorted(set(areas))
    else:
        profile_codes = sorted(scope)

    ind_all = area_indicators(store, level=level, version=version, base_version=base_version)
    idx_periods = _index_by_period(ind_all, m)
    if not idx_periods:
        raise NotFoundError(
            f"index {m.id!r} cannot be computed for {level} in any period: the variables it "
            "needs are not in the store"
        )
    if period is None:
        period = max(idx_periods, key=lambda p: (idx_periods[p]["score"].notna().sum() > 0, p))
    period = str(period)
    if period not in idx_periods:
        raise NotFoundError(
            f"index {m.id!r} cannot be computed for {level} in {period}; periods with the "
            f"index: {', '.join(sorted(idx_periods))}"
        )
    index = idx_periods[period]
    n_reference = int(index["score"].notna().sum())

    # Monte-Carlo rank intervals over the whole reference distribution.
    ind_p = ind_all[ind_all["period"] == period]
    table = index_table(ind_p, m).drop(columns="period")
    se_long = ind_p.assign(value=(ind_p["ci_high"] - ind_p["ci_low"]) / 3.92)
    se = index_table(se_long, m).drop(columns="period").fillna(0.0)
    norms = list(dict.fromkeys([m.normalisation.method, "zscore", "percentrank_inc"]))
    try:
        unc, unc_summary = monte_carlo(
            table,
            method=m,
            id_column="area_code",
            draws=draws,
            seed=seed,
            normalisations=norms,
            indicator_se=se,
        )
    except OmradesbildError:
        unc, unc_summary = pd.DataFrame({"area_code": index["area_code"]}), {"draws": 0}

    # References (kommun, country) for every period, from the base observations.
    obs = store.observations(area_version=base_version)
    refs = reference_values(obs)
    kommuner = set(scope_areas["kommun_code"].dropna())
    refs = refs[(refs["level"] == "country") | refs["area_code"].isin(kommuner)]

    ind_scope = ind_all[ind_all["area_code"].isin(scope)]
    ind_pub = _disclose(ind_scope, threshold)
    refs_pub = _disclose(refs, threshold)

    cat = default_catalogue()
    cat_names = {i: (cat.get(i).name_en if lang == "en" else cat.get(i).name_sv) for i in cat.ids}
    components = sorted({i.source_column for i in m.indicators} | {f.column for f in m.fallbacks})
    tr_in = ind_scope[ind_scope["indicator"].isin(components)]
    n_per = tr_in.groupby(["area_code", "indicator"])["period"].nunique()
    trends = pd.DataFrame(columns=["area_code", "indicator", "direction", "slope"])
    if len(n_per) and n_per.max() >= 3:
        with contextlib.suppress(OmradesbildError):
            trends = trend(tr_in)

    # Area-type history (relative classes per period).
    type_history = pd.concat(
        [r[["area_code", "class"]].assign(period=p) for p, r in idx_periods.items()],
        ignore_index=True,
    )
    type_history = type_history[type_history["area_code"].isin(scope)]

    listed, police_periods, police_known, overlay = _police(
        store, level=level, version=version, base_version=base_version, codes=scope
    )

    geojson, dissolved = _geometry(
        store,
        level=level,
        version=version,
        base_version=base_version,
        codes=scope,
        tolerance=simplify_m,
    )
    with_geo = {f["id"] for f in geojson["features"]} if geojson else set()
    scope_areas = scope_areas.assign(
        has_geometry=scope_areas["area_code"].astype(str).isin(with_geo)
    )

    # Population (total residents) per area in the period.
    population = pd.Series(dtype="float64")
    for pi in _POPULATION_INDICATORS:
        sub = ind_scope[(ind_scope["indicator"] == pi) & (ind_scope["period"] == period)]
        if not sub.empty:
            population = sub.set_index("area_code")["denominator"].astype("float64")
            break
    index_scope = index[index["area_code"].isin(scope)]
    pop_types = population_by_type(index_scope, population, threshold=threshold)

    gap_rows = []
    for g in GAP_GROUPS:
        sub = ind_scope[(ind_scope["indicator"] == g) & (ind_scope["period"] == period)]
        if not sub.empty:
            gap_rows.append(
                pd.DataFrame(
                    {
                        "group": g,
                        "area_code": sub["area_code"],
                        "x": sub["numerator"],
                        "t": sub["denominator"],
                    }
                )
            )
    gaps = (
        segregation_indices(pd.concat(gap_rows, ignore_index=True))
        if gap_rows
        else segregation_indices(pd.DataFrame(columns=["group", "area_code", "x", "t"]))
    )

    names = scope_areas.set_index("area_code")["name"].fillna(
        scope_areas.set_index("area_code").index.to_series()
    )
    priority = priority_list(
        index_scope, trends, names, method=m, lang=lang, catalogue_names=cat_names
    )

    police_types = pd.DataFrame()
    if not listed.empty:
        try:
            police_types = crosstab_police_types(listed, type_history, population=population)
        except OmradesbildError:
            police_types = pd.DataFrame()

    goals, goals_note = _goals(
        goals_path=goals_path,
        lang=lang,
        ind_all=ind_all,
        index_periods=idx_periods,
        scope=scope,
        overlay=overlay,
        method=m,
    )

    sources = store.sources()
    publishers = " ".join(sources["publisher"].astype(str))
    info = {
        "method": f"{m.id} {m.version}",
        "method_title": m.title_en if lang == "en" else m.title_sv,
        "catalogue": f"indicator catalogue v{cat.version}" if hasattr(cat, "version") else "",
        "package": f"omradesbild {pkg_version}",
        "monte_carlo": f"{unc_summary.get('draws', 0)} draws, seed {seed}",
        "threshold": str(threshold),
    }
    return SiteData(
        level=level,
        version=version,
        base_version=base_version,
        period=period,
        lang=lang,
        method=m,
        threshold=threshold,
        areas=scope_areas.reset_index(drop=True),
        profile_codes=profile_codes,
        indicators=ind_pub,
        references=refs_pub,
        index=index,
        uncertainty=unc,
        uncertainty_summary=unc_summary,
        n_reference=n_reference,
        type_history=type_history,
        police=listed,
        police_periods=police_periods,
        police_known=police_known,
        geojson=geojson,
        geometry_dissolved=dissolved,
        sources=sources,
        method_info=info,
        gaps=gaps,
        pop_by_type=pop_types,
        priority=priority,
        police_types=police_types,
        goals=goals,
        goals_note=goals_note,
        trends=trends,
        synthetic="syntetisk" in publishers.lower(),
        extra={"catalogue_names": cat_names, "population": population},
    )
