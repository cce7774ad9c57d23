"""SCB/Delmos's published area types: the reader, the store series, transitions, comparison.

Every file here is written by the test in the layout Statistikdatabasen exports
(``"Kommun (RegSO-namn)"`` rows, one column per year, footnotes below); the RegSO names are
the synthetic city's or made up.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from conftest import jsonstat_dataset, jsonstat_dimension
from omradesbild.errors import InputError
from omradesbild.sources.base import Areas, SourceMeta
from omradesbild.sources.scb_omradestyp import PUBLISHED_SCHEME, read_scb_omradestyp
from omradesbild.store import Store

if TYPE_CHECKING:
    from conftest import CliRun

KEY = pd.DataFrame(
    {
        "area_code": ["0114R001", "0114R002", "0114R003", "0180R001"],
        "kommun_name": ["Upplands Väsby", "Upplands Väsby", "Upplands Väsby", "Stockholm"],
        "regso_name": ["Bollstanäs", "Odenslunda norra-Frestaby-Ekeby", "Centrum", "Rinkeby"],
    }
)

FOOTNOTES = (
    ",\n"
    '"Områdestyp 1 – områden med stora socioekonomiska utmaningar\n'
    'Områdestyp 5 – områden med mycket goda socioekonomiska förutsättningar",\n'
    "2024-09-11: Tabellen är korrigerad,\n"
    "Intern referenskod:,\n000005QX,\n"
)


def _write(path: Path, header: str, rows: list[str], *, footnotes: bool = True) -> Path:
    text = header + "\n" + "\n".join(rows) + "\n" + (FOOTNOTES if footnotes else "")
    path.write_text(text, encoding="utf-8-sig")
    return path


def test_reader_years_missing_unmatched_and_footnotes(tmp_path: Path) -> None:
    f = _write(
        tmp_path / "t.csv",
        ",2022,2023",
        [
            "Upplands Väsby (Bollstanäs),4,4",
            # SCB writes an en dash where the key has a hyphen: still the same RegSO.
            "Upplands Väsby (Odenslunda norra – Frestaby-Ekeby),3,..",
            "Stockholm (Rinkeby),1,1",
            "Stockholm (Atlantis),2,2",
        ],
    )
    got = read_scb_omradestyp(f, regso=KEY)
    assert got.years == ["2022", "2023"] and got.n_rows == 4
    cls = got.parsed.classifications.sort_values(["period", "area_code"])
    assert cls[["area_code", "period", "category"]].values.tolist() == [
        ["0114R001", "2022", "4"],
        ["0114R002", "2022", "3"],
        ["0180R001", "2022", "1"],
        ["0114R001", "2023", "4"],
        ["0180R001", "2023", "1"],
    ]
    assert set(cls["scheme"]) == {PUBLISHED_SCHEME} and set(cls["version"]) == {"regso2020"}
    assert got.missing_values == 1
    # Nothing is dropped silently: the unknown row and the RegSO the file lacks are named.
    assert [(u.row, u.name) for u in got.unmatched_rows] == [(5, "Stockholm (Atlantis)")]
    assert [u.name for u in got.missing_regso] == ["Upplands Väsby (Centrum) [0114R003]"]


def test_reader_header_omrade_and_semicolons(tmp_path: Path) -> None:
    f = _write(tmp_path / "s.csv", "Område;2023", ["Stockholm (Rinkeby);1"], footnotes=False)
    got = read_scb_omradestyp(f, regso=KEY)
    assert got.parsed.classifications["category"].tolist() == ["1"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["Stockholm (Rinkeby),6"], "'6' is not an områdestyp"),
        (["Rinkeby,1"], "is not a RegSO name with its kommun"),
        (["Stockholm (Rinkeby),1", "Stockholm (Rinkeby),2"], "occurs twice"),
    ],
)
def test_reader_errors_name_row_and_field(tmp_path: Path, rows: list[str], message: str) -> None:
    f = _write(tmp_path / "bad.csv", "Område,2023", rows)
    with pytest.raises(InputError, match=message) as exc:
        read_scb_omradestyp(f, regso=KEY)
    assert exc.value.file == str(f) and exc.value.row is not None


def test_reader_needs_a_year_header(tmp_path: Path) -> None:
    f = _write(tmp_path / "h.csv", "Område,typ", ["Stockholm (Rinkeby),1"])
    with pytest.raises(InputError, match="no header row with years"):
        read_scb_omradestyp(f, regso=KEY)


# -- in the store -------------------------------------------------------------------------------
@pytest.fixture()
def key_db(tmp_path: Path) -> Path:
    """A store holding only the RegSO of :data:`KEY` and their kommuner."""
    rows = [
        {"area_code": "0114", "level": "kommun", "version": "kommun2025", "name": "Upplands Väsby"},
        {"area_code": "0180", "level": "kommun", "version": "kommun2025", "name": "Stockholm"},
    ]
    for c, name in zip(KEY["area_code"], KEY["regso_name"], strict=True):
        rows.append(
            {
                "area_code": c,
                "level": "regso",
                "version": "regso2020",
                "name": name,
                "parent_code": c[:4],
                "parent_level": "kommun",
                "parent_version": "kommun2025",
            }
        )
    source = SourceMeta("test", "key", "test key", "test", checksum="0" * 64)
    db = tmp_path / "key.duckdb"
    with Store(db) as s:
        s.ingest(Areas(source=source, areas=pd.DataFrame(rows)))
    return db


def test_published_series_transitions_2022_to_2023(
    key_db: Path, tmp_path: Path, cli: CliRun
) -> None:
    published = _write(
        tmp_path / "scb_2023.csv",
        "Område,2023",
        [
            "Upplands Väsby (Bollstanäs),4",
            "Upplands Väsby (Odenslunda norra-Frestaby-Ekeby),3",
            "Upplands Väsby (Centrum),2",
            "Stockholm (Rinkeby),1",
        ],
    )
    own_2022 = _write(
        tmp_path / "own_2022.csv",
        ",2022",
        [
            "Upplands Väsby (Bollstanäs),4",
            "Upplands Väsby (Odenslunda norra-Frestaby-Ekeby),4",
            "Upplands Väsby (Centrum),2",
            "Stockholm (Rinkeby),1",
        ],
        footnotes=False,
    )
    code, out, err = cli(
        ["ingest", "scb-omradestyp", str(published), str(own_2022), "--db", str(key_db)]
    )
    assert code == 0, err
    assert "4 RegSO matchade, 0 omatchade" in out
    moves_csv = tmp_path / "moves.csv"
    args = ["followup", "transitions", "--published", "--from", "2022", "--to", "2023"]
    code, out, err = cli([*args, "--out", str(moves_csv), "--db", str(key_db)])
    assert code == 0, err
    assert "SCB:s publicerade typer" in out
    # One RegSO moved from type 4 to 3 (worse), three stayed.
    assert "upp (bättre) 0, ned (sämre) 1, samma 3 / up (better) 0" in out
    moves = pd.read_csv(moves_csv, dtype={"area_code": str})
    row = moves.set_index("area_code").loc["0114R002"]
    assert (row["class_from"], row["class_to"], row["movement"]) == (4, 3, "down")

    from omradesbild.services.official import published_types

    with Store(key_db, read_only=True) as s:
        got = published_types(s, area_codes=["0180R001"])
    assert [(p.period, p.official_type, p.name) for p in got] == [
        ("2022", 1, "Stockholm (Rinkeby)"),
        ("2023", 1, "Stockholm (Rinkeby)"),
    ]


def test_ingest_needs_the_key(tmp_path: Path, cli: CliRun) -> None:
    f = _write(tmp_path / "t.csv", "Område,2023", ["Stockholm (Rinkeby),1"])
    code, out, err = cli(["ingest", "scb-omradestyp", str(f), "--db", str(tmp_path / "e.duckdb")])
    assert code != 0 and "ingest SCB's key first" in out + err


def test_compare_official_on_the_synthetic_city(
    demo_store: Path, tmp_path: Path, cli: CliRun
) -> None:
    """Published types = our own 2022 types except two RegSO: agreement and confusion."""
    from omradesbild.index import load_method
    from omradesbild.services.official import regso_names
    from omradesbild.services.pipeline import IndexSelection, area_index

    db = tmp_path / "demo.duckdb"
    db.write_bytes(demo_store.read_bytes())
    with Store(db, read_only=True) as s:
        ours = area_index(s, IndexSelection(load_method("scb-omradestyp"), "regso", "2022"))
        names = regso_names(s).set_index("area_code")
    types = ours.set_index("area_code")["class"].astype(int)
    flipped = {
        types.index[0]: 3 if types.iloc[0] != 3 else 4,
        types.index[1]: 5 if types.iloc[1] != 5 else 4,
    }
    rows = [
        f"{names.loc[c, 'kommun_name']} ({names.loc[c, 'regso_name']}),{flipped.get(c, t)}"
        for c, t in types.items()
    ]
    f = _write(tmp_path / "pub.csv", ",2022", rows)
    code, out, err = cli(["ingest", "scb-omradestyp", str(f), "--db", str(db)])
    assert code == 0, err
    out_csv = tmp_path / "cmp.csv"
    args = ["index", "compare-official", "--period", "2022", "--draws", "50"]
    code, out, err = cli([*args, "--out", str(out_csv), "--db", str(db)])
    assert code == 0, err
    n = len(types)
    assert f"agreement: {n - 2} of {n} RegSO" in out
    assert "Korstabell / confusion" in out
    df = pd.read_csv(out_csv, dtype={"area_code": str})
    assert list(df.columns) == [
        "area_code", "area_name", "kommun_code", "kommun_name", "area_type", "official_type",
        "agree", "robust_class",
    ]  # fmt: skip
    assert len(df) == n and (~df["agree"]).sum() == 2
    bad = df.loc[~df["agree"]].set_index("area_code")
    assert {c: int(v) for c, v in bad["official_type"].items()} == flipped
    assert df["robust_class"].notna().all()


# -- the same series from SCB's PX-Web table TAB6586 (a response built here, no network) --------
def _tab6586() -> dict[str, object]:
    regions = ["0180R076_RegSO2020", "1280R028_RegSO2020", "0114R001_RegSO2020"]
    # Content codes as placeholders: the catalogue matches the content *labels*.
    contents = {"C1": "Socioekonomiskt index", "C2": "Områdestyp"}
    years = ["2022", "2023"]
    # Row-major over Region × ContentsCode × Tid; the index values are made up.
    values = [41.2, 40.8, 1, 1, 38.0, 39.1, 1, 1, 5.1, 5.3, 4, 4]
    dimensions = {
        "Region": jsonstat_dimension("region", {c: c.split("_")[0] for c in regions}),
        "ContentsCode": jsonstat_dimension("tabellinnehåll", contents),
        "Tid": jsonstat_dimension("år", {y: y for y in years}),
    }
    return jsonstat_dataset(
        "Socioekonomiskt index och områdestyp efter region och år",
        dimensions,
        values,
        extension={"px": {"tableid": "TAB6586", "language": "sv"}},
    )


def test_tab6586_catalogue_entry_and_published_series() -> None:
    from omradesbild.sources.pxweb import parse_jsonstat2
    from omradesbild.sources.scb_omradestyp import (
        PXWEB_TABLE,
        published_types_from_observations,
        pxweb_variable,
    )
    from omradesbild.sources.scb_xlsx import load_catalogue

    assert PXWEB_TABLE in load_catalogue().tables
    obs = parse_jsonstat2(_tab6586(), reference="recorded:TAB6586", variable_map=pxweb_variable)
    assert set(obs.data["variable"]) == {"scb_omradestyp", "scb_socioeconomic_index"}
    parsed = published_types_from_observations(obs)
    cls = parsed.classifications.sort_values(["period", "area_code"])
    assert cls[["area_code", "version", "period", "category"]].values.tolist() == [
        ["0114R001", "regso2020", "2022", "4"],
        ["0180R076", "regso2020", "2022", "1"],
        ["1280R028", "regso2020", "2022", "1"],
        ["0114R001", "regso2020", "2023", "4"],
        ["0180R076", "regso2020", "2023", "1"],
        ["1280R028", "regso2020", "2023", "1"],
    ]
    assert set(cls["scheme"]) == {PUBLISHED_SCHEME}
    bad = _tab6586()
    bad["value"] = [41.2, 40.8, 7, 1, 38.0, 39.1, 1, 1, 5.1, 5.3, 4, 4]
    msg = (
        r"^recorded:TAB6586: .*: 7 är ingen områdestyp \(område 0180R076\)"
        r".* / .*: 7 is not an områdestyp \(area 0180R076\)"
    )
    with pytest.raises(InputError, match=msg):
        published_types_from_observations(
            parse_jsonstat2(bad, reference="recorded:TAB6586", variable_map=pxweb_variable)
        )


def test_store_indicator_c_is_used_when_held_and_the_stand_in_is_named_otherwise(
    demo_store: Path,
) -> None:
    """The synthetic city holds SCB's indicator (c); without it the stand-in is named."""
    from omradesbild.index import compute_index, load_method
    from omradesbild.services.pipeline import (
        IndexSelection,
        area_index,
        index_table,
        method_indicators,
    )

    scb = load_method("scb-omradestyp")
    with Store(demo_store, read_only=True) as s:
        selection = IndexSelection(scb, "regso", "2022")
        res = area_index(s, selection)
        ind = method_indicators(s, selection)
    assert res["fallback_used"].isna().all()
    np_c = res["ekbist_longterm_20_64_norm"].to_numpy()
    assert (np_c == res["ekbist_longterm_20_64"].to_numpy()).all()
    without = index_table(ind, scb).drop(columns="ekbist_longterm_20_64")
    out = compute_index(without, method=scb, period_column="period")
    assert (out["fallback_used"] == "ekbist_longterm_20_64 -> unemployment_16_64").all()


def test_reader_names_a_label_that_matches_two_regso(tmp_path: Path) -> None:
    key = pd.concat(
        [KEY, pd.DataFrame({"area_code": ["0180R002"], "kommun_name": ["Stockholm"],
                            "regso_name": ["Rinkeby"]})],
        ignore_index=True,
    )  # fmt: skip
    f = _write(tmp_path / "a.csv", "Område,2023", ["Stockholm (Rinkeby),1"], footnotes=False)
    got = read_scb_omradestyp(f, regso=key)
    assert got.parsed.classifications.empty
    [u] = got.unmatched_rows
    assert (u.row, u.reason) == (2, "matches several RegSO: 0180R001, 0180R002")
