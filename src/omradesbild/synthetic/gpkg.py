"""GeoPackages of the SYNTHETIC city: boundaries and the Police-style areas.

Used by :func:`omradesbild.synthetic.writers.write_city_files`. GDAL writes a fixed date
(``OGR_CURRENT_DATE``) inside :func:`_fixed_gdal_date`, so the files are reproducible.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio

from omradesbild.synthetic.city import SyntheticCity
from omradesbild.synthetic.constants import (
    CRS,
    KOMMUN_CODE,
    KOMMUN_NAME,
    LAN_CODE,
    POLICE_CATEGORY_LABELS,
    POLICE_YEARS,
    TITLE_PREFIX,
)
from omradesbild.synthetic.helpers import deterministic_uuid


@contextmanager
def _fixed_gdal_date() -> Iterator[None]:
    """Make GDAL write a fixed date (e.g. ``gpkg_contents.last_change``)."""
    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2025-01-01T00:00:00.000Z"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})


def _write_gpkg(gdf: gpd.GeoDataFrame, path: Path, layer: str, description: str) -> Path:
    if path.exists():
        path.unlink()
    pyogrio.write_dataframe(
        gdf,
        path,
        layer=layer,
        driver="GPKG",
        layer_options={"DESCRIPTION": f"{TITLE_PREFIX}{description}"},
    )
    return path


def _ids(codes: Sequence[str], kind: str, version: str) -> dict[str, Any]:
    """``objectid`` and a stable ``objektidentitet`` as SCB's geodata layers have them."""
    return {
        "objectid": np.arange(1, len(codes) + 1, dtype=np.int32),
        "objektidentitet": [deterministic_uuid(kind, version, c) for c in codes],
    }


def _write_geo(city: SyntheticCity, geo: Path, police: Path) -> dict[str, Path]:
    """Every GeoPackage: kommun, districts, RegSO, DeSO 2018/2025 and the police areas."""
    out = _write_admin_geo(city, geo)
    out.update(_write_deso_geo(city, geo))
    out.update(_write_police_geo(city, police))
    return out


def _write_admin_geo(city: SyntheticCity, geo: Path) -> dict[str, Path]:
    """The kommun, district and RegSO GeoPackages."""
    out: dict[str, Path] = {}
    k = city.kommun
    kommun = gpd.GeoDataFrame(
        {
            "kommunkod": [KOMMUN_CODE],
            "kommunnamn": [KOMMUN_NAME],
            "lanskod": [LAN_CODE],
            "synthetic": [True],
        },
        geometry=list(k.geometry),
        crs=CRS,
    )
    out["geo/kommun"] = _write_gpkg(
        kommun, geo / "exempelstad_kommun.gpkg", "kommun_exempelstad", "kommun"
    )

    d = city.districts
    districts = gpd.GeoDataFrame(
        {
            "omrade_kod": d["area_code"].tolist(),
            "omrade_namn": d["name"].tolist(),
            "niva": "stadsdel",
            "kommun_kod": KOMMUN_CODE,
            "kommun_namn": KOMMUN_NAME,
            "synthetic": True,
        },
        geometry=list(d.geometry),
        crs=CRS,
    )
    out["geo/districts"] = _write_gpkg(
        districts, geo / "exempelstad_districts.gpkg", "stadsdelar_exempelstad", "stadsdelar"
    )

    r = city.regso
    codes = r["area_code"].tolist()
    regso = gpd.GeoDataFrame(
        {
            **_ids(codes, "regso", "2020"),
            "regsokod": codes,
            "regsonamn": r["name"].tolist(),
            "lanskod": LAN_CODE,
            "kommunkod": KOMMUN_CODE,
            "kommunnamn": KOMMUN_NAME,
            "version": "2020_v1",
            "synthetic": True,
        },
        geometry=list(r.geometry),
        crs=CRS,
    )
    out["geo/regso2020"] = _write_gpkg(
        regso, geo / "exempelstad_regso2020.gpkg", "regso2020_exempelstad", "RegSO 2020"
    )

    return out


def _write_deso_geo(city: SyntheticCity, geo: Path) -> dict[str, Path]:
    """The DeSO 2018 and DeSO 2025 GeoPackages."""
    out: dict[str, Path] = {}
    regso_name = dict(zip(city.regso["area_code"], city.regso["name"], strict=True))
    for version, frame in (("2018", city.deso), ("2025", city.deso2025)):
        codes = frame["area_code"].tolist()
        cols: dict[str, Any] = {
            **_ids(codes, "deso", version),
            "desokod": codes,
            "regsokod": frame["regso_code"].tolist(),
            "lanskod": LAN_CODE,
            "kommunkod": KOMMUN_CODE,
            "kommunnamn": KOMMUN_NAME,
            "version": f"{version}_v1",
        }
        if version == "2025":
            cols["RegSO_2025"] = [regso_name[c] for c in frame["regso_code"]]
            cols["RegSOkod_2025"] = frame["regso_code"].tolist()
        cols["synthetic"] = True
        gdf = gpd.GeoDataFrame(cols, geometry=list(frame.geometry), crs=CRS)
        out[f"geo/deso{version}"] = _write_gpkg(
            gdf, geo / f"exempelstad_deso{version}.gpkg", f"deso{version}_exempelstad",
            f"DeSO {version}",
        )  # fmt: skip

    return out


def _write_police_geo(city: SyntheticCity, police: Path) -> dict[str, Path]:
    """One GeoPackage of police areas per list year."""
    out: dict[str, Path] = {}
    pa = city.police_areas
    for year in POLICE_YEARS:
        sub = pa[pa["year"] == year].sort_values("area_code")
        gdf = gpd.GeoDataFrame(
            {
                "NAMN": sub["name"].tolist(),
                "KATEGORI": [POLICE_CATEGORY_LABELS[c] for c in sub["category"]],
                "ORT": KOMMUN_NAME,
                "LOKALPOLIS": "Exempelstad",
                "OMRADESKOD": sub["area_code"].tolist(),
                "REGION": "Exempel",
                "AKTUALITET": f"{year}-12-01",
                "synthetic": True,
            },
            geometry=list(sub.geometry),
            crs=CRS,
        )
        out[f"police/areas/{year}"] = _write_gpkg(
            gdf, police / f"police_areas_{year}.gpkg", f"uso_{year}",
            f"polisens områden {year}",
        )  # fmt: skip
    return out
