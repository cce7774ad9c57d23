"""``omradesbild index compute --table`` on plain CSVs, and bad method files through the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import CliRun

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SVI_COLUMNS = [
    "EP_POV", "EP_UNEMP", "EP_PCI", "EP_NOHSDP", "EP_AGE65", "EP_AGE17", "EP_DISABL",
    "EP_SNGPNT", "EP_MINRTY", "EP_LIMENG", "EP_MUNIT", "EP_MOBILE", "EP_CROWD", "EP_NOVEH",
    "EP_GROUPQ",
]  # fmt: skip


@pytest.fixture()
def svi_table(tmp_path: Path) -> Path:
    rng = np.random.default_rng(7)
    df = pd.DataFrame(rng.uniform(0, 40, size=(30, len(SVI_COLUMNS))), columns=SVI_COLUMNS)
    df.insert(0, "FIPS", [f"0100{i:02d}" for i in range(30)])
    df.loc[3, "EP_POV"] = -999
    path = tmp_path / "svi.csv"
    df.to_csv(path, index=False)
    return path


def test_svi_on_a_plain_table(svi_table: Path, tmp_path: Path, cli: CliRun) -> None:
    out = tmp_path / "out.csv"
    args = ["index", "compute", "--method", "cdc-svi-2018", "--table", str(svi_table)]
    code, _, err = cli([*args, "--id-column", "FIPS", "--out", str(out)])
    assert code == 0, err
    df = pd.read_csv(out, dtype={"FIPS": str})
    assert df["FIPS"].iloc[0] == "010000"  # leading zeros kept
    for col in ("RPL_THEME1", "RPL_THEME2", "RPL_THEME3", "RPL_THEME4", "score", "rank"):
        assert col in df.columns
    # -999 is missing: that area has no theme-1 rank and no overall score.
    row = df.set_index("FIPS").loc["010003"]
    assert pd.isna(row["RPL_THEME1"]) and pd.isna(row["score"])
    assert df["score"].dropna().between(0, 1).all()


def test_missing_id_column_is_named(svi_table: Path, tmp_path: Path, cli: CliRun) -> None:
    args = ["index", "compute", "--method", "cdc-svi-2018", "--table", str(svi_table)]
    code, _, err = cli([*args, "--id-column", "GEOID", "--out", str(tmp_path / "o.csv")])
    assert code == 2 and "GEOID" in err and "svi.csv" in err


def test_missing_declared_column_is_named(svi_table: Path, tmp_path: Path, cli: CliRun) -> None:
    df = pd.read_csv(svi_table, dtype={"FIPS": str}).drop(columns="EP_CROWD")
    df.to_csv(svi_table, index=False)
    args = ["index", "compute", "--method", "cdc-svi-2018", "--table", str(svi_table)]
    code, _, err = cli([*args, "--id-column", "FIPS", "--out", str(tmp_path / "o.csv")])
    assert code == 2 and "EP_CROWD" in err
    assert err.startswith(f"fel / error: {svi_table}: fältet 'EP_CROWD': ")


@pytest.mark.parametrize("draws", ["0", "20"])
def test_a_bad_row_is_named_with_its_file_and_line(
    svi_table: Path, tmp_path: Path, cli: CliRun, draws: str
) -> None:
    """A table not sorted by its ids: the error names the file and the line the bad value
    is on (the header is row 1), in both languages, with or without Monte-Carlo draws."""
    df = pd.read_csv(svi_table, dtype={"FIPS": str}).iloc[::-1]
    df["EP_POV"] = df["EP_POV"].astype(object)
    df.iloc[-1, df.columns.get_loc("EP_POV")] = "x"  # the last line; the first id
    df.to_csv(svi_table, index=False)
    args = ["index", "compute", "--method", "cdc-svi-2018", "--table", str(svi_table)]
    code, _, err = cli([*args, "--id-column", "FIPS", "--uncertainty", draws,
                        "--out", str(tmp_path / "o.csv")])  # fmt: skip
    line = len(df) + 1
    assert code == 2, err
    assert f"fel / error: {svi_table}: rad {line}, fältet 'EP_POV': " in err
    assert f" / row {line}, field 'EP_POV': table: non-numeric value 'x'" in err
    twice = pd.concat([df.iloc[:3], df.iloc[[1]]]).assign(EP_POV=1.0)
    twice.to_csv(svi_table, index=False)
    code, _, err = cli([*args, "--id-column", "FIPS", "--out", str(tmp_path / "o.csv")])
    assert code == 2 and f"{svi_table}: rad 3, fältet 'FIPS': " in err
    assert "occurs more than once" in err


BAD_METHODS = {
    "unknown indicator in theme": (
        "indicators: [{id: a}, {id: b}]\nthemes: [{id: t, indicators: [a, c]}]\n",
        "unknown indicator",
    ),
    "weights not summing to 1": (
        "indicators: [{id: a}, {id: b}]\n"
        "weighting: {method: explicit, weights: {a: 0.5, b: 0.4}}\n",
        "sum",
    ),
    "overlapping class rules": (
        "indicators: [{id: a}]\nclassification: {kind: fixed, thresholds: [1, 1], "
        "labels: [x, y, z]}\n",
        "increasing",
    ),
    "class labels leaving a gap": (
        "indicators: [{id: a}]\n"
        "classification: {kind: fixed, thresholds: [1, 2], labels: [x, y]}\n",
        "labels",
    ),
}


@pytest.mark.parametrize("name", list(BAD_METHODS))
def test_bad_method_file_is_explained(name: str, tmp_path: Path, cli: CliRun) -> None:
    body, fragment = BAD_METHODS[name]
    method = tmp_path / "metod.yaml"
    method.write_text("id: m\nversion: '1'\ntitle_sv: m\ntitle_en: m\n" + body)
    table = tmp_path / "t.csv"
    pd.DataFrame({"area_code": ["A", "B"], "a": [1.0, 2.0], "b": [3.0, 1.0]}).to_csv(
        table, index=False
    )
    args = ["index", "compute", "--method", str(method), "--table", str(table)]
    code, _, err = cli([*args, "--out", str(tmp_path / "o.csv")])
    assert code == 2, err
    assert "metod.yaml" in err and fragment in err
    assert len(err.strip().splitlines()) == 1


def test_unknown_method_lists_the_shipped_ones(tmp_path: Path, cli: CliRun) -> None:
    code, _, err = cli(
        ["index", "compute", "--method", "nope", "--table", "x.csv", "--out", "o.csv"]
    )
    assert code == 2 and "scb-omradestyp" in err


def test_index_methods_lists_pictures(cli: CliRun) -> None:
    code, out, _ = cli(["index", "methods"])
    assert code == 0
    assert "socioeconomic" in out and "crime_insecurity" in out


@pytest.mark.parametrize(
    ("level", "sv", "en"),
    [
        ("regso", "riket", "Sweden"),
        ("kommun", "lagrets egna områden", "the layer's own areas"),
    ],
)
def test_reference_of_the_classes_is_worded_in_each_language(
    level: str, sv: str, en: str, real_store: Path, tmp_path: Path, cli: CliRun
) -> None:
    """The reference line's English half is English: it repeated the Swedish label
    ('… / reference (classes computed against): riket')."""
    args = ["index", "compute", "--method", "brott-anmalda", "--level", level, "-p", "2022"]
    code, out, err = cli([*args, "--out", str(tmp_path / "i.csv"), "--db", str(real_store)])
    assert code == 0, err
    line = f"Referens (klasserna beräknade mot): {sv} / reference (classes computed against): {en}"
    assert line in out.splitlines()
