"""The police rule on areas that cut DeSO (a city's own districts), and shares that rest on
surface alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from omradesbild.config import POLICE_SURFACE_BAND
from omradesbild.followup.police import area_pieces, listed_areas, overlay_police
from omradesbild.services.followup.police_known import surface_undecided
from omradesbild.wording import Message, level_noun, text

CRS = "EPSG:3006"


def _gdf(codes: list[str], geoms: list[object]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"area_code": codes}, geometry=geoms, crs=CRS)


def _police(geom: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"area_code": ["P"], "period": ["2023"], "category": ["sarskilt_utsatt"]},
        geometry=[geom],
        crs=CRS,
    )


# d1 (1000 residents) is split between districts A and B; d2 (100) lies in B. The police
# polygon covers A exactly: all of A's residents live inside, none of B's.
DESO = _gdf(["d1", "d2"], [box(0, 0, 100, 100), box(100, 0, 200, 100)])
DISTRICTS = _gdf(["A", "B"], [box(0, 0, 50, 100), box(50, 0, 200, 100)])
LINKS = pd.DataFrame(
    {"from_code": ["d1", "d1", "d2"], "to_code": ["A", "B", "B"], "weight": [0.5, 0.5, 1.0]}
)
POP = pd.Series([1000.0, 100.0], index=["d1", "d2"])


def test_district_cutting_a_deso_gets_the_residents_of_its_part_only() -> None:
    ov = overlay_police(_police(box(0, 0, 50, 100)), DESO, POP, area_links=LINKS,
                        targets=DISTRICTS)  # fmt: skip
    got = ov.set_index("area_code")
    # A: every resident of its half of d1 lives inside the polygon.
    assert got.loc["A", "share_population"] == pytest.approx(1.0)
    assert got.loc["A", "share_area"] == pytest.approx(1.0)
    assert bool(got.loc["A", "on_list"])
    # B touches the polygon only along a line: no share at all (the whole-DeSO rule gave
    # B half of d1's residents inside, 500 / 1100).
    assert "B" not in got.index


def test_weighted_links_without_district_polygons() -> None:
    # Without the districts' polygons, d1 enters A and B with its weight and its own share.
    ov = overlay_police(_police(box(0, 0, 50, 100)), DESO, POP, area_links=LINKS)
    got = ov.set_index("area_code")["share_population"]
    assert got["A"] == pytest.approx(0.5)  # d1's share inside, 0.5
    assert got["B"] == pytest.approx(1000 * 0.5 * 0.5 / (1000 * 0.5 + 100))


def test_pieces_keep_the_residents() -> None:
    pieces, pop, links = area_pieces(DESO, DISTRICTS, POP, area_links=LINKS)
    assert pop is not None
    assert sorted(pieces["area_code"]) == ["d1|A", "d1|B", "d2|B"]
    assert pop.sum() == pytest.approx(1100.0)
    assert pop["d1|A"] == pytest.approx(500.0)
    assert set(links["to_code"]) == {"A", "B"}


@settings(max_examples=40, deadline=None)
@given(
    cut=st.floats(min_value=1.0, max_value=99.0),
    edge=st.floats(min_value=1.0, max_value=199.0),
    n1=st.floats(min_value=1.0, max_value=1e4),
    n2=st.floats(min_value=1.0, max_value=1e4),
)
def test_district_shares_are_their_residents_inside(
    cut: float, edge: float, n1: float, n2: float
) -> None:
    """Residents evenly spread over each DeSO: a district's share inside is the residents
    of its parts inside over the residents of its parts, whatever the cut."""
    districts = _gdf(["A", "B"], [box(0, 0, cut, 100), box(cut, 0, 200, 100)])
    links = pd.DataFrame({"from_code": ["d1", "d1", "d2"], "to_code": ["A", "B", "B"]})
    pop = pd.Series([n1, n2], index=["d1", "d2"])
    ov = overlay_police(_police(box(0, 0, edge, 100)), DESO, pop, area_links=links,
                        targets=districts, min_share=0.0)  # fmt: skip
    got = ov.set_index("area_code")["share_population"]
    dens = {"d1": n1 / 100, "d2": n2 / 100}  # residents per metre of width

    def inside(lo: float, hi: float) -> float:
        return sum(
            d * max(0.0, min(hi, edge, b1) - max(lo, b0))
            for (b0, b1), d in (((0, 100), dens["d1"]), ((100, 200), dens["d2"]))
        )

    a = inside(0, cut) / (dens["d1"] * cut)
    b = inside(cut, 200) / (dens["d1"] * (100 - cut) + n2)
    assert got.get("A", 0.0) == pytest.approx(a, abs=1e-9)
    assert got.get("B", 0.0) == pytest.approx(b, abs=1e-9)
    assert np.all((got >= 0) & (got <= 1 + 1e-12))


def _overlay(share_area: float, share_population: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": ["A"],
            "period": ["2023"],
            "police_code": ["P"],
            "category": ["utsatt"],
            "share_area": [share_area],
            "share_population": [share_population],
            "on_list": [share_area >= 0.5],
            "basis": ["polygon"],
        }
    )


@pytest.mark.parametrize(
    ("share_area", "share_population", "undecided"),
    [
        (0.40, np.nan, True),  # surface alone, inside the band: cannot be decided
        (0.16, np.nan, True),
        (0.55, np.nan, True),
        (0.10, np.nan, False),  # surface alone, far below: not listed
        (0.65, np.nan, False),  # surface alone, far above: listed
        (0.40, 0.30, False),  # residents known: the rule decides
        (0.40, 0.61, False),
    ],
)
def test_surface_share_near_the_threshold_is_not_decided(
    share_area: float, share_population: float, undecided: bool
) -> None:
    ov = _overlay(share_area, share_population)
    got = surface_undecided(ov, listed_areas(ov), threshold=0.5)
    assert (got == {"2023": {"A"}}) is undecided, got
    lo, hi = 0.5 - POLICE_SURFACE_BAND[0], 0.5 + POLICE_SURFACE_BAND[1]
    assert 0 < lo < 0.5 < hi <= 1


def test_counts_take_the_plural() -> None:
    one = Message("note_police_not_known", year="2023", n=1, level=level_noun("district", 1))
    many = Message("note_police_not_known", year="2023", n=45, level=level_noun("district", 45))
    assert "1 stadsdel inte känd " in one.text("sv") and "1 district not known" in one
    assert "45 stadsdelar inte kända" in many.text("sv") and "45 districts not known" in many
    assert text("cli_rows_written", "sv", n=1, path="x") == "1 rad skriven till x"
    assert text("cli_rows_written", "en", n=3, path="x") == "3 rows written to x"


def test_surface_share_near_the_threshold_is_said_end_to_end(
    demo_store: Path, tmp_path: Path
) -> None:
    """A DeSO without residents stored whose surface lies 40 % inside a police polygon is
    "cannot be decided" in the analysis, the status (with its share) and the notes."""
    import duckdb
    import shapely

    from omradesbild.services.followup import police_analysis, police_status_of
    from omradesbild.store import Store

    db = tmp_path / "s.duckdb"
    shutil.copy(demo_store, db)
    con = duckdb.connect(str(db))
    code, geom = con.execute(
        "SELECT area_code, geometry FROM areas WHERE level = 'police_area' AND version = "
        "'police2025' ORDER BY area_code LIMIT 1"
    ).fetchone()  # type: ignore[misc]
    police = shapely.from_wkb(bytes(geom))
    deso = [
        (c, shapely.from_wkb(bytes(g)))
        for c, g in con.execute(
            "SELECT area_code, geometry FROM areas WHERE level = 'deso' AND version = 'deso2018'"
        ).fetchall()
    ]
    d, g = next((c, g) for c, g in deso if police.intersection(g).area > 0.9 * g.area)
    x0, y0, x1, y1 = g.bounds
    lo, hi = x0, x1
    for _ in range(60):  # the slice of the DeSO west of x holding 40 % of its surface
        mid = (lo + hi) / 2
        part = g.intersection(box(x0, y0, mid, y1)).area / g.area
        lo, hi = (mid, hi) if part < 0.4 else (lo, mid)
    slice_ = g.intersection(box(x0, y0, hi, y1))
    con.execute("UPDATE areas SET geometry = ? WHERE level = 'police_area' AND version = "
                "'police2025' AND area_code = ?", [shapely.to_wkb(slice_), code])  # fmt: skip
    con.execute("DELETE FROM observations WHERE variable = 'pop_total' AND area_code = ?", [d])
    con.close()
    with Store(db, read_only=True) as store:
        res = police_analysis(store, level="deso", period="2024", police_year="2025")
    assert res.undecided == {"2025": frozenset({d})}
    assert d in res.unknown["2025"]
    st = police_status_of(res).set_index(["area_code", "period"])
    assert st.loc[(d, "2025"), "category"] == "not_known"
    assert st.loc[(d, "2025"), "share"] == pytest.approx(0.4, abs=1e-6)
    assert st.loc[(d, "2025"), "basis"] == "polygon"
    flags = res.flags.loc[(res.flags["area_code"] == d) & (res.flags["period"] == "2025")]
    assert list(flags["category"]) == ["not_known"]
    said = [n.text("sv") for n in res.notes if isinstance(n, Message)]
    assert any("1 DeSO kan inte avgöras" in n for n in said), said


def test_a_base_area_linked_to_two_targets_without_polygons_counts_once_in_each() -> None:
    """A base area kept whole because its targets have no polygons enters each of them once,
    with its link's weight: in a target it shares with another base area its residents are
    not counted twice (that target is 1/6 inside the police polygon, not 1/4)."""
    areas = gpd.GeoDataFrame(
        {"area_code": ["B", "C"]}, geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs=CRS
    )
    police = gpd.GeoDataFrame(
        {"area_code": ["P"], "period": ["2023"], "category": ["utsatt"]},
        geometry=[box(-1, -1, 5, 11)],
        crs=CRS,
    )
    population = pd.Series({"B": 100.0, "C": 100.0})
    links = pd.DataFrame(
        {"from_code": ["B", "B", "C"], "to_code": ["T1", "T2", "T1"], "weight": [0.5, 0.5, 1.0]}
    )
    elsewhere = gpd.GeoDataFrame({"area_code": ["T9"]}, geometry=[box(90, 90, 91, 91)], crs=CRS)
    cut = overlay_police(police, areas, population, area_links=links, targets=elsewhere)
    whole = overlay_police(police, areas, population, area_links=links)
    got = cut.set_index("area_code")["share_population"]
    assert got["T1"] == pytest.approx(50 * 0.5 / (50 + 100))
    assert got["T2"] == pytest.approx(0.5)
    pd.testing.assert_series_equal(got, whole.set_index("area_code")["share_population"])
