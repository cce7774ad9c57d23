"""The analyst's tables of the command line are disclosed as every published table is.

``indicators compute`` and ``followup crime`` wrote and printed counts of 1-4 (offences at
DeSO level, e.g.) and the rates computed from them, while the web app's pages and every
export suppress them. Now both apply the same disclosure control (``--threshold``, default
``config.DISCLOSURE_THRESHOLD``): an empty cell with ``masked``/``mask_reason`` in the CSV,
``..`` in the printed table; ``--threshold 1`` suppresses nothing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import run_cli
from omradesbild.config import DISCLOSURE_THRESHOLD

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

INDICATORS = ["indicators", "compute", "--level", "deso", "-p", "2022", "-i", "crime_rate_1210"]
CRIME = ["followup", "crime", "--level", "deso", "--offence", "1210", "--from", "2022"]
CRIME += ["--to", "2022"]


def _small(x: pd.Series) -> pd.Series:
    r = x.round()
    return (r >= 1) & (r <= DISCLOSURE_THRESHOLD - 1)


@pytest.mark.parametrize(
    ("args", "count", "value"),
    [(INDICATORS, "numerator", "value"), (CRIME, "count", "rate_per_1000")],
    ids=["indicators-compute", "followup-crime"],
)
def test_small_counts_are_suppressed_in_the_csv(
    real_store: Path, tmp_path: Path, args: list[str], count: str, value: str
) -> None:
    raw_csv, csv = tmp_path / "raw.csv", tmp_path / "shown.csv"
    run_cli([*args, "--threshold", "1", "--out", str(raw_csv), "--db", str(real_store)])
    run_cli([*args, "--out", str(csv), "--db", str(real_store)])
    raw = pd.read_csv(raw_csv, dtype={"area_code": str})
    shown = pd.read_csv(csv, dtype={"area_code": str})
    assert _small(raw[count]).sum() > 100  # real DeSO with 1-4 offences in 2022
    assert not _small(shown[count]).any()
    assert list(shown["area_code"]) == list(raw["area_code"])  # no row dropped
    hidden = _small(raw[count])
    assert shown.loc[hidden, count].isna().all() and shown.loc[hidden, value].isna().all()
    assert shown.loc[hidden, "masked"].all()
    assert shown.loc[~hidden & raw[count].notna(), count].notna().all()


def test_the_printed_table_writes_the_suppression_symbol(
    real_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The printed table writes '..' for a suppressed count, not '–' (no value)."""
    run_cli([*INDICATORS, "--db", str(real_store)])
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if " crime_rate_1210 " in line]
    assert rows and any(".." in r for r in rows)
    run_cli([*INDICATORS, "--threshold", "1", "--db", str(real_store)])
    assert " .. " not in capsys.readouterr().out
