"""The errors users meet most often on the command line are worded in Swedish, then English.

Each case runs a command on the synthetic city's store with one parameter wrong and
compares the whole line on stderr: ``fel / error: <svenska> / <English>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import CliRun

PERIODS = ", ".join(str(y) for y in range(2012, 2025))
METHODS = "brott-anmalda, brott-trygghet, cdc-svi-2018, imd-2019, scb-omradestyp"
NO_LINKS_SV = (
    "inga länkar leder från deso2018 till x; läs in en nyckel (t.ex. SCB:s nyckel DeSO–RegSO) "
    "eller bygg en korsnyckel med 'omradesbild harmonize'"
)
NO_LINKS_EN = (
    "no links lead from deso2018 to x; ingest a key (e.g. SCB's DeSO–RegSO key) or build a "
    "crosswalk with 'omradesbild harmonize'"
)

REPORT = ["report", "--draws", "5", "--no-pdf", "--no-partners", "-q"]
FOLLOWUP_2012_2024 = ["followup", "change", "--level", "regso", "--from", "2012", "--to", "2024"]

#: id -> (arguments before --db, exit code, Swedish, English)
CASES: dict[str, tuple[list[str], int, str, str]] = {
    "report: kommun without areas": (
        [*REPORT, "--kommun", "0180"],
        3,
        "datalagret har inga områden på nivån regso (regso2020) i kommun 0180",
        "the store holds no regso areas (regso2020) in kommun 0180",
    ),
    "report: unknown level": (
        [*REPORT, "--level", "nope"],
        3,
        "datalagret har inga områden på nivån 'nope'",
        "the store holds no areas of level 'nope'",
    ),
    "report: unknown version": (
        [*REPORT, "--version", "nope"],
        3,
        "datalagret har inga områden på nivån regso i versionen nope",
        "the store holds no regso areas of version nope",
    ),
    "report: areas not found": (
        [*REPORT, "--areas", "9999R999"],
        3,
        "områdena finns inte bland områdena på nivån regso (regso2020): 9999R999",
        "areas not found among the regso areas (regso2020): 9999R999",
    ),
    "report: areas not found in the kommun": (
        [*REPORT, "--areas", "9999R999", "--kommun", "9999"],
        3,
        "områdena finns inte bland områdena på nivån regso (regso2020) i kommun 9999: 9999R999",
        "areas not found among the regso areas (regso2020) of kommun 9999: 9999R999",
    ),
    "report: no index in the period": (
        [*REPORT, "--period", "1999"],
        3,
        "indexet 'scb-omradestyp' kan inte beräknas på nivån regso för 1999; perioder med "
        f"indexet: {PERIODS}",
        f"index 'scb-omradestyp' cannot be computed for regso in 1999; periods with the index: "
        f"{PERIODS}",
    ),
    "report: method file missing": (
        [*REPORT, "--method", "nope.yaml"],
        2,
        "nope.yaml: metodfilen finns inte",
        "nope.yaml: method file not found",
    ),
    "report: unknown method": (
        [*REPORT, "--method", "nope"],
        2,
        f"okänd indexmetod 'nope'; metoderna som följer med är {METHODS} (eller ange sökvägen "
        "till en .yaml-fil)",
        f"unknown index method 'nope'; shipped methods are {METHODS} (or give a path to a "
        ".yaml file)",
    ),
    "index: period needed": (
        ["index", "compute", "--method", "scb-omradestyp", "--out", "ix.csv"],
        2,
        "--period behövs när indexet beräknas ur datalagret (eller ange --table)",
        "--period is needed when computing from the store (or give --table)",
    ),
    "index: period not in the store": (
        ["index", "compute", "--method", "scb-omradestyp", "--period", "1999", "--out", "i.csv"],
        3,
        f"inga observationer för perioderna 1999; perioder i datalagret: {PERIODS}",
        f"no observations for period(s) 1999; periods in the store: {PERIODS}",
    ),
    "indicators: unknown level": (
        ["indicators", "compute", "--level", "nope", "--out", "ind.csv"],
        3,
        "datalagret har inga områden på nivån 'nope'",
        "the store holds no areas of level 'nope'",
    ),
    "followup change: period without values": (
        ["followup", "change", "--level", "regso", "--from", "2011", "--to", "2024"],
        3,
        f"inga indikatorvärden på nivån regso för perioderna 2011; perioder i datalagret: "
        f"{PERIODS}",
        f"no indicator values at level regso for period(s) 2011; periods stored: {PERIODS}",
    ),
    "followup change: same periods": (
        ["followup", "change", "--level", "regso", "--from", "2012", "--to", "2012"],
        2,
        "--from och --to är samma period (2012)",
        "--from and --to are the same period (2012)",
    ),
    "followup change: kommun without areas": (
        [*FOLLOWUP_2012_2024, "--kommun", "0180"],
        3,
        "inga områden på nivån regso i kommun 0180 har indikatorer i datalagret",
        "no regso of kommun 0180 has indicators in the store",
    ),
    "followup transitions: method not in a period": (
        ["followup", "transitions", "--level", "regso", "--from", "2011", "--to", "2024"],
        3,
        f"metoden 'scb-omradestyp' kan inte beräknas för perioderna 2011: indikatorerna den "
        f"behöver finns för {PERIODS}",
        f"method 'scb-omradestyp' cannot be computed for period(s) 2011: the indicators it "
        f"needs exist for {PERIODS}",
    ),
    "followup change: period not stored": (
        ["followup", "change", "--level", "regso", "--from", "1999", "--to", "2024"],
        3,
        f"inga indikatorvärden på nivån regso för perioderna 1999; perioder i datalagret: "
        f"{PERIODS}",
        f"no indicator values at level regso for period(s) 1999; periods stored: {PERIODS}",
    ),
    "followup change: not a kommun code": (
        [*FOLLOWUP_2012_2024, "--kommun", "01"],
        2,
        "--kommun '01' är ingen kommunkod: ange fyra siffror, t.ex. 0180",
        "--kommun '01' is not a kommun code: give 4 digits, e.g. 0180",
    ),
    "followup change: unknown indicator": (
        [*FOLLOWUP_2012_2024, "-i", "nope"],
        2,
        "--indicator: okända indikatorer: nope (se 'omradesbild indicators list', t.ex. "
        "not_employed_16_64)",
        "--indicator: unknown indicator(s): nope (see 'omradesbild indicators list', e.g. "
        "not_employed_16_64)",
    ),
    "followup crime: unknown offence": (
        ["followup", "crime", "--level", "regso", "--offence", "nope"],
        2,
        "--offence: datalagret har inga anmälda brott med koderna nope; koder i datalagret: "
        "1210, 1211, 1311, 1615, 1701, 1702",
        "--offence: no reported offences with code(s) nope in the store; codes stored: "
        "1210, 1211, 1311, 1615, 1701, 1702",
    ),
    "report: unknown language": (
        [*REPORT, "--lang", "xx"],
        2,
        "språket 'xx' stöds inte; välj ett av sv, en",
        "language 'xx' is not supported; choose one of sv, en",
    ),
    "followup trend: --from after --to": (
        ["followup", "trend", "--level", "regso", "--from", "2024", "--to", "2012"],
        2,
        "--from 2024 ligger efter --to 2012",
        "--from 2024 is after --to 2012",
    ),
    "followup trend: no periods between": (
        ["followup", "trend", "--level", "regso", "--from", "2030", "--to", "2031"],
        3,
        f"inga perioder i datalagret mellan 2030 och 2031; perioder i datalagret: {PERIODS}",
        f"no stored periods between 2030 and 2031; periods in the store: {PERIODS}",
    ),
    "report: codes without --areas": (
        [*REPORT, "9999R001"],
        2,
        "oväntade argument 9999R001: ange områdeskoder efter --areas, t.ex. --areas 0180R001 "
        "0180R002",
        "unexpected argument(s) 9999R001: give area codes after --areas, e.g. --areas "
        "0180R001 0180R002",
    ),
    "index: table missing": (
        ["index", "compute", "--method", "scb-omradestyp", "--table", "nope.csv", "--out", "i.csv"],
        2,
        "nope.csv: filen finns inte (ange en befintlig CSV-fil)",
        "file not found (expected an existing CSV file)",
    ),
    "followup trend: unknown level": (
        ["followup", "trend", "--level", "nope"],
        3,
        "datalagret har inga områden på nivån 'nope'",
        "the store holds no areas of level 'nope'",
    ),
    "followup crime: unknown version": (
        ["followup", "crime", "--level", "regso", "--version", "x"],
        3,
        NO_LINKS_SV,
        NO_LINKS_EN,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_parameter_errors_in_swedish_and_english(
    case: str, demo_store: Path, tmp_path: Path, cli: CliRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    args, exit_code, sv, en = CASES[case]
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
