"""Areal crosswalks on the real Stockholm and Göteborg layers (../shared/data)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from omradesbild.harmonize.apply import apply_crosswalk, compose_links
from omradesbild.harmonize.areal import build_crosswalk, coverage_summary
from omradesbild.harmonize.code_rule import code_rule_links
from omradesbild.sources.scb_xlsx import read_scb_xlsx

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def population(shared_data: Path) -> pd.DataFrame:
    """pop_total 2022 per DeSO 2018 (table 000005FE), long."""
    (path,) = sorted((shared_data / "scb" / "deso2018_tables_2022").glob("000005FE_*.xlsx"))
    data = read_scb_xlsx(path).data
    return data.loc[data["variable"] == "pop_total"].reset_index(drop=True)


def test_stockholm_deso2018_to_stadsdelar(shared_data: Path, population: pd.DataFrame) -> None:
    geo = shared_data / "geo"
    deso = gpd.read_file(geo / "stockholms_lan_deso2018_simplified.geojson")
    deso = deso.loc[deso["id"].astype(str).str.startswith("0180")]
    assert len(deso) == 544
    stadsdelar = gpd.read_file(geo / "stockholm_stadsdelar.geojson")
    assert len(stadsdelar) == 117 and stadsdelar.crs.to_epsg() == 4326

    kw = {
        "source_id": "id",
        "target_id": "NAMN",
        "from_level": "deso",
        "from_version": "deso2018",
        "to_level": "district",
        "to_version": "stockholm_stadsdelar",
    }
    cw = build_crosswalk(deso, stadsdelar, **kw)
    cov = coverage_summary(cw).set_index("from_code")["source_coverage"]
    assert len(cov) == 544 and not cw.attrs["sources_without_target"]
    # third-party simplification leaves small gaps/overlaps along the city boundary
    assert (cov >= 0.95).mean() >= 0.99
    assert cov.min() > 0.9 and cov.max() < 1.01
    assert set(cw["to_code"]) == set(stadsdelar["NAMN"])

    pop = population.loc[population["area_code"].str.startswith("0180")]
    assert len(pop) == 544
    total = pop["value"].sum()
    out = apply_crosswalk(pop, cw, kind="extensive")
    assert out["value"].notna().all() and len(out) == 117
    assert abs(out["value"].sum() / total - 1) < 0.01
    # renormalised weights conserve the total exactly
    cw_n = build_crosswalk(deso, stadsdelar, renormalise=True, **kw)
    out_n = apply_crosswalk(pop, cw_n, kind="extensive")
    assert out_n["value"].sum() == pytest.approx(total, rel=1e-9)


def test_goteborg_deso2018_via_code_rule_to_primaromraden(
    shared_data: Path, population: pd.DataFrame
) -> None:
    geo = shared_data / "geo"
    key = pd.read_csv(shared_data / "scb" / "koppling-deso2018-regso2020.csv", dtype=str)
    codes18 = key.iloc[:, 2].loc[key.iloc[:, 2].str.startswith("1480")].tolist()
    deso25 = gpd.read_file(geo / "goteborg_deso2025.gpkg")
    prim = gpd.read_file(geo / "goteborg_primaromraden.gpkg")
    assert len(deso25) == 320 and len(prim) == 96
    rule = code_rule_links(codes18, deso25["desokod"].tolist(), strict=True)
    kw = {
        "source_id": "desokod",
        "target_id": "omrade_kod",
        "from_level": "deso",
        "from_version": "deso2025",
        "to_level": "district",
        "to_version": "goteborg_primaromraden2025",
    }
    pop = population.loc[population["area_code"].isin(codes18)]
    total = pop["value"].sum()
    assert len(pop) == len(codes18) and total > 500_000

    # plain areal shares lose the population of DeSO parts outside every primärområde
    # (SCB's 2025 polygons include water that the city's primärområden leave out)
    cw = build_crosswalk(deso25, prim, **kw)
    plain = apply_crosswalk(pop, compose_links(rule, cw))
    assert plain["value"].sum() / total < 0.98  # about 0.947 with the 2022 data
    assert (coverage_summary(cw)["source_coverage"] < 0.5).sum() >= 10

    cw_n = build_crosswalk(deso25, prim, renormalise=True, **kw)
    links = compose_links(rule, cw_n)
    assert set(links["from_version"]) == {"deso2018"}
    assert links.groupby("from_code")["weight"].sum().to_numpy() == pytest.approx(
        np.ones(len(codes18))
    )
    out = apply_crosswalk(pop, links)
    assert len(out) == 96 and out["value"].notna().all()
    assert abs(out["value"].sum() / total - 1) < 0.01
    # the primärområden tile the kommun: each is (almost) fully covered by DeSO
    assert cw_n.groupby("to_code")["target_coverage"].first().min() > 0.999
