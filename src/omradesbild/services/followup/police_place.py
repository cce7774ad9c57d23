"""Where the Police's areas of each stored year fall: the years, the base polygons, the areas.

Helpers of :func:`omradesbild.services.followup.police.police_analysis`: which police years
can be placed on a level (:func:`police_years`: polygons, or lists placed through links),
the DeSO polygons and residents under the analysed areas (:func:`targets`, :func:`place`,
:func:`targets_from_links`) and the areas analysed (:func:`widen`).

What does not depend on the areas shown (:func:`kept_stored_police`, :func:`placed_years`:
the same for every kommun's report) is kept between commands per store content
(:mod:`omradesbild.services.disk_cache`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

import pandas as pd
import shapely

from omradesbild.config import BASE_VERSION
from omradesbild.errors import NotFoundError
from omradesbild.followup._common import among, period_to_year, sort_periods
from omradesbild.followup.police import (
    area_geometries,
    police_geometries,
    police_list_from_links,
    police_shares_from_links,
)
from omradesbild.services.followup._common import POLICE_SCHEME
from omradesbild.services.followup.police_known import (
    NOT_DRAWN,
    DrawnAreas,
    polygons_from_successors,
)
from omradesbild.services.layers import missing_polygons
from omradesbild.services.links import compose_links, links_to
from omradesbild.store import Store
from omradesbild.wording import Message, both, level_noun


def areas_with_geometry(store: Store, level: str, version: str | None = None) -> pd.DataFrame:
    """``area_code, version, geometry`` (WKB) of the areas of a level that have a polygon."""
    sql = "SELECT area_code, version, geometry FROM areas WHERE level = ? AND geometry IS NOT NULL"
    params = [level]
    if version:
        sql += " AND version = ?"
        params.append(version)
    df = store.con.execute(sql + " ORDER BY version, area_code", params).df()
    df["geometry"] = [bytes(g) for g in df["geometry"]]
    return df


def area_codes(store: Store, level: str, version: str) -> list[str]:
    """The codes of the stored areas of ``level`` in ``version``, in order."""
    return store.areas(level=level, version=version)["area_code"].astype(str).tolist()


def has_areas(store: Store, level: str, version: str) -> bool:
    """Whether the store holds any area of ``level`` in ``version`` (without reading them:
    :func:`area_codes` reads every one)."""
    sql = "SELECT count(*) FROM areas WHERE level = ? AND version = ?"
    row = store.con.execute(sql, [level, version]).fetchone()
    return bool(row and row[0])


def population_near(store: Store, period: str, version: str) -> tuple[pd.Series, str | None]:
    """Population of ``version``'s areas in the stored period nearest ``period`` (ties: the
    later; of labels of one year, the first in :func:`~omradesbild.followup._common.
    sort_periods`' order, which puts a plain year first)."""
    if re.fullmatch(r"\d{4}", str(period)):  # a year held itself is the nearest: read it alone
        held = _residents(store.variable_values("pop_total", str(period), area_version=version))
        if len(held):
            return held, str(period)
    pop = store.observations(variables=["pop_total"], area_version=version)
    pop = pop.loc[pop["value"].notna()]
    if pop.empty:
        return pd.Series(dtype=float), None
    periods = sort_periods(pop["period"].unique())
    y = period_to_year(period)
    chosen = min(periods, key=lambda p: (abs(period_to_year(p) - y), -period_to_year(p)))
    return _residents(pop.loc[pop["period"] == chosen]), chosen


def _residents(rows: pd.DataFrame) -> pd.Series:
    """``value`` by ``area_code`` of the observation rows that have a value."""
    rows = rows.loc[rows["value"].notna()]
    return pd.Series(rows["value"].to_numpy(float), index=rows["area_code"].astype(str))


class _Wkb(NamedTuple):
    """A frame whose ``geometry`` was turned into WKB to be pickled (:class:`_Pickled`)."""

    frame: pd.DataFrame


class _Pickled:
    """A dataclass whose frames hold shapely polygons in ``geometry``, pickled with them as
    WKB all at once (as a GeoDataFrame is), not one polygon at a time: these results are
    kept between commands (:func:`placed_years`, :func:`kept_stored_police`)."""

    def __reduce__(self) -> tuple[Any, ...]:
        fields = {f.name: _packed(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        return (_unpickled, (type(self), fields))


def _packed(value: Any) -> Any:
    if isinstance(value, pd.DataFrame) and "geometry" in value.columns:
        return _Wkb(value.assign(geometry=shapely.to_wkb(value["geometry"].to_numpy())))
    return value


def _unpickled(cls: type, fields: dict[str, Any]) -> Any:
    def unpacked(value: Any) -> Any:
        if not isinstance(value, _Wkb):
            return value
        return value.frame.assign(geometry=shapely.from_wkb(value.frame["geometry"].to_numpy()))

    return cls(**{k: unpacked(v) for k, v in fields.items()})


@dataclass(frozen=True)
class PoliceYears(_Pickled):
    """The police areas usable up to a year: polygons (:func:`~omradesbild.followup.police.
    police_geometries`, EPSG:3006), and lists placed through links."""

    polygons: pd.DataFrame
    polygon_years: list[str]
    link_lists: dict[str, pd.DataFrame]
    years: list[str]


def list_shares(
    store: Store, links_all: pd.DataFrame, cls: pd.DataFrame, *, version: str, period: str
) -> pd.DataFrame | None:
    """A list without polygons placed on ``version`` through DeSO 2018 and stored links.

    The list's codes (e.g. RegSO 2025) are reached from DeSO 2018 through the stored links
    (SCB's change log and keys, :func:`~omradesbild.services.links.compose_links`),
    weighted by the DeSO's residents (:func:`~omradesbild.followup.police.
    police_shares_from_links`). ``None`` when no chain of links leads there.
    """
    lk = links_all.loc[links_all["from_version"].isin(set(cls["version"].astype(str)))]
    if lk.empty:
        return None
    targets = sorted(set(lk["to_version"].astype(str)))
    if len(targets) != 1:
        return None
    # the chains of links first: most often none leads there, and the list is not read
    try:
        to_codes = (
            compose_links(links_all, from_version=BASE_VERSION, to_version=targets[0])
            if targets[0] != BASE_VERSION
            else None
        )
        to_areas = (
            compose_links(links_all, from_version=BASE_VERSION, to_version=version)
            if version != BASE_VERSION
            else None
        )
    except NotFoundError:
        return None
    list_codes = pd.DataFrame(
        {
            "police_code": lk["from_code"].astype(str).to_numpy(),
            "code": lk["to_code"].astype(str).to_numpy(),
            "version": lk["from_version"].astype(str).to_numpy(),
        }
    ).merge(
        cls.assign(police_code=cls["area_code"].astype(str), version=cls["version"].astype(str))[
            ["police_code", "version", "period", "category"]
        ],
        on=["police_code", "version"],
    )
    if list_codes.empty:
        return None
    if to_codes is None:
        codes = list_codes["code"].drop_duplicates()
        to_codes = pd.DataFrame({"from_code": codes, "to_code": codes, "weight": 1.0})
    pop, _ = population_near(store, period, BASE_VERSION)
    return police_shares_from_links(
        list_codes, to_codes, base_to_areas=to_areas, population=pop if len(pop) else None
    )


@dataclass(frozen=True)
class StoredPolice(_Pickled):
    """The stored police years that can be placed on a level: every year with polygons
    (:attr:`polygons`), and the lists without polygons placed through links
    (:attr:`link_lists`, period -> overlay rows)."""

    classifications: pd.DataFrame
    polygons: pd.DataFrame
    polygon_years: list[str]
    link_lists: dict[str, pd.DataFrame]

    @property
    def placeable(self) -> list[str]:
        """The years with polygons or placed through links, in order."""
        return list(sort_periods([*self.polygon_years, *self.link_lists]))


def stored_police(
    store: Store, links_all: pd.DataFrame, *, version: str, period: str
) -> StoredPolice:
    """The stored police years and how each can be placed on ``version`` (population of
    ``period``); a :class:`NotFoundError` when the store holds no police classifications."""
    cls = store.classifications(scheme=POLICE_SCHEME)
    if cls.empty:
        raise NotFoundError(both("err_svc_no_police"))
    polys = police_geometries(areas_with_geometry(store, "police_area"), cls)
    poly_years = sort_periods(polys["period"].unique()) if not polys.empty else []
    link_years: dict[str, pd.DataFrame] = {}
    for py in sort_periods(cls["period"].unique()):
        if py in poly_years:
            continue
        c = cls.loc[cls["period"].astype(str) == py]
        shares = list_shares(store, links_all, c, version=version, period=period)
        if shares is not None:
            link_years[py] = shares
            continue
        lk = links_all.loc[
            links_all["from_version"].isin(set(c["version"])) & (links_all["to_version"] == version)
        ]
        if not lk.empty:
            link_years[py] = police_list_from_links(c, lk)
    return StoredPolice(cls, polys, poly_years, link_years)


def kept_stored_police(store: Store, *, version: str, period: str) -> StoredPolice:
    """:func:`stored_police` of every stored link, kept between commands per store content
    (:func:`~omradesbild.services.disk_cache.kept`)."""
    from omradesbild.services.disk_cache import kept

    args = {"store": store, "version": version, "period": period}
    return kept(  # type: ignore[no-any-return]
        f"{__name__}.kept_stored_police",
        args,
        lambda: stored_police(store, store.links(), version=version, period=period),
    )


class PlacedYears(NamedTuple):
    """The police years up to one placed on a level's areas, before any area is chosen:
    :func:`police_years`, :func:`place` and :func:`widen` in turn."""

    years: PoliceYears
    targets: Targets
    #: The areas analysed and their residents (:func:`widen`).
    analysed: set[str]
    population: pd.Series
    #: The notes of those steps, in order.
    notes: tuple[str, ...]
    #: What was placed: the level, its version, the last police year, the population's period.
    level: str
    version: str
    year: str
    period: str


def placed_years(
    store: Store,
    links_all: pd.DataFrame | None,
    *,
    level: str,
    version: str,
    year: str,
    period: str,
    stored: StoredPolice | None = None,
) -> PlacedYears:
    """:func:`police_years` up to ``year`` placed on ``level`` (:func:`place`) and the areas
    analysed (:func:`widen`), with their notes: the same whatever areas are then shown.

    ``links_all`` (every stored link) and ``stored`` (:func:`stored_police` of the same
    store, ``version`` and ``period``) when already read: both follow from the store, so
    the result is kept between commands per store content
    (:func:`~omradesbild.services.disk_cache.kept`) and the arguments that name it. A year
    that cannot be placed raises the :class:`NotFoundError` of :func:`police_years` or
    :func:`place` (nothing is kept).
    """
    from omradesbild.services.disk_cache import kept

    def compute() -> PlacedYears:
        lk = store.links() if links_all is None else links_all
        notes: list[str] = []
        py = police_years(store, lk, level=level, version=version, year=year, period=period,
                          stored=stored)  # fmt: skip
        tg, py = place(store, lk, py, level=level, version=version, period=period, notes=notes)
        analysed, population = widen(store, lk, py, tg, level=level, version=version,
                                     period=period, notes=notes)  # fmt: skip
        return PlacedYears(py, tg, analysed, population, tuple(notes), level, version, year, period)

    args = {"store": store, "level": level, "version": version, "year": year, "period": period}
    return kept(f"{__name__}.placed_years", args, compute)  # type: ignore[no-any-return]


def police_years(
    store: Store,
    links_all: pd.DataFrame,
    *,
    level: str,
    version: str,
    year: str,
    period: str,
    stored: StoredPolice | None = None,
) -> PoliceYears:
    """The police years up to ``year`` placed on ``level`` (``stored``: :func:`stored_police`
    of the same store, version and period, when already read); a :class:`NotFoundError`
    naming what is missing when ``year`` itself cannot be placed."""
    if stored is None:
        stored = stored_police(store, links_all, version=version, period=period)
    cls, polys, poly_years, link_years = (
        stored.classifications, stored.polygons, stored.polygon_years, stored.link_lists
    )  # fmt: skip
    if year not in poly_years and year not in link_years:
        why: Message | str = ""
        if version != BASE_VERSION:
            try:
                compose_links(links_all, from_version=BASE_VERSION, to_version=version)
            except NotFoundError:
                missing = missing_polygons(
                    store, level=level, version=version, from_version=BASE_VERSION
                )
                why = Message(
                    "err_svc_police_no_links", level=level, version=version,
                    error=Message("err_no_links", source=BASE_VERSION, target=version),
                    more=Message("err_svc_and", reason=missing) if missing else "",
                )  # fmt: skip
        raise NotFoundError(
            both("err_svc_police_not_placeable", year=year, level=level, version=version,
                 polygons=", ".join(poly_years) or Message("exp_src_none"), why=why,
                 classified=", ".join(sort_periods(cls["period"].unique())))
        )  # fmt: skip
    yr = period_to_year(year)
    years = [p for p in stored.placeable if period_to_year(p) <= yr]
    return PoliceYears(polys.loc[polys["period"].isin(years)], poly_years, link_years, years)


@dataclass(frozen=True)
class Targets(_Pickled):
    """The base polygons with population, and the target areas they cover completely.

    Polygons are frames of ``area_code`` and ``geometry`` (shapely polygons in EPSG:3006,
    :func:`~omradesbild.followup.police.area_geometries`)."""

    base: pd.DataFrame
    base_population: pd.Series | None
    area_links: pd.DataFrame | None
    all_codes: set[str]
    covered: set[str]
    population: pd.Series
    #: Polygons of the analysed areas when the store holds them (a city's own layer):
    #: the DeSO are cut by them (:func:`~omradesbild.followup.police.area_pieces`).
    polygons: pd.DataFrame | None = None
    #: The covered areas resting on DeSO polygons drawn from their successors'.
    drawn: DrawnAreas = NOT_DRAWN


def targets(
    store: Store,
    links_all: pd.DataFrame,
    *,
    level: str,
    version: str,
    period: str,
    notes: list[str],
) -> Targets:
    if not has_areas(store, "deso", BASE_VERSION):
        raise NotFoundError(both("err_no_version", level="DeSO", version=BASE_VERSION))
    base = area_geometries(areas_with_geometry(store, "deso", BASE_VERSION))
    base = base.loc[~shapely.is_empty(base["geometry"].to_numpy())].reset_index(drop=True)
    drawn = polygons_from_successors(store, links_all, base)
    drawn_deso = NOT_DRAWN
    if len(drawn):
        notes.append(Message("note_police_drawn", n=len(drawn), version=BASE_VERSION))
        drawn_deso = DrawnAreas.of(drawn["area_code"].astype(str), drawn.attrs.get("versions", ()))
        base = pd.concat([base, drawn], ignore_index=True)
    if base.empty:
        raise NotFoundError(both("err_svc_no_deso_polygon", version=BASE_VERSION))
    covered_base = set(base["area_code"].tolist())
    pop_base, pop_period = population_near(store, period, BASE_VERSION)
    if pop_period is None:
        notes.append(Message("note_police_no_population"))
    elif pop_period != period:
        notes.append(Message("note_police_population_from", used=pop_period, period=period))
    pop_arg = pop_base if pop_period is not None else None
    if level == "deso" and version == BASE_VERSION:
        codes = set(area_codes(store, "deso", BASE_VERSION))
        return Targets(base, pop_arg, None, codes, covered_base, pop_base,
                       drawn=drawn_deso.among(codes))  # fmt: skip
    # the composed links kept for the store (``links_all`` is every stored link)
    area_links = links_to(store, base_version=BASE_VERSION, level=level, version=version)
    lk = area_links[["from_code", "to_code"]].astype(str)
    under = among(lk["from_code"], covered_base)
    complete = lk.assign(ok=under).groupby("to_code")["ok"].all()
    all_codes = set(area_codes(store, level, version))
    covered = set(complete.index[complete.to_numpy(dtype=bool)])
    reached = set(lk["to_code"].to_numpy()[under].tolist())  # areas with a DeSO polygon
    partial = set(complete.index[~complete.to_numpy(dtype=bool)]) & reached
    if partial:
        notes.append(
            Message(
                "note_police_partly_covered", n=len(partial), level=level_noun(level, len(partial))
            )
        )
    area_links = area_links.loc[among(area_links["to_code"].astype(str), covered)]
    on_drawn = among(area_links["from_code"].astype(str), drawn_deso.areas) & (
        area_links["weight"].to_numpy(dtype=float) > 0
    )
    drawn_areas = DrawnAreas.of(
        area_links.loc[on_drawn, "to_code"].astype(str), drawn_deso.versions
    )
    w = area_links.assign(
        p=area_links["from_code"].astype(str).map(pop_base).astype(float)
        * area_links["weight"].astype(float)
    )
    pop_level = w.groupby(w["to_code"].astype(str))["p"].sum(min_count=1)
    polys = area_geometries(areas_with_geometry(store, level, version))
    shaped = ~shapely.is_empty(polys["geometry"].to_numpy())
    polys = polys.loc[shaped & polys["area_code"].isin(covered).to_numpy()]
    return Targets(base, pop_arg, area_links, all_codes, covered, pop_level,
                    polys.reset_index(drop=True) if len(polys) else None,
                    drawn=drawn_areas)  # fmt: skip


def place(
    store: Store,
    links_all: pd.DataFrame,
    py: PoliceYears,
    *,
    level: str,
    version: str,
    period: str,
    notes: list[str],
) -> tuple[Targets, PoliceYears]:
    """The areas to analyse: with DeSO polygons when polygon years are used, else all.

    Polygon years that cannot be placed (no DeSO polygon under any area of the level) are
    left out with a note when a list without polygons remains; otherwise the error names
    what is missing.
    """
    if py.polygons.empty:
        return targets_from_links(store, links_all, level=level, version=version,
                                   period=period), py  # fmt: skip
    try:
        tg = targets(store, links_all, level=level, version=version, period=period, notes=notes)
        if not tg.covered:
            raise NotFoundError(
                both("err_svc_no_covered_area", level=level, version=version,
                     base=BASE_VERSION)
            )  # fmt: skip
    except NotFoundError as exc:
        years = [y for y in py.years if y in py.link_lists]
        poly = sorted(set(py.polygon_years) & set(py.years))
        if not years:
            raise NotFoundError(
                both(
                    "err_svc_police_polygons_unplaced",
                    years=", ".join(poly),
                    level=level,
                    version=version,
                    error=str(exc),
                    base=BASE_VERSION,
                )
            ) from None
        notes.append(Message("note_police_polygons_left_out", polygon_years=", ".join(poly),
                             error=str(exc), years=", ".join(years)))  # fmt: skip
        py = PoliceYears(py.polygons.iloc[0:0], py.polygon_years, py.link_lists, years)
        tg = targets_from_links(store, links_all, level=level, version=version, period=period)
    return tg, py


def targets_from_links(
    store: Store, links_all: pd.DataFrame, *, level: str, version: str, period: str
) -> Targets:
    """Every area of the level, with residents summed from DeSO (no polygons needed)."""
    codes = set(area_codes(store, level, version))
    if not codes:
        raise NotFoundError(both("err_no_version", level=level, version=version))
    pop_base, _ = population_near(store, period, BASE_VERSION)
    if version == BASE_VERSION:
        pop = pop_base
    else:
        try:
            lk = compose_links(links_all, from_version=BASE_VERSION, to_version=version)
        except NotFoundError:
            lk = pd.DataFrame(columns=["from_code", "to_code", "weight"])
        w = lk.assign(
            p=lk["from_code"].astype(str).map(pop_base).astype(float) * lk["weight"].astype(float)
        )
        pop = w.groupby(w["to_code"].astype(str))["p"].sum(min_count=1)
    empty = pd.DataFrame(
        {"area_code": pd.Series([], dtype=object), "geometry": pd.Series([], dtype=object)}
    )
    return Targets(empty, None, None, codes, codes, pop)


def widen(
    store: Store,
    links_all: pd.DataFrame,
    py: PoliceYears,
    tg: Targets,
    *,
    level: str,
    version: str,
    period: str,
    notes: list[str],
) -> tuple[set[str], pd.Series]:
    """The areas analysed and their residents: those under DeSO polygons, and every area
    when a list without polygons is among the years (it is placed through links)."""
    link_years = [y for y in py.years if y in py.link_lists]
    covered, population = set(tg.covered), tg.population
    if link_years and not py.polygons.empty:
        extra = targets_from_links(store, links_all, level=level, version=version, period=period)
        poly_years = [y for y in py.years if y not in py.link_lists]
        if extra.covered - covered:
            notes.append(
                Message(
                    "note_police_widened", polygon_years=", ".join(poly_years), n=len(covered),
                    m=len(tg.all_codes), level=level_noun(level, len(tg.all_codes)),
                    link_years=", ".join(link_years),
                )
            )  # fmt: skip
        rest = extra.population.loc[~extra.population.index.isin(population.index)]
        return covered | extra.covered, pd.concat([population, rest])
    if len(covered) < len(tg.all_codes):
        notes.append(
            Message(
                "note_police_restricted",
                n=len(covered),
                m=len(tg.all_codes),
                level=level_noun(level, len(tg.all_codes)),
            )
        )
    return covered, population


def sharing_police(police: pd.DataFrame, tg: Targets, shown: frozenset[str]) -> set[str] | None:
    """The covered areas of ``tg`` that share a police polygon with one of ``shown``:
    ``shown``'s covered areas and every covered area a DeSO of which meets a police
    polygon that meets a DeSO under one of them.

    Placing these areas alone gives ``shown``'s areas the shares the whole level gives
    them: an area's share sums its own DeSO, and the share of a police area's residents an
    area holds (:func:`~omradesbild.services.followup.police_known.contained`) is weighed
    against every area under that police area. None (place every area) where the areas are
    not DeSO aggregated over links (DeSO themselves, or areas with polygons of their own,
    whose DeSO are cut by them first). Both layers are the store's, in EPSG:3006.
    """
    if tg.area_links is None or tg.polygons is not None:
        return None
    links = tg.area_links[["from_code", "to_code"]].astype(str)
    own = set(shown) & tg.covered
    if police.empty or not own:
        return own
    base = tg.base["area_code"].astype(str).to_numpy()
    at_police, at_base = shapely.STRtree(tg.base["geometry"].to_numpy()).query(
        police["geometry"].to_numpy(), predicate="intersects"
    )
    under = set(links["from_code"].to_numpy()[among(links["to_code"], own)].tolist())
    met = set(at_police[[b in under for b in base[at_base]]].tolist())
    near = set(base[at_base][[p in met for p in at_police.tolist()]].tolist())
    around = set(links["to_code"].to_numpy()[among(links["from_code"], near)].tolist())
    return own | (around & tg.covered)
