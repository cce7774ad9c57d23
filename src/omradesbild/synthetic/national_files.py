"""Write the SYNTHETIC Sweden as files in the formats of the real sources.

The same writers as the synthetic city: SCB Statistikdatabasen xlsx exports
(:func:`~omradesbild.synthetic.xlsx.scb_table_bytes`, one file per table and year for DeSO
2018 and for DeSO 2025), SCB's DeSO 2018 → RegSO 2020 key, SCB's DeSO 2025 → RegSO 2025 key,
the long CSV of the extra DeSO variables and the surveys, and the Police's crime extracts
(:func:`~omradesbild.synthetic.writers.write_crime`). No polygons. Every xlsx title begins
``SYNTETISKA DATA – Exempelsverige: ``; every kommun, län and RegSO name ends "(syntetisk)";
the folder's README.txt says the data is synthetic. Output is byte-for-byte reproducible.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from omradesbild.sources.deso2025 import KEY2025_COLUMNS
from omradesbild.synthetic.constants import EXTRA_VARIABLES, VARIABLE_UNITS
from omradesbild.synthetic.national import SWEDEN_TITLE_PREFIX, SyntheticSweden
from omradesbild.synthetic.writers import (
    KEY_HEADER,
    _long_csv,
    _write_text,
    write_crime,
    write_year_tables,
)

#: The first footnote of every table.
SWEDEN_NOTE = (
    "SYNTETISKA DATA: påhittade värden för ett fiktivt Sverige (Exempelsverige, länskoder "
    "70-90 som inte finns). Inte statistik från SCB."
)

_README = """SYNTETISKA DATA – Exempelsverige / SYNTHETIC DATA

Every number, code and name in this folder is invented (omradesbild.synthetic.national,
seed {seed}, years {first}-{last}, {n_kommun} kommuner, {n_regso} RegSO, {n_deso} DeSO 2018,
{n_deso2025} DeSO 2025). The län codes 70-90, and so every kommun, RegSO and DeSO code here,
do not exist in Sweden. Nothing here is statistics about a real place.

scb/deso2018_tables_<year>/, scb/deso2025_tables_<year>/
    The 11 SCB DeSO tables per year as Statistikdatabasen xlsx exports.
scb/koppling-deso2018-regso2020.csv, scb/koppling-deso2025-regso2025.csv
    SCB's keys DeSO -> RegSO (with the kommun).
scb/extra_deso_variables.csv
    ekbist_or_longterm_unemployed_20_64 and pop_20_64 per DeSO and year (long CSV).
crime/<offence> brott.csv
    One row per reported offence, in the Police's extract format.
surveys/sverige_surveys.csv
    Safety, trust and victimisation per RegSO (long CSV), in the survey years 2015, 2017,
    2019, 2021 and 2023 that are among the years.
"""


def write_sweden_files(sweden: SyntheticSweden, directory: Path) -> dict[str, Path]:
    """Write the SYNTHETIC Sweden as files in the formats of the real sources.

    Parameters
    ----------
    sweden
        From :func:`~omradesbild.synthetic.national.generate_sweden`.
    directory
        Folder to write into (created if missing; files of the same name are replaced).

    Returns
    -------
    dict[str, pathlib.Path]
        Every file written, keyed like the city's: ``"scb/<table>/<year>"``,
        ``"scb/<table>/<year>/deso2025"``, ``"scb/key"``, ``"scb/key2025"``,
        ``"scb/extra"``, ``"crime/<code>"``, ``"surveys"`` (when a survey year is among the
        years), ``"readme"``.
    """
    directory = Path(directory)
    scb = directory / "scb"
    for d in (scb, directory / "crime", directory / "surveys"):
        d.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    for version, wide in (("deso2018", sweden.deso_stats), ("deso2025", sweden.deso2025_stats)):
        out.update(
            write_year_tables(
                wide, scb, name=f"sverige_{version}", seed=sweden.seed, version=version,
                title_prefix=SWEDEN_TITLE_PREFIX, note=SWEDEN_NOTE,
            )
        )  # fmt: skip
    out.update(_write_keys(sweden, scb))
    extra = wide_to_long(sweden.deso_stats, EXTRA_VARIABLES)
    out["scb/extra"] = _write_text(scb / "extra_deso_variables.csv", _long_csv(extra))
    out.update(write_crime(sweden.crime_reports, directory / "crime"))
    if len(sweden.surveys):  # none when no survey year is among the years
        out["surveys"] = _write_text(
            directory / "surveys" / "sverige_surveys.csv", _long_csv(sweden.surveys)
        )
    readme = _README.format(**_counts(sweden))
    out["readme"] = _write_text(directory / "README.txt", readme)
    return out


def _counts(sweden: SyntheticSweden) -> dict[str, int]:
    """What the README states: seed, first and last year, and the areas of each kind."""
    return {
        "seed": sweden.seed,
        "first": sweden.years[0],
        "last": sweden.years[-1],
        "n_kommun": len(sweden.kommuner),
        "n_regso": len(sweden.regso),
        "n_deso": len(sweden.deso),
        "n_deso2025": len(sweden.deso2025),
    }


def wide_to_long(wide: pd.DataFrame, variables: tuple[str, ...]) -> pd.DataFrame:
    """``area_code, period, variable, value, unit`` of ``variables`` (a suppressed value
    stays missing: the file shows it as SCB's ``..``)."""
    long = wide.melt(id_vars=["area_code", "year"], value_vars=list(variables))
    return pd.DataFrame(
        {
            "area_code": long["area_code"],
            "period": long["year"].astype(str),
            "variable": long["variable"],
            "value": long["value"],
            "unit": long["variable"].map(VARIABLE_UNITS),
        }
    )


def _write_keys(sweden: SyntheticSweden, scb: Path) -> dict[str, Path]:
    """SCB's keys DeSO 2018 → RegSO 2020 and DeSO 2025 → RegSO 2025 (same RegSO codes)."""
    kommun = sweden.kommuner.set_index("area_code")["name"]
    regso = sweden.regso.set_index("area_code")["name"]
    key = sweden.deso.sort_values(["regso_code", "area_code"]).assign(
        kommun_name=lambda f: f["kommun_code"].map(kommun),
        regso_name=lambda f: f["regso_code"].map(regso),
    )
    cols = ["kommun_code", "kommun_name", "area_code", "regso_name", "regso_code"]
    text = _csv_text(KEY_HEADER, key[cols], "\r\n")
    key25 = sweden.deso2025.assign(regso_name=lambda f: f["regso_code"].map(regso))
    cols25 = ["area_code", "regso_code", "regso_name", "kommun_code"]
    text25 = _csv_text(KEY2025_COLUMNS, key25[cols25], "\n")
    return {
        "scb/key": _write_text(scb / "koppling-deso2018-regso2020.csv", text, bom=True),
        "scb/key2025": _write_text(scb / "koppling-deso2025-regso2025.csv", text25, bom=True),
    }


def _csv_text(header: tuple[str, ...], frame: pd.DataFrame, newline: str) -> str:
    """Header and rows joined by commas (no field holds a comma or a quote)."""
    lines = frame.astype(str).agg(",".join, axis=1)
    return newline.join([",".join(header), *lines]) + newline
