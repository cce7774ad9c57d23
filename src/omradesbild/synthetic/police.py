"""The SYNTHETIC police list: police areas per list year, their classifications and the
latest list in the columns of the real file."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from numpy.random import Generator

from omradesbild.sources.base import CLASSIFICATION_COLUMNS
from omradesbild.sources.police import LIST_COLUMNS
from omradesbild.synthetic.constants import (
    CATEGORY_SEVERITY,
    CRS,
    KOMMUN_CODE,
    POLICE_SCHEME,
    POLICE_YEARS,
)
from omradesbild.synthetic.geometry import Layout
from omradesbild.synthetic.helpers import attributes
from omradesbild.synthetic.latent import Latent

# (police area code, name, role, member DeSO rows)
_Group = tuple[str, str, str, pd.DataFrame]


def police_layers(
    rng: Generator, deso: gpd.GeoDataFrame, layout: Layout, lat: Latent
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    """The police areas of every list year, their classifications and the latest list.

    Each group is the non-rural DeSO of one RegSO; its polygon is their union, buffered by a
    random −40…90 m and simplified, so that the police areas do not follow DeSO borders.
    """
    regso_codes, regso_names, outline = layout.regso_codes, layout.regso_names, layout.outline
    roles, group_regso, cat_by_year = lat.roles, lat.group_regso, lat.cat_by_year
    rows: list[dict[str, Any]] = []
    cls_rows: list[dict[str, Any]] = []
    groups: list[_Group] = []
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
                    "attributes": attributes(name=name, deso_codes=deso_codes.split(";")),
                }
            )
    police_cols = ["area_code", "name", "year", "version", "category", "role", "deso_codes"]
    police_areas = gpd.GeoDataFrame(
        pd.DataFrame([{c: r[c] for c in police_cols} for r in rows], columns=police_cols),
        geometry=[r["geometry"] for r in rows],
        crs=CRS,
    )
    classifications = pd.DataFrame(cls_rows, columns=list(CLASSIFICATION_COLUMNS))
    return police_areas, classifications, _police_list(groups, cat_by_year)


def _police_list(
    groups: list[_Group], cat_by_year: dict[int, dict[str, str | None]]
) -> pd.DataFrame:
    """The latest list, as in ``utsatta_omraden_2025_list.csv`` (trend against the year before)."""
    latest, prev = POLICE_YEARS[-1], POLICE_YEARS[-2]
    list_rows = []
    for code, name, role_id, members in groups:
        cat = cat_by_year[latest][role_id]
        if cat is None:
            continue
        before = cat_by_year[prev][role_id]
        if before is None:
            trend = "new"
        elif CATEGORY_SEVERITY[cat] > CATEGORY_SEVERITY[before]:
            trend = "negative"
        elif CATEGORY_SEVERITY[cat] < CATEGORY_SEVERITY[before]:
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
        columns=[*LIST_COLUMNS, "area_code"],
    )
    return police_list
