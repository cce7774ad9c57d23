"""The input readers' errors read Swedish, then English, with the file and row named once.

Each case feeds one reader a bad input and checks the Swedish and the English wording of its
error, and the file and row where the error names them; a few go through the command line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from omradesbild.errors import ConfigError, FetchError, InputError, OmradesbildError

if TYPE_CHECKING:
    from conftest import CliRun


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _xlsx_text(tmp: Path) -> None:
    from omradesbild.sources.scb_xlsx import read_scb_xlsx

    read_scb_xlsx(_write(tmp / "bad.xlsx", "a,b\n1,2\n"))


def _scb_csv_number(tmp: Path) -> None:
    from omradesbild.sources.scb_csv import read_scb_csv

    read_scb_csv(_write(tmp / "bad.csv", '"region","Antal 2020"\n"Upplands Väsby","x1"\n'))


def _long_csv_empty_code(tmp: Path) -> None:
    from omradesbild.sources.long_csv import read_long_csv

    read_long_csv(
        _write(tmp / "bad.csv", "area_code,period,variable,value\n0114,2020,x,1\n,2020,x,1\n")
    )


def _long_csv_missing_column(tmp: Path) -> None:
    from omradesbild.sources.long_csv import read_long_csv

    read_long_csv(_write(tmp / "bad.csv", "area_code,period,value\n0114,2020,1\n"))


def _scb_key_columns(tmp: Path) -> None:
    from omradesbild.sources.scb_key import KEY_COLUMNS, read_scb_key

    read_scb_key(_write(tmp / "bad.csv", ",".join(KEY_COLUMNS) + "\n0114,Upplands Väsby\n"))


def _scb_key_header(tmp: Path) -> None:
    from omradesbild.sources.scb_key import read_scb_key

    read_scb_key(_write(tmp / "bad.csv", "a,b\n1,2\n"))


def _change_log_date(tmp: Path) -> None:
    from omradesbild.sources.deso2025 import CHANGE_COLUMNS, read_change_log

    head = ",".join(CHANGE_COLUMNS)
    read_change_log(_write(tmp / "bad.csv", f"{head}\n0114A0010,0114A0020,split,2025-13-45\n"))


def _police_list_bool(tmp: Path) -> None:
    from omradesbild.sources.police import LIST_COLUMNS, read_police_list

    values = {
        "name": "Husby",
        "kommun": "0180",
        "category": "utsatt",
        "riskomrade_2023": "kanske",
    }
    row = ",".join(values.get(c, "") for c in LIST_COLUMNS)
    read_police_list(_write(tmp / "bad.csv", ",".join(LIST_COLUMNS) + "\n" + row + "\n"))


def _crime_zip(tmp: Path) -> None:
    from omradesbild.sources.crime import read_crime_csv

    read_crime_csv(_write(tmp / "bad.csv", b"PK\x03\x04 not a csv"))


def _crime_date_field(tmp: Path) -> None:
    from omradesbild.sources.crime import read_crime_csv

    read_crime_csv(_write(tmp / "bad.csv", "x\n"), date_field="nope")  # type: ignore[arg-type]


def _boundaries_suffix(tmp: Path) -> None:
    from omradesbild.sources.boundaries import read_boundaries

    read_boundaries(_write(tmp / "bad.txt", "x"), level="deso", version="deso2018")


def _boundaries_level(tmp: Path) -> None:
    from omradesbild.sources.boundaries import read_boundaries

    read_boundaries(_write(tmp / "bad.gpkg", "x"), level="nope", version="x")


def _px_no_data(tmp: Path) -> None:
    from omradesbild.sources.pxweb.px import read_px

    read_px(_write(tmp / "bad.px", 'CHARSET="ANSI";\nTITLE="x";\n'))


def _plain_json(tmp: Path) -> None:
    from omradesbild.sources.pxweb.plainjson import parse_pxweb_json

    parse_pxweb_json("{not json", reference=str(tmp / "bad.json"))


def _jsonstat1(tmp: Path) -> None:
    from omradesbild.sources.pxweb.jsonstat import parse_jsonstat2

    parse_jsonstat2({"class": "bundle", "dataset": {}}, reference=str(tmp / "bad.json"))


def _pxweb_csv_empty(tmp: Path) -> None:
    from omradesbild.sources.pxweb.csvformat import parse_pxweb_csv

    parse_pxweb_csv(b"\n\n", reference=str(tmp / "bad.csv"))


def _query_no_metadata(tmp: Path) -> None:
    from omradesbild.sources.pxweb.query import plan_chunks

    plan_chunks({"Region": "*", "Tid": ["2020"]}, 1)


def _wfs_page(tmp: Path) -> None:
    from omradesbild.sources.wfs import parse_wfs_geojson

    parse_wfs_geojson([{"type": "Feature"}], version="deso2018", reference=str(tmp / "wfs"))


def _http_status(tmp: Path) -> None:
    from omradesbild.sources.http import HttpClient

    transport = httpx.MockTransport(lambda r: httpx.Response(404, text="gone"))
    with HttpClient(
        cache_dir=None, client=httpx.Client(transport=transport), sleep=lambda _: None
    ) as http:
        http.get("https://example.org/t")


def _omradestyp_missing(tmp: Path) -> None:
    import pandas as pd

    from omradesbild.sources.scb_omradestyp import read_scb_omradestyp

    read_scb_omradestyp(tmp / "none.csv", regso=pd.DataFrame())


def _yaml_catalogue(tmp: Path) -> None:
    from omradesbild.sources.scb_xlsx.catalogue import load_catalogue

    load_catalogue(_write(tmp / "bad.yaml", "tables: [unclosed\n"))


#: id -> (reader on a bad input in the folder, error class, Swedish, English, row)
CASES: dict[str, tuple[Callable[[Path], None], type[OmradesbildError], str, str, int | None]] = {
    "scb_xlsx: a text file": (
        _xlsx_text,
        InputError,
        "filen är text (t.ex. CSV), ingen xlsx-arbetsbok (väntat: en xlsx-export från SCB:s",
        "the file is text (e.g. CSV), not an xlsx workbook (expected an xlsx export from SCB",
        None,
    ),
    "scb_csv: not a number": (
        _scb_csv_number,
        InputError,
        "rad 2, fältet 'Antal 2020': 'x1' är inget tal (väntat: ett tal med decimalpunkt",
        "row 2, field 'Antal 2020': 'x1' is not a number (expected a number with a decimal point",
        2,
    ),
    "long_csv: empty area code": (
        _long_csv_empty_code,
        InputError,
        "rad 3, fältet 'area_code': tom områdeskod",
        "row 3, field 'area_code': empty area code",
        3,
    ),
    "long_csv: missing column": (
        _long_csv_missing_column,
        InputError,
        "rad 1: kolumner saknas: variable; hittade area_code, period, value (väntat: en rubrikrad",
        "row 1: missing column(s) variable; found area_code, period, value (expected a header",
        1,
    ),
    "base: number of columns": (
        _scb_key_columns,
        InputError,
        "rad 2: 2 kolumner (väntat: 5 kolumner)",
        "row 2: 2 columns (expected 5 columns)",
        2,
    ),
    "nested_key: unexpected header": (
        _scb_key_header,
        InputError,
        "rad 1: oväntad rubrikrad 'a,b' (väntat: rubrikraden ",
        "row 1: unexpected header 'a,b' (expected header ",
        1,
    ),
    "deso2025: not a date": (
        _change_log_date,
        InputError,
        "rad 2, fältet 'date': '2025-13-45' är inget datum (väntat: YYYY-MM-DD)",
        "row 2, field 'date': '2025-13-45' is not a date (expected YYYY-MM-DD)",
        2,
    ),
    "police: not true/false": (
        _police_list_bool,
        InputError,
        "'kanske' kan inte läsas som sant/falskt (väntat: true, false eller tomt)",
        "cannot read 'kanske' as true/false (expected true, false or empty)",
        2,
    ),
    "crime_csv: a zip file": (
        _crime_zip,
        InputError,
        "det här är en zip-/Excel-fil (xlsx), ingen CSV-textfil (väntat: Polisens CSV-uttag",
        "this is a zip/Excel (xlsx) file, not a CSV text file (expected the Police's CSV extract",
        None,
    ),
    "crime: unknown date field": (
        _crime_date_field,
        ConfigError,
        "date_field ska vara ett av ",
        "date_field must be one of ",
        None,
    ),
    "boundaries: file type": (
        _boundaries_suffix,
        InputError,
        "filtypen '.txt' stöds inte (väntat: en GeoPackage (.gpkg), GeoJSON",
        "unsupported file type '.txt' (expected a GeoPackage (.gpkg), GeoJSON",
        None,
    ),
    "boundaries: unknown level": (
        _boundaries_level,
        ConfigError,
        "okänd områdesnivå 'nope'; väntat en av ",
        "unknown area level 'nope'; expected one of ",
        None,
    ),
    "px: no DATA": (
        _px_no_data,
        InputError,
        "nyckelordet DATA saknas (väntat: en PX-fil med DATA=)",
        "no DATA keyword (expected a PX file with DATA=)",
        None,
    ),
    "plainjson: not JSON": (
        _plain_json,
        InputError,
        "ingen giltig JSON: ",
        "not valid JSON: ",
        None,
    ),
    "jsonstat: JSON-stat 1": (
        _jsonstat1,
        InputError,
        "det här är JSON-stat 1 (en bundle); be om json-stat2",
        "this is JSON-stat 1 (a bundle); ask for json-stat2",
        None,
    ),
    "csvformat: empty CSV": (
        _pxweb_csv_empty,
        InputError,
        "tom CSV",
        "empty CSV",
        None,
    ),
    "query: values without metadata": (
        _query_no_metadata,
        FetchError,
        "kan inte räkna värdena ",
        "cannot count the values ",
        None,
    ),
    "wfs: not a FeatureCollection": (
        _wfs_page,
        InputError,
        "fältet 'type': sidan 1 är ingen GeoJSON FeatureCollection",
        "field 'type': page 1 is not a GeoJSON FeatureCollection",
        None,
    ),
    "http: a failed request": (
        _http_status,
        FetchError,
        "GET https://example.org/t misslyckades med HTTP 404 Not Found: gone",
        "GET https://example.org/t failed with HTTP 404 Not Found: gone",
        None,
    ),
    "scb_omradestyp: file not found": (
        _omradestyp_missing,
        InputError,
        "filen finns inte",
        "file not found",
        None,
    ),
    "yaml_catalogue: invalid YAML": (
        _yaml_catalogue,
        ConfigError,
        "ogiltig YAML: ",
        "invalid YAML: ",
        None,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_reader_errors_read_swedish_then_english(case: str, tmp_path: Path) -> None:
    read, kind, sv, en, row = CASES[case]
    with pytest.raises(kind) as err:
        read(tmp_path)
    message = str(err.value)
    assert sv in message and en in message, message
    assert message.index(sv) < message.index(" / ") < message.index(en), message
    if isinstance(err.value, InputError):
        assert err.value.bilingual()
        assert message.startswith(f"{err.value.file}: ")
        assert message.count(f"{err.value.file}:") == 1
        assert err.value.row == row


#: id -> (ingest command, file name, bad content, the message after "fel / error: <file>: ")
CLI_CASES: dict[str, tuple[list[str], str, str | bytes, str]] = {
    "ingest table: not a number": (
        ["ingest", "table"],
        "bad.csv",
        "area_code,period,variable,value\n0114,2020,x,1\n0114,2021,x,y\n",
        "rad 3, fältet 'value': 'y' är inget tal (väntat: ett tal, eller en av SCB:s "
        "markeringar .. . -) / row 3, field 'value': 'y' is not a number (expected a number, "
        "or one of SCB's markers .. . -)",
    ),
    "ingest scb-xlsx: a PDF": (
        ["ingest", "scb-xlsx"],
        "bad.xlsx",
        b"%PDF-1.4",
        "filen är ett PDF-dokument (väntat: en xlsx-export från SCB:s Statistikdatabasen "
        "(PX-Web)) / the file is a PDF document (expected an xlsx export from SCB "
        "Statistikdatabasen (PX-Web))",
    ),
    "ingest boundaries: file type": (
        ["ingest", "boundaries", "--level", "deso", "--version", "deso2018"],
        "bad.csv",
        "x",
        "filtypen '.csv' stöds inte (väntat: en GeoPackage (.gpkg), GeoJSON (.geojson, .json) "
        "eller Shapefile (.shp)) / unsupported file type '.csv' (expected a GeoPackage (.gpkg), "
        "GeoJSON (.geojson, .json) or Shapefile (.shp))",
    ),
}


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_ingest_errors_in_swedish_and_english(case: str, tmp_path: Path, cli: CliRun) -> None:
    command, name, content, message = CLI_CASES[case]
    bad = _write(tmp_path / name, content)
    code, _, err = cli([*command, str(bad), "--db", str(tmp_path / "s.duckdb")])
    assert code == 2
    assert err.strip() == f"fel / error: {bad}: {message}"
