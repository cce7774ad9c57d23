"""PX files (PC-Axis / PxWeb): every keyword the reader handles, on files built here."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.errors import InputError
from omradesbild.sources.pxweb import parse_px, read_px
from omradesbild.sources.pxweb.px import PxFile, decode_px
from omradesbild.store import Store

if TYPE_CHECKING:
    from conftest import CliRun

PX_SV_EN = """CHARSET="ANSI";
AXIS-VERSION="2010";
CODEPAGE="iso-8859-1";
LANGUAGE="sv";
LANGUAGES="sv","en";
CREATION-DATE="20240301 09:00";
DECIMALS=0;
SHOWDECIMALS=0;
MATRIX="BE0101A9";
SUBJECT-CODE="BE";
SUBJECT-AREA="Befolkning";
SUBJECT-AREA[en]="Population";
CONTENTS="Folkmängd efter region, kön och år";
CONTENTS[en]="Population by region, sex and year";
TITLE="Folkmängd efter region, kön och år. Ett mycket långt namn som "
"fortsätter på nästa rad";
TITLE[en]="Population by region, sex and year";
UNITS="antal";
UNITS[en]="number";
STUB="region","kön";
STUB[en]="region","sex";
HEADING="år";
HEADING[en]="year";
CONTVARIABLE="tabellinnehåll";
VALUES("region")="00 Riket","0180 Stockholm","1917 Heby";
VALUES[en]("region")="00 Sweden","0180 Stockholm","1917 Heby";
VALUES("kön")="män","kvinnor","totalt";
VALUES[en]("sex")="men","women","total";
VALUES("år")="2001","2002";
VALUES[en]("year")="2001","2002";
TIMEVAL("år")=TLIST(A1),"2001","2002";
TIMEVAL[en]("year")=TLIST(A1),"2001","2002";
CODES("region")="00","0180","1917";
CODES[en]("region")="00","0180","1917";
CODES("kön")="1","2","1+2";
CODES[en]("sex")="1","2","1+2";
ELIMINATION("kön")="totalt";
ELIMINATION[en]("sex")="total";
PRECISION("kön","totalt")=1;
LAST-UPDATED="20240301 09:00";
SOURCE="Statistiska centralbyrån (SCB)";
SOURCE[en]="Statistics Sweden";
NOTE="Uppgifterna avser förhållandet den 31 december.";
NOTEX("region")="Heby kommun tillhör Uppsala län från 2007.";
NOTE[en]="Figures refer to 31 December.";
DATASYMBOL1="ej tillämpligt";
DATASYMBOL2="uppgift saknas";
DATASYMBOLNIL="noll";
DATA=
4400000 4420000 4450000 4470000 8850000 8890000
370000 372000 380000 382000 750000 754000
".." 6500 "." 6600 -
13100;
"""


def px_bytes(text: str = PX_SV_EN, encoding: str = "cp1252") -> bytes:
    return text.replace("\n", "\r\n").encode(encoding)


def test_reads_keywords_codes_values_and_multiline_strings() -> None:
    px = PxFile(decode_px(px_bytes()), reference="t.px")
    assert px.first("TITLE") == (
        "Folkmängd efter region, kön och år. Ett mycket långt namn som fortsätter på nästa rad"
    )
    assert px.get("CODES", "kön") == ("1", "2", "1+2")
    assert px.get("VALUES", "sex", lang="en") == ("men", "women", "total")
    assert px.first("DECIMALS") == "0"
    assert px.get("TIMEVAL", "år") == ("TLIST(A1)", "2001", "2002")
    assert px.notes()[1] == "NOTEX (region): Heby kommun tillhör Uppsala län från 2007."


def test_parse_px_gives_observations_with_country_successor_and_markers() -> None:
    obs = parse_px(px_bytes(), reference="t.px")
    df = obs.data
    assert set(df["area_code"]) == {"SE", "0180", "0331"}  # 00 -> SE, Heby 1917 -> 0331
    assert set(df["area_version"]) == {"country", "kommun2025"}
    assert set(df["variable"]) == {"man", "kvinnor", "totalt"}
    assert set(df["unit"]) == {"antal"}
    se = df[(df["area_code"] == "SE") & (df["period"] == "2002")]
    assert sorted(se["value"]) == [4420000.0, 4470000.0, 8890000.0]
    heby = df[df["area_code"] == "0331"].set_index(["variable", "period"])
    assert heby.at[("man", "2002"), "value"] == 6500.0
    # ".." "." "-" are missing with the reason DATASYMBOL* gives, never zero
    assert math.isnan(heby.at[("man", "2001"), "value"])
    assert "DATASYMBOL2: uppgift saknas" in heby.at[("man", "2001"), "missing_reason"]
    assert "DATASYMBOL1: ej tillämpligt" in heby.at[("kvinnor", "2001"), "missing_reason"]
    assert "DATASYMBOLNIL: noll" in heby.at[("totalt", "2001"), "missing_reason"]
    assert df["missing_reason"].notna().sum() == 3
    src = obs.source
    assert (src.publisher, src.table_id) == ("SCB", "BE0101A9")
    assert src.title.endswith("fortsätter på nästa rad")
    notes = src.notes or ""
    assert "NOTE: Uppgifterna avser" in notes and "NOTEX (region): Heby" in notes
    assert "DECIMALS=0" in notes and "AXIS-VERSION 2010" in notes


def test_parse_px_in_another_language_of_languages() -> None:
    obs = parse_px(px_bytes(), reference="t.px", lang="en")
    assert set(obs.data["variable"]) == {"men", "women", "total"}
    assert set(obs.data["unit"]) == {"number"}
    assert set(obs.data["area_code"]) == {"SE", "0180", "0331"}
    with pytest.raises(InputError, match=r"LANGUAGES.*language 'de'"):
        parse_px(px_bytes(), reference="t.px", lang="de")


def small_px(
    *,
    region: str | None = "Område",
    codes: bool = True,
    timeval: str = 'TIMEVAL("månad")=TLIST(M1),"202301","202302";',
    data: str = "1 2 3 4 5 6 7 8",
    header: str = 'CHARSET="ANSI";\nAXIS-VERSION="2000";',
    source: str = "Stockholms stad",
) -> str:
    """Two contents x two months (heading), region in the stub (or eliminated)."""
    lines = [header, 'LANGUAGE="sv";', 'MATRIX="SSTAT1";', 'TITLE="Befolkning";']
    lines.append('CONTVARIABLE="tabellinnehåll";')
    stub = f'STUB="{region}";' if region else 'STUB="kön";'
    lines += [stub, 'HEADING="tabellinnehåll","månad";']
    if region:
        lines.append(f'VALUES("{region}")="0180 Stockholm","Riket";')
        if codes:
            lines.append(f'CODES("{region}")="0180","00";')
    else:
        lines += ['VALUES("kön")="män","totalt";', 'ELIMINATION("kön")="totalt";']
    lines += [
        'VALUES("tabellinnehåll")="Folkmängd","Medelålder, år";',
        'UNITS("Folkmängd")="personer";',
        'UNITS("Medelålder, år")="år";',
        'VALUES("månad")="2023M01","2023M02";',
        timeval,
        f'SOURCE="{source}";',
        "DATA=",
        data + ";",
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", ["Område", "region", "Kommun", "DeSO", "X"])
def test_region_named_anything_values_without_codes_and_monthly_tlist(name: str) -> None:
    for with_codes in (True, False):
        obs = parse_px(small_px(region=name, codes=with_codes).encode("cp1252"), reference="s.px")
        df = obs.data.set_index(["area_code", "variable", "period"])
        assert df.at[("0180", "folkmangd", "2023-02"), "value"] == 2.0
        assert df.at[("SE", "medelalder_ar", "2023-01"), "value"] == 7.0
        assert df.at[("0180", "medelalder_ar", "2023-01"), "unit"] == "år"
        assert df.at[("0180", "folkmangd", "2023-01"), "unit"] == "personer"
        assert obs.source.publisher == "Stockholms stad"


def test_tlist_codes_without_values_in_period_form() -> None:
    text = small_px().replace('"2023M01","2023M02"', '"202301","202302"')
    obs = parse_px(text.encode("cp1252"), reference="s.px")
    assert set(obs.data["period"]) == {"2023-01", "2023-02"}


def test_utf8_codepage_and_bom() -> None:
    header = 'CHARSET="ANSI";\nCODEPAGE="utf-8";\nAXIS-VERSION="2013";'
    text = small_px(header=header)
    for raw in (text.encode("utf-8"), b"\xef\xbb\xbf" + small_px().encode("utf-8")):
        obs = parse_px(raw, reference="u.px")
        assert "medelalder_ar" in set(obs.data["variable"])
        assert "Medelålder, år" in set(obs.variables["label"])


def test_eliminated_region_needs_the_total_named_and_totals_leave_names() -> None:
    text = small_px(region=None)
    with pytest.raises(InputError, match="no region dimension"):
        parse_px(text.encode("cp1252"), reference="e.px")
    obs = parse_px(text.encode("cp1252"), reference="e.px", total_area="0180")
    assert set(obs.data["area_code"]) == {"0180"}
    # ELIMINATION("kön")="totalt": the total is left out of the generated names
    assert set(obs.data["variable"]) == {
        "man_folkmangd",
        "folkmangd",
        "man_medelalder_ar",
        "medelalder_ar",
    }
    scb = parse_px(small_px(region=None, source="SCB").encode("cp1252"), reference="e.px")
    assert set(scb.data["area_code"]) == {"SE"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (small_px(data="1 2 3 4 5 6 7"), r"row \d+, field 'DATA'.*7 cells.*8"),
        (small_px(data="1 2 3 x 5 6 7 8"), r"field 'DATA'.*cell 4.*'x'"),
        (small_px().replace("DATA=", "DATTA"), "no DATA keyword"),
        (small_px().replace('MATRIX="SSTAT1";', 'MATRIX="SSTAT1"'), r"row 4.*missing"),
        (small_px().replace('VALUES("månad")', 'VALUEZ("månad")'), r"VALUES\(\"månad\"\)"),
        (small_px().replace('CODES("Område")="0180","00"', 'CODES("Område")="0180"'), "CODES"),
    ],
)
def test_bad_px_gives_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as err:
        parse_px(text.encode("cp1252"), reference="bad.px")
    assert "bad.px" in str(err.value)


def test_read_px_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "BE0101A9.px"
    path.write_bytes(px_bytes())
    obs = read_px(path)
    assert obs.source.reference == "BE0101A9.px" and len(obs.data) == 18
    with pytest.raises(InputError, match="cannot read"):
        read_px(tmp_path / "missing.px")


def test_cli_ingest_px_into_an_empty_store_and_bad_file_writes_nothing(
    tmp_path: Path, cli: CliRun
) -> None:
    good = tmp_path / "BE0101A9.px"
    good.write_bytes(px_bytes())
    bad = tmp_path / "bad.px"
    bad.write_bytes(small_px(data="1 2 3").encode("cp1252"))
    db = tmp_path / "s.duckdb"
    code, _, err = cli(["ingest", "px", str(good), str(bad), "--db", str(db)])
    assert code == 2
    assert err.count("\n") == 1 and "bad.px" in err and "DATA" in err
    assert not db.exists()  # nothing half-written: the store the command created is removed
    code, out, err = cli(["ingest", "px", str(good), "--db", str(db)])
    assert code == 0, err
    assert "18 observations" in out
    with Store(db, read_only=True) as store:
        held = store.observations()
        assert set(held["area_code"]) == {"SE", "0180", "0331"}
        assert set(store.areas(level="kommun")["area_code"]) == {"0180", "0331"}
    code, out, _ = cli(["ingest", "px", str(good), "--lang", "en", "--db", str(db)])
    assert code == 0 and "men" not in out


def _px_text(regions: list[str], years: list[str], cells: list[float | str], enc: str) -> str:
    values = ",".join(f'"{r}"' for r in regions)
    year_values = ",".join(f'"{y}"' for y in years)
    data = " ".join(str(c) if isinstance(c, float) else f'"{c}"' for c in cells)
    head = 'CHARSET="ANSI";' if enc == "cp1252" else 'CODEPAGE="utf-8";'
    return (
        f'{head}\nAXIS-VERSION="2000";\nLANGUAGE="sv";\nMATRIX="T1";\nUNITS="antal";\n'
        f'SOURCE="SCB";\nSTUB="region";\nHEADING="år";\nVALUES("region")={values};\n'
        f'VALUES("år")={year_values};\nDATA=\n{data};\n'
    )


@settings(max_examples=40, deadline=None)
@given(
    regions=st.lists(
        st.sampled_from(["0114", "0180", "1480", "01", "14", "Riket"]),
        min_size=1,
        max_size=5,
        unique=True,
    ),
    years=st.lists(st.integers(1990, 2030).map(str), min_size=1, max_size=4, unique=True),
    data=st.data(),
    enc=st.sampled_from(["cp1252", "utf-8"]),
)
def test_px_round_trip_keeps_every_cell(
    regions: list[str], years: list[str], data: st.DataObject, enc: str
) -> None:
    """Every cell comes back at its place: numbers as numbers, markers as missing."""
    n = len(regions) * len(years)
    cells: list[float | str] = data.draw(
        st.lists(
            st.one_of(
                st.floats(-1e9, 1e9, allow_nan=False).map(lambda x: float(round(x, 3))),
                st.sampled_from([".", "..", "-"]),
            ),
            min_size=n,
            max_size=n,
        )
    )
    obs = parse_px(_px_text(regions, years, cells, enc).encode(enc), reference="h.px")
    assert len(obs.data) == n
    expected_codes = ["SE" if r == "Riket" else r for r in regions]
    for i, row in enumerate(obs.data.itertuples()):
        r, y = divmod(i, len(years))
        assert row.area_code == expected_codes[r] and row.period == years[y]
        cell = cells[i]
        if isinstance(cell, float):
            assert row.value == pytest.approx(cell) and row.missing_reason is None
        else:
            assert math.isnan(row.value) and str(row.missing_reason).startswith(cell)
