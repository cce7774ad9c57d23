"""Areal crosswalks, applying and composing links, and links from a store (synthetic data)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.errors import InputError
from omradesbild.harmonize.apply import apply_crosswalk, compose_links, harmonise_to_layer
from omradesbild.harmonize.areal import CROSSWALK_COLUMNS, build_crosswalk, coverage_summary
from omradesbild.sources.base import AREA_COLUMNS, LINK_COLUMNS, Areas, SourceMeta
from omradesbild.store.store import Store

X0, Y0 = 670_000.0, 6_580_000.0  # around Stockholm, EPSG:3006


def square(i: int, j: int, size: float = 1000.0) -> shapely.Polygon:
    return shapely.box(X0 + i * size, Y0 + j * size, X0 + (i + 1) * size, Y0 + (j + 1) * size)


def layer(geoms: dict[str, shapely.Geometry], crs: str = "EPSG:3006") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"area_code": list(geoms)}, geometry=list(geoms.values()), crs="EPSG:3006"
    ).to_crs(crs)


KW = {"from_level": "deso", "from_version": "deso2018", "to_level": "district", "to_version": "d"}


@pytest.fixture()
def grid() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Four 1 km squares; targets: the left half and the right half of the 2 × 2 block,
    shifted so that the right target also covers only half of the two right squares."""
    src = layer({"A": square(0, 0), "B": square(1, 0), "C": square(0, 1), "D": square(1, 1)})
    left = shapely.box(X0, Y0, X0 + 1000, Y0 + 2000)
    right = shapely.box(X0 + 1000, Y0, X0 + 1500, Y0 + 2000)
    return src, layer({"L": left, "R": right})


def test_areal_weights_and_coverage(grid: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
    src, tgt = grid
    cw = build_crosswalk(src, tgt, **KW)
    assert list(cw.columns) == list(CROSSWALK_COLUMNS)
    got = {(f, t): w for f, t, w in zip(cw.from_code, cw.to_code, cw.weight, strict=True)}
    assert got == pytest.approx(
        {("A", "L"): 1.0, ("C", "L"): 1.0, ("B", "R"): 0.5, ("D", "R"): 0.5}
    )
    cov = cw.groupby("from_code")["source_coverage"].first()
    assert cov.to_dict() == pytest.approx({"A": 1.0, "B": 0.5, "C": 1.0, "D": 0.5})
    assert cw.groupby("to_code")["target_coverage"].first().to_dict() == pytest.approx(
        {"L": 1.0, "R": 1.0}
    )
    assert set(cw.method) == {"areal"}
    assert cw.from_version.unique().tolist() == ["deso2018"]
    summary = coverage_summary(cw)
    assert summary.from_code.tolist()[:2] == ["B", "D"]


def test_renormalise_and_population_columns(
    grid: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    src, tgt = grid
    pop = pd.Series({"A": 100.0, "B": 300.0, "C": 0.0, "D": 100.0})
    cw = build_crosswalk(src, tgt, weights=pop, renormalise=True, **KW)
    assert cw.groupby("from_code")["weight"].sum().to_numpy() == pytest.approx(np.ones(4))
    assert set(cw.method) == {"areal_normalised"}
    # the geometric coverage is still reported
    assert cw.set_index("from_code").loc["B", "source_coverage"] == pytest.approx(0.5)
    r = cw.loc[cw.to_code == "R"].set_index("from_code")
    assert r["allocated_weight"].to_dict() == pytest.approx({"B": 300.0, "D": 100.0})
    assert r["target_weight_share"].to_dict() == pytest.approx({"B": 0.75, "D": 0.25})


def test_reprojects_other_crs(grid: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
    src, tgt = grid
    plain = build_crosswalk(src, tgt, **KW)
    cw = build_crosswalk(src.to_crs("EPSG:4326"), tgt.to_crs("EPSG:3011"), **KW)
    assert cw.weight.to_numpy() == pytest.approx(plain.weight.to_numpy(), abs=1e-6)
    assert any("reprojected from EPSG:4326" in n for n in cw.attrs["notes"])


def test_levels_from_columns(grid: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
    src, tgt = grid
    cw = build_crosswalk(
        src.assign(level="deso", version="deso2025"),
        tgt.assign(level="district", version="x"),
    )
    assert (cw.from_version == "deso2025").all() and (cw.to_level == "district").all()
    with pytest.raises(InputError, match="from_level"):
        build_crosswalk(src, tgt)


def test_errors(grid: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
    src, tgt = grid
    far = layer({"X": shapely.box(X0 + 1e5, Y0, X0 + 1e5 + 10, Y0 + 10)})
    with pytest.raises(InputError, match="the layers do not overlap: source bounds"):
        build_crosswalk(src, far, **KW)
    with pytest.raises(InputError, match="no CRS"):
        build_crosswalk(src.set_crs(None, allow_override=True), tgt, **KW)
    with pytest.raises(InputError, match="no column 'code'"):
        build_crosswalk(src, tgt, source_id="code", **KW)
    dup = pd.concat([src, src.iloc[:1]])
    with pytest.raises(InputError, match="'A' more than once"):
        build_crosswalk(dup, tgt, **KW)
    with pytest.raises(InputError, match="no usable weight for source area 'D'"):
        build_crosswalk(src, tgt, weights=pd.Series({"A": 1, "B": 1, "C": 1}), **KW)
    line = layer({"A": shapely.LineString([(X0, Y0), (X0 + 5, Y0 + 5)])})
    with pytest.raises(InputError, match="'A' is a LineString"):
        build_crosswalk(line, tgt, **KW)


def test_invalid_geometry_named_or_repaired(
    grid: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    _, tgt = grid
    bowtie = shapely.Polygon(
        [(X0, Y0), (X0 + 1000, Y0 + 1000), (X0 + 1000, Y0), (X0, Y0 + 1000), (X0, Y0)]
    )
    src = layer({"OK": square(0, 1), "BAD": bowtie})
    with pytest.raises(InputError, match="source feature 'BAD' has an invalid geometry"):
        build_crosswalk(src, tgt, **KW)
    cw = build_crosswalk(src, tgt, repair=True, **KW)
    bad = cw.loc[cw.from_code == "BAD"]
    assert bad.weight.sum() == pytest.approx(1.0)
    assert any("repaired" in n for n in cw.attrs["notes"])


def test_min_share_drops_slivers() -> None:
    src = layer({"A": square(0, 0)})
    tgt = layer({"T": square(0, 0), "S": shapely.box(X0 + 999.99, Y0, X0 + 2000, Y0 + 1000)})
    assert set(build_crosswalk(src, tgt, min_share=0, **KW).to_code) == {"S", "T"}
    assert set(build_crosswalk(src, tgt, min_share=1e-3, **KW).to_code) == {"T"}


# ----------------------------------------------------------------------- apply_crosswalk

LINKS = pd.DataFrame(
    {
        "from_code": ["A", "B", "B", "C"],
        "to_code": ["X", "X", "Y", "Y"],
        "weight": [1.0, 0.25, 0.75, 1.0],
        "from_version": "v1",
        "to_version": "v2",
    }
)


def vals(**by_area: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": list(by_area),
            "area_version": "v1",
            "period": "2022",
            "variable": "pop",
            "value": list(by_area.values()),
        }
    )


def test_apply_extensive_and_intensive() -> None:
    out = apply_crosswalk(vals(A=10, B=100, C=1), LINKS).set_index("area_code")
    assert out["value"].to_dict() == pytest.approx({"X": 35.0, "Y": 76.0})
    assert (out["area_version"] == "v2").all() and out["n_sources"].to_dict() == {"X": 2, "Y": 2}
    rate = vals(A=0.1, B=0.5, C=0.9).assign(variable="rate")
    den = pd.DataFrame({"area_code": ["A", "B", "C"], "value": [10.0, 100.0, 20.0]})
    got = apply_crosswalk(rate, LINKS, kind="intensive", intensive_weights=den)
    y = got.set_index("area_code")["value"]
    assert y["X"] == pytest.approx((10 * 0.1 + 25 * 0.5) / 35)
    assert y["Y"] == pytest.approx((75 * 0.5 + 20 * 0.9) / 95)
    plain = apply_crosswalk(rate, LINKS, kind="intensive").set_index("area_code")["value"]
    assert plain["X"] == pytest.approx((0.1 + 0.25 * 0.5) / 1.25)


def test_apply_missing_values() -> None:
    v = vals(A=10, B=np.nan, C=1)
    out = apply_crosswalk(v, LINKS).set_index("area_code")
    assert out["value"].isna().all()
    assert out.loc["X", "missing_reason"] == "missing in 1 of 2 source areas"
    lax = apply_crosswalk(v, LINKS, require_complete=False).set_index("area_code")
    assert lax["value"].to_dict() == pytest.approx({"X": 10.0, "Y": 1.0})
    # no row at all for C: Y is missing, X is not
    out = apply_crosswalk(vals(A=10, B=100), LINKS).set_index("area_code")
    assert out.loc["X", "value"] == pytest.approx(35.0) and np.isnan(out.loc["Y", "value"])


def test_apply_kind_mapping_units_and_attrs() -> None:
    v = pd.concat(
        [vals(A=10, B=100, C=1, D=5), vals(A=0.5, B=0.5, C=0.5, D=0.5).assign(variable="r")]
    ).assign(unit="antal")
    out = apply_crosswalk(v, LINKS, kind={"pop": "extensive", "r": "intensive"})
    assert out[["area_code", "variable"]].values.tolist() == [
        ["X", "pop"],
        ["X", "r"],
        ["Y", "pop"],
        ["Y", "r"],
    ]
    assert out.loc[out.variable == "r", "value"].to_numpy() == pytest.approx([0.5, 0.5])
    assert (out["unit"] == "antal").all()
    assert out.attrs["unlinked_areas"] == ["D"]
    with pytest.raises(InputError, match="no kind given for variable"):
        apply_crosswalk(v, LINKS, kind={"pop": "extensive"})


def test_apply_errors() -> None:
    with pytest.raises(InputError, match="more than once"):
        apply_crosswalk(pd.concat([vals(A=1), vals(A=2)]), LINKS)
    with pytest.raises(InputError, match="A -> X more than once"):
        apply_crosswalk(vals(A=1), pd.concat([LINKS, LINKS.iloc[:1]]))
    with pytest.raises(InputError, match="invalid link weight"):
        apply_crosswalk(vals(A=1), LINKS.assign(weight=[1.0, -1.0, 1.0, 1.0]))
    with pytest.raises(InputError, match="start from v1"):
        apply_crosswalk(vals(A=1).assign(area_version="v9"), LINKS)
    with pytest.raises(InputError, match="not a number"):
        apply_crosswalk(vals(A=1).assign(value=["x"]), LINKS)
    with pytest.raises(InputError, match="lacks column"):
        apply_crosswalk(vals(A=1).drop(columns="period"), LINKS)


def test_intensive_weights_by_period() -> None:
    v = pd.concat([vals(A=1.0, B=3.0), vals(A=1.0, B=3.0).assign(period="2023")])
    den = pd.DataFrame(
        {"area_code": ["A", "B", "A", "B"], "period": ["2022", "2022", "2023", "2023"]}
    ).assign(value=[4.0, 0.0, 0.0, 4.0])
    out = apply_crosswalk(v, LINKS, kind="intensive", intensive_weights=den)
    x = out.loc[out.area_code == "X"].set_index("period")["value"]
    assert x.to_dict() == pytest.approx({"2022": 1.0, "2023": 3.0})


def test_compose_links() -> None:
    first = pd.DataFrame(
        {
            "from_code": ["a", "a", "b"],
            "to_code": ["A", "B", "B"],
            "weight": [0.5, 0.5, 1.0],
            "from_level": "deso",
            "from_version": "deso2018",
            "to_level": "deso",
            "to_version": "deso2025",
            "method": "code_rule",
        }
    )
    second = LINKS.assign(
        from_code=["A", "B", "B", "C"], from_version="deso2025", to_level="district"
    ).assign(method="areal")
    out = compose_links(first, second)
    assert list(out.columns) == list(LINK_COLUMNS)
    w = {(f, t): x for f, t, x in zip(out.from_code, out.to_code, out.weight, strict=True)}
    assert w == pytest.approx(
        {("a", "X"): 0.625, ("a", "Y"): 0.375, ("b", "X"): 0.25, ("b", "Y"): 0.75}
    )
    assert set(out.method) == {"code_rule+areal"} and set(out.from_version) == {"deso2018"}


# ----------------------------------------------------------------------- properties


@st.composite
def crosswalks(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Links whose weights sum to 1 for every source, and counts for every source."""
    n_src = draw(st.integers(1, 12))
    n_tgt = draw(st.integers(1, 6))
    rows = []
    for i in range(n_src):
        targets = draw(st.lists(st.integers(0, n_tgt - 1), min_size=1, max_size=n_tgt, unique=True))
        raw = draw(st.lists(st.floats(0.01, 1.0), min_size=len(targets), max_size=len(targets)))
        total = sum(raw)
        rows += [(f"s{i}", f"t{j}", r / total) for j, r in zip(targets, raw, strict=True)]
    links = pd.DataFrame(rows, columns=["from_code", "to_code", "weight"])
    n_var = draw(st.integers(1, 3))
    values = pd.DataFrame(
        [
            (f"s{i}", p, f"v{k}", draw(st.floats(0, 1e6)))
            for i in range(n_src)
            for k in range(n_var)
            for p in ("2021", "2022")
        ],
        columns=["area_code", "period", "variable", "value"],
    )
    return links, values


@settings(max_examples=60, deadline=None)
@given(crosswalks())
def test_extensive_totals_conserved(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    links, values = data
    out = apply_crosswalk(values, links, kind="extensive")
    before = values.groupby(["variable", "period"])["value"].sum()
    after = out.groupby(["variable", "period"])["value"].sum()
    assert after.to_numpy() == pytest.approx(before.to_numpy(), rel=1e-9, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(crosswalks(), st.integers(0, 2**32 - 1))
def test_permutation_invariance(data: tuple[pd.DataFrame, pd.DataFrame], seed: int) -> None:
    links, values = data
    rng = np.random.default_rng(seed)
    a = apply_crosswalk(values, links)
    b = apply_crosswalk(
        values.iloc[rng.permutation(len(values))], links.iloc[rng.permutation(len(links))]
    )
    pd.testing.assert_frame_equal(a, b)


@settings(max_examples=40, deadline=None)
@given(crosswalks(), st.floats(-1e3, 1e3))
def test_intensive_constant_field(data: tuple[pd.DataFrame, pd.DataFrame], c: float) -> None:
    links, values = data
    den = values[["area_code"]].drop_duplicates()
    den = den.assign(value=np.linspace(0.5, 50.0, len(den)))
    out = apply_crosswalk(values.assign(value=c), links, kind="intensive", intensive_weights=den)
    assert out["value"].to_numpy() == pytest.approx(np.full(len(out), c), rel=1e-9, abs=1e-9)


# ----------------------------------------------------------------------- from a store


def _areas(rows: list[dict[str, object]]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for c in AREA_COLUMNS:
        if c not in df.columns:
            df[c] = None
    return df[list(AREA_COLUMNS)]


def _meta(name: str) -> SourceMeta:
    return SourceMeta(
        publisher="test", table_id=name, title=name, reference=name, checksum=name * 8
    )


def _ingest_areas(
    store: Store, name: str, level: str, version: str, geoms: dict[str, shapely.Geometry | None]
) -> None:
    """Ingest areas of one level and version; a ``None`` geometry is stored without one."""
    rows: list[dict[str, object]] = [
        {"area_code": c, "level": level, "version": version}
        | ({} if g is None else {"geometry": g.wkb})
        for c, g in geoms.items()
    ]
    store.ingest(Areas(_meta(name), areas=_areas(rows)))


def test_harmonise_to_layer_via_code_rule() -> None:
    store = Store(":memory:")
    # 2018: 1480C1010 (split in 2025 into ...1011 / ...1012) and 1480C1020; no geometry
    _ingest_areas(store, "a18", "deso", "deso2018", {"1480C1010": None, "1480C1020": None})
    g25 = {"1480C1011": square(0, 0), "1480C1012": square(1, 0), "1480C1020": square(2, 0)}
    _ingest_areas(store, "a25", "deso", "deso2025", g25)
    districts = {
        "W": shapely.box(X0, Y0, X0 + 1500, Y0 + 1000),
        "E": shapely.box(X0 + 1500, Y0, X0 + 3000, Y0 + 1000),
    }
    _ingest_areas(store, "dist", "district", "city", districts)
    links = harmonise_to_layer(
        store, target_level="district", target_version="city", via_code_rule_to="deso2025"
    )
    w = {(f, t): x for f, t, x in zip(links.from_code, links.to_code, links.weight, strict=True)}
    # 1480C1010 -> halves 1011 (all W) and 1012 (half W, half E)
    assert w == pytest.approx(
        {("1480C1010", "W"): 0.75, ("1480C1010", "E"): 0.25, ("1480C1020", "E"): 1.0}
    )
    assert set(links.from_version) == {"deso2018"} and set(links.to_version) == {"city"}
    assert set(links.method) == {"code_rule+areal"}
    store.ingest(Areas(_meta("links"), areas=_areas([]), links=links))
    assert len(store.links(from_version="deso2018", to_version="city")) == 3
    direct = harmonise_to_layer(
        store, target_level="district", target_version="city", source_version="deso2025"
    )
    assert len(direct) == 4 and set(direct.method) == {"areal"}
