"""Bad input through the command line: non-zero exit, one clear line, store unchanged.

Each case makes its bad file in a temporary folder, runs the ingest command against a store
that already holds a small key and one good table, and checks that the command fails with a
message naming the file and what was expected, and that nothing in the store changed.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from omradesbild.cli.main import main
from omradesbild.store import Store

CODES = ["0114A0010", "0114C1010", "0114C1020"]


def write_key(path: Path) -> Path:
    rows = [("0114", "Upplands Väsby", c, "Bollstanäs", "0114R001") for c in CODES]
    df = pd.DataFrame(
        rows, columns=["Kommun", "Kommunnamn", "DeSO_2018", "RegSO_2020", "RegSOkod_2020"]
    )
    df.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def write_scb_xlsx(path: Path, rows: list[list[object]], *, year: object = "2022") -> Path:
    """An export laid out like SCB's web export of table 000005F8 (households)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "000005F8"
    ws.append(["Antal hushåll efter region, år och hushållstyp"])
    ws.append([])
    ws.append([None, year])
    ws.append(
        [
            None,
            "sammanboende med barn",
            "sammanboende utan barn",
            "ensamstående med barn",
            "ensamstående utan barn",
            "övriga hushåll",
        ]
    )
    for r in rows:
        ws.append(r)
    ws.append([])
    ws.append(["Officiell statistik"])
    ws.append(["Intern referenskod:"])
    ws.append(["000005F8"])
    wb.save(path)
    return path


GOOD_ROWS: list[list[object]] = [[c, 10, 20, 3, 40, 5] for c in CODES]


@pytest.fixture(scope="module")
def built_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store with the key and one good table, ingested through the command line once
    for the module (each test gets its own copy: :func:`db`)."""
    folder = tmp_path_factory.mktemp("bad_input")
    db = folder / "s.duckdb"
    for args in (
        ["ingest", "scb-key", str(write_key(folder / "key.csv"))],
        ["ingest", "scb-xlsx", str(write_scb_xlsx(folder / "good.xlsx", GOOD_ROWS))],
    ):
        try:
            main([*args, "--db", str(db)])
        except SystemExit as exc:
            assert exc.code in (0, None)
    return db


@pytest.fixture()
def db(built_db: Path, tmp_path: Path) -> Path:
    """A copy of :func:`built_db` of this test's own, which the test may write to."""
    db = tmp_path / "s.duckdb"
    shutil.copyfile(built_db, db)
    return db


def _snapshot(db: Path) -> dict[str, int]:
    with Store(db, read_only=True) as s:
        return {
            t: int(s.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]
            for t in ("areas", "links", "observations", "sources", "classifications", "ingest_log")
        }


def _truncated(tmp: Path) -> Path:
    good = write_scb_xlsx(tmp / "full.xlsx", GOOD_ROWS)
    data = good.read_bytes()
    bad = tmp / "truncated.xlsx"
    bad.write_bytes(data[: len(data) // 2])
    return bad


def _no_crs(tmp: Path) -> Path:
    gdf = gpd.GeoDataFrame({"kod": ["D1"], "namn": ["Norr"]}, geometry=[box(0, 0, 1, 1)])
    path = tmp / "nocrs.shp"
    gdf.to_file(path)
    return path


def _invalid_geometry(tmp: Path) -> Path:
    bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])
    gdf = gpd.GeoDataFrame(
        {"kod": ["D1", "D2"], "namn": ["Norr", "Söder"]},
        geometry=[box(0, 0, 1, 1), bowtie],
        crs="EPSG:3006",
    )
    path = tmp / "invalid.gpkg"
    gdf.to_file(path, driver="GPKG")
    return path


BOUNDARY = ["--level", "district", "--version", "test", "--code-field", "kod"]

# (name, make bad file, command, expected fragments of the one-line message)
CASES: list[tuple[str, Callable[[Path], Path], list[str], list[str]]] = [
    (
        "wrong file type",
        lambda t: (t / "notes.xlsx").write_text("a,b\n1,2\n") and t / "notes.xlsx",
        ["ingest", "scb-xlsx"],
        ["notes.xlsx", "expected"],
    ),
    ("truncated xlsx", _truncated, ["ingest", "scb-xlsx"], ["truncated.xlsx", "expected"]),
    (
        "unknown area code",
        lambda t: write_scb_xlsx(t / "unknown.xlsx", [["0114C1990", 1, 2, 3, 4, 5]]),
        ["ingest", "scb-xlsx"],
        ["unknown.xlsx", "0114C1990", "unknown area code"],
    ),
    (
        "duplicate keys",
        lambda t: write_scb_xlsx(t / "dup.xlsx", [GOOD_ROWS[0], GOOD_ROWS[0]]),
        ["ingest", "scb-xlsx"],
        ["dup.xlsx", "0114A0010"],
    ),
    (
        "non-numeric value",
        lambda t: write_scb_xlsx(t / "text.xlsx", [["0114A0010", 1, "abc", 3, 4, 5]]),
        ["ingest", "scb-xlsx"],
        ["text.xlsx", "abc", "row"],
    ),
    (
        "unreadable year header",
        lambda t: write_scb_xlsx(t / "year.xlsx", GOOD_ROWS, year="tjugotjugotvå"),
        ["ingest", "scb-xlsx"],
        ["year.xlsx", "expected"],
    ),
    (
        "a folder where a file belongs",
        lambda t: (t / "table.px").mkdir() or t / "table.px",
        ["ingest", "px"],
        ["table.px", "folder", "expected a file"],
    ),
    ("shapefile without CRS", _no_crs, ["ingest", "boundaries", *BOUNDARY], ["nocrs", "CRS"]),
    (
        "invalid geometry",
        _invalid_geometry,
        ["ingest", "boundaries", *BOUNDARY],
        ["invalid.gpkg", "D2", "Self-intersection"],
    ),
    (
        "crime file with a bad count",
        lambda t: (
            (t / "brott.csv").write_text(
                '"","Id","Brottskod","Brottskod.klartext","Inskrivningsdatum","Brottsdatum",'
                '"Kommun","Län","DeSO.område","Antal"\n'
                '"1",1,1211,"Bilbrand","2022-01-01","2022-01-01","Upplands Väsby",'
                '"Stockholms län","0114A0010",x\n'
            )
            and t / "brott.csv"
        ),
        ["ingest", "crime"],
        ["brott.csv", "Antal", "row 2"],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_cleanly(
    case: tuple[str, Callable[[Path], Path], list[str], list[str]],
    db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, make, command, fragments = case
    bad = make(tmp_path)
    before = _snapshot(db)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        # A good file first: the whole command must be refused, not only the bad file.
        good = tmp_path / "good2.xlsx"
        files = [str(bad)]
        if command == ["ingest", "scb-xlsx"]:
            files = [str(write_scb_xlsx(good, [[c, 1, 1, 1, 1, 1] for c in CODES])), *files]
        main([*command, *files, "--db", str(db)])
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for frag in fragments:
        assert frag in err, f"{frag!r} not in {err!r}"
    assert _snapshot(db) == before


def test_a_failed_first_ingest_leaves_no_store_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A store the failing command created is removed; an existing store is kept as it was."""
    new_db = tmp_path / "new.duckdb"
    bad = write_scb_xlsx(tmp_path / "unknown.xlsx", [["0114C1990", 1, 2, 3, 4, 5]])
    with pytest.raises(SystemExit) as exc:
        main(["ingest", "scb-xlsx", str(bad), "--db", str(new_db)])
    assert exc.value.code == 2
    assert "0114C1990" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["unknown.xlsx"]


def test_a_failed_ingest_keeps_the_existing_store(db: Path, tmp_path: Path) -> None:
    before = _snapshot(db)
    bad = write_scb_xlsx(tmp_path / "unknown.xlsx", [["0114C1990", 1, 2, 3, 4, 5]])
    with pytest.raises(SystemExit):
        main(["ingest", "scb-xlsx", str(bad), "--db", str(db)])
    assert db.exists()
    assert _snapshot(db) == before
