"""Tests of the Police's reported-offence reader (omradesbild.sources.crime)."""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omradesbild.areas.codes import DESO_RE, KOMMUN_RE
from omradesbild.errors import ConfigError, InputError
from omradesbild.sources.base import OBS_COLUMNS, VARIABLE_COLUMNS
from omradesbild.sources.crime import (
    NATIONAL_CODE,
    NATIONAL_VERSION,
    ROW_COLUMNS,
    aggregate_crime,
    kommun_codes_from_areas,
    read_crime_csv,
    slugify,
)
from omradesbild.synthetic.writers import CRIME_HEADER

HEADER = list(CRIME_HEADER)  # the header of the Police's extracts
BILBRAND = "Skadegörelse, bilbrand eller brand på annat motorfordon (ej mordbrand, 1301)"


def report(
    *,
    code: str = "1211",
    text: str = BILBRAND,
    reg: str = "2022-01-02",
    date: str = "2022-01-01",
    kommun: str = "Norrköping",
    lan: str = "Östergötlands Län",
    deso: str = "0581C1070",
    antal: str = "1",
) -> list[str]:
    """One report row (without the leading row number and Id)."""
    return [code, text, reg, date, kommun, lan, deso, antal]


def write(
    path: Path,
    rows: Sequence[Sequence[str]],
    *,
    sep: str = ",",
    encoding: str = "utf-8",
    header: Sequence[str] = HEADER,
) -> Path:
    """Write rows the way the Police's extracts are written (quoted text, numbered rows)."""
    buf = io.StringIO(newline="")
    writer = csv.writer(
        buf,
        delimiter=sep,
        quoting=csv.QUOTE_MINIMAL if sep == ";" else csv.QUOTE_ALL,
        lineterminator="\n",
    )
    writer.writerow(header)
    for i, r in enumerate(rows, start=1):
        writer.writerow([str(i), str(1000 + i), *r])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def obs_dict(data: pd.DataFrame) -> dict[tuple[str, str, str, str], float]:
    """Observations keyed as the store keys them."""
    return {
        (a, v, var, p): float(x)
        for a, v, var, p, x in zip(
            data["area_code"],
            data["area_version"],
            data["variable"],
            data["period"],
            data["value"],
            strict=True,
        )
    }


# ---------------------------------------------------------------------------------------------
# Reading small generated files
# ---------------------------------------------------------------------------------------------


def test_aggregates_geocoded_and_not_geocoded(tmp_path: Path) -> None:
    rows = [
        report(deso="0581C1070", date="2022-01-01"),
        report(deso="0581C1070", date="2022-12-31", antal="2"),
        report(deso="0581C1070", date="2023-05-05"),
        report(deso="0580C1010", kommun="Linköping", date="2022-03-03"),
        report(deso="", kommun="Norrköping", date="2022-07-07"),
        report(deso="", kommun="Norrköping", date="2022-08-08", antal="3"),
        report(deso="", kommun="", lan="", date="2021-01-01"),
        report(code="1210", text="Skadegörelse, genom brand", deso="0581C1070"),
    ]
    obs = read_crime_csv(write(tmp_path / "bilbrand brott.csv", rows))
    assert list(obs.data.columns) == list(OBS_COLUMNS)
    assert obs_dict(obs.data) == {
        ("0581C1070", "deso2018", "crime_1210", "2022"): 1.0,
        ("0581C1070", "deso2018", "crime_1211", "2022"): 3.0,
        ("0581C1070", "deso2018", "crime_1211", "2023"): 1.0,
        ("0580C1010", "deso2018", "crime_1211", "2022"): 1.0,
        ("0581", "kommun2025", "crime_1211_not_geocoded", "2022"): 4.0,
        (NATIONAL_CODE, NATIONAL_VERSION, "crime_1211_not_geocoded", "2021"): 1.0,
    }
    assert set(obs.data["unit"]) == {"antal brott"}
    assert obs.data["missing_reason"].isna().all()
    assert obs.data["value"].dtype == np.float64


def test_variables_and_source_meta(tmp_path: Path) -> None:
    path = write(
        tmp_path / "våld mot polis 1 brott.csv",
        [report(), report(code="1210", text="Skadegörelse, genom brand")],
    )
    obs = read_crime_csv(path)
    v = obs.variables.set_index("variable")
    assert list(obs.variables.columns) == list(VARIABLE_COLUMNS)
    assert set(v.index) == {
        "crime_1210",
        "crime_1210_not_geocoded",
        "crime_1211",
        "crime_1211_not_geocoded",
    }
    assert v.loc["crime_1211", "label"] == BILBRAND
    assert v.loc["crime_1211_not_geocoded", "label"].startswith(BILBRAND)
    assert set(v["unit"]) == {"antal brott"}
    meta = obs.source
    assert meta.publisher == "Polismyndigheten"
    assert meta.table_id == "vald-mot-polis-1-brott"
    assert meta.reference == "våld mot polis 1 brott.csv"
    assert meta.licence == "public-record"  # a code, worded "offentlig handling"
    assert meta.checksum == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "våld mot polis 1 brott" in meta.title


def test_slugify() -> None:
    assert slugify("blåljus sabotage brott") == "blaljus-sabotage-brott"
    assert slugify("Våld mot polis  brott!") == "vald-mot-polis-brott"


@pytest.mark.parametrize(
    ("sep", "encoding"),
    [(",", "utf-8"), (";", "utf-8"), (",", "utf-8-sig"), (";", "utf-8-sig"), (";", "cp1252")],
)
def test_delimiter_and_encoding_give_same_result(tmp_path: Path, sep: str, encoding: str) -> None:
    rows = [
        report(),
        report(deso="", kommun="Norrköping", antal="2"),
        report(deso="1280C1200", kommun="Malmö", text="Övriga brott; mot 16 kap. BrB"),
    ]
    ref = read_crime_csv(write(tmp_path / "ref.csv", rows))
    obs = read_crime_csv(write(tmp_path / "x.csv", rows, sep=sep, encoding=encoding))
    pd.testing.assert_frame_equal(obs.data, ref.data)
    pd.testing.assert_frame_equal(obs.variables, ref.variables)
    assert ("cp1252" in (obs.source.notes or "")) == (encoding == "cp1252")


def test_kommun_codes_mapping(tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", [report(deso="", kommun="Tjörn"), report()])
    with pytest.raises(InputError) as err:
        read_crime_csv(path)
    msg = str(err.value)
    assert str(path) in msg and "row 2" in msg and "'Tjörn'" in msg and "kommun_codes" in msg
    obs = read_crime_csv(path, kommun_codes={"Tjörn": "1407"})
    assert ("1407", "kommun2025", "crime_1211_not_geocoded", "2022") in obs_dict(obs.data)
    # The given mapping wins over what the file shows, and names match case-insensitively.
    obs = read_crime_csv(
        write(tmp_path / "y.csv", [report(deso="", kommun="Norrköping"), report()]),
        kommun_codes={"NORRKÖPING ": "9999"},
    )
    assert ("9999", "kommun2025", "crime_1211_not_geocoded", "2022") in obs_dict(obs.data)
    with pytest.raises(ConfigError, match="4-digit"):
        read_crime_csv(path, kommun_codes={"Tjörn": "14"})


def test_kommun_codes_from_areas() -> None:
    areas = pd.DataFrame(
        {
            "area_code": ["0180", "0180C1010", "1480"],
            "level": ["kommun", "deso", "kommun"],
            "name": ["Stockholm", "Norrmalm", "Göteborg"],
        }
    )
    assert kommun_codes_from_areas(areas) == {"Stockholm": "0180", "Göteborg": "1480"}


def test_repeated_header_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "combined.csv"
    text = "\n".join(
        [
            ";".join(HEADER),
            ";".join(["1", "1", *report()]),
            ";".join(HEADER),
            ";".join(["1", "2", *report(code="1702", text="Våld mot polis")]),
            "",
        ]
    )
    path.write_text(text, encoding="utf-8")
    obs = read_crime_csv(path)
    assert obs.data["value"].sum() == 2
    assert set(obs.data["variable"]) == {"crime_1211", "crime_1702"}
    assert "1 repeated header" in (obs.source.notes or "")


def test_date_field_registration(tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", [report(reg="2023-01-02", date="2022-12-31")])
    by_crime = read_crime_csv(path)
    by_reg = read_crime_csv(path, date_field="Inskrivningsdatum")
    assert list(by_crime.data["period"]) == ["2022"]
    assert list(by_reg.data["period"]) == ["2023"]
    # Different definitions get different ids, so they never overwrite each other.
    assert list(by_reg.data["variable"]) == ["crime_1211_by_registration"]
    assert "crime_1211_not_geocoded_by_registration" in set(by_reg.variables["variable"])
    with pytest.raises(ConfigError):
        read_crime_csv(path, date_field="Datum")  # type: ignore[arg-type]


def test_header_only_file_gives_no_observations(tmp_path: Path) -> None:
    obs = read_crime_csv(write(tmp_path / "x.csv", []))
    assert obs.data.empty and list(obs.data.columns) == list(OBS_COLUMNS)
    assert obs.variables.empty


def test_whitespace_around_values_is_ignored(tmp_path: Path) -> None:
    obs = read_crime_csv(
        write(tmp_path / "x.csv", [report(code=" 1211", deso="0581C1070 ", antal=" 2 ")])
    )
    assert obs_dict(obs.data) == {("0581C1070", "deso2018", "crime_1211", "2022"): 2.0}


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


def _error(path: Path, **kwargs: object) -> InputError:
    with pytest.raises(InputError) as err:
        read_crime_csv(path, **kwargs)  # type: ignore[arg-type]
    return err.value


def test_missing_column(tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "Antal"]
    path = write(tmp_path / "x.csv", [report()[:-1]], header=header)
    err = _error(path)
    msg = str(err)
    assert err.file == str(path) and err.row == 1
    assert "['Antal']" in msg and "columns found" in msg and "DeSO.område" in msg


@pytest.mark.parametrize(
    ("bad", "field", "value"),
    [
        ({"antal": "ett"}, "Antal", "ett"),
        ({"antal": "-1"}, "Antal", "-1"),
        ({"antal": "1.5"}, "Antal", "1.5"),
        ({"date": "2022-02-30"}, "Brottsdatum", "2022-02-30"),
        ({"date": "22-01-01"}, "Brottsdatum", "22-01-01"),
        ({"date": ""}, "Brottsdatum", ""),
        ({"deso": "0581X1070"}, "DeSO.område", "0581X1070"),
        ({"deso": "581C1070"}, "DeSO.område", "581C1070"),
        ({"code": "12a1"}, "Brottskod", "12a1"),
        ({"code": ""}, "Brottskod", ""),
    ],
)
def test_bad_value_names_file_row_field(
    tmp_path: Path, bad: dict[str, str], field: str, value: str
) -> None:
    rows = [report(), report(), report(**bad), report(**bad)]
    path = write(tmp_path / "x.csv", rows)
    err = _error(path)
    assert (err.file, err.row, err.field) == (str(path), 4, field)
    assert repr(value) in str(err) and "1 more row" in str(err)
    assert err.expected


def test_row_number_counts_physical_lines(tmp_path: Path) -> None:
    # A quoted line break inside the offence text and a blank line shift the line numbers.
    path = tmp_path / "x.csv"
    lines = [
        ",".join(f'"{h}"' for h in HEADER),
        '"1",1,1211,"Skadegörelse,\nbilbrand","2022-01-01","2022-01-01","A","L","0581C1070",1',
        "",
        '"2",2,1211,"Skadegörelse","2022-01-01","2022-01-01","A","L","0581C1070",x',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    err = _error(path)
    assert (err.row, err.field) == (5, "Antal")


def test_unknown_kommun(tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", [report(), report(deso="", kommun="Narnia")])
    err = _error(path, kommun_codes={"Stockholm": "0180"})
    assert (err.row, err.field) == (3, "Kommun")
    assert "'Narnia'" in str(err) and "kommun_codes" in str(err)


def test_too_many_fields(tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", [report(), [*report(), "extra"]])
    err = _error(path)
    assert err.row == 3 and "well-formed" in str(err)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), "xlsx"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b'{"type": "FeatureCollection", "features": []}\n', "missing column"),
        (b"Brottskod,Antal\n\x81\x8d\x90\n", "neither UTF-8"),
    ],
)
def test_not_a_crime_csv(tmp_path: Path, content: bytes, needle: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    err = _error(path)
    assert err.file == str(path) and needle in str(err)


def test_missing_file(tmp_path: Path) -> None:
    err = _error(tmp_path / "nope.csv")
    assert "cannot read" in str(err)


# ---------------------------------------------------------------------------------------------
# aggregate_crime: pure core and its invariants
# ---------------------------------------------------------------------------------------------


def test_aggregate_crime_rejects_missing_columns() -> None:
    with pytest.raises(InputError, match="offence_code"):
        aggregate_crime(pd.DataFrame({"period": ["2022"]}))


def test_aggregate_crime_empty_and_no_mutation() -> None:
    empty = aggregate_crime(pd.DataFrame({c: [] for c in ROW_COLUMNS}))
    assert empty.empty and list(empty.columns) == list(OBS_COLUMNS)
    rows = pd.DataFrame(
        {
            "offence_code": ["1211", "1211"],
            "period": ["2022", "2022"],
            "deso_code": ["0581C1070", None],
            "kommun_code": ["0581", None],
            "count": [1, 0],
        }
    )
    before = rows.copy()
    out = aggregate_crime(rows)
    pd.testing.assert_frame_equal(rows, before)
    # A zero count is a real count, not a missing value.
    assert obs_dict(out)[(NATIONAL_CODE, NATIONAL_VERSION, "crime_1211_not_geocoded", "2022")] == 0


_row = st.fixed_dictionaries(
    {
        "offence_code": st.sampled_from(["1210", "1211", "1701"]),
        "period": st.sampled_from(["2019", "2020", "2024"]),
        "deso_code": st.sampled_from(["", "0180C1010", "0180A0020", "1480C1030"]),
        "kommun_code": st.sampled_from(["", "0180", "1480"]),
        "count": st.integers(min_value=0, max_value=50),
    }
)


# 30 examples cover aggregate_crime as 60 did (coverage.py with branches on 6 seeds: the
# same lines and branches of omradesbild.sources.crime and crime_csv on each)
@settings(max_examples=30, deadline=None)
@given(st.lists(_row, max_size=40), st.randoms(use_true_random=False))
def test_aggregate_conserves_total_and_ignores_order(rows: list[dict[str, object]], rnd) -> None:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame(rows, columns=list(ROW_COLUMNS))
    out = aggregate_crime(frame)
    total = int(frame["count"].sum()) if len(frame) else 0
    assert out["value"].sum() == total
    geocoded = frame["deso_code"] != ""
    assert out.loc[out["area_version"] == "deso2018", "value"].sum() == (
        frame.loc[geocoded, "count"].sum() if len(frame) else 0
    )
    assert not out.duplicated(["area_code", "area_version", "variable", "period"]).any()
    order = list(range(len(frame)))
    rnd.shuffle(order)
    shuffled = aggregate_crime(frame.iloc[order].reset_index(drop=True))
    pd.testing.assert_frame_equal(out, shuffled)


# 12 examples cover the reader as 25 did (coverage.py with branches on 6 seeds: the same
# lines and branches of omradesbild.sources.crime and crime_csv on each)
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(_row, min_size=1, max_size=25),
    st.sampled_from([",", ";"]),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_reader_equals_aggregate_of_rows(
    rows: list[dict[str, object]], sep: str, encoding: str
) -> None:
    """Writing rows to a file and reading it back gives aggregate_crime of the rows."""
    names = {"0180": "Stockholm", "1480": "Göteborg"}
    lines = [
        report(
            code=str(r["offence_code"]),
            date=f"{r['period']}-06-30",
            deso=str(r["deso_code"]),
            kommun=names.get(str(r["kommun_code"]), ""),
            antal=str(r["count"]),
        )
        for r in rows
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp) / "x.csv", lines, sep=sep, encoding=encoding)
        obs = read_crime_csv(path, kommun_codes={v: k for k, v in names.items()})
    expected = pd.DataFrame(rows, columns=list(ROW_COLUMNS))
    pd.testing.assert_frame_equal(obs.data, aggregate_crime(expected))


# ---------------------------------------------------------------------------------------------
# Real data
# ---------------------------------------------------------------------------------------------

CRIME_FILES = [
    "bilbrand brott.csv",
    "blåljus sabotage brott.csv",
    "brand brott.csv",
    "upplopp brott.csv",
    "våld mot polis 1 brott.csv",
    "våld mot polis 2 brott.csv",
    "våld mot polis brott.csv",
]


@pytest.fixture(scope="module")
def scb_key(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(
        shared_data / "scb" / "koppling-deso2018-regso2020.csv", dtype=str, encoding="utf-8-sig"
    )


@pytest.fixture(scope="module")
def kommun_codes(scb_key: pd.DataFrame) -> dict[str, str]:
    return dict(zip(scb_key["Kommunnamn"], scb_key["Kommun"], strict=True))


def _independent_counts(path: Path) -> tuple[int, int, int]:
    """(total Antal, Antal without DeSO, Antal without DeSO and kommun) via the csv module."""
    sep = ";" if ";" in path.read_text(encoding="utf-8-sig").split("\n", 1)[0] else ","
    with path.open(encoding="utf-8-sig", newline="") as fh:
        records = [r for r in csv.DictReader(fh, delimiter=sep) if r["Antal"] != "Antal"]
    total = sum(int(r["Antal"]) for r in records)
    no_deso = sum(int(r["Antal"]) for r in records if not r["DeSO.område"])
    nowhere = sum(int(r["Antal"]) for r in records if not r["DeSO.område"] and not r["Kommun"])
    return total, no_deso, nowhere


@pytest.mark.realdata
@pytest.mark.parametrize("name", CRIME_FILES)
def test_real_file(
    shared_data: Path, scb_key: pd.DataFrame, kommun_codes: dict[str, str], name: str
) -> None:
    path = shared_data / "crime" / name
    obs = read_crime_csv(path, kommun_codes=kommun_codes)
    data = obs.data
    total, no_deso, nowhere = _independent_counts(path)
    assert data["value"].sum() == total > 0
    deso = data[data["area_version"] == "deso2018"]
    assert deso["area_code"].map(lambda c: bool(DESO_RE.match(c))).all()
    assert set(deso["area_code"]) <= set(scb_key["DeSO_2018"])
    assert deso["variable"].str.fullmatch(r"crime_\d+").all()
    kommun = data[data["area_version"] == "kommun2025"]
    assert len(kommun) > 0 and kommun["variable"].str.endswith("_not_geocoded").all()
    assert kommun["area_code"].map(lambda c: bool(KOMMUN_RE.match(c))).all()
    assert set(kommun["area_code"]) <= set(scb_key["Kommun"])
    national = data[data["area_version"] == NATIONAL_VERSION]
    assert kommun["value"].sum() + national["value"].sum() == no_deso
    assert national["value"].sum() == nowhere
    assert data["period"].str.fullmatch(r"(19|20)\d\d").all()
    assert set(data["variable"]) <= set(obs.variables["variable"])
    assert obs.variables["label"].str.len().min() > 5


@pytest.mark.realdata
def test_real_combined_file_equals_the_two_severity_files(
    shared_data: Path, kommun_codes: dict[str, str]
) -> None:
    """Ingesting the combined file after the two severity files changes nothing in the store."""
    folder = shared_data / "crime"
    parts = [
        read_crime_csv(folder / f"våld mot polis {i} brott.csv", kommun_codes=kommun_codes)
        for i in (1, 2)
    ]
    combined = read_crime_csv(folder / "våld mot polis brott.csv", kommun_codes=kommun_codes)
    store: dict[tuple[str, str, str, str], float] = {}
    for part in parts:
        keys = obs_dict(part.data)
        assert not set(keys) & set(store)  # the two severities never share a key
        store.update(keys)
    assert obs_dict(combined.data) == store
    variables = pd.concat([p.variables for p in parts]).sort_values("variable")
    pd.testing.assert_frame_equal(
        combined.variables.sort_values("variable").reset_index(drop=True),
        variables.reset_index(drop=True),
    )


@pytest.mark.realdata
def test_real_learned_kommun_codes_agree_with_scb(
    shared_data: Path, kommun_codes: dict[str, str]
) -> None:
    # In this file every kommun without DeSO also has geocoded rows, so no mapping is needed.
    path = shared_data / "crime" / "brand brott.csv"
    learned = read_crime_csv(path)
    pd.testing.assert_frame_equal(
        learned.data, read_crime_csv(path, kommun_codes=kommun_codes).data
    )


@pytest.mark.realdata
def test_real_files_all_read(shared_data: Path, kommun_codes: dict[str, str]) -> None:
    # Their reading time is measured in benchmarks/bench_ingest.py.
    for name in CRIME_FILES:
        res = read_crime_csv(shared_data / "crime" / name, kommun_codes=kommun_codes)
        assert len(res.data) > 0, name


def test_aggregate_crime_rejects_bad_counts() -> None:
    rows = pd.DataFrame(
        {
            "offence_code": ["1211"],
            "period": ["2022"],
            "deso_code": ["0581C1070"],
            "kommun_code": [""],
            "count": [-1],
        }
    )
    with pytest.raises(InputError, match="count"):
        aggregate_crime(rows)
