"""``query``, ``revisions`` and ``summary``: answers from a small store, and clear errors
for what is absent."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

CliRun = Callable[[list[str]], tuple[int, str, str]]

CODES = ["0114A0010", "0114C1010", "0114C1020"]


@pytest.fixture()
def small_db(tmp_path: Path, cli: CliRun) -> Path:
    """A store with SCB's key for three DeSO and pop_total for 2021 and 2022."""
    key = tmp_path / "key.csv"
    rows = [("0114", "Upplands Väsby", c, "Bollstanäs", "0114R001") for c in CODES]
    pd.DataFrame(
        rows, columns=["Kommun", "Kommunnamn", "DeSO_2018", "RegSO_2020", "RegSOkod_2020"]
    ).to_csv(key, index=False, encoding="utf-8-sig")
    table = tmp_path / "pop.csv"
    pd.DataFrame(
        {
            "area_code": CODES * 2,
            "period": ["2021"] * 3 + ["2022"] * 3,
            "variable": "pop_total",
            "value": [100, 200, 300, 110, 210, 310],
            "unit": "antal",
        }
    ).to_csv(table, index=False)
    db = tmp_path / "s.duckdb"
    for args in (["ingest", "scb-key", str(key)], ["ingest", "table", str(table)]):
        code, _, err = cli([*args, "--db", str(db)])
        assert code == 0, err
    return db


def test_query_answers_a_stored_period(small_db: Path, cli: CliRun) -> None:
    code, out, err = cli(["query", "pop_total", "--period", "2022", "--db", str(small_db)])
    assert code == 0, err
    assert "0114C1020" in out and "310.0" in out


def test_query_of_a_period_not_stored_names_the_stored_periods(small_db: Path, cli: CliRun) -> None:
    code, out, err = cli(["query", "pop_total", "--period", "2030", "--db", str(small_db)])
    assert code != 0
    assert "period 2030" in err and "2021, 2022" in err
    assert "Traceback" not in err and out == ""


def test_query_of_a_version_without_values_names_the_versions(small_db: Path, cli: CliRun) -> None:
    args = ["query", "pop_total", "-p", "2022", "--version", "regso2020", "--db", str(small_db)]
    code, _, err = cli(args)
    assert code != 0
    assert "regso2020" in err and "deso2018" in err


def test_revisions_of_a_stored_observation(small_db: Path, cli: CliRun) -> None:
    code, out, err = cli(["revisions", "0114C1010", "pop_total", "2022", "--db", str(small_db)])
    assert code == 0, err
    assert "210.0" in out


@pytest.mark.parametrize(
    ("code_", "period", "expected"),
    [
        ("0180R999", "2022", "area '0180R999' is not in the store"),
        ("0114C1010", "2019", "periods with observations for this area: 2021, 2022"),
    ],
)
def test_revisions_of_nothing_is_a_clear_message(
    small_db: Path, cli: CliRun, code_: str, period: str, expected: str
) -> None:
    code, out, err = cli(["revisions", code_, "pop_total", period, "--db", str(small_db)])
    assert code != 0
    assert expected in err
    assert "Empty DataFrame" not in out + err and "Traceback" not in err


def test_summary_names_the_publishers_in_words(small_db: Path, cli: CliRun) -> None:
    """The summary's sources line lists each publisher with its number of sources, not a
    Python dict ("Källor: 2 {'SCB': 2}" before)."""
    code, out, err = cli(["summary", "--db", str(small_db)])
    assert code == 0, err
    line = next(x for x in out.splitlines() if x.startswith("Källor:"))
    assert "{" not in line and "'" not in line
    assert re.fullmatch(r"Källor: (\d+) \((.+)\) / sources: \1 \(\2\)", line), line


def test_tables_show_lists_as_items_and_no_value_as_a_dash(
    small_db: Path, real_store: Path, cli: CliRun
) -> None:
    """A list in a cell is its items, a cell without a value '–': not Python's reprs
    ``[2022, 2023]``, ``None`` or pandas' ``NaN``."""
    code, out, err = cli(["variables", "--db", str(real_store)])
    assert code == 0, err
    pop = next(line for line in out.splitlines() if line.split()[:1] == ["pop_total"])
    assert re.search(r"2022, 2023 +deso2018 ", pop), pop
    code, query, err = cli(["query", "pop_total", "-p", "2022", "--db", str(small_db)])
    assert code == 0, err
    assert "310.0" in query and query.split("\n")[1].rstrip().endswith("–")
    for text in (out, query):
        assert not re.search(r"\[|\]|\bNone\b|\bNaN\b", text), text


def test_indicator_definition_shows_lists_as_items(cli: CliRun) -> None:
    code, out, err = cli(["indicators", "show", "low_econ_standard"])
    assert code == 0, err
    assert re.search(r"source_tables: 000006TA$", out, re.M)
    assert re.search(r"caveats: SCB publishes", out)
    assert not re.search(r"\[|\]|\bNone\b", out), out
