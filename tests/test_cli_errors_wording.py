"""The errors users meet most often on the command line are worded in Swedish, then English.

Each case (``data/cli_errors.toml``) runs a command on the synthetic city's store with one
parameter wrong and compares the whole line on stderr: ``fel / error: <svenska> / <English>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from helpers import read_cases

if TYPE_CHECKING:
    from conftest import CliRun

PERIODS = ", ".join(str(y) for y in range(2012, 2025))
METHODS = "brott-anmalda, brott-trygghet, cdc-svi-2018, imd-2019, scb-omradestyp"

#: The cases, in data/cli_errors.toml: arguments (before --db), exit code, Swedish, English.
ERRORS = read_cases("cli_errors", periods=PERIODS, methods=METHODS)
REPORT = ERRORS.base["report"]


@pytest.mark.parametrize("case", list(ERRORS.cases))
def test_parameter_errors_in_swedish_and_english(
    case: str, demo_store: Path, tmp_path: Path, cli: CliRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    args, exit_code, sv, en = (ERRORS.cases[case][k] for k in ("args", "code", "sv", "en"))
    monkeypatch.chdir(tmp_path)  # relative --out files land here
    extra = ["--out", str(tmp_path / "site")] if args[0] == "report" else []
    code, _, err = cli([*args, *extra, "--db", str(demo_store)])
    assert code == exit_code, err
    assert err.strip() == f"fel / error: {sv} / {en}"


def test_missing_store_in_swedish_and_english(tmp_path: Path, cli: CliRun) -> None:
    db = tmp_path / "none.duckdb"
    code, _, err = cli([*REPORT, "--db", str(db), "--out", str(tmp_path / "site")])
    assert code == 3
    assert err.strip() == (
        f"fel / error: {db}: här finns inget datalager; skapa ett med 'omradesbild ingest …' "
        f"eller 'omradesbild demo', eller ange --db / {db}: no store here; create one with "
        "'omradesbild ingest …' or 'omradesbild demo', or pass --db"
    )


def test_unknown_indicator_in_swedish_and_english(cli: CliRun) -> None:
    code, _, err = cli(["indicators", "show", "nope"])
    assert code == 2
    line = err.strip()
    assert line.startswith("fel / error: okänd indikator 'nope'; kända: low_econ_standard, ")
    assert " / unknown indicator 'nope'; known: low_econ_standard, " in line


def test_export_of_a_year_without_indicators_names_the_years_with_them(
    real_store: Path, tmp_path: Path, cli: CliRun
) -> None:
    """The real store holds offence counts of 2019 but no indicator of it at RegSO (the
    year's offences mostly lie in no DeSO): the error names the years that have some."""
    args = ["export", "--level", "regso", "--period", "2019", "--out", str(tmp_path / "x")]
    code, out, err = cli([*args, "--db", str(real_store)])
    assert code == 3 and out == ""
    assert err.strip() == (
        "fel / error: inga indikatorer kan beräknas på nivån regso (regso2020) för 2019; "
        "perioder med dem i datalagret: 2020, 2021, 2022, 2023 / no indicators can be "
        "computed for regso (regso2020) in 2019; periods with them in the store: 2020, 2021, "
        "2022, 2023"
    )


def test_unknown_indicator_domain_names_the_domains(cli: CliRun) -> None:
    """'indicators list --domain nope' printed an empty table and succeeded."""
    code, out, err = cli(["indicators", "list", "--domain", "nope"])
    assert code == 2 and out == ""
    assert err.strip() == (
        "fel / error: --domain ska vara ett av arbete, befolkning, boende, brott och trygghet, "
        "hushåll, inkomst, utbildning; fick 'nope' / --domain must be one of arbete, "
        "befolkning, boende, brott och trygghet, hushåll, inkomst, utbildning, got 'nope'"
    )
    code, out, _ = cli(["indicators", "list", "--domain", "arbete"])
    assert code == 0 and "unemployment_16_64" in out and "median_income" not in out
