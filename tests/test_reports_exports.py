"""Exports from the synthetic city: Excel, CSV, JSON and GeoPackage, all disclosure-controlled."""

from __future__ import annotations

import csv as csv_module
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from helpers import half_up, two_areas
from omradesbild.errors import ConfigError, InputError, NotFoundError
from omradesbild.indicators import default_catalogue
from omradesbild.reports.disclosure import apply_disclosure, disclosure_rule_text
from omradesbild.reports.exports import (
    GPKG_LAYER,
    export_all,
    export_excel,
    export_geopackage,
    export_json,
    publishable_index,
    to_wide,
)
from omradesbild.store import Store
from omradesbild.synthetic.constants import KOMMUN_CODE as KOMMUN

PERIOD = "2024"
WHEN = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory, demo_store: Path) -> dict[str, Any]:
    """The demo store, its RegSO indicators for one year, and every export written once."""
    from omradesbild.services.pipeline import area_indicators

    out = tmp_path_factory.mktemp("exports")
    with Store(demo_store, read_only=True) as store:
        ind = area_indicators(store, level="regso", periods=[PERIOD])
        files = export_all(store, out, level="regso", period=PERIOD, generated_at=WHEN)
        gdf = store.areas(level="regso", geometry=True)
        sources = store.sources()
    return {
        "db": demo_store,
        "ind": ind,
        "disclosed": apply_disclosure(ind, threshold=5),
        "files": files,
        "gdf": gdf,
        "sources": sources,
    }


def _masked_example(city: dict[str, Any]) -> pd.Series:
    """A row whose small count the demo produces (crime counts per RegSO and year)."""
    d = city["disclosed"]
    raw = city["ind"]
    num = pd.to_numeric(raw["numerator"], errors="coerce")
    small = (num.round() >= 1) & (num.round() <= 4)
    assert small.any(), "the demo city must contain small counts for this test"
    hit = d[small & d["masked"]]
    assert len(hit) == small.sum()
    return hit.iloc[0]


def test_export_all_writes_every_format(city: dict[str, Any]) -> None:
    files = city["files"]
    assert set(files) == {"xlsx", "csv", "json", "gpkg"}
    for kind, path in files.items():
        assert path.exists() and path.name == f"omradesbild_regso_{PERIOD}.{kind}"


def test_excel_sheets_masked_cell_and_sources(city: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(city["files"]["xlsx"], read_only=True)
    assert wb.sheetnames == [
        "Inkomst",
        "Utbildning",
        "Arbete",
        "Boende",
        "Befolkning",
        "Hushåll",
        "Brott och trygghet",
        "Index scb-omradestyp",
        "Källor och metod",
    ]
    cat = default_catalogue()
    ex = _masked_example(city)
    ind = cat.get(str(ex["indicator"]))
    ws = wb[ind.domain[:1].upper() + ind.domain[1:]]
    rows = list(ws.iter_rows(values_only=True))
    head = list(rows[0])
    assert head[:5] == ["Områdeskod", "Område", "Kommunkod", "Kommunnamn", "Period"]
    assert all(r[1] and r[3] for r in rows[1:])
    col = next(i for i, h in enumerate(head) if str(h).startswith(ind.name_sv) and " – " not in h)
    assert head[col + 1].endswith("KI 95 % nedre") and head[col + 3].endswith("tillförlitlig")
    by_code = {r[0]: r for r in rows[1:]}
    assert len(by_code) == city["ind"]["area_code"].nunique()
    line = by_code[ex["area_code"]]
    assert line[col : col + 3] == ("..", "..", "..")
    # An unmasked cell holds the value rounded to the indicator's precision (1 decimal).
    d = city["disclosed"]
    ok = d[(d["indicator"] == ex["indicator"]) & ~d["masked"] & d["value"].notna()].iloc[0]
    assert ind.precision == 1
    assert by_code[ok["area_code"]][col] == half_up(float(ok["value"]), 1)
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == ok["area_code"])
    assert row[col].number_format == "#,##0.0"
    # No small count anywhere: every masked row of the long table shows '..'.
    n_masked = int(d[d["indicator"].isin([i.id for i in cat.indicators])]["masked"].sum())
    n_dots = 0
    for name in wb.sheetnames[:7]:
        for r in wb[name].iter_rows(min_row=2, values_only=True):
            n_dots += sum(v == ".." for v in r)
    assert n_dots == 3 * n_masked

    # The index sheet shows its figures with the decimals they are rounded to, as the
    # report does: the score two (13.80, not 13.8), a component its indicator's one.
    ws = wb["Index scb-omradestyp"]
    head = [c.value for c in next(ws.iter_rows(max_row=1))]
    line = next(ws.iter_rows(min_row=2, max_row=2))
    assert line[head.index("Indexvärde")].number_format == "#,##0.00"
    comp = head.index(cat.get("low_econ_standard").name_sv + " (%)")
    assert line[comp].number_format == "#,##0.0"
    meta = [r for r in wb["Källor och metod"].iter_rows(values_only=True)]
    # The sheet opens with the export's title (it read 'Titel', the sources' column head).
    assert meta[0][0] == "Områdesbild – export"
    flat = [v for r in meta for v in r if v is not None]
    assert disclosure_rule_text(5, "sv") in flat
    assert "omradesbild 0.1.0" in flat and WHEN.isoformat() in flat
    assert "scb-omradestyp" in flat and "1.0" in flat
    assert set(city["sources"]["checksum"]) <= set(flat)
    assert "Kontrollsumma (SHA-256)" in flat and "Licens" in flat


def test_excel_in_english(city: dict[str, Any], tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = export_excel(
        tmp_path / "en.xlsx",
        indicators=city["ind"],
        sources=city["sources"],
        methods={"indicator-catalogue": "1"},
        lang="en",
        threshold=5,
    )
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames[0] == "Income" and wb.sheetnames[-1] == "Sources and method"
    assert "Crime and safety" in wb.sheetnames and not any("Index" in s for s in wb.sheetnames)
    head = next(wb["Income"].iter_rows(max_row=1, values_only=True))
    assert head[0] == "Area code" and any(str(h).endswith("95 % CI lower") for h in head)
    flat = [v for r in wb["Sources and method"].iter_rows(values_only=True) for v in r]
    assert disclosure_rule_text(5, "en") in flat
    with pytest.raises(ConfigError):
        export_excel(tmp_path / "x.xlsx", indicators=city["ind"], sources=[], lang="fi")


def test_csv_matches_the_disclosed_table(city: dict[str, Any]) -> None:
    csv = pd.read_csv(city["files"]["csv"], dtype={"area_code": str, "period": str})
    d = city["disclosed"].reset_index(drop=True)
    assert len(csv) == len(d)
    assert csv["area_code"].tolist() == d["area_code"].astype(str).tolist()
    assert csv["indicator"].tolist() == d["indicator"].astype(str).tolist()
    assert csv["masked"].tolist() == d["masked"].tolist()
    assert csv["area_name"].notna().all()
    # Rounded to the published precision: counts whole, per cent and rates one decimal.
    cat = default_catalogue()
    assert {cat.get(i).precision for i in d["indicator"].unique()} == {1}
    for c, digits in (("numerator", 0), ("denominator", 0), ("value", 1), ("ci_low", 1)):
        want = [half_up(float(v), digits) for v in pd.to_numeric(d[c])]
        np.testing.assert_array_equal(csv[c].to_numpy(float), np.array(want), err_msg=c)
    head, *cells = csv_module.reader(city["files"]["csv"].read_text("utf-8").splitlines())
    for c, digits in (("numerator", 0), ("denominator", 0), ("value", 1), ("ci_high", 1)):
        j = head.index(c)
        assert all(len(r[j].partition(".")[2]) <= max(digits, 1) for r in cells), c
        if digits == 0:
            assert all("." not in r[j] for r in cells), c
    # Nothing small was published; masked rows have no value.
    for c in ("numerator", "denominator"):
        r = np.floor(csv[c].dropna() + 0.5)
        assert not ((r >= 1) & (r <= 4)).any()
    assert csv.loc[csv["masked"], "value"].isna().all()
    assert csv["masked"].sum() > 0


def test_json_has_metadata_with_the_rule(city: dict[str, Any]) -> None:
    doc = json.loads(city["files"]["json"].read_text("utf-8"))
    meta = doc["metadata"]
    assert meta["disclosure"]["threshold"] == 5
    assert meta["disclosure"]["rule"] == disclosure_rule_text(5, "sv")
    assert meta["generated_at"] == WHEN.isoformat()
    assert meta["package_version"] == "0.1.0"
    assert (meta["level"], meta["period"], meta["version"]) == ("regso", PERIOD, "regso2020")
    assert {"id": "scb-omradestyp", "version": "1.0"} in meta["methods"]
    assert {s["checksum"] for s in meta["sources"]} == set(city["sources"]["checksum"])
    assert {"publisher", "table_id", "title", "reference", "licence", "ingested_at"} <= set(
        meta["sources"][0]
    )
    recs = doc["indicators"]
    assert len(recs) == len(city["ind"])
    masked = [r for r in recs if r["masked"]]
    assert masked and all(r["value"] is None and r["mask_reason"] for r in masked)
    assert len(doc["index"]) == city["gdf"].shape[0]
    assert not any(k.endswith("_norm") for k in doc["index"][0])
    assert (
        "secondary" in doc["metadata"]["index_note"] or "sekundär" in doc["metadata"]["index_note"]
    )


def test_geopackage_reads_back(city: dict[str, Any]) -> None:
    import geopandas as gpd
    import pyogrio

    path = city["files"]["gpkg"]
    assert [name for name, _ in pyogrio.list_layers(path)] == [GPKG_LAYER]
    g = gpd.read_file(path, layer=GPKG_LAYER)
    assert g.crs is not None and g.crs.to_epsg() == 3006
    assert len(g) == int(city["gdf"].geometry.notna().sum())
    ids = set(city["ind"]["indicator"])
    assert ids <= set(g.columns)
    assert {f"{i}_ci_low" for i in ids} <= set(g.columns)
    # The approximate flag, as the workbook's and the CSV's (1/0).
    d = city["disclosed"]
    approx = d[d["approximate"].astype(bool) & (d["indicator"] == "median_income")]
    assert not approx.empty
    flags = g.set_index("area_code")["median_income_approximate"]
    assert (flags.loc[approx["area_code"].astype(str)] == 1).all()
    ex = _masked_example(city)
    row = g[g["area_code"] == ex["area_code"]].iloc[0]
    assert pd.isna(row[ex["indicator"]]) and row[f"{ex['indicator']}_masked"] == 1
    d = city["disclosed"]
    ok = d[(d["indicator"] == "low_econ_standard") & ~d["masked"]].iloc[0]
    got = g.loc[g["area_code"] == ok["area_code"], "low_econ_standard"].iloc[0]
    assert got == pytest.approx(float(ok["value"]))


def test_geopackage_refuses_unchecked_tables(city: dict[str, Any], tmp_path: Path) -> None:
    wide = to_wide(city["ind"])
    plain = pd.DataFrame(wide)  # a copy without the disclosure mark
    plain.attrs = {}
    with pytest.raises(InputError, match="disclosure"):
        export_geopackage(tmp_path / "a.gpkg", city["gdf"], plain)
    two = pd.concat([city["ind"], city["ind"].assign(period="2023")])
    with pytest.raises(InputError, match="one period"):
        export_geopackage(tmp_path / "b.gpkg", city["gdf"], two)
    with pytest.raises(NotFoundError):
        export_geopackage(tmp_path / "c.gpkg", city["gdf"].iloc[0:0], wide)
    # Long rows are disclosed on the way in.
    path = export_geopackage(tmp_path / "d.gpkg", city["gdf"].iloc[:5], city["ind"])
    assert path.exists()


def test_publishable_index_masks_components() -> None:
    long = two_areas(
        indicator="unemployment_16_64",
        numerator=[3.0, 90.0],
        denominator=[400.0, 900.0],
        value=[0.75, 10.0],
    )
    index = two_areas(
        unemployment_16_64_norm=[0.1, 0.9],
        score=[0.1, 0.9],
        unemployment_16_64=[0.75, 10.0],
        unemployment_16_64_reliable=[True, True],
        edu_low_25_64=[5.0, 6.0],
        edu_low_25_64_reliable=[True, True],
    )
    index.attrs = {"method_id": "m", "method_version": "2"}
    out = publishable_index(index, apply_disclosure(long))
    assert list(out.columns) == [
        "area_code",
        "period",
        "score",
        "unemployment_16_64",
        "unemployment_16_64_reliable",
    ]
    assert pd.isna(out.loc[0, "unemployment_16_64"]) and out.loc[1, "unemployment_16_64"] == 10
    assert out.attrs["method_id"] == "m"


def test_json_without_index_and_bad_input(tmp_path: Path) -> None:
    ind = pd.DataFrame(
        {
            "area_code": ["A"],
            "period": ["2024"],
            "indicator": ["own_thing"],
            "numerator": [2.0],
            "denominator": [np.nan],
            "value": [np.inf],
        }
    )
    path = export_json(tmp_path / "a.json", indicators=ind, sources=[], lang="en")
    doc = json.loads(path.read_text("utf-8"))
    assert "index" not in doc and doc["indicators"][0]["masked"] is True
    assert doc["metadata"]["indicators"] == [{"id": "own_thing"}]
    assert doc["metadata"]["disclosure"]["rule"] == disclosure_rule_text(5, "en")
    with pytest.raises(InputError, match="indicator"):
        export_json(tmp_path / "b.json", indicators=ind.drop(columns="indicator"), sources=[])


def test_export_all_rejects_unknown_format(city: dict[str, Any], tmp_path: Path) -> None:
    with (
        Store(city["db"], read_only=True) as store,
        pytest.raises(ConfigError, match="pdf"),
    ):
        export_all(store, tmp_path, level="regso", period=PERIOD, formats=["pdf"])


def test_cli_export(city: dict[str, Any], tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from omradesbild.cli.export import app as export_app

    root = typer.Typer()
    root.add_typer(export_app, name="export")

    @root.command()
    def other() -> None:  # a second command makes 'export' a subcommand as in the real CLI
        """Unused."""

    args = ["export", "--level", "regso", "--period", PERIOD, "--out", str(tmp_path)]
    args += ["--format", "csv", "-f", "json", "--lang", "en", "--threshold", "10"]
    args += ["--method", "none", "--db", str(city["db"])]
    res = CliRunner().invoke(root, args)
    assert res.exit_code == 0, res.output
    assert "omradesbild_regso_2024.csv" in res.output
    assert not (tmp_path / "omradesbild_regso_2024.xlsx").exists()
    csv = pd.read_csv(tmp_path / "omradesbild_regso_2024.csv")
    r = np.floor(csv["numerator"].dropna() + 0.5)
    assert not ((r >= 1) & (r <= 9)).any()
    assert csv["masked"].sum() > city["disclosed"]["masked"].sum()
    doc = json.loads((tmp_path / "omradesbild_regso_2024.json").read_text("utf-8"))
    assert doc["metadata"]["disclosure"]["rule"] == disclosure_rule_text(10, "en")
    assert "index" not in doc

    bad = CliRunner().invoke(root, [*args[:7], "--format", "pdf", "--db", str(city["db"])])
    assert bad.exit_code != 0 and isinstance(bad.exception, ConfigError)


@pytest.fixture(scope="module")
def two_kommuner(city: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo store in which one RegSO (and its DeSO) lies in kommun 0180."""
    import shutil

    db = tmp_path_factory.mktemp("two_kommuner") / "two.duckdb"
    shutil.copyfile(city["db"], db)
    with Store(db) as store:
        con = store.con
        row = con.execute(
            "SELECT min(area_code) FROM areas WHERE level = 'regso' AND starts_with(area_code, ?)",
            [KOMMUN],
        ).fetchone()
        assert row is not None
        codes = [row[0]] + [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT area_code FROM areas WHERE parent_code = ?", [row[0]]
            ).fetchall()
        ]
        columns = {
            "areas": ["area_code", "parent_code"],
            "observations": ["area_code"],
            "links": ["from_code", "to_code"],
            "classifications": ["area_code"],
        }
        for code in codes:
            moved = "0180" + code[4:]
            for table, cols in columns.items():
                for col in cols:
                    con.execute(f"UPDATE {table} SET {col} = ? WHERE {col} = ?", [moved, code])
    return db


def test_export_all_keeps_only_the_kommun(two_kommuner: Path, tmp_path: Path) -> None:
    with Store(two_kommuner, read_only=True) as store:
        n_all = len(store.areas(level="regso"))
        mine = export_all(
            store, tmp_path, level="regso", period=PERIOD, kommun="0180", formats=["csv", "json"]
        )
        rest = export_all(
            store, tmp_path, level="regso", period=PERIOD, kommun=KOMMUN, formats=["gpkg"]
        )
    assert mine["csv"].name == f"omradesbild_regso_{PERIOD}_0180.csv"
    csv = pd.read_csv(mine["csv"], dtype={"area_code": str})
    assert csv["area_code"].str.startswith("0180").all() and csv["area_code"].nunique() == 1
    doc = json.loads(mine["json"].read_text("utf-8"))
    assert doc["metadata"]["kommun"] == "0180"
    assert {r["area_code"] for r in doc["index"]} == {csv["area_code"].iloc[0]}
    import geopandas as gpd

    gdf = gpd.read_file(rest["gpkg"], layer=GPKG_LAYER)
    assert len(gdf) == n_all - 1 and gdf["area_code"].str.startswith(KOMMUN).all()


def test_export_all_refuses_a_kommun_without_areas(city: dict[str, Any], tmp_path: Path) -> None:
    with Store(city["db"], read_only=True) as store:
        with pytest.raises(NotFoundError, match="0180"):
            export_all(store, tmp_path, level="regso", period=PERIOD, kommun="0180")
        with pytest.raises(InputError, match="kommun"):
            export_all(store, tmp_path, level="regso", period=PERIOD, kommun="Stockholm")
        with pytest.raises(NotFoundError, match="no area of this level lies in kommun"):
            export_all(store, tmp_path, level="district", period=PERIOD, kommun=KOMMUN)
    assert not list(tmp_path.iterdir())


def test_cli_export_kommun(two_kommuner: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from omradesbild.cli.main import app

    args = ["export", "--level", "regso", "--period", PERIOD, "--out", str(tmp_path)]
    args += ["-f", "csv", "--kommun", "0180", "--db", str(two_kommuner)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "Endast områdena i kommun 0180 / only the areas of municipality 0180" in res.output
    csv = pd.read_csv(tmp_path / f"omradesbild_regso_{PERIOD}_0180.csv", dtype={"area_code": str})
    assert csv["area_code"].str.startswith("0180").all() and len(csv)


def test_english_export_names_classes_and_reference_in_english(
    real_store: Path, tmp_path: Path
) -> None:
    """Stockholm's RegSO 2022 (real data) exported in English: Husby's area type and what it
    was classified against are English in the workbook's index sheet and in the JSON; they
    were SCB's Swedish names ('Områdestyp 1 – …', 'riket') under English headers, and the
    column's head was the bare 'reference'. The Swedish export keeps the Swedish names."""
    from openpyxl import load_workbook

    husby = "0180R036"
    with Store(real_store, read_only=True) as store:
        files = {
            lang: export_all(store, tmp_path / lang, level="regso", period="2022",
                             kommun="0180", lang=lang, formats=["xlsx", "json"])
            for lang in ("sv", "en")
        }  # fmt: skip
    want = {
        "sv": ("Områdestyp 1 – Områden med stora socioekonomiska utmaningar", "riket"),
        "en": ("Area type 1 – Areas with major socioeconomic challenges", "Sweden"),
    }
    head_of = {
        "sv": ("Klassnamn", "Referensfördelning"),
        "en": ("Class label", "Reference distribution"),
    }
    for lang, written in files.items():
        doc = json.loads(written["json"].read_text(encoding="utf-8"))
        row = next(r for r in doc["index"] if r["area_code"] == husby)
        assert (row["class_label"], row["reference"]) == want[lang], lang
        wb = load_workbook(written["xlsx"], read_only=True)
        ws = wb[next(s for s in wb.sheetnames if s.startswith("Index"))]
        rows = list(ws.iter_rows(values_only=True))
        head = list(rows[0])
        label, reference = (head.index(h) for h in head_of[lang])
        line = next(r for r in rows[1:] if r[0] == husby)
        assert (line[label], line[reference]) == want[lang], lang
        assert line[head.index({"sv": "Klass", "en": "Class"}[lang])] == 1
        assert "reference" not in head


def _domain_rows(path: Path, sheet: str) -> tuple[list[Any], dict[str, tuple[Any, ...]]]:
    """The head of a workbook's domain sheet and its rows by area code."""
    from openpyxl import load_workbook

    rows = list(load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True))
    return list(rows[0]), {str(r[0]): r for r in rows[1:]}


def test_excel_flags_what_the_profile_calls_approximate(
    city: dict[str, Any], demo_store: Path
) -> None:
    """A value the area profile calls 'approximativ' (e.g. a RegSO's median income, a mean
    of its DeSO medians) is flagged in the workbook's column '<indicator> – approximativ',
    read from the same rows as the profile's values; the workbook had no such column, and
    such a value read as plain and reliable as the others."""
    from omradesbild.services.area import indicator_values
    from omradesbild.services.level_picture import level_picture

    d = city["disclosed"]
    approx = d[d["approximate"].astype(bool)]
    assert not approx.empty, "the demo city must have approximate values for this test"
    codes = sorted(approx["area_code"].astype(str).unique())[:3]
    with Store(demo_store, read_only=True) as store:
        pic = level_picture(store, level="regso", version="regso2020", method=None, draws=0)
        shown = {c: indicator_values(pic, c, PERIOD, lang="sv") for c in codes}
    cat = default_catalogue()
    called = 0
    for sheet in {cat.get(v.id).domain for vs in shown.values() for v in vs}:
        title = sheet[:1].upper() + sheet[1:]
        head, by_code = _domain_rows(city["files"]["xlsx"], title)
        for code, values in shown.items():
            for v in values:
                if cat.get(v.id).domain != sheet:
                    continue
                col = next(
                    i for i, h in enumerate(head)
                    if h == v.label or (str(h).startswith(f"{v.label} (") and " – " not in h)
                )  # fmt: skip
                assert head[col + 4] == f"{head[col]} – approximativ"
                assert by_code[code][col + 4] is bool(v.approximate), (code, v.id)
                called += v.reliability == "approximate"
    assert called, "no value of these areas is called approximate by the profile"
    legend = _domain_rows(city["files"]["xlsx"], "Källor och metod")[1]["Teckenförklaring"]
    assert "approximativ = SANT" in legend[1]


def test_excel_approximate_column_in_english(city: dict[str, Any], tmp_path: Path) -> None:
    """The flag's head is worded in the export's language, as the other heads."""
    path = export_excel(
        tmp_path / "en.xlsx", indicators=city["ind"], sources=city["sources"], lang="en"
    )
    head, _ = _domain_rows(path, "Income")
    name = default_catalogue().get("median_income").name_en
    col = next(i for i, h in enumerate(head) if str(h).startswith(name) and " – " not in h)
    assert head[col + 3 : col + 5] == [f"{head[col]} – reliable", f"{head[col]} – approximate"]


def _without_regso_polygons(store: Store) -> Any:
    """Drop the synthetic city's own RegSO polygons (as the real store has none); the
    dropped polygons are returned."""
    own = store.areas(level="regso", version="regso2020", geometry=True)
    store.con.execute("UPDATE areas SET geometry = NULL WHERE level = 'regso'")
    return own


def test_geopackage_of_regso_2020_is_dissolved_from_deso_2018(
    store_copy: Store, tmp_path: Path
) -> None:
    """RegSO 2020 without polygons of its own (as in the real store): the GeoPackage holds
    the polygons the maps draw, dissolved from DeSO 2018, one per RegSO, in EPSG:3006 and
    labelled as dissolved; it was skipped with a warning that no area had a geometry."""
    import geopandas as gpd
    import pyogrio

    own = _without_regso_polygons(store_copy)
    files = export_all(store_copy, tmp_path, level="regso", period=PERIOD, method=None,
                       formats=["gpkg"])  # fmt: skip
    g = gpd.read_file(files["gpkg"], layer=GPKG_LAYER)
    assert g.crs is not None and g.crs.to_epsg() == 3006
    assert sorted(g["area_code"]) == sorted(own["area_code"].astype(str))
    assert g.is_valid.all() and not g.geometry.is_empty.any()
    assert set(g["geometry_dissolved_from"]) == {"deso2018"}
    # The synthetic RegSO are unions of their DeSO: the dissolved shapes are the dropped ones.
    kept = own.set_index("area_code").geometry
    for code, shape in zip(g["area_code"], g.geometry, strict=True):
        assert shape.symmetric_difference(kept[code]).area < 1e-6 * kept[code].area, code
    description = pyogrio.read_info(files["gpkg"], layer=GPKG_LAYER)["layer_metadata"]
    assert "deso2018" in description["DESCRIPTION"]
    assert "sammanslagna" in description["DESCRIPTION"]
    assert "dissolved" in description["DESCRIPTION"]


def test_geopackage_own_polygons_are_labelled_own(city: dict[str, Any]) -> None:
    import geopandas as gpd
    import pyogrio

    g = gpd.read_file(city["files"]["gpkg"], layer=GPKG_LAYER)
    assert g["geometry_dissolved_from"].isna().all()
    description = pyogrio.read_info(city["files"]["gpkg"])["layer_metadata"]["DESCRIPTION"]
    assert "egna polygoner" in description and "own polygons" in description


def test_real_regso_2020_geopackage_is_dissolved_from_deso_2018(
    real_store: Path, tmp_path: Path
) -> None:
    """Stockholm's RegSO 2020 (real data, no RegSO polygons stored): the GeoPackage has one
    valid polygon per RegSO of the kommun, dissolved from DeSO 2018, in EPSG:3006; it was
    skipped with a warning that no area had a geometry."""
    import geopandas as gpd

    with Store(real_store, read_only=True) as store:
        files = export_all(store, tmp_path, level="regso", period="2022", kommun="0180",
                           method=None, formats=["gpkg"])  # fmt: skip
        regso = store.areas(level="regso", version="regso2020")
    codes = sorted(c for c in regso["area_code"].astype(str) if c.startswith("0180"))
    g = gpd.read_file(files["gpkg"], layer=GPKG_LAYER)
    assert sorted(g["area_code"]) == codes and len(codes) > 100
    assert g.crs is not None and g.crs.to_epsg() == 3006
    assert g.is_valid.all() and set(g["geometry_dissolved_from"]) == {"deso2018"}
    # SWEREF 99 TM metres, not degrees: Stockholm lies near E 670 000, N 6 580 000.
    minx, miny, maxx, maxy = g.total_bounds
    assert 600_000 < minx < maxx < 720_000 and 6_500_000 < miny < maxy < 6_650_000


def test_real_regso_workbook_flags_approximate_values(real_store: Path, tmp_path: Path) -> None:
    """Stockholm's RegSO 2022 (real data): the workbook flags every approximate value of the
    stored rows (a RegSO's share of low economic standard is summed from its DeSO's rounded
    percentages); it had no such flag."""
    from omradesbild.services.pipeline import area_indicators

    with Store(real_store, read_only=True) as store:
        files = export_all(store, tmp_path, level="regso", period="2022", kommun="0180",
                           method=None, formats=["xlsx"])  # fmt: skip
        ind = area_indicators(store, level="regso", version="regso2020", periods=["2022"])
    head, by_code = _domain_rows(files["xlsx"], "Inkomst")
    name = default_catalogue().get("low_econ_standard").name_sv
    col = head.index(f"{name} (%)")
    assert head[col + 4] == f"{name} (%) – approximativ"
    rows = ind[(ind["indicator"] == "low_econ_standard") & ind["area_code"].isin(by_code)]
    flags = dict(zip(rows["area_code"], rows["approximate"].astype(bool), strict=True))
    assert len(flags) == len(by_code) > 100 and any(flags.values())
    assert {c: by_code[c][col + 4] for c in flags} == flags
