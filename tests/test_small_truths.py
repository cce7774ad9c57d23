"""Small checks: the police layer's year against its own dates, and --areas A B C."""

from __future__ import annotations

from pathlib import Path

import pytest

from omradesbild.cli.report import area_codes
from omradesbild.errors import InputError
from omradesbild.sources.police import YEAR_WARNING, aktualitet_warning


def test_aktualitet_warning() -> None:
    dates = ["2021-12-01", "2023-12-01", None, "2019-06-01"]
    assert aktualitet_warning(dates, year=2023) is None
    early = aktualitet_warning(dates, year=2021)
    assert early is not None and early.startswith(YEAR_WARNING)
    assert "2023-12-01" in early and "after the year given" in early
    assert "stämmer inte med filens AKTUALITET" in early and "efter det angivna året" in early
    late = aktualitet_warning(dates, year=2025)
    assert late is not None and "2023 publication" in late and "2023 års publicering" in late
    assert aktualitet_warning([None, ""], year=2025) is None


@pytest.mark.realdata
def test_police_areas_year_warning_on_real_file(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from omradesbild.cli.main import main

    shp = shared_data / "police/uso_2023/uso_2023.shp"
    db = str(tmp_path / "p.duckdb")
    for year, warned in ((2023, False), (2021, True)):
        with pytest.raises(SystemExit) as exc:
            main(["ingest", "police-areas", str(shp), "--year", str(year), "--db", db])
        assert exc.value.code in (0, None)
        err = capsys.readouterr().err
        assert (YEAR_WARNING in err) is warned, err


def test_report_areas_several_after_one_flag() -> None:
    assert area_codes(["0180R001"], ["0180R002", "0180R003"]) == [
        "0180R001",
        "0180R002",
        "0180R003",
    ]
    assert area_codes(["0180R001,0180R002", "0180R001"], None) == ["0180R001", "0180R002"]
    assert area_codes(None, None) is None
    with pytest.raises(InputError, match="unexpected argument"):
        area_codes(None, ["0180R001"])


def test_report_cli_accepts_codes_after_one_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from omradesbild.cli.main import main

    with pytest.raises(SystemExit):
        main(["report", "--areas", "0180R001", "0180R002", "--db", str(tmp_path / "no.duckdb")])
    err = capsys.readouterr().err
    assert "no store here" in err  # the arguments parsed; only the store is missing
    assert "unexpected" not in err.lower()
