"""DeSO 2018 -> 2025 code rule and its geometric check."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from omradesbild.errors import InputError
from omradesbild.harmonize.code_rule import (
    CHECK_COLUMNS,
    check_code_rule_with_geometry,
    code_rule_crosswalk,
    code_rule_links,
)
from omradesbild.sources.base import LINK_COLUMNS


def test_one_to_one_and_split() -> None:
    links = code_rule_links(
        ["1480C1030", "1480C1040", "1480C1050"],
        ["1480C1031", "1480C1032", "1480C1040", "1480C1060"],
    )
    assert list(links.columns) == list(LINK_COLUMNS)
    got = {(r.from_code, r.to_code): r.weight for r in links.itertuples()}
    assert got == {
        ("1480C1030", "1480C1031"): 0.5,
        ("1480C1030", "1480C1032"): 0.5,
        ("1480C1040", "1480C1040"): 1.0,
    }
    assert (links["method"] == "code_rule").all()
    assert (links["from_version"] == "deso2018").all() and (links["to_version"] == "deso2025").all()
    assert links.attrs["unmatched_2018"] == ["1480C1050"]
    assert links.attrs["unmatched_2025"] == ["1480C1060"]


def test_strict_raises_with_unmatched() -> None:
    with pytest.raises(InputError, match="1480C1050") as exc:
        code_rule_links(["1480C1030", "1480C1050"], ["1480C1031"], strict=True)
    assert "first 8 characters" in str(exc.value)
    assert len(code_rule_links(["1480C1030"], ["1480C1031"], strict=True)) == 1


def test_population_weights() -> None:
    pop = pd.Series({"1480C1031": 300.0, "1480C1032": 100.0, "1480C1040": 5.0})
    cw = code_rule_crosswalk(
        ["1480C1030", "1480C1040"], ["1480C1031", "1480C1032", "1480C1040"], population2025=pop
    )
    w = cw.links.set_index("to_code")["weight"]
    assert w["1480C1031"] == pytest.approx(0.75) and w["1480C1032"] == pytest.approx(0.25)
    assert w["1480C1040"] == 1.0
    m = cw.links.set_index("to_code")["method"]
    assert m["1480C1031"] == "code_rule_population" and m["1480C1040"] == "code_rule"
    # zero population in every part: equal split
    zero = code_rule_crosswalk(
        ["1480C1030"], ["1480C1031", "1480C1032"], population2025={"1480C1031": 0, "1480C1032": 0}
    )
    assert zero.links["weight"].tolist() == [0.5, 0.5]
    with pytest.raises(InputError, match="1480C1032"):
        code_rule_crosswalk(
            ["1480C1030"], ["1480C1031", "1480C1032"], population2025={"1480C1031": 1}
        )


@pytest.mark.parametrize(
    "d18, d25, match",
    [
        (["1480C103"], ["1480C1031"], "not a DeSO code"),
        (["1480C1030", "1480C1030"], ["1480C1031"], "given twice"),
        (["1480C1030", "1480C1031"], ["1480C1031"], "share the stem"),
        (["1480C1030"], ["x"], "not a DeSO code"),
    ],
)
def test_bad_input(d18: list[str], d25: list[str], match: str) -> None:
    with pytest.raises(InputError, match=match):
        code_rule_links(d18, d25)


def test_inputs_not_mutated() -> None:
    d18 = ["1480C1030"]
    d25 = ["1480C1032", "1480C1031"]
    pop = {"1480C1031": 1.0, "1480C1032": 3.0}
    code_rule_links(d18, d25, population2025=pop)
    assert d18 == ["1480C1030"] and d25 == ["1480C1032", "1480C1031"]
    assert pop == {"1480C1031": 1.0, "1480C1032": 3.0}


stems = st.lists(
    st.tuples(st.integers(0, 9999), st.sampled_from("ABC"), st.integers(0, 999)).map(
        lambda t: f"{t[0]:04d}{t[1]}{t[2]:03d}"
    ),
    unique=True,
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(
    stems=stems,
    plan=st.lists(st.tuples(st.integers(0, 3), st.booleans(), st.integers(0, 9)), min_size=25),
    data=st.data(),
)
def test_weights_sum_to_one(
    stems: list[str], plan: list[tuple[int, bool, int]], data: st.DataObject
) -> None:
    d18: list[str] = []
    d25: list[str] = []
    for stem, (n_children, in_2018, digit) in zip(stems, plan, strict=False):
        if in_2018:
            d18.append(f"{stem}{digit}")
        d25.extend(f"{stem}{k}" for k in range(n_children))
    use_pop = data.draw(st.booleans())
    pop = {c: data.draw(st.floats(0, 1e4, allow_nan=False)) for c in d25} if use_pop else None
    cw = code_rule_crosswalk(d18, d25, population2025=pop)
    links = cw.links
    sums = links.groupby("from_code")["weight"].sum() if len(links) else pd.Series(dtype=float)
    assert np.allclose(sums.to_numpy(), 1.0)
    assert (links["weight"] >= 0).all() if len(links) else True
    assert links["to_code"].is_unique if len(links) else True
    assert set(sums.index) | set(cw.unmatched_2018) == set(d18)
    assert set(links["to_code"]) | set(cw.unmatched_2025) == set(d25)
    assert (links["from_code"].str[:8] == links["to_code"].str[:8]).all() if len(links) else True


def _gdf(codes: list[str], geoms: list[object], crs: str = "EPSG:3006") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"area_code": codes}, geometry=geoms, crs=crs)


def test_check_with_geometry() -> None:
    links = code_rule_links(["1480C1030", "1480C1040"], ["1480C1031", "1480C1032", "1480C1040"])
    g18 = _gdf(["1480C1030"], [box(0, 0, 100, 100)])
    g25 = _gdf(
        ["1480C1031", "1480C1032", "1480C1040"],
        [box(0, 0, 50, 100), box(50, 0, 110, 100), box(500, 500, 600, 600)],
    )
    res = check_code_rule_with_geometry(links, g18, g25).set_index("to_code")
    assert list(res.reset_index()[list(CHECK_COLUMNS)].columns) == list(CHECK_COLUMNS)
    assert res.loc["1480C1031", "share_inside_parent"] == pytest.approx(1.0)
    assert res.loc["1480C1031", "share_of_parent"] == pytest.approx(0.5)
    assert res.loc["1480C1032", "share_inside_parent"] == pytest.approx(50 / 60)
    assert res.loc["1480C1031", "status"] == "ok"
    assert res.loc["1480C1040", "status"] == "missing_2018_geometry"
    assert np.isnan(res.loc["1480C1040", "share_inside_parent"])


def test_check_reprojects_and_validates() -> None:
    links = code_rule_links(["0180C1030"], ["0180C1031"])
    a = box(670000, 6580000, 671000, 6581000)
    g18 = _gdf(["0180C1030"], [a]).to_crs("EPSG:4326")
    g25 = _gdf(["0180C1031"], [a])
    res = check_code_rule_with_geometry(links, g18, g25)
    assert res["share_inside_parent"].iloc[0] == pytest.approx(1.0, abs=1e-3)
    with pytest.raises(InputError, match="no CRS"):
        check_code_rule_with_geometry(links, g18.set_crs(None, allow_override=True), g25)
    with pytest.raises(InputError, match="no code column"):
        check_code_rule_with_geometry(links, g18.rename(columns={"area_code": "kod"}), g25)


@pytest.mark.realdata
def test_real_goteborg(shared_data: Path) -> None:
    from omradesbild.sources.boundaries import read_known_boundaries
    from omradesbild.sources.scb_key import read_scb_key

    key = read_scb_key(shared_data / "scb" / "koppling-deso2018-regso2020.csv").areas
    d18 = key.loc[(key["level"] == "deso") & key["area_code"].str.startswith("1480"), "area_code"]
    d25 = read_known_boundaries(shared_data / "geo" / "goteborg_deso2025.gpkg").areas["area_code"]
    links = code_rule_links(d18.tolist(), d25.tolist(), strict=True)
    assert len(d18) == 306 and len(d25) == 320 and len(links) == 320
    assert links.groupby("from_code")["weight"].sum().to_numpy() == pytest.approx(1.0)
    assert (links.groupby("from_code").size() > 1).sum() == 13  # 13 Göteborg DeSO were split
