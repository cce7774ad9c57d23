"""Which areas are on the Police's list per year, and the list next to the area types.

Re-exported by :mod:`omradesbild.followup.police`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from omradesbild.errors import InputError
from omradesbild.followup._common import (
    as_text,
    group_sums,
    period_to_year,
    require_columns,
    sort_periods,
)
from omradesbild.followup._police_common import (
    _SEVERITY,
    CATEGORY_ORDER,
    CROSSTAB_COLUMNS,
    DEFAULT_THRESHOLD,
    FLAG_COLUMNS,
    LISTED_COLUMNS,
    NOT_LISTED,
    STATUS_COLUMNS,
    _check_threshold,
)
from omradesbild.wording import Message


def listed_areas(overlay: pd.DataFrame, *, threshold: float = DEFAULT_THRESHOLD) -> pd.DataFrame:
    r"""Per area and year: the total share inside police polygons, and whether it is listed.

    Parameters
    ----------
    overlay
        Output of :func:`overlay_police` or :func:`police_list_from_links`.
    threshold
        An area is on the list for a year when its total share is at least this.

    Returns
    -------
    DataFrame
        :data:`LISTED_COLUMNS`, one row per area and period that touches the list.
        ``share`` is the summed population share (area share without population; NaN for
        link-based rows, which are listed). ``category`` is the category with the largest
        share (ties: the more severe one), ``police_code`` the polygon with the largest share.

    Notes
    -----
    :math:`S = \min(1, \sum_P s_P)` over the year's police polygons :math:`P`; listed
    when :math:`S \ge` threshold. Summing lets an area split between two adjacent police
    areas count.
    """
    _check_threshold(threshold)
    require_columns(overlay, ("area_code", "period", "police_code", "category"), what="overlay")
    o = overlay.copy()
    sp = pd.to_numeric(o["share_population"], errors="coerce") if "share_population" in o else None
    sa = pd.to_numeric(o["share_area"], errors="coerce") if "share_area" in o else None
    share = np.full(len(o), np.nan)
    if sa is not None:
        share = sa.to_numpy(dtype=float)
    if sp is not None:
        spv = sp.to_numpy(dtype=float)
        share = np.where(np.isfinite(spv), spv, share)
    o["_s"] = share
    o["_flag"] = o["on_list"].astype(bool) if "on_list" in o else True
    o["_sev"] = o["category"].map(_SEVERITY).fillna(len(_SEVERITY)).astype(int)
    o["period"] = o["period"].astype(str)
    keys = ["area_code", "period"]
    by_cat = (
        o.groupby([*keys, "category", "_sev"], sort=False)["_s"]
        .sum(min_count=1)
        .reset_index()
        .assign(_sk=lambda d: d["_s"].fillna(0.0))
        .sort_values([*keys, "_sk", "_sev"], ascending=[True, True, False, True], kind="mergesort")
        .drop_duplicates(keys)
    )
    best_poly = (
        o.assign(_sk=o["_s"].fillna(0.0))
        .sort_values([*keys, "_sk", "_sev"], ascending=[True, True, False, True], kind="mergesort")
        .drop_duplicates(keys)[[*keys, "police_code"]]
    )
    by_key = o.groupby(keys, sort=False)
    tot = by_key["_flag"].any().to_frame("any_flag")
    tot.insert(0, "share", group_sums(by_key, o["_s"]))
    tot = tot.reset_index()
    tot["share"] = tot["share"].clip(upper=1.0)
    out = tot.merge(by_cat[[*keys, "category"]], on=keys).merge(best_poly, on=keys)
    out["on_list"] = np.where(
        out["share"].notna(), out["share"] >= threshold - 1e-12, out["any_flag"]
    ).astype(bool)
    out = out.sort_values(keys, kind="mergesort")
    return out[list(LISTED_COLUMNS)].reset_index(drop=True)


def _types_for_periods(
    area_types: pd.DataFrame, periods: Sequence[str], type_column: str
) -> pd.DataFrame:
    """Area type per area for each period: the same period, else the nearest one
    (ties: the later)."""
    require_columns(area_types, ("area_code", type_column), what="area types")
    t = pd.DataFrame(
        {
            "area_code": area_types["area_code"].astype(str).to_numpy(),
            "area_type": pd.to_numeric(area_types[type_column], errors="coerce").to_numpy(),
            "type_period": area_types["period"].astype(str).to_numpy()
            if "period" in area_types.columns
            else None,
        }
    )
    t = t.loc[t["area_type"].notna()]
    if "period" not in area_types.columns:
        if t["area_code"].duplicated().any():
            raise InputError(
                Message("err_ana_types_no_period_twice"),
                field="area_code",
                expected=Message("exp_ana_one_type"),
            )
        return pd.concat([t.assign(period=p) for p in periods], ignore_index=True)
    available = sort_periods(t["type_period"].unique())
    years = {p: period_to_year(p) for p in available}
    parts = []
    for p in periods:
        y = period_to_year(p)
        if p in years:
            chosen = p
        elif available:
            chosen = min(available, key=lambda q: (abs(years[q] - y), -years[q]))
        else:
            continue
        parts.append(t.loc[t["type_period"] == chosen].assign(period=p))
    if not parts:
        return t.assign(period=None).iloc[0:0]
    out = pd.concat(parts, ignore_index=True)
    if out.duplicated(["area_code", "period"]).any():
        raise InputError(
            Message("err_ana_types_twice_period"),
            field="area_code",
            expected=Message("exp_ana_one_type_period"),
        )
    return out


def _listed_only(listed: pd.DataFrame) -> pd.DataFrame:
    require_columns(listed, ("area_code", "period", "category"), what="list of areas")
    frame = listed
    if "on_list" in frame.columns:
        frame = frame.loc[frame["on_list"].astype(bool)]
    out = pd.DataFrame(
        {
            "area_code": frame["area_code"].astype(str).to_numpy(),
            "period": frame["period"].astype(str).to_numpy(),
            "category": frame["category"].astype(str).to_numpy(),
        }
    )
    out["_sev"] = out["category"].map(_SEVERITY).fillna(len(_SEVERITY))
    out = out.sort_values(["area_code", "period", "_sev"], kind="mergesort")
    return out.drop_duplicates(["area_code", "period"]).drop(columns="_sev")


def crosstab_police_types(
    listed: pd.DataFrame,
    area_types: pd.DataFrame,
    *,
    population: pd.Series | None = None,
    type_column: str = "class",
    periods: Iterable[str | int] | None = None,
) -> pd.DataFrame:
    """Police category × area type per year: number of areas and residents.

    Parameters
    ----------
    listed
        Areas on the list: ``area_code, period, category`` (rows with ``on_list`` false are
        dropped), e.g. :func:`listed_areas`.
    area_types
        ``area_code``, ``type_column`` (e.g. ``class`` from the index, 1–5) and optionally
        ``period``. Each police year uses the types of the same period, else of the nearest
        one (e.g. 2025's list with 2024's types).
    population
        Residents per area (indexed by ``area_code``), for the ``population`` column.
    type_column
        The area-type column.
    periods
        Police years (default: those of ``listed``).

    Returns
    -------
    DataFrame
        :data:`CROSSTAB_COLUMNS`, long: every combination of period, category
        (``sarskilt_utsatt``, ``utsatt``, ``risk``, ``not_listed``) and area type, with
        zeros. ``population`` is NaN without ``population``. Areas without a type are left
        out. An area listed in two categories in one year counts in the more severe one.
    """
    on = _listed_only(listed)
    plist = sort_periods(periods if periods is not None else on["period"].unique())
    types = _types_for_periods(area_types, plist, type_column)
    j = types.merge(on, on=["area_code", "period"], how="left")
    j["category"] = j["category"].fillna(NOT_LISTED)
    if population is not None:
        pop = (
            pd.Series(
                pd.to_numeric(population, errors="coerce").to_numpy(dtype=float),
                index=population.index.astype(str),
            )
            .groupby(level=0)
            .first()
        )
        j["population"] = j["area_code"].map(pop).astype(float)
    else:
        j["population"] = np.nan
    j["area_type"] = j["area_type"].astype(int)
    keys = ["period", "category", "area_type"]
    if population is not None:
        g = j.groupby(keys).agg(
            n_areas=("area_code", "size"), population=("population", lambda s: s.sum(min_count=1))
        )
    else:  # the counts alone (a sum of missing values is missing)
        g = j.groupby(keys).size().to_frame("n_areas").assign(population=np.nan)
    cats = [*CATEGORY_ORDER, NOT_LISTED]
    extra = sorted(set(j["category"]) - set(cats))
    tps = sorted(int(v) for v in j["area_type"].unique())
    full = pd.MultiIndex.from_product(
        [plist, cats + extra, tps], names=["period", "category", "area_type"]
    )
    g = g.reindex(full)
    g["n_areas"] = g["n_areas"].fillna(0).astype(int)
    if population is not None:
        g["population"] = g["population"].fillna(0.0)
    out = g.reset_index()
    return out[list(CROSSTAB_COLUMNS)]


def police_flags(
    listed: pd.DataFrame,
    area_types: pd.DataFrame,
    *,
    vulnerable: Sequence[int] = (1, 2),
    not_vulnerable: Sequence[int] = (3, 4, 5),
    type_column: str = "class",
    periods: Iterable[str | int] | None = None,
) -> pd.DataFrame:
    """Where the Police's list and the socioeconomic area types disagree, per area and year.

    Parameters
    ----------
    listed, area_types, type_column
        As in :func:`crosstab_police_types` (the list, and the area types of the same or
        nearest period).
    vulnerable, not_vulnerable
        Area types that count as socioeconomically vulnerable (SCB types 1–2) and as not
        vulnerable (3–5).
    periods
        The police years (default: those of ``listed``); "never" and "earlier" refer to
        these years.

    Returns
    -------
    DataFrame
        :data:`FLAG_COLUMNS`, one row per typed area and police year. Flags:

        * ``left_list_still_vulnerable`` — listed in an earlier year, not now, type in
          ``vulnerable``;
        * ``vulnerable_never_listed`` — type in ``vulnerable`` now, listed in none of the
          years;
        * ``listed_not_vulnerable`` — listed now, type in ``not_vulnerable``.

        The three exclude each other; ``flag`` names the one that is set (or ``None``).
    """
    on = _listed_only(listed)
    plist = sort_periods(periods if periods is not None else on["period"].unique())
    types = _types_for_periods(area_types, plist, type_column)
    j = types.merge(on, on=["area_code", "period"], how="left")
    j["listed"] = j["category"].notna()
    order = {p: i for i, p in enumerate(plist)}
    j["_ord"] = j["period"].map(order).astype(int)
    on_in = on.loc[on["period"].isin(order)]
    first_listed = on_in.assign(_ord=on_in["period"].map(order)).groupby("area_code")["_ord"].min()
    first = j["area_code"].map(first_listed)
    ever = first.notna().to_numpy()
    earlier = (first < j["_ord"]).fillna(False).to_numpy(dtype=bool)
    listed_now = j["listed"].to_numpy(dtype=bool)
    vuln = j["area_type"].isin(list(vulnerable)).to_numpy()
    notv = j["area_type"].isin(list(not_vulnerable)).to_numpy()
    j["left_list_still_vulnerable"] = earlier & ~listed_now & vuln
    j["vulnerable_never_listed"] = vuln & ~ever
    j["listed_not_vulnerable"] = listed_now & notv
    flag = np.full(len(j), None, dtype=object)
    for name in ("left_list_still_vulnerable", "vulnerable_never_listed", "listed_not_vulnerable"):
        flag[j[name].to_numpy(dtype=bool)] = name
    j["flag"] = as_text(flag)
    j["category"] = as_text(j["category"].where(j["category"].notna(), None))
    j["area_type"] = j["area_type"].astype(int)
    j = j.sort_values(["area_code", "_ord"], kind="mergesort")
    return j[list(FLAG_COLUMNS)].reset_index(drop=True)


def police_status(
    listed: pd.DataFrame,
    overlay: pd.DataFrame,
    *,
    areas: Iterable[str],
    years: Iterable[str | int],
) -> pd.DataFrame:
    """Each area's police category in every year, with the basis of the decision.

    Parameters
    ----------
    listed
        :func:`listed_areas`' result (the threshold already applied).
    overlay
        The rows it was computed from (:func:`overlay_police`,
        :func:`police_shares_from_links` or :func:`police_list_from_links`).
    areas, years
        The areas analysed and the stored police years.

    Returns
    -------
    DataFrame
        :data:`STATUS_COLUMNS`, one row per area and year: ``category`` (:data:`NOT_LISTED`
        when not on that year's list), ``share`` (of residents, or of surface without
        population; NaN for lists linked without shares) and ``basis`` (``polygon`` —
        share inside the polygons; ``links_population`` / ``links_equal`` — share linked
        to the list's codes; ``links`` — every linked area).
    """
    ys = sort_periods(str(y) for y in years)
    grid = pd.MultiIndex.from_product(
        [sorted({str(a) for a in areas}), ys], names=["area_code", "period"]
    ).to_frame(index=False)
    year_basis = (
        overlay.assign(period=overlay["period"].astype(str)).groupby("period")["basis"].first()
        if not overlay.empty
        else pd.Series(dtype=object)
    )
    lst = listed.assign(
        area_code=listed["area_code"].astype(str), period=listed["period"].astype(str)
    )
    out = grid.merge(lst[["area_code", "period", "category", "share", "on_list"]], how="left",
                     on=["area_code", "period"])  # fmt: skip
    on = out["on_list"].fillna(False).astype(bool)
    out["category"] = as_text(out["category"].where(on, NOT_LISTED))
    out["share"] = pd.to_numeric(out["share"], errors="coerce")
    out["basis"] = as_text(out["period"].map(year_basis).where(lambda b: b.notna(), None))
    out.loc[out["share"].isna() & ~on & (out["basis"] != "links"), "share"] = 0.0
    return out[list(STATUS_COLUMNS)].reset_index(drop=True)
