"""Pure, deterministic generation of the synthetic city *Exempelstad* (SYNTHETIC data).

Everything here is computed from one seed with :class:`numpy.random.Generator` on
:class:`numpy.random.PCG64`; no I/O, no clock, no global state. The same seed gives
bit-for-bit identical frames. :mod:`omradesbild.synthetic.writers` turns a
:class:`SyntheticCity` into files in the formats of the real sources.

Model (see ``docs/synthetic-city.md``)
--------------------------------------
Each DeSO has a latent *deprivation* ``d[a, t]`` (higher = more socioeconomically
vulnerable, roughly standard normal over the city):

    d[a, t] = d0[a] + delta[a] * ramp(t; start[a]) + e[a, t]

where ``d0 = district effect + RegSO effect + DeSO noise``, ``delta < 0`` for *improving*,
``> 0`` for *declining* and ``~0`` for *stable* areas, ``ramp`` rises linearly from 0 at the
start year to 1 in the last year, and ``e`` is small yearly noise. Every statistic is a
smooth function of ``d`` plus an area-specific offset, e.g. the low-economic-standard share
``100 * logistic(-2.3 + 0.85 d + u)``; counts are split into categories by largest-remainder
rounding so that parts sum exactly to their totals.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.random import PCG64, Generator
from shapely.geometry import LineString, MultiPoint, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import split as split_geometry

from omradesbild.sources.base import (
    AREA_COLUMNS,
    CLASSIFICATION_COLUMNS,
    LINK_COLUMNS,
    OBS_COLUMNS,
    SCB_MISSING_MARKERS,
    VARIABLE_COLUMNS,
)

# --------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------

SYNTHETIC_LABEL = "SYNTETISKA DATA – Exempelstad"
TITLE_PREFIX = "SYNTETISKA DATA – Exempelstad: "
KOMMUN_CODE = "9999"
KOMMUN_NAME = "Exempelstad (syntetisk)"
LAN_CODE = "99"
LAN_NAME = "Exempel län (syntetiskt)"
#: How the län is spelt in the crime extracts (the real files write e.g. "Skåne Län").
CRIME_LAN_NAME = "Exempel Län (syntetiskt)"
CRS = "EPSG:3006"
#: City centre in SWEREF 99 TM: open Baltic Sea east of Gotland, where no Swedish area lies.
CENTRE = (825_000.0, 6_365_000.0)

DESO_VERSION = "deso2018"
DESO2025_VERSION = "deso2025"
REGSO_VERSION = "regso2020"
DISTRICT_VERSION = "exempelstad2024"
KOMMUN_VERSION = "kommun2025"
LAN_VERSION = "lan2025"
POLICE_SCHEME = "police_uso"
#: Years in which the (synthetic) police list is published, like the real lists.
POLICE_YEARS: tuple[int, ...] = (2015, 2017, 2019, 2021, 2023, 2024, 2025)
#: Survey years: every second year 2015–2024.
SURVEY_YEARS: tuple[int, ...] = (2015, 2017, 2019, 2021, 2023)

DISTRICT_NAMES: tuple[str, ...] = (
    "Norrby",
    "Sjöstaden",
    "Kvarnbacken",
    "Ekelunda",
    "Lindhöjden",
    "Tallmoen",
    "Södervik",
    "Hagalid",
    "Östergärde",
    "Västra strand",
    "Björkåsen",
    "Granlunda",
)
_NAME_PREFIXES: tuple[str, ...] = (
    "Ek", "Björk", "Lind", "Gran", "Tall", "Asp", "Al", "Sjö", "Berg", "Dal", "Hag", "Äng",
    "Bäck", "Sten", "Lund", "Ros", "Värn", "Fur", "Hassel", "Lönn", "Rönn", "Sol", "Kvarn",
    "Mjöl", "Hav", "Strand", "Fält", "Mosse", "Kärr", "Vide",
)  # fmt: skip
_NAME_SUFFIXES: tuple[str, ...] = (
    "backen", "dalen", "hagen", "lunda", "gården", "vik", "berga", "torp", "höjden", "ängen",
    "näs", "holmen", "by", "åsen", "parken", "slätten", "lid", "mo",
)  # fmt: skip

#: Age bands of table 000005FF: (header label, variable id, lowest age, highest age or None).
AGE_BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    *((f"{lo}-{lo + 4} år", f"pop_age_{lo}_{lo + 4}", lo, lo + 4) for lo in range(0, 85, 5)),
    ("85+ år", "pop_age_85_plus", 85, None),
)
_AGE_BASE = np.array(
    [5.8, 6.0, 6.0, 5.7, 6.0, 7.0, 7.0, 6.7, 6.4, 6.6, 6.4, 6.0, 5.7, 5.5, 5.2, 4.4, 2.8, 2.6]
)
# How each band reacts to the "young population" factor (children +, elderly -).
_AGE_TILT = np.array(
    [1.0, 1.0, 1.0, 0.9, 0.5, 0.4, 0.4, 0.4, 0.3, 0.1, -0.3, -0.5, -0.6, -0.8, -1.1, -1.3, -1.4,
     -1.5]
)  # fmt: skip
# Students and young adults concentrate in the inner city (C areas near the centre).
_AGE_URBAN = np.array(
    [-0.2, -0.3, -0.3, -0.2, 0.4, 0.8, 0.6, 0.2, 0.0, -0.1, -0.1, -0.1, -0.1, -0.1, -0.1, -0.1,
     0.0, 0.0]
)  # fmt: skip


@dataclass(frozen=True)
class TableSpec:
    """One SCB Statistikdatabasen DeSO table as the synthetic city reproduces it.

    ``columns`` pairs each column header label with the canonical variable id.
    """

    table_id: str
    title: str
    columns: tuple[tuple[str, str], ...]
    unit: str
    layout: str  # "year_row", "content_year", "labour", "year_column"


SCB_TABLES: dict[str, TableSpec] = {
    "000005F8": TableSpec(
        "000005F8",
        "Antal hushåll efter region, år och hushållstyp",
        (
            ("sammanboende med barn", "hh_couple_children"),
            ("sammanboende utan barn", "hh_couple_no_children"),
            ("ensamstående med barn", "hh_single_children"),
            ("ensamstående utan barn", "hh_single_no_children"),
            ("övriga hushåll", "hh_other"),
        ),
        "antal hushåll",
        "year_row",
    ),
    "000005FB": TableSpec(
        "000005FB",
        "Folkmängden per region efter region, år, födelseregion och kön",
        (
            ("Sverige", "pop_born_sweden"),
            ("Europa utom Sverige", "pop_born_europe_excl_sweden"),
            ("övriga världen inkl. uppgift saknas", "pop_born_rest_of_world"),
            ("totalt", "pop_total"),
        ),
        "antal personer",
        "year_row_total",
    ),
    "000005FC": TableSpec(
        "000005FC",
        "Folkmängden per region efter år, region och kön",
        (("totalt", "pop_total"),),
        "antal personer",
        "year_column",
    ),
    "000005FE": TableSpec(
        "000005FE",
        "Folkmängden per region efter region, år, utländsk/svensk bakgrund och kön",
        (
            ("svensk bakgrund", "pop_swedish_background"),
            ("utländsk bakgrund", "pop_foreign_background"),
            ("totalt", "pop_total"),
        ),
        "antal personer",
        "year_row_total",
    ),
    "000005FF": TableSpec(
        "000005FF",
        "Folkmängden per region efter region, år, ålder och kön",
        (("totalt", "pop_total"), *((label, var) for label, var, _, _ in AGE_BANDS)),
        "antal personer",
        "year_row_total",
    ),
    "000005FM": TableSpec(
        "000005FM",
        "Andel av befolkningen i inkomstklass efter region, tabellinnehåll, år, inkomstslag "
        "och kön",
        (
            ("Medianvärde, tkr", "income_net_median_tkr"),
            ("Medelvärde, tkr", "income_net_mean_tkr"),
            ("Antal personer totalt", "income_persons_20plus"),
        ),
        "tkr",
        "content_year",
    ),
    "000005LO": TableSpec(
        "000005LO",
        "Antal personer efter region, år och hustyp",
        (
            ("småhus", "persons_house_smahus"),
            ("flerbostadshus", "persons_house_flerbostadshus"),
            ("övriga hus", "persons_house_ovriga"),
            ("specialbostäder", "persons_house_specialbostad"),
            ("uppgift saknas", "persons_house_missing"),
            ("totalt", "persons_house_total"),
        ),
        "antal personer",
        "year_row",
    ),
    "000005MO": TableSpec(
        "000005MO",
        "Befolkning 25-64 år efter region, år och utbildningsnivå",
        (
            ("förgymnasial utbildning", "edu_forgymnasial_25_64"),
            ("gymnasial utbildning", "edu_gymnasial_25_64"),
            ("eftergymnasial utbildning, mindre än 3 år", "edu_eftergymnasial_lt3_25_64"),
            ("eftergymnasial utbildning, 3 år eller mer", "edu_eftergymnasial_ge3_25_64"),
            ("uppgift om utbildningsnivå saknas", "edu_missing_25_64"),
        ),
        "antal personer",
        "year_row",
    ),
    "000006OC": TableSpec(
        "000006OC",
        "Antal lägenheter efter region, år och upplåtelseform",
        (
            ("hyresrätt", "dwellings_rental"),
            ("bostadsrätt", "dwellings_bostadsratt"),
            ("äganderätt", "dwellings_owner"),
            ("uppgift saknas", "dwellings_tenure_missing"),
        ),
        "antal lägenheter",
        "year_row",
    ),
    "000006TA": TableSpec(
        "000006TA",
        "Låg resp. hög ekonomisk standard efter region, tabellinnehåll, år och ålder",
        (
            ("Låg ekonomisk standard, procent", "low_econ_standard_pct"),
            ("Hög ekonomisk standard, procent", "high_econ_standard_pct"),
            ("Antal personer totalt", "persons_econ_standard"),
        ),
        "procent",
        "content_year",
    ),
    "000007A8": TableSpec(
        "000007A8",
        "Arbetsmarknadsstatus. Årligt register efter region, tabellinnehåll, kön, ålder och år",
        (
            ("antal sysselsatta", "employed_16_64"),
            ("antal arbetslösa", "unemployed_16_64"),
            ("antal sysselsatta och arbetslösa (arbetskraften)", "labour_force_16_64"),
            ("antal personer utanför arbetskraften", "outside_labour_force_16_64"),
            ("antal totalt", "pop_16_64"),
        ),
        "antal personer",
        "labour",
    ),
}

#: Unit of every variable the city produces (SCB tables, extras, crime, surveys).
VARIABLE_UNITS: dict[str, str] = {
    **{var: spec.unit for spec in SCB_TABLES.values() for _, var in spec.columns},
    "income_net_median_tkr": "tkr",
    "income_net_mean_tkr": "tkr",
    "income_persons_20plus": "antal personer",
    "low_econ_standard_pct": "procent",
    "high_econ_standard_pct": "procent",
    "persons_econ_standard": "antal personer",
    "pop_total": "antal personer",
    "ekbist_or_longterm_unemployed_20_64": "antal personer",
    "pop_20_64": "antal personer",
    "survey_feel_safe_pct": "procent",
    "survey_trust_police_pct": "procent",
    "survey_victimisation_pct": "procent",
    "survey_respondents": "antal personer",
}
VARIABLE_LABELS: dict[str, str] = {
    **{var: label for spec in SCB_TABLES.values() for label, var in spec.columns},
    "pop_total": "folkmängd totalt",
    "ekbist_or_longterm_unemployed_20_64": (
        "personer 20-64 år med ekonomiskt bistånd och/eller långtidsarbetslöshet"
    ),
    "pop_20_64": "folkmängd 20-64 år",
    "survey_feel_safe_pct": "andel som känner sig trygga",
    "survey_trust_police_pct": "andel med förtroende för polisen",
    "survey_victimisation_pct": "andel utsatta för brott",
    "survey_respondents": "antal svarande",
}
#: Variables (beyond the 11 tables) that have no SCB xlsx layout: written as a long CSV.
EXTRA_VARIABLES: tuple[str, ...] = ("ekbist_or_longterm_unemployed_20_64", "pop_20_64")
SURVEY_VARIABLES: tuple[str, ...] = (
    "survey_feel_safe_pct",
    "survey_trust_police_pct",
    "survey_victimisation_pct",
    "survey_respondents",
)

#: Offence codes in the crime extracts: (klartext as in the real files, file stem, first year,
#: base rate per 1 000 residents and year at deprivation 0).
OFFENCES: dict[str, tuple[str, str, int, float]] = {
    "1211": (
        "Skadegörelse, bilbrand eller brand på annat motorfordon (ej mordbrand, 1301)",
        "bilbrand",
        2012,
        0.25,
    ),
    "1210": ("Skadegörelse, genom brand (ej på motorfordon)", "brand", 2012, 0.35),
    "1311": ("Sabotage mot blåljusverksamhet inkl. grovt", "blåljus sabotage", 2019, 0.04),
    "1615": ("Övriga brott mot 16 kap. BrB", "upplopp", 2020, 0.02),
    "1701": (
        "Våld mot tjänsteman, mot polisman om våldet beräknas medföra att polismannen inte "
        "blir arbetsoförmögen eller blir arbetsoförmögen under kortare tid än ett dygn",
        "våld mot polis 1",
        2012,
        0.15,
    ),
    "1702": (
        "Våld mot tjänsteman, mot polisman om våldet beräknas medföra att polismannen är "
        "arbetsoförmögen under ett dygn eller längre tid.",
        "våld mot polis 2",
        2012,
        0.03,
    ),
}

POLICE_CATEGORY_LABELS: dict[str, str] = {
    "sarskilt_utsatt": "Särskilt utsatt område",
    "utsatt": "Utsatt område",
    "risk": "Riskområde",
}
_CATEGORY_SEVERITY = {None: 0, "risk": 1, "utsatt": 2, "sarskilt_utsatt": 3}

# Police roles: (role, trajectory, categories per POLICE_YEARS, preferred rank by deprivation).
_S, _U, _R = "sarskilt_utsatt", "utsatt", "risk"
_POLICE_ROLES: tuple[tuple[str, str, tuple[str | None, ...], int], ...] = (
    ("stable_sarskilt", "stable", (_S, _S, _S, _S, _S, _S, _S), 0),
    ("left_still_vulnerable", "stable", (_U, _U, _U, _U, None, None, None), 1),
    ("improved_left", "improving", (_U, _U, _U, None, None, None, None), 4),
    ("declining_entered", "declining", (None, None, None, _R, _R, _U, _U), 6),
    ("upgraded", "declining", (_U, _S, _S, _S, _S, _S, _S), 2),
    ("improving_downgraded", "improving", (_S, _S, _S, _U, _U, _U, _U), 3),
    ("risk_then_utsatt", "stable", (None, _R, _R, _U, _U, _U, _U), 5),
)

TRAJECTORIES: tuple[str, ...] = ("improving", "declining", "stable")


# --------------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyntheticCity:
    """The synthetic city Exempelstad: every frame is SYNTHETIC.

    Attributes
    ----------
    seed, years
        What the city was generated from.
    kommun
        One row: ``area_code`` "9999", ``name``, ``lan_code``, city outline ``geometry``.
    districts, regso, deso, deso2025
        GeoDataFrames (EPSG:3006) of the four area layers. ``deso`` carries ``regso_code``,
        ``district_code``, ``letter`` (A/B/C), ``trajectory`` (improving/declining/stable),
        ``deprivation_first``/``deprivation_last``, ``police_role`` and ``split_2025``.
        ``deso2025`` carries ``deso2018_code`` and ``regso_code``.
    latent
        ``area_code, year, deprivation, crime_influence`` per DeSO and year.
    deso_stats
        Wide table, one row per DeSO and year, one column per variable (NaN where suppressed).
    suppressed
        ``area_code, year, variable, missing_reason`` of the cells shown as SCB's ``..``.
    observations
        Long frame with :data:`~omradesbild.sources.base.OBS_COLUMNS` of ``deso_stats``
        (area version deso2018).
    observations_deso2025
        ``pop_total`` per DeSO 2025 area and year (OBS_COLUMNS, version deso2025).
    police_areas
        GeoDataFrame: ``area_code, name, year, version, category, role, deso_codes, geometry``.
    classifications
        :data:`~omradesbild.sources.base.CLASSIFICATION_COLUMNS` (scheme police_uso).
    police_list
        The latest year's list in the columns of the real ``utsatta_omraden_2025_list.csv``.
    crime_reports
        One row per report: ``report_id, offence_code, offence_text, registered_date,
        offence_date, kommun, lan, deso_code`` (None when not geocoded) and ``count``.
    crime_counts
        OBS_COLUMNS frame of ``crime_<code>`` per DeSO and year (geocoded reports only).
    surveys
        ``area_code, level, period, variable, value, unit`` per RegSO and survey year.
    areas, links, variables
        The store contracts (AREA_COLUMNS, LINK_COLUMNS, VARIABLE_COLUMNS).
    """

    seed: int
    years: tuple[int, ...]
    kommun: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    regso: gpd.GeoDataFrame
    deso: gpd.GeoDataFrame
    deso2025: gpd.GeoDataFrame
    latent: pd.DataFrame
    deso_stats: pd.DataFrame
    suppressed: pd.DataFrame
    observations: pd.DataFrame
    observations_deso2025: pd.DataFrame
    police_areas: gpd.GeoDataFrame
    classifications: pd.DataFrame
    police_list: pd.DataFrame
    crime_reports: pd.DataFrame
    crime_counts: pd.DataFrame
    surveys: pd.DataFrame
    areas: pd.DataFrame
    links: pd.DataFrame
    variables: pd.DataFrame


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _logistic(x: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def allocate(totals: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Split integer totals into integer parts by the largest-remainder method.

    Parameters
    ----------
    totals
        Shape ``(n,)``, non-negative integers.
    shares
        Shape ``(n, k)``, non-negative; each row is normalised to sum to 1.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, k)`` integers with ``parts.sum(axis=1) == totals``.

    Notes
    -----
    ``parts = floor(total * s) + 1`` for the ``total - sum(floor(total * s))`` categories
    with the largest fractional parts (ties broken by column order).
    """
    totals = np.asarray(totals, dtype=np.int64)
    shares = np.asarray(shares, dtype=float)
    shares = shares / shares.sum(axis=1, keepdims=True)
    raw = totals[:, None] * shares
    base = np.floor(raw).astype(np.int64)
    rest = totals - base.sum(axis=1)
    frac = raw - base
    order = np.argsort(-frac, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(order.shape[0])[:, None]
    ranks[rows, order] = np.arange(order.shape[1])[None, :]
    return base + (ranks < rest[:, None]).astype(np.int64)


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _attributes(**extra: object) -> str:
    return json.dumps({"synthetic": True, "source": SYNTHETIC_LABEL, **extra}, ensure_ascii=False)


# --------------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------------


def _outline(rng: Generator) -> Polygon:
    """A convex, slightly irregular city outline around :data:`CENTRE` (about 130 km²)."""
    theta = np.linspace(0.0, 2.0 * np.pi, 96, endpoint=False)
    ph = rng.uniform(0.0, 2.0 * np.pi, size=2)
    r = 1.0 + 0.07 * np.cos(2 * theta + ph[0]) + 0.04 * np.cos(3 * theta + ph[1])
    x = CENTRE[0] + 7_500.0 * r * np.cos(theta)
    y = CENTRE[1] + 5_500.0 * r * np.sin(theta)
    hull = Polygon(np.column_stack([np.round(x, 2), np.round(y, 2)])).convex_hull
    assert isinstance(hull, Polygon)
    return hull


def _density(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Relative settlement density: dense centre, sparse edge (DeSO have similar populations)."""
    r2 = ((x - CENTRE[0]) / 7_500.0) ** 2 + ((y - CENTRE[1]) / 5_500.0) ** 2
    return 0.35 + 2.5 * np.exp(-r2 / 0.18)


def _seed_points(rng: Generator, outline: Polygon, n: int) -> np.ndarray:
    """Jittered dart throwing: ``n`` points, denser in the centre, never too close."""
    minx, miny, maxx, maxy = outline.bounds
    gx, gy = np.meshgrid(np.linspace(minx, maxx, 60), np.linspace(miny, maxy, 60))
    inside = shapely.contains_xy(outline, gx.ravel(), gy.ravel())
    dens = _density(gx.ravel()[inside], gy.ravel()[inside])
    mean_dens, max_dens = float(dens.mean()), float(dens.max())
    cell_area = outline.area / n
    factor = 0.75
    pts: list[tuple[float, float]] = []
    tries = 0
    while len(pts) < n:
        tries += 1
        if tries % 4000 == 0:
            factor *= 0.93
        x = float(rng.uniform(minx, maxx))
        y = float(rng.uniform(miny, maxy))
        u = float(rng.uniform())
        if not shapely.contains_xy(outline, x, y):
            continue
        dens_here = float(_density(np.array([x]), np.array([y]))[0])
        if u > dens_here / max_dens:
            continue
        dmin = factor * np.sqrt(cell_area * mean_dens / dens_here)
        if pts:
            arr = np.asarray(pts)
            if np.min(np.hypot(arr[:, 0] - x, arr[:, 1] - y)) < dmin:
                continue
        pts.append((round(x, 2), round(y, 2)))
    return np.asarray(pts)


def _voronoi_cells(points: np.ndarray, outline: Polygon) -> list[Polygon]:
    """Voronoi cells of ``points`` clipped to ``outline``, in the order of ``points``."""
    env = outline.buffer(3_000.0).envelope
    regions = list(shapely.voronoi_polygons(MultiPoint(points), extend_to=env).geoms)
    tree = shapely.STRtree(regions)
    cells: list[Polygon] = []
    for x, y in points:
        idx = tree.query(shapely.Point(x, y), predicate="intersects")
        cell = shapely.set_precision(regions[int(idx[0])].intersection(outline), 0.01)
        assert isinstance(cell, Polygon)
        cells.append(cell)
    return cells


def _adjacency(geoms: Sequence[BaseGeometry]) -> list[set[int]]:
    """Indices of geometries sharing a border of at least 1 m with each geometry."""
    tree = shapely.STRtree(list(geoms))
    nbrs: list[set[int]] = [set() for _ in geoms]
    for i, g in enumerate(geoms):
        for j in tree.query(g, predicate="intersects"):
            j = int(j)
            if j > i and g.intersection(geoms[j]).length > 1.0:
                nbrs[i].add(j)
                nbrs[j].add(i)
    return nbrs


def _grow_regions(
    rng: Generator, xy: np.ndarray, nbrs: list[set[int]], k: int, weight: np.ndarray
) -> np.ndarray:
    """Partition a connected graph into ``k`` contiguous, balanced regions.

    Seeds by farthest-point sampling; then the lightest region that still has an unassigned
    neighbour takes the neighbour closest to its seed, until every node is assigned.
    """
    n = len(nbrs)
    seeds = [int(rng.integers(n))]
    dist = np.hypot(xy[:, 0] - xy[seeds[0], 0], xy[:, 1] - xy[seeds[0], 1])
    while len(seeds) < k:
        nxt = int(np.argmax(dist))
        seeds.append(nxt)
        dist = np.minimum(dist, np.hypot(xy[:, 0] - xy[nxt, 0], xy[:, 1] - xy[nxt, 1]))
    label = np.full(n, -1, dtype=np.int64)
    load = np.zeros(k)
    for r, s in enumerate(seeds):
        label[s] = r
        load[r] = weight[s]
    while (label < 0).any():
        progressed = False
        for r in np.argsort(load, kind="stable"):
            members = np.flatnonzero(label == r)
            cand = sorted({j for m in members for j in nbrs[m] if label[j] < 0})
            if not cand:
                continue
            s = seeds[int(r)]
            d = [np.hypot(xy[c, 0] - xy[s, 0], xy[c, 1] - xy[s, 1]) for c in cand]
            pick = cand[int(np.argmin(d))]
            label[pick] = r
            load[r] += weight[pick]
            progressed = True
            break
        if not progressed:  # disconnected leftovers: attach to the nearest seed
            for i in np.flatnonzero(label < 0):
                d = [np.hypot(xy[i, 0] - xy[s, 0], xy[i, 1] - xy[s, 1]) for s in seeds]
                label[i] = int(np.argmin(d))
    return label


def _split_polygon(poly: Polygon, rng: Generator) -> tuple[Polygon, Polygon]:
    """Cut a convex polygon in two along a line through its centroid (roughly its short axis)."""
    mrr = poly.minimum_rotated_rectangle
    coords = np.asarray(mrr.exterior.coords)[:4]
    e1, e2 = coords[1] - coords[0], coords[2] - coords[1]
    long_axis = e1 if np.hypot(*e1) >= np.hypot(*e2) else e2
    normal = np.array([-long_axis[1], long_axis[0]]) / np.hypot(*long_axis)
    c = np.asarray(poly.centroid.coords[0]) + long_axis / np.hypot(*long_axis) * float(
        rng.uniform(-0.1, 0.1) * np.hypot(*long_axis)
    )
    line = LineString([c - normal * 50_000.0, c + normal * 50_000.0])
    parts = [g for g in split_geometry(poly, line).geoms if isinstance(g, Polygon)]
    parts.sort(key=lambda g: (-g.centroid.y, g.centroid.x))
    a = shapely.set_precision(parts[0], 0.01)
    b = shapely.set_precision(poly.difference(a), 0.01)
    assert isinstance(a, Polygon) and isinstance(b, Polygon)
    return a, b


def _unique_names(rng: Generator, n: int, taken: set[str]) -> list[str]:
    combos = [p + (s[1:] if p[-1] == s[0] else s) for p in _NAME_PREFIXES for s in _NAME_SUFFIXES]
    order = rng.permutation(len(combos))
    out: list[str] = []
    for i in order:
        name = combos[int(i)]
        if name not in taken:
            out.append(name)
            taken.add(name)
        if len(out) == n:
            break
    while len(out) < n:
        out.append(f"Nyområde {len(out) + 1}")
    return out


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


def generate_city(
    *,
    seed: int = 20240101,
    n_deso: int = 150,
    n_regso: int = 45,
    n_districts: int = 8,
    years: range = range(2012, 2025),
) -> SyntheticCity:
    """Generate the SYNTHETIC city Exempelstad, bit-for-bit deterministic for a seed.

    Parameters
    ----------
    seed
        Seed of the PCG64 generator.
    n_deso, n_regso, n_districts
        Number of DeSO-like areas, RegSO-like areas (unions of DeSO) and districts (unions of
        RegSO). Need ``n_deso >= n_regso >= n_districts >= 1``.
    years
        Statistic years (SCB tables, crime); at least two years.

    Returns
    -------
    SyntheticCity
        All frames; see :class:`SyntheticCity`.

    Notes
    -----
    Deprivation of DeSO ``a`` in year ``t``:
    ``d[a,t] = d0[a] + delta[a] * clip((t - s[a]) / (T - s[a]), 0, 1) + e[a,t]``, with
    ``delta ~ -U(0.9, 1.6)`` (improving), ``U(0.7, 1.3)`` (declining) or ``N(0, 0.12)``
    (stable). Crime reports per DeSO, year and offence are Poisson with mean
    ``rate * pop / 1000 * exp(0.85 d + c)`` where ``c`` is the police-area crime influence.
    """
    if not (n_deso >= n_regso >= n_districts >= 1):
        raise ValueError("need n_deso >= n_regso >= n_districts >= 1")
    yrs = tuple(int(y) for y in years)
    if len(yrs) < 2:
        raise ValueError("need at least two years")
    rng = Generator(PCG64(seed))

    # ---- geometry ---------------------------------------------------------------------------
    outline = _outline(rng)
    pts = _seed_points(rng, outline, n_deso)
    cells = _voronoi_cells(pts, outline)
    # The kommun is the union of its DeSO, so every level nests exactly.
    outline_union = shapely.union_all(cells)
    assert isinstance(outline_union, Polygon)
    outline = outline_union
    cxy = np.array([[c.centroid.x, c.centroid.y] for c in cells])
    nbrs = _adjacency(cells)
    regso_label = _grow_regions(rng, cxy, nbrs, n_regso, np.ones(n_deso))
    regso_cells = [
        shapely.union_all([cells[i] for i in np.flatnonzero(regso_label == r)])
        for r in range(n_regso)
    ]
    rxy = np.array([[g.centroid.x, g.centroid.y] for g in regso_cells])
    r_nbrs: list[set[int]] = [set() for _ in range(n_regso)]
    for i, js in enumerate(nbrs):
        for j in js:
            a, b = int(regso_label[i]), int(regso_label[j])
            if a != b:
                r_nbrs[a].add(b)
                r_nbrs[b].add(a)
    district_of_regso = _grow_regions(rng, rxy, r_nbrs, n_districts, np.ones(n_regso))

    # Order districts clockwise from the north, RegSO by district then north-to-south.
    def _angle(x: float, y: float) -> float:
        return float((np.arctan2(x - CENTRE[0], y - CENTRE[1]) + 2 * np.pi) % (2 * np.pi))

    d_cent = np.array(
        [rxy[district_of_regso == k].mean(axis=0) for k in range(n_districts)], dtype=float
    )
    d_dist = np.hypot(d_cent[:, 0] - CENTRE[0], d_cent[:, 1] - CENTRE[1])
    d_order = sorted(
        range(n_districts),
        key=lambda k: (d_dist[k] > 2_500.0, _angle(*d_cent[k])),
    )
    d_rank = np.empty(n_districts, dtype=np.int64)
    d_rank[d_order] = np.arange(n_districts)
    r_order = sorted(
        range(n_regso), key=lambda r: (d_rank[district_of_regso[r]], -rxy[r, 1], rxy[r, 0])
    )
    r_rank = np.empty(n_regso, dtype=np.int64)
    r_rank[r_order] = np.arange(n_regso)
    deso_order = sorted(
        range(n_deso), key=lambda i: (r_rank[regso_label[i]], -cxy[i, 1], cxy[i, 0])
    )

    # Urban category letter: A outermost, B a satellite sector, C the central locality.
    dist_c = np.hypot((cxy[:, 0] - CENTRE[0]) / 7_500.0, (cxy[:, 1] - CENTRE[1]) / 5_500.0)
    letter = np.full(n_deso, "C", dtype=object)
    outer = dist_c >= np.quantile(dist_c, 0.9)
    letter[outer] = "A"
    sector = float(rng.uniform(0, 2 * np.pi))
    ang = np.array([_angle(x, y) for x, y in cxy])
    in_sector = (np.abs(((ang - sector + np.pi) % (2 * np.pi)) - np.pi) < 0.5) & (dist_c > 0.55)
    letter[in_sector & ~outer] = "B"

    district_codes = [f"D{k + 1:02d}" for k in range(n_districts)]
    district_names = [
        DISTRICT_NAMES[k] if k < len(DISTRICT_NAMES) else f"Stadsdel {k + 1}"
        for k in range(n_districts)
    ]
    regso_codes = [f"{KOMMUN_CODE}R{k + 1:03d}" for k in range(n_regso)]
    regso_names = _unique_names(rng, n_regso, set(district_names))

    serial = {"A": 0, "B": 200, "C": 100}
    deso_code = np.empty(n_deso, dtype=object)
    for i in deso_order:
        le = str(letter[i])
        serial[le] += 1
        deso_code[i] = f"{KOMMUN_CODE}{le}{serial[le]:03d}0"

    # Index everything in code order from here on.
    perm = np.asarray(deso_order)
    cells = [cells[i] for i in perm]
    cxy = cxy[perm]
    letter = letter[perm]
    deso_code = deso_code[perm]
    dist_c = dist_c[perm]
    regso_idx = r_rank[regso_label[perm]]  # 0..n_regso-1 in code order
    regso_geoms_sorted = [regso_cells[r] for r in r_order]
    district_of_sorted_regso = d_rank[district_of_regso[np.asarray(r_order)]]
    district_idx = district_of_sorted_regso[regso_idx]
    regso_names_sorted = regso_names  # names drawn in code order

    district_geoms = [
        shapely.union_all(
            [regso_geoms_sorted[r] for r in np.flatnonzero(district_of_sorted_regso == k)]
        )
        for k in range(n_districts)
    ]

    # ---- latent deprivation -----------------------------------------------------------------
    n_y = len(yrs)
    t_first, t_last = yrs[0], yrs[-1]
    dist_eff = rng.normal(0.0, 0.45, n_districts)
    order_dist = rng.permutation(n_districts)
    dist_eff[order_dist[0]] = 1.35  # the large estates ("miljonprogram") district
    if n_districts >= 4:
        dist_eff[order_dist[1]] = 0.8
        dist_eff[order_dist[2]] = -0.9  # the affluent villa district
    reg_eff = rng.normal(0.0, 0.45, n_regso)
    d0 = dist_eff[district_idx] + reg_eff[regso_idx] + rng.normal(0.0, 0.3, n_deso)
    d0 = d0 - 0.3 * (letter == "A") + 0.15 * (letter == "B")

    # Police groups: the most deprived RegSO (their non-rural DeSO).
    urban_deso = letter != "A"
    reg_d0 = np.array(
        [
            d0[(regso_idx == r) & urban_deso].mean() if ((regso_idx == r) & urban_deso).any()
            else -np.inf
            for r in range(n_regso)
        ]
    )  # fmt: skip
    n_groups = int(min(len(_POLICE_ROLES), max(2, n_regso // 6)))
    group_regso = [int(r) for r in np.argsort(-reg_d0, kind="stable")[:n_groups]]
    roles = sorted(_POLICE_ROLES[:n_groups], key=lambda role: role[3])
    police_role = np.full(n_deso, None, dtype=object)
    trajectory = np.full(n_deso, "stable", dtype=object)
    u = rng.uniform(size=n_deso)
    trajectory[u < 0.12] = "improving"
    trajectory[(u >= 0.12) & (u < 0.22)] = "declining"
    for r, role in zip(group_regso, roles, strict=True):
        members = (regso_idx == r) & urban_deso
        police_role[members] = role[0]
        trajectory[members] = role[1]
    # The police area that leaves the list while still vulnerable stays the most deprived.
    d0[police_role == "left_still_vulnerable"] += 0.3
    d0[police_role == "declining_entered"] -= 0.3

    delta = np.where(
        trajectory == "improving",
        -rng.uniform(0.9, 1.6, n_deso),
        np.where(trajectory == "declining", rng.uniform(0.7, 1.3, n_deso), 0.0),
    )
    stable_drift = rng.normal(0.0, 0.12, n_deso)
    delta = np.where(trajectory == "stable", stable_drift, delta)
    delta = np.where(police_role == "left_still_vulnerable", 0.0, delta)
    start = rng.integers(t_first, max(t_first + 1, t_first + (t_last - t_first) // 2), n_deso)
    tt = np.asarray(yrs, dtype=float)
    ramp = np.clip((tt[None, :] - start[:, None]) / np.maximum(t_last - start[:, None], 1), 0, 1)
    noise = rng.normal(0.0, 0.05, (n_deso, n_y))
    dep = d0[:, None] + delta[:, None] * ramp + noise  # (n_deso, n_y)

    # Police categories per year, crime influence per statistic year.
    role_cats = {role[0]: role[2] for role in _POLICE_ROLES}
    cat_by_year: dict[int, dict[str, str | None]] = {
        py: {role[0]: role_cats[role[0]][k] for role in roles} for k, py in enumerate(POLICE_YEARS)
    }
    influence = np.zeros((n_deso, n_y))
    cat_strength = {None: 0.0, "risk": 0.25, "utsatt": 0.45, "sarskilt_utsatt": 0.7}
    for j, y in enumerate(yrs):
        listed = [py for py in POLICE_YEARS if py <= y]
        py_now = listed[-1] if listed else POLICE_YEARS[0]
        for i in range(n_deso):
            role_i = police_role[i]
            if role_i is None:
                continue
            cat = cat_by_year[py_now][role_i]
            val = cat_strength[cat]
            if role_i == "left_still_vulnerable" and cat is None:
                val = -0.25  # criminal networks weakened: why the police took it off the list
            influence[i, j] = val

    # ---- population -------------------------------------------------------------------------
    n_split = int(rng.integers(3, 6))
    split_cand = np.flatnonzero((letter == "C") & (police_role == None))  # noqa: E711
    split_idx = np.sort(rng.choice(split_cand, size=min(n_split, len(split_cand)), replace=False))
    split_mask = np.zeros(n_deso, dtype=bool)
    split_mask[split_idx] = True
    growth = rng.normal(0.006, 0.006, n_deso)
    p0 = rng.uniform(900.0, 2_200.0, n_deso)
    growth[split_mask] = rng.uniform(0.045, 0.06, split_mask.sum())
    p0[split_mask] = rng.uniform(1_500.0, 1_700.0, split_mask.sum())
    pop_f = p0[:, None] * np.exp(growth[:, None] * (tt[None, :] - t_first))
    pop_f *= np.exp(rng.normal(0.0, 0.01, (n_deso, n_y)))
    pop_f = np.where(split_mask[:, None], pop_f, np.clip(pop_f, 720.0, 2_680.0))
    pop = np.round(pop_f).astype(np.int64)

    # ---- per-area fixed offsets -------------------------------------------------------------
    def off(sd: float) -> np.ndarray:
        return rng.normal(0.0, sd, n_deso)[:, None] * np.ones((1, n_y))

    urban = ((letter == "C") & (dist_c < 0.35)).astype(float)[:, None] * np.ones((1, n_y))
    smahus_logit = (
        np.select([letter == "A", letter == "B"], [2.0, 0.7], -0.9)[:, None]
        - 0.7 * dep
        - 1.2 * urban
        + off(0.5)
    )
    h = _logistic(smahus_logit)

    cols: dict[str, np.ndarray] = {}
    cols["pop_total"] = pop
    # Age bands
    young = 0.22 * dep + off(0.12) + 0.15 * (h - 0.5)
    logits = (
        np.log(_AGE_BASE)[None, None, :]
        + young[:, :, None] * _AGE_TILT[None, None, :]
        + (0.9 * urban)[:, :, None] * _AGE_URBAN[None, None, :]
    )
    shares = _softmax(logits.reshape(-1, len(AGE_BANDS)))
    ages = allocate(pop.reshape(-1), shares).reshape(n_deso, n_y, len(AGE_BANDS))
    for k, (_, var, _, _) in enumerate(AGE_BANDS):
        cols[var] = ages[:, :, k]
    band_lo = np.array([b[2] for b in AGE_BANDS])
    pop_20_64 = ages[:, :, (band_lo >= 20) & (band_lo < 65)].sum(axis=2)
    pop_25_64 = ages[:, :, (band_lo >= 25) & (band_lo < 65)].sum(axis=2)
    pop_20plus = ages[:, :, band_lo >= 20].sum(axis=2)
    b15 = ages[:, :, int(np.flatnonzero(band_lo == 15)[0])]
    pop_16_64 = np.round(0.8 * b15).astype(np.int64) + pop_20_64
    cols["pop_20_64"] = pop_20_64

    # Background and birth region
    foreign_share = _logistic(-1.3 + 1.1 * dep + off(0.25))
    foreign = np.round(pop * foreign_share).astype(np.int64)
    cols["pop_foreign_background"] = foreign
    cols["pop_swedish_background"] = pop - foreign
    abroad = np.round(foreign * np.clip(0.70 + off(0.04), 0.55, 0.85)).astype(np.int64)
    europe_share = _logistic(0.3 - 0.5 * dep + off(0.2))
    europe = np.round(abroad * europe_share).astype(np.int64)
    cols["pop_born_sweden"] = pop - abroad
    cols["pop_born_europe_excl_sweden"] = europe
    cols["pop_born_rest_of_world"] = abroad - europe

    # Education 25-64
    edu_logits = np.stack(
        [
            -1.9 + 0.55 * dep + off(0.15),
            np.zeros_like(dep) + 0.2 * (h - 0.5),
            -0.9 - 0.1 * dep + off(0.1),
            -0.2 - 0.55 * dep + 0.4 * urban + off(0.2),
            -3.8 + 0.6 * dep + off(0.2),
        ],
        axis=2,
    )
    edu = allocate(pop_25_64.reshape(-1), _softmax(edu_logits.reshape(-1, 5))).reshape(
        n_deso, n_y, 5
    )
    for k, (_, var) in enumerate(SCB_TABLES["000005MO"].columns):
        cols[var] = edu[:, :, k]

    # Net income 20+ (fixed prices of the last year)
    year_fac = 1.0 + 0.01 * (tt[None, :] - t_last)
    median = np.clip(305.0 - 38.0 * dep + off(12.0), 170.0, 480.0) * year_fac
    mean_ratio = 1.06 + 0.07 * np.clip(-dep, 0, None) + np.abs(off(0.03))
    cols["income_net_median_tkr"] = np.round(median, 1)
    cols["income_net_mean_tkr"] = np.round(median * mean_ratio, 1)
    cols["income_persons_20plus"] = pop_20plus - np.round(
        pop_20plus * np.clip(0.02 + off(0.006), 0.0, 0.05)
    ).astype(np.int64)

    # Economic standard
    cols["low_econ_standard_pct"] = np.round(100 * _logistic(-2.3 + 0.85 * dep + off(0.15))).astype(
        np.int64
    )
    cols["high_econ_standard_pct"] = np.round(
        100 * _logistic(-1.7 - 0.8 * dep + 0.3 * urban + off(0.15))
    ).astype(np.int64)
    cols["persons_econ_standard"] = pop - np.round(
        pop * np.clip(0.02 + off(0.006), 0.0, 0.05)
    ).astype(np.int64)

    # Labour market 16-64
    emp_rate = _logistic(1.4 - 0.5 * dep + off(0.1) - 0.4 * urban * 0.5)
    unemp_rate = _logistic(-3.2 + 0.6 * dep + off(0.1))
    lf = np.round(pop_16_64 * (emp_rate + (1 - emp_rate) * unemp_rate * 1.2)).astype(np.int64)
    lf = np.minimum(lf, pop_16_64)
    unemployed = np.round(lf * unemp_rate).astype(np.int64)
    cols["employed_16_64"] = lf - unemployed
    cols["unemployed_16_64"] = unemployed
    cols["labour_force_16_64"] = lf
    cols["outside_labour_force_16_64"] = pop_16_64 - lf
    cols["pop_16_64"] = pop_16_64
    cols["ekbist_or_longterm_unemployed_20_64"] = np.round(
        pop_20_64 * _logistic(-3.6 + 0.9 * dep + off(0.15))
    ).astype(np.int64)

    # Households
    hh_size = np.clip(1.95 + 0.22 * dep + 0.55 * h - 0.25 * urban + off(0.06), 1.5, 3.3)
    n_hh = np.round(pop / hh_size).astype(np.int64)
    hh_logits = np.stack(
        [
            -0.6 + 1.3 * h + 0.1 * dep,
            -0.4 + 0.5 * h - 0.2 * dep + off(0.1),
            -2.2 + 0.45 * dep + off(0.1),
            0.35 - 0.9 * h + 0.4 * urban,
            -2.0 + 0.35 * dep + off(0.1),
        ],
        axis=2,
    )
    hh = allocate(n_hh.reshape(-1), _softmax(hh_logits.reshape(-1, 5))).reshape(n_deso, n_y, 5)
    for k, (_, var) in enumerate(SCB_TABLES["000005F8"].columns):
        cols[var] = hh[:, :, k]

    # Dwellings by tenure
    n_dw = np.round(n_hh * (1.0 + np.abs(off(0.03)))).astype(np.int64)
    rental = _logistic(-0.4 + 0.9 * dep + off(0.4))
    owner_share = 0.92 * h
    tenure_shares = np.stack(
        [
            (1 - owner_share) * rental,
            (1 - owner_share) * (1 - rental),
            owner_share,
            np.clip(0.002 + off(0.002), 0.0, 0.01),
        ],
        axis=2,
    )
    dw = allocate(n_dw.reshape(-1), tenure_shares.reshape(-1, 4)).reshape(n_deso, n_y, 4)
    for k, (_, var) in enumerate(SCB_TABLES["000006OC"].columns):
        cols[var] = dw[:, :, k]

    # Persons by house type
    special = np.clip(0.008 + off(0.01), 0.0, 0.05)
    other = np.clip(0.002 + off(0.002), 0.0, 0.01)
    missing = np.clip(0.012 + 0.004 * dep + off(0.006), 0.001, 0.05)
    rest = 1 - special - other - missing
    house_shares = np.stack([rest * h, rest * (1 - h), other, special, missing], axis=2)
    ht = allocate(pop.reshape(-1), house_shares.reshape(-1, 5)).reshape(n_deso, n_y, 5)
    for k, (_, var) in enumerate(SCB_TABLES["000005LO"].columns[:5]):
        cols[var] = ht[:, :, k]
    cols["persons_house_total"] = pop

    # ---- wide table, suppressions -----------------------------------------------------------
    codes_rep = np.repeat(deso_code.astype(str), n_y)
    years_rep = np.tile(np.asarray(yrs, dtype=np.int64), n_deso)
    stat_vars = _ordered_stat_variables()
    wide = pd.DataFrame({"area_code": codes_rep, "year": years_rep})
    for var in stat_vars:
        wide[var] = np.asarray(cols[var], dtype=float).reshape(-1)
    cand_vars = (
        "persons_house_ovriga",
        "unemployed_16_64",
        "edu_missing_25_64",
        "dwellings_tenure_missing",
        "persons_house_specialbostad",
    )
    # A handful of SCB-style ".." suppressions of very small counts, spread over variables.
    cand: list[tuple[int, str]] = []
    for var in cand_vars:
        col = wide[var].to_numpy()
        rows_v = np.flatnonzero((col >= 1) & (col <= 3))
        if len(rows_v):
            chosen = rng.choice(rows_v, size=min(2, len(rows_v)), replace=False)
            cand.extend((int(r), var) for r in sorted(chosen))
    pick = list(range(len(cand)))
    reason = SCB_MISSING_MARKERS[".."]
    sup_rows = []
    codes_col = wide["area_code"].to_numpy()
    years_col = wide["year"].to_numpy()
    for i in pick:
        row, var = cand[i]
        sup_rows.append(
            {
                "area_code": str(codes_col[int(row)]),
                "year": int(years_col[int(row)]),
                "variable": var,
                "missing_reason": reason,
            }
        )
        wide.loc[int(row), var] = np.nan
    suppressed = pd.DataFrame(sup_rows, columns=["area_code", "year", "variable", "missing_reason"])

    observations = _long_observations(wide, stat_vars, suppressed, DESO_VERSION)

    latent = pd.DataFrame(
        {
            "area_code": codes_rep,
            "year": years_rep,
            "deprivation": np.round(dep.reshape(-1), 6),
            "crime_influence": influence.reshape(-1),
        }
    )

    # ---- geodataframes ----------------------------------------------------------------------
    kommun = gpd.GeoDataFrame(
        {"area_code": [KOMMUN_CODE], "name": [KOMMUN_NAME], "lan_code": [LAN_CODE]},
        geometry=[outline],
        crs=CRS,
    )
    districts = gpd.GeoDataFrame(
        {"area_code": district_codes, "name": district_names},
        geometry=district_geoms,
        crs=CRS,
    )
    regso = gpd.GeoDataFrame(
        {
            "area_code": regso_codes,
            "name": regso_names_sorted,
            "district_code": [district_codes[int(k)] for k in district_of_sorted_regso],
        },
        geometry=regso_geoms_sorted,
        crs=CRS,
    )
    within_reg: dict[int, int] = {}
    deso_names = []
    for r in regso_idx:
        within_reg[int(r)] = within_reg.get(int(r), 0) + 1
        deso_names.append(f"{regso_names_sorted[int(r)]} {within_reg[int(r)]}")
    deso = gpd.GeoDataFrame(
        {
            "area_code": deso_code.astype(str),
            "name": deso_names,
            "letter": letter.astype(str),
            "regso_code": [regso_codes[int(r)] for r in regso_idx],
            "district_code": [district_codes[int(k)] for k in district_idx],
            "trajectory": trajectory.astype(str),
            "deprivation_first": np.round(dep[:, 0], 6),
            "deprivation_last": np.round(dep[:, -1], 6),
            "police_role": pd.array(list(police_role), dtype=object),
            "split_2025": split_mask,
        },
        geometry=cells,
        crs=CRS,
    )

    # ---- DeSO 2025 --------------------------------------------------------------------------
    d25_codes: list[str] = []
    d25_parent: list[str] = []
    d25_geoms: list[BaseGeometry] = []
    d25_share: list[float] = []
    for i in range(n_deso):
        code = str(deso_code[i])
        if split_mask[i]:
            a, b = _split_polygon(cells[i], rng)
            sh = a.area / cells[i].area
            sh = float(np.clip(sh + rng.normal(0.0, 0.05), 0.3, 0.7))
            for k, (g, s) in enumerate(((a, sh), (b, 1.0 - sh)), start=1):
                d25_codes.append(code[:8] + str(k))
                d25_parent.append(code)
                d25_geoms.append(g)
                d25_share.append(s)
        else:
            d25_codes.append(code)
            d25_parent.append(code)
            d25_geoms.append(cells[i])
            d25_share.append(1.0)
    parent_pos = {str(c): i for i, c in enumerate(deso_code)}
    deso2025 = gpd.GeoDataFrame(
        {
            "area_code": d25_codes,
            "deso2018_code": d25_parent,
            "regso_code": [regso_codes[int(regso_idx[parent_pos[p]])] for p in d25_parent],
        },
        geometry=d25_geoms,
        crs=CRS,
    )
    obs25_rows = []
    for parent in sorted(set(d25_parent)):
        kids = [k for k, p in enumerate(d25_parent) if p == parent]
        i = parent_pos[parent]
        sh = np.array([[d25_share[k] for k in kids]])
        for j, y in enumerate(yrs):
            parts = allocate(np.array([pop[i, j]]), sh)[0]
            for k, v in zip(kids, parts, strict=True):
                obs25_rows.append((d25_codes[k], y, float(v)))
    obs25 = pd.DataFrame(obs25_rows, columns=["area_code", "year", "value"])
    obs25 = obs25.sort_values(["area_code", "year"], kind="stable").reset_index(drop=True)
    observations_deso2025 = pd.DataFrame(
        {
            "area_code": obs25["area_code"],
            "area_version": DESO2025_VERSION,
            "variable": "pop_total",
            "period": obs25["year"].astype(str),
            "value": obs25["value"].astype(float),
            "unit": "antal personer",
            "missing_reason": pd.Series([None] * len(obs25), dtype=object),
        }
    )[list(OBS_COLUMNS)]

    # ---- police areas -----------------------------------------------------------------------
    police_areas, classifications, police_list = _police(
        rng, deso, roles, group_regso, regso_codes, regso_names_sorted, cat_by_year, outline
    )

    # ---- crime ------------------------------------------------------------------------------
    crime_reports, crime_counts = _crime(rng, deso_code.astype(str), yrs, pop, dep, influence)

    # ---- surveys ----------------------------------------------------------------------------
    surveys = _surveys(rng, regso_codes, regso_idx, yrs, pop, dep)

    # ---- store contracts --------------------------------------------------------------------
    areas, links = _contracts(
        kommun, districts, regso, deso, deso2025, police_areas, observations_deso2025
    )
    variables = _variables_frame()

    return SyntheticCity(
        seed=seed,
        years=yrs,
        kommun=kommun,
        districts=districts,
        regso=regso,
        deso=deso,
        deso2025=deso2025,
        latent=latent,
        deso_stats=wide,
        suppressed=suppressed,
        observations=observations,
        observations_deso2025=observations_deso2025,
        police_areas=police_areas,
        classifications=classifications,
        police_list=police_list,
        crime_reports=crime_reports,
        crime_counts=crime_counts,
        surveys=surveys,
        areas=areas,
        links=links,
        variables=variables,
    )


def _ordered_stat_variables() -> list[str]:
    """Every DeSO statistic variable once, in table order, then the extras."""
    out: list[str] = []
    for spec in SCB_TABLES.values():
        for _, var in spec.columns:
            if var not in out:
                out.append(var)
    out.extend(v for v in EXTRA_VARIABLES if v not in out)
    return out


def _long_observations(
    wide: pd.DataFrame, variables: list[str], suppressed: pd.DataFrame, version: str
) -> pd.DataFrame:
    long = wide.melt(
        id_vars=["area_code", "year"], value_vars=variables, var_name="variable", value_name="value"
    )
    long["period"] = long["year"].astype(str)
    long["area_version"] = version
    long["unit"] = long["variable"].map(VARIABLE_UNITS)
    key = suppressed.assign(period=suppressed["year"].astype(str))[
        ["area_code", "period", "variable", "missing_reason"]
    ]
    long = long.merge(key, on=["area_code", "period", "variable"], how="left")
    long["missing_reason"] = long["missing_reason"].astype(object)
    long.loc[long["missing_reason"].isna(), "missing_reason"] = None
    long["value"] = long["value"].astype(float)
    long = long.sort_values(["area_code", "period", "variable"], kind="stable")
    return long[list(OBS_COLUMNS)].reset_index(drop=True)


def _police(
    rng: Generator,
    deso: gpd.GeoDataFrame,
    roles: list[tuple[str, str, tuple[str | None, ...], int]],
    group_regso: list[int],
    regso_codes: list[str],
    regso_names: list[str],
    cat_by_year: dict[int, dict[str, str | None]],
    outline: Polygon,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    rows: list[dict[str, Any]] = []
    cls_rows: list[dict[str, Any]] = []
    groups = []
    for k, (r, role) in enumerate(
        sorted(zip(group_regso, roles, strict=True), key=lambda t: t[0]), start=1
    ):
        members = deso[(deso["regso_code"] == regso_codes[r]) & (deso["letter"] != "A")]
        groups.append((f"{KOMMUN_CODE}P{k:02d}", regso_names[r], role[0], members))
    for year in POLICE_YEARS:
        for code, name, role_id, members in groups:
            cat = cat_by_year[year][role_id]
            if cat is None:
                continue
            union = shapely.union_all(list(members.geometry))
            geom = union.buffer(float(rng.uniform(-40.0, 90.0))).simplify(30.0)
            geom = shapely.set_precision(geom.intersection(outline), 0.01)
            deso_codes = ";".join(sorted(members["area_code"]))
            rows.append(
                {
                    "area_code": code,
                    "name": name,
                    "year": year,
                    "version": f"police{year}",
                    "category": cat,
                    "role": role_id,
                    "deso_codes": deso_codes,
                    "geometry": geom,
                }
            )
            cls_rows.append(
                {
                    "area_code": code,
                    "level": "police_area",
                    "version": f"police{year}",
                    "scheme": POLICE_SCHEME,
                    "period": str(year),
                    "category": cat,
                    "attributes": _attributes(name=name, deso_codes=deso_codes.split(";")),
                }
            )
    police_cols = ["area_code", "name", "year", "version", "category", "role", "deso_codes"]
    police_areas = gpd.GeoDataFrame(
        pd.DataFrame([{c: r[c] for c in police_cols} for r in rows], columns=police_cols),
        geometry=[r["geometry"] for r in rows],
        crs=CRS,
    )
    classifications = pd.DataFrame(cls_rows, columns=list(CLASSIFICATION_COLUMNS))

    # The latest list, as in utsatta_omraden_2025_list.csv.
    latest, prev = POLICE_YEARS[-1], POLICE_YEARS[-2]
    list_rows = []
    for code, name, role_id, members in groups:
        cat = cat_by_year[latest][role_id]
        if cat is None:
            continue
        before = cat_by_year[prev][role_id]
        if before is None:
            trend = "new"
        elif _CATEGORY_SEVERITY[cat] > _CATEGORY_SEVERITY[before]:
            trend = "negative"
        elif _CATEGORY_SEVERITY[cat] < _CATEGORY_SEVERITY[before]:
            trend = "positive"
        else:
            traj = members["trajectory"].iloc[0]
            trend = {"improving": "positive", "declining": "negative"}.get(traj, "stable")
        list_rows.append(
            {
                "name": name,
                "kommun": KOMMUN_CODE,
                "category": cat,
                "trend_vs_2024": trend,
                "riskomrade_2023": "true" if cat_by_year[2023][role_id] == "risk" else "",
                "regso2025_approx": ";".join(sorted(set(members["regso_code"]))),
                "area_code": code,
            }
        )
    police_list = pd.DataFrame(
        list_rows,
        columns=[
            "name",
            "kommun",
            "category",
            "trend_vs_2024",
            "riskomrade_2023",
            "regso2025_approx",
            "area_code",
        ],
    )
    return police_areas, classifications, police_list


def _crime(
    rng: Generator,
    codes: np.ndarray,
    yrs: tuple[int, ...],
    pop: np.ndarray,
    dep: np.ndarray,
    influence: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    recs: list[tuple[str, str, str, str | None]] = []  # (offence, offence_date, reg_date, deso)
    count_rows: list[tuple[str, str, str, float]] = []
    for off_code, (_, _, first, rate) in OFFENCES.items():
        for j, y in enumerate(yrs):
            if y < first:
                continue
            lam = rate * pop[:, j] / 1000.0 * np.exp(0.85 * dep[:, j] + influence[:, j])
            counts = rng.poisson(lam)
            start = np.datetime64(f"{y}-01-01")
            n_days = int((np.datetime64(f"{y + 1}-01-01") - start).astype(int))
            for i in range(len(codes)):
                count_rows.append((str(codes[i]), str(y), f"crime_{off_code}", float(counts[i])))
                for _ in range(int(counts[i])):
                    day = start + np.timedelta64(int(rng.integers(n_days)), "D")
                    lag = np.timedelta64(int(rng.geometric(0.75)) - 1, "D")
                    recs.append((off_code, str(day), str(day + lag), str(codes[i])))
            n_missing = int(rng.poisson(0.04 * counts.sum() + 0.3))
            for _ in range(n_missing):
                day = start + np.timedelta64(int(rng.integers(n_days)), "D")
                lag = np.timedelta64(int(rng.geometric(0.75)) - 1, "D")
                recs.append((off_code, str(day), str(day + lag), None))
    rep = pd.DataFrame(recs, columns=["offence_code", "offence_date", "registered_date", "deso"])
    rep = rep.sort_values(
        ["registered_date", "offence_date", "offence_code"], kind="stable"
    ).reset_index(drop=True)
    gaps = rng.integers(1, 400, len(rep))
    reports = pd.DataFrame(
        {
            "report_id": (1000 + np.cumsum(gaps)).astype(np.int64),
            "offence_code": rep["offence_code"],
            "offence_text": rep["offence_code"].map({k: v[0] for k, v in OFFENCES.items()}),
            "registered_date": rep["registered_date"],
            "offence_date": rep["offence_date"],
            "kommun": KOMMUN_NAME,
            "lan": CRIME_LAN_NAME,
            "deso_code": rep["deso"].astype(object),
            "count": np.ones(len(rep), dtype=np.int64),
        }
    )
    cc = pd.DataFrame(count_rows, columns=["area_code", "period", "variable", "value"])
    crime_counts = pd.DataFrame(
        {
            "area_code": cc["area_code"],
            "area_version": DESO_VERSION,
            "variable": cc["variable"],
            "period": cc["period"],
            "value": cc["value"],
            "unit": "antal brott",
            "missing_reason": pd.Series([None] * len(cc), dtype=object),
        }
    )
    crime_counts = crime_counts.sort_values(["area_code", "period", "variable"], kind="stable")
    return reports, crime_counts.reset_index(drop=True)[list(OBS_COLUMNS)]


def _surveys(
    rng: Generator,
    regso_codes: list[str],
    regso_idx: np.ndarray,
    yrs: tuple[int, ...],
    pop: np.ndarray,
    dep: np.ndarray,
) -> pd.DataFrame:
    rows: list[tuple[str, str, str, float, str]] = []
    off = rng.normal(0.0, 0.15, (len(regso_codes), 3))
    for sy in SURVEY_YEARS:
        j = min(max(yrs.index(sy) if sy in yrs else len(yrs) - 1, 0), len(yrs) - 1)
        for r, code in enumerate(regso_codes):
            m = regso_idx == r
            w = pop[m, j].astype(float)
            d = float((dep[m, j] * w).sum() / w.sum())
            n = int(rng.integers(70, 240) * (1.0 - 0.1 * np.clip(d, 0, 2.5)))
            ps = (
                _logistic(2.0 - 0.7 * d + off[r, 0]),
                _logistic(1.6 - 0.45 * d + off[r, 1]),
                _logistic(-2.3 + 0.45 * d + off[r, 2]),
            )
            for var, p in zip(SURVEY_VARIABLES[:3], ps, strict=True):
                k = int(rng.binomial(n, float(p)))
                rows.append((code, str(sy), var, round(100.0 * k / n, 1), "procent"))
            rows.append((code, str(sy), "survey_respondents", float(n), "antal personer"))
    out = pd.DataFrame(rows, columns=["area_code", "period", "variable", "value", "unit"])
    out.insert(1, "level", "regso")
    return out


def _contracts(
    kommun: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    regso: gpd.GeoDataFrame,
    deso: gpd.GeoDataFrame,
    deso2025: gpd.GeoDataFrame,
    police_areas: gpd.GeoDataFrame,
    obs25: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows: list[tuple[Any, ...]] = []

    def wkb(g: BaseGeometry) -> bytes:
        return bytes(shapely.to_wkb(g))

    rows.append(
        ("99", "lan", LAN_VERSION, LAN_NAME, None, None, None, wkb(kommun.geometry.iloc[0]),
         _attributes())
    )  # fmt: skip
    rows.append(
        (KOMMUN_CODE, "kommun", KOMMUN_VERSION, KOMMUN_NAME, LAN_CODE, "lan", LAN_VERSION,
         wkb(kommun.geometry.iloc[0]), _attributes())
    )  # fmt: skip
    for rec in districts.itertuples():
        rows.append(
            (rec.area_code, "district", DISTRICT_VERSION, rec.name, KOMMUN_CODE, "kommun",
             KOMMUN_VERSION, wkb(rec.geometry), _attributes())
        )  # fmt: skip
    for rec in regso.itertuples():
        rows.append(
            (rec.area_code, "regso", REGSO_VERSION, rec.name, rec.district_code, "district",
             DISTRICT_VERSION, wkb(rec.geometry), _attributes())
        )  # fmt: skip
    for rec in deso.itertuples():
        rows.append(
            (rec.area_code, "deso", DESO_VERSION, rec.name, rec.regso_code, "regso",
             REGSO_VERSION, wkb(rec.geometry), _attributes(trajectory=rec.trajectory))
        )  # fmt: skip
    for rec in deso2025.itertuples():
        rows.append(
            (rec.area_code, "deso", DESO2025_VERSION, rec.area_code, rec.regso_code, "regso",
             REGSO_VERSION, wkb(rec.geometry), _attributes(deso2018_code=rec.deso2018_code))
        )  # fmt: skip
    for rec in police_areas.itertuples():
        rows.append(
            (rec.area_code, "police_area", rec.version, rec.name, None, None, None,
             wkb(rec.geometry), _attributes(category=rec.category))
        )  # fmt: skip
    areas = pd.DataFrame(rows, columns=list(AREA_COLUMNS))

    links: list[tuple[Any, ...]] = []
    for rec in deso.itertuples():
        links.append(
            (rec.area_code, "deso", DESO_VERSION, rec.regso_code, "regso", REGSO_VERSION, 1.0,
             "scb_key")
        )  # fmt: skip
    for rec in regso.itertuples():
        links.append(
            (rec.area_code, "regso", REGSO_VERSION, rec.district_code, "district",
             DISTRICT_VERSION, 1.0, "areal")
        )  # fmt: skip
    last = obs25[obs25["period"] == obs25["period"].max()].set_index("area_code")["value"]
    for parent, grp in deso2025.groupby("deso2018_code", sort=True):
        kids = list(grp["area_code"])
        if len(kids) == 1:
            links.append(
                (parent, "deso", DESO_VERSION, kids[0], "deso", DESO2025_VERSION, 1.0, "code_rule")
            )
            continue
        tot = float(sum(last[k] for k in kids))
        for k in kids:
            links.append(
                (parent, "deso", DESO_VERSION, k, "deso", DESO2025_VERSION,
                 round(float(last[k]) / tot, 6), "population")
            )  # fmt: skip
    return areas, pd.DataFrame(links, columns=list(LINK_COLUMNS))


def _variables_frame() -> pd.DataFrame:
    rows = []
    for var in _ordered_stat_variables():
        rows.append((var, VARIABLE_LABELS.get(var, var), VARIABLE_UNITS[var], SYNTHETIC_LABEL))
    for var in SURVEY_VARIABLES:
        rows.append((var, VARIABLE_LABELS[var], VARIABLE_UNITS[var], SYNTHETIC_LABEL))
    for code, (text, _, _, _) in OFFENCES.items():
        rows.append((f"crime_{code}", text, "antal brott", SYNTHETIC_LABEL))
    return pd.DataFrame(rows, columns=list(VARIABLE_COLUMNS))


def deterministic_uuid(*parts: str) -> str:
    """A stable UUID (v5) for an object of the synthetic city, e.g. ``objektidentitet``."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "omradesbild:exempelstad:" + ":".join(parts)))
