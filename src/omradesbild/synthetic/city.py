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

The generator is composed of one module per concern: :mod:`~omradesbild.synthetic.geometry`
(areas), :mod:`~omradesbild.synthetic.latent` (deprivation, police groups),
:mod:`~omradesbild.synthetic.population` (SCB statistics), :mod:`~omradesbild.synthetic.police`,
:mod:`~omradesbild.synthetic.crime` and :mod:`~omradesbild.synthetic.surveys`. They draw from
one generator in a fixed order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.random import PCG64, Generator
from shapely.geometry.base import BaseGeometry

from omradesbild.sources.base import AREA_COLUMNS, LINK_COLUMNS, VARIABLE_COLUMNS
from omradesbild.synthetic.constants import (
    DESO2025_VERSION,
    DESO_VERSION,
    DISTRICT_VERSION,
    KOMMUN_CODE,
    KOMMUN_NAME,
    KOMMUN_VERSION,
    LAN_CODE,
    LAN_NAME,
    LAN_VERSION,
    OFFENCES,
    REGSO_VERSION,
    SURVEY_VARIABLES,
    SYNTHETIC_LABEL,
    VARIABLE_LABELS,
    VARIABLE_UNITS,
)
from omradesbild.synthetic.crime import crime
from omradesbild.synthetic.geometry import Layout, area_frames, build_layout, deso2025
from omradesbild.synthetic.helpers import attributes
from omradesbild.synthetic.latent import Latent, latent_state
from omradesbild.synthetic.police import police_layers
from omradesbild.synthetic.population import (
    long_observations,
    ordered_stat_variables,
    population,
    statistics,
    wide_table,
)
from omradesbild.synthetic.surveys import surveys


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
    The body is one line per step, in the order of the draws from the generator, and the
    result's 21 fields.

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
    # One generator; the order of the steps below is the order of the draws.
    rng = Generator(PCG64(seed))
    layout = build_layout(rng, n_deso, n_regso, n_districts)
    lat = latent_state(rng, layout, yrs)
    pop, split_mask = population(rng, layout.letter, lat.police_role, yrs)
    cols = statistics(
        rng, pop=pop, dep=lat.dep, letter=layout.letter, dist_c=layout.dist_c, years=yrs
    )
    wide, suppressed = wide_table(rng, cols, layout.deso_code, yrs)
    kommun, districts, regso, deso = area_frames(
        layout, trajectory=lat.trajectory, dep=lat.dep, police_role=lat.police_role,
        split_mask=split_mask,
    )  # fmt: skip
    deso25, observations_deso2025 = deso2025(rng, layout, split_mask, pop, yrs)
    police_areas, classifications, police_list = police_layers(rng, deso, layout, lat)
    crime_reports, crime_counts = crime(
        rng, layout.deso_code.astype(str), yrs, pop, lat.dep, lat.influence
    )
    survey_frame = surveys(rng, layout.regso_codes, layout.regso_idx, yrs, pop, lat.dep)
    areas, links = _contracts(
        kommun, districts, regso, deso, deso25, police_areas, observations_deso2025
    )
    return SyntheticCity(
        seed=seed,
        years=yrs,
        kommun=kommun,
        districts=districts,
        regso=regso,
        deso=deso,
        deso2025=deso25,
        latent=_latent_frame(layout, lat, yrs),
        deso_stats=wide,
        suppressed=suppressed,
        observations=long_observations(wide, suppressed, DESO_VERSION),
        observations_deso2025=observations_deso2025,
        police_areas=police_areas,
        classifications=classifications,
        police_list=police_list,
        crime_reports=crime_reports,
        crime_counts=crime_counts,
        surveys=survey_frame,
        areas=areas,
        links=links,
        variables=_variables_frame(),
    )


def _latent_frame(layout: Layout, lat: Latent, years: tuple[int, ...]) -> pd.DataFrame:
    """``area_code, year, deprivation, crime_influence`` per DeSO and year."""
    n_deso, n_y = layout.n_deso, len(years)
    return pd.DataFrame(
        {
            "area_code": np.repeat(layout.deso_code.astype(str), n_y),
            "year": np.tile(np.asarray(years, dtype=np.int64), n_deso),
            "deprivation": np.round(lat.dep.reshape(-1), 6),
            "crime_influence": lat.influence.reshape(-1),
        }
    )


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
         attributes())
    )  # fmt: skip
    rows.append(
        (KOMMUN_CODE, "kommun", KOMMUN_VERSION, KOMMUN_NAME, LAN_CODE, "lan", LAN_VERSION,
         wkb(kommun.geometry.iloc[0]), attributes())
    )  # fmt: skip
    for rec in districts.itertuples():
        rows.append(
            (rec.area_code, "district", DISTRICT_VERSION, rec.name, KOMMUN_CODE, "kommun",
             KOMMUN_VERSION, wkb(rec.geometry), attributes())
        )  # fmt: skip
    for rec in regso.itertuples():
        rows.append(
            (rec.area_code, "regso", REGSO_VERSION, rec.name, rec.district_code, "district",
             DISTRICT_VERSION, wkb(rec.geometry), attributes())
        )  # fmt: skip
    for rec in deso.itertuples():
        rows.append(
            (rec.area_code, "deso", DESO_VERSION, rec.name, rec.regso_code, "regso",
             REGSO_VERSION, wkb(rec.geometry), attributes(trajectory=rec.trajectory))
        )  # fmt: skip
    for rec in deso2025.itertuples():
        rows.append(
            (rec.area_code, "deso", DESO2025_VERSION, rec.area_code, rec.regso_code, "regso",
             REGSO_VERSION, wkb(rec.geometry), attributes(deso2018_code=rec.deso2018_code))
        )  # fmt: skip
    for rec in police_areas.itertuples():
        rows.append(
            (rec.area_code, "police_area", rec.version, rec.name, None, None, None,
             wkb(rec.geometry), attributes(category=rec.category))
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
    for var in ordered_stat_variables():
        rows.append((var, VARIABLE_LABELS.get(var, var), VARIABLE_UNITS[var], SYNTHETIC_LABEL))
    for var in SURVEY_VARIABLES:
        rows.append((var, VARIABLE_LABELS[var], VARIABLE_UNITS[var], SYNTHETIC_LABEL))
    for code, (text, _, _, _) in OFFENCES.items():
        rows.append((f"crime_{code}", text, "antal brott", SYNTHETIC_LABEL))
    return pd.DataFrame(rows, columns=list(VARIABLE_COLUMNS))
