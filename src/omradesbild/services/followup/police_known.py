"""Police years that cannot decide an area, and areas that hold most of a police area.

Helpers of :func:`omradesbild.services.followup.police.police_analysis`: which analysed
areas each police year cannot decide (``not_known``), the cross-tab and flags over the
years that can, and the areas listed because a police area lies (mostly) inside them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from omradesbild.config import BASE_VERSION, POLICE_SHARE_THRESHOLD, POLICE_SURFACE_BAND
from omradesbild.followup._common import among
from omradesbild.followup.police_links import police_names_meet
from omradesbild.followup.police_types import crosstab_police_types as _crosstab
from omradesbild.followup.police_types import police_flags
from omradesbild.services.followup._common import POLICE_SCHEME
from omradesbild.store import Store
from omradesbild.wording import Message, level_noun

#: Category of an area in a police year the stored data cannot decide: no polygon under
#: the area that year, or a list entry without area codes in the area's kommun.
NOT_KNOWN = "not_known"

#: The three flags of :func:`~omradesbild.followup.police.police_flags`, in order.
FLAG_KEYS: tuple[str, ...] = (
    "left_list_still_vulnerable",
    "vulnerable_never_listed",
    "listed_not_vulnerable",
)


def contained(
    overlay: pd.DataFrame, listed: pd.DataFrame, population: pd.Series, *, threshold: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    r"""List an area that holds most of a police area, though little of the area lies in it.

    Notes
    -----
    The residents of police polygon :math:`P` inside area :math:`A` are
    :math:`r_{AP} = s_{AP}\,n_A` (:math:`s_{AP}` the share of :math:`A`'s residents inside
    :math:`P`, :math:`n_A` its residents). When :math:`r_{AP} / \sum_{A'} r_{A'P}` (the
    share of the police area's residents, over the analysed areas) is at least the
    threshold, :math:`A` is listed with :math:`P`'s category and basis ``polygon_inside``:
    e.g. the Police's Storvreten lies 99 % inside RegSO Storvreten but holds 12 % of its
    residents. Rows without a population share are left as they are.
    """
    hold = held_rows(overlay, listed, population, threshold=threshold)
    if hold.empty:
        return overlay, listed
    overlay = overlay.copy()
    overlay.loc[hold.index, "on_list"] = True
    overlay.loc[hold.index, "basis"] = "polygon_inside"
    return overlay, list_held(listed, hold)


def held_rows(
    overlay: pd.DataFrame, listed: pd.DataFrame, population: pd.Series, *, threshold: float
) -> pd.DataFrame:
    """The polygon rows of ``overlay`` (its index kept) whose area holds at least
    ``threshold`` of the police area's residents and is not yet on the list that period
    (see :func:`contained`); columns ``area_code``, ``period``, ``police_code``,
    ``category``, ``r`` and ``inside``. Empty when there are none."""
    if overlay.empty or "share_population" not in overlay:
        return overlay.iloc[0:0]
    poly = overlay["basis"].astype(str) == "polygon"
    o = overlay.loc[poly, ["area_code", "period", "police_code", "category"]].copy()
    sp = pd.to_numeric(overlay.loc[poly, "share_population"], errors="coerce")
    o["r"] = sp.to_numpy(float) * o["area_code"].astype(str).map(population).to_numpy(float)
    o = o.loc[o["r"].notna()]
    if o.empty:
        return o
    o["inside"] = o["r"] / o.groupby(["period", "police_code"])["r"].transform("sum")
    hold = o.loc[o["inside"] >= threshold - 1e-12]
    if hold.empty:
        return hold
    on = listed.loc[listed["on_list"].astype(bool), ["area_code", "period"]].astype(str)
    done = set(zip(on["area_code"], on["period"], strict=True))
    pairs = zip(hold["area_code"].astype(str), hold["period"].astype(str), strict=True)
    return hold.loc[[pair not in done for pair in pairs]]


def list_held(listed: pd.DataFrame, hold: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``listed`` with every row of a held (area, period) of ``hold``
    (:func:`held_rows`) on the list, with the last held row's category and police area."""
    listed = listed.copy()
    held = hold.assign(_a=hold["area_code"].astype(str), _p=hold["period"].astype(str))
    held = held.drop_duplicates(["_a", "_p"], keep="last").set_index(["_a", "_p"])
    rows = pd.MultiIndex.from_arrays(
        [listed["area_code"].astype(str), listed["period"].astype(str)]
    )
    at = held.index.get_indexer(rows)
    hit = at >= 0
    if hit.any():
        listed.loc[hit, "on_list"] = True
        listed.loc[hit, "category"] = held["category"].to_numpy()[at[hit]]
        listed.loc[hit, "police_code"] = held["police_code"].to_numpy()[at[hit]]
    return listed


def surface_undecided(
    overlay: pd.DataFrame,
    listed: pd.DataFrame,
    *,
    threshold: float,
    band: tuple[float, float] = POLICE_SURFACE_BAND,
) -> dict[str, set[str]]:
    """Per police year, the areas whose share rests on surface alone and lies in ``band``.

    An area's share rests on surface alone when none of its polygon rows that year has a
    population share (no residents stored under it). Such a share in
    ``[threshold - band[0], threshold + band[1])`` cannot say whether most of the area's
    residents live inside (:data:`~omradesbild.config.POLICE_SURFACE_BAND`).
    """
    if overlay.empty or listed.empty:
        return {}
    poly = overlay.loc[overlay["basis"].astype(str) == "polygon"]
    if poly.empty:
        return {}
    has_pop = (
        pd.to_numeric(poly["share_population"], errors="coerce")
        .notna()
        .groupby([poly["area_code"].astype(str), poly["period"].astype(str)])
        .any()
    )
    surface = {k for k, v in has_pop.items() if not v}
    lo, hi = threshold - band[0], threshold + band[1]
    out: dict[str, set[str]] = {}
    for a, p, share in listed[["area_code", "period", "share"]].itertuples(index=False):
        s = float(share) if pd.notna(share) else float("nan")
        if (str(a), str(p)) in surface and lo - 1e-12 <= s < hi - 1e-12:
            out.setdefault(str(p), set()).add(str(a))
    return out


def _kommun_of(store: Store, level: str, version: str) -> pd.Series:
    """The kommun code of each area of a layer (code prefix, else its kommun parent)."""
    a = store.areas(level=level, version=version)
    codes = a["area_code"].astype(str)
    prefix = codes.str[:4].where(codes.str[:4].str.isdigit())
    parent = a["parent_code"].where(a["parent_level"] == "kommun")
    return pd.Series(prefix.fillna(parent).to_numpy(), index=codes.to_numpy())


def _area_kommun(store: Store, level: str, version: str) -> pd.Series:
    """The kommun of each area of the analysed layer, by the names service's one rule (a
    district's code, e.g. Göteborg's primärområde 703, says nothing of its kommun)."""
    from omradesbild.services.names import area_kommuner

    codes = store.areas(level=level, version=version)["area_code"].astype(str)
    return pd.Series(area_kommuner(store, codes, level=level, version=version), dtype=object)


def unknown_by_year(
    store: Store,
    links_all: pd.DataFrame,
    years: list[str],
    link_years: set[str],
    covered: set[str],
    analysed: set[str],
    listed: pd.DataFrame,
    *,
    level: str,
    version: str,
) -> dict[str, set[str]]:
    """Per police year, the analysed areas it cannot decide.

    A year with polygons cannot decide an area without DeSO polygons under it. A list
    without polygons cannot decide an area it does not list in a kommun where one of its
    entries has no link to any area code (e.g. a name the list gives without codes).
    """
    out: dict[str, set[str]] = {}
    cls = store.classifications(scheme=POLICE_SCHEME)
    kommun: pd.Series | None = None
    on = listed.loc[listed["on_list"].astype(bool)] if "on_list" in listed else listed
    for y in years:
        if y not in link_years:
            out[y] = analysed - covered
            continue
        c = cls.loc[cls["period"].astype(str) == y]
        linked = set(links_all.loc[links_all["from_version"].isin(set(c["version"])),
                                   "from_code"].astype(str))  # fmt: skip
        entries = c.loc[~c["area_code"].astype(str).isin(linked)]
        if entries.empty:
            continue
        lk = _kommun_of(store, "police_area", str(entries["version"].iloc[0]))
        unplaced = {str(lk.get(str(e), str(e)[:4])) for e in entries["area_code"].astype(str)}
        if kommun is None:
            kommun = _area_kommun(store, level, version)
        listed_y = set(on.loc[on["period"].astype(str) == y, "area_code"].astype(str))
        out[y] = {a for a in analysed - listed_y if kommun.get(a) in unplaced}
    return out


def same_name_undecided(
    store: Store,
    overlay: pd.DataFrame,
    listed: pd.DataFrame,
    link_years: set[str],
    *,
    level: str,
    version: str,
) -> dict[str, set[str]]:
    """Per list year without polygons, the areas its codes cannot decide.

    An area that a year with polygons lists inside a police area, and that a list without
    polygons does not reach although it names a police area of the same name in the same
    kommun, cannot be said to have left (or joined) the list: the later list's codes are
    linked by name (e.g. the 2025 list's approximate RegSO codes) and its boundary is not
    published. E.g. Svartedalen, inside the Police's Biskopsgården in 2023; the 2025 list
    names Biskopsgården with codes that reach Norra and Södra Biskopsgården only. The names
    are the same when they name a place in common
    (:func:`~omradesbild.followup.police_links.police_names_meet`): Kannebäck lay inside the
    2023 polygon "Tynnered / Grevgården / Opaltorget", which the 2025 list spells
    "Tynnered/Grevegården/Opaltorget" with a code reaching Grevegården only.
    """
    if not link_years or overlay.empty:
        return {}
    polygon = overlay["basis"].astype(str).isin({"polygon", "polygon_inside"})
    was_on = overlay.loc[polygon & overlay["on_list"].astype(bool)]
    if was_on.empty:
        return {}
    pol = store.areas(level="police_area")
    pol = pol.drop_duplicates("area_code", keep="last")  # a code reused across lists
    names = pd.Series(pol["name"].astype(str).to_numpy(), index=pol["area_code"].astype(str))
    area_kommun = _area_kommun(store, level, version)
    cls = store.classifications(scheme=POLICE_SCHEME)
    on = listed.loc[listed["on_list"].astype(bool)] if "on_list" in listed else listed
    out: dict[str, set[str]] = {}
    for y in sorted(link_years):
        c = cls.loc[cls["period"].astype(str) == y]
        if c.empty:
            continue
        lk = _kommun_of(store, "police_area", str(c["version"].iloc[0]))
        codes = c["area_code"].astype(str)
        named: dict[object, list[str]] = {}  # the list's names in each kommun
        for k, n in zip(codes.map(lk), codes.map(names), strict=True):
            named.setdefault(k, []).append(str(n))
        listed_y = set(on.loc[on["period"].astype(str) == y, "area_code"].astype(str))
        for a, code in was_on[["area_code", "police_code"]].astype(str).itertuples(index=False):
            if a in listed_y or code not in names.index:
                continue
            if any(police_names_meet(names[code], n) for n in named.get(area_kommun.get(a), [])):
                out.setdefault(y, set()).add(a)
    return out


def unknown_notes(
    unknown: dict[str, set[str]],
    *,
    level: str,
    undecided: dict[str, set[str]] | None = None,
    same_name: dict[str, set[str]] | None = None,
    threshold: float = POLICE_SHARE_THRESHOLD,
) -> list[str]:
    """One note per police year that cannot decide some analysed areas, one per year with
    areas whose surface share lies in :data:`~omradesbild.config.POLICE_SURFACE_BAND`, and
    one per list year whose codes cannot decide areas (:func:`same_name_undecided`)."""
    undecided = undecided or {}
    same_name = same_name or {}
    out: list[str] = []
    for y, a in unknown.items():
        rest = a - undecided.get(y, set()) - same_name.get(y, set())
        if rest:
            out.append(Message("note_police_not_known", year=y, n=len(rest),
                               level=level_noun(level, len(rest))))  # fmt: skip
    lo, hi = threshold - POLICE_SURFACE_BAND[0], threshold + POLICE_SURFACE_BAND[1]
    for y, a in undecided.items():
        if a:
            out.append(Message("note_police_surface_undecided", year=y, n=len(a),
                               level=level_noun(level, len(a)), low=lo, high=hi))  # fmt: skip
    for y, a in same_name.items():
        if a:
            out.append(Message("note_police_same_name", year=y, n=len(a),
                               level=level_noun(level, len(a))))  # fmt: skip
    return out


def crosstab_known(
    listed: pd.DataFrame,
    types: pd.DataFrame,
    population: pd.Series,
    years: list[str],
    unknown: dict[str, set[str]],
) -> pd.DataFrame:
    """The cross-tab of each year over the areas that year can decide."""
    parts = []
    for y in years:
        t = types.loc[~types["area_code"].astype(str).isin(unknown.get(y, set()))]
        parts.append(_crosstab(listed, t, population=population, periods=[y]))
    return pd.concat(parts, ignore_index=True) if parts else _crosstab(listed, types, periods=[])


def flags_known(
    listed: pd.DataFrame, types: pd.DataFrame, years: list[str], unknown: dict[str, set[str]]
) -> pd.DataFrame:
    """The flags of each area over the years that can decide it ("on no stored list" speaks
    of those years only); a year that cannot is a row with category NOT_KNOWN, no flag."""
    codes = types["area_code"].astype(str)
    groups: dict[frozenset[str], list[str]] = {}
    for a in sorted(set(codes)):
        groups.setdefault(frozenset(y for y in years if a in unknown.get(y, set())), []).append(a)
    parts = []
    for not_known, areas in groups.items():
        t = types.loc[codes.isin(areas)]
        known = [y for y in years if y not in not_known]
        if known:
            f = police_flags(listed, t, periods=known).assign(stored_years=", ".join(known))
            parts.append(f)
        for y in sorted(not_known):
            nk = police_flags(listed.iloc[0:0], t, periods=[y]).assign(
                category=NOT_KNOWN, flag=None, stored_years=", ".join(years)
            )
            parts.append(nk.assign(**dict.fromkeys(FLAG_KEYS, False)))
    if not parts:
        return police_flags(listed, types, periods=years).assign(stored_years=", ".join(years))
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["area_code", "period"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class DrawnAreas:
    """The areas resting on DeSO polygons drawn from their successors'
    (:func:`polygons_from_successors`): the drawn DeSO themselves, or the areas a drawn DeSO
    is linked to; and the DeSO versions the polygons were drawn from (none when no area
    rests on them)."""

    areas: frozenset[str] = frozenset()
    versions: tuple[str, ...] = ()

    @classmethod
    def of(cls, areas: Collection[str], versions: Sequence[str]) -> DrawnAreas:
        """``areas`` drawn from ``versions`` (the versions kept only when there are areas)."""
        codes = frozenset(areas)
        return cls(codes, tuple(versions) if codes else ())

    def among(self, codes: Collection[str]) -> DrawnAreas:
        """Those of the areas that are among ``codes``."""
        return DrawnAreas.of(self.areas & frozenset(codes), self.versions)


#: No area rests on drawn polygons.
NOT_DRAWN = DrawnAreas()


#: A successor counts towards a DeSO's drawn polygon when at least this share of the DeSO
#: went to it (SCB's change log; equal shares where SCB gives no weights).
SUCCESSOR_MIN_SHARE = 0.25


def polygons_from_successors(
    store: Store, links_all: pd.DataFrame, base: pd.DataFrame
) -> pd.DataFrame:
    """Polygons of DeSO 2018 that have none, drawn from a later DeSO version's polygons.

    A DeSO 2018 without a polygon whose successors in SCB's change log (``scb_changes*``
    links, share of the DeSO at least :data:`SUCCESSOR_MIN_SHARE`) all have polygons gets
    their union: exact for unchanged, recoded and split areas, approximate where a boundary
    moved (the union may hold a neighbour's part). E.g. Göteborg, whose DeSO 2025 polygons
    are stored but not its DeSO 2018 ones.

    ``base`` and the result are frames of ``area_code`` and ``geometry`` (shapely polygons
    in EPSG:3006, :func:`~omradesbild.followup.police.area_geometries`); each drawn
    polygon is the union (:func:`shapely.union_all`) of its successors' in link order, the
    DeSO in code order, as :meth:`geopandas.GeoDataFrame.dissolve` gives them. The
    versions they were drawn from are the result's ``attrs["versions"]``.
    """
    import shapely

    from omradesbild.followup.police import area_geometries

    have = set(base["area_code"].astype(str).tolist())
    lk = links_all.loc[
        (links_all["from_version"] == BASE_VERSION)
        & (links_all["from_level"] == "deso")
        & links_all["method"].astype(str).str.startswith("scb_changes")
        & ~among(links_all["from_code"].astype(str), have)
        & (links_all["weight"].astype(float) >= SUCCESSOR_MIN_SHARE)
    ]
    empty = base.iloc[0:0]
    if lk.empty:
        return empty
    parts = []
    used: list[str] = []  # the versions a polygon was drawn from, in order
    for version, group in lk.groupby("to_version"):
        sql = (
            "SELECT area_code, version, geometry FROM areas WHERE level = 'deso' "
            "AND version = ? AND geometry IS NOT NULL"
        )
        g = store.con.execute(sql, [str(version)]).df()
        if g.empty:
            continue
        g["geometry"] = [bytes(x) for x in g["geometry"]]
        poly = area_geometries(g).set_index("area_code")["geometry"]
        has = group.assign(_has=group["to_code"].astype(str).isin(poly.index))
        complete = has.groupby("from_code")["_has"].all()
        ok = group.loc[group["from_code"].map(complete).astype(bool)]
        if ok.empty:
            continue
        codes = ok["from_code"].astype(str).to_numpy()
        geoms = poly.loc[ok["to_code"].astype(str)].to_numpy()
        order = np.argsort(codes, kind="stable")  # each DeSO's successors in link order
        drawn_codes, starts = np.unique(codes[order], return_index=True)
        ends = [*starts[1:].tolist(), len(order)]
        drawn = pd.DataFrame(
            {
                "area_code": drawn_codes.astype(object),
                "geometry": [
                    shapely.union_all(geoms[order[a:b]])
                    for a, b in zip(starts.tolist(), ends, strict=True)
                ],
            }
        )
        new = drawn.loc[~drawn["area_code"].isin(have), ["area_code", "geometry"]]
        if len(new):
            used.append(str(version))
        parts.append(new)
        have |= set(drawn["area_code"])
    if not parts:
        return empty
    out = pd.concat(parts, ignore_index=True)
    out.attrs["versions"] = tuple(used)
    return out
