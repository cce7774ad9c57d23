"""``omradesbild followup …`` and ``goals status`` on the synthetic city and on real data."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pandas as pd
import pytest
import typer

from omradesbild.cli import followup as followup_cmds
from omradesbild.errors import OmradesbildError
from omradesbild.rounding import round_half_away_number


def _app() -> typer.Typer:
    """The two apps registered as in cli/main.py (``followup`` and ``goals``)."""
    from omradesbild.cli import main as main_mod

    names = {g.name for g in main_mod.app.registered_groups}
    if {"followup", "goals"} <= names:
        return main_mod.app
    app = typer.Typer(pretty_exceptions_enable=False)
    app.add_typer(followup_cmds.app, name="followup")
    app.add_typer(followup_cmds.goals_app, name="goals")
    return app


def _exit_code(args: list[str]) -> int:
    """Run like ``omradesbild.cli.main.main``: package errors become one line and a code."""
    try:
        _app()(args, prog_name="omradesbild")
        return 0
    except SystemExit as exc:
        return int(exc.code or 0)
    except OmradesbildError as exc:
        print(f"fel/error: {exc}", file=sys.stderr)
        return exc.exit_code


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``args``; return the exit code, stdout and stderr."""
    code = _exit_code(args)
    out, err = capsys.readouterr()
    return code, out, err


def run_once(args: list[str], db: Path, out: Path) -> str:
    """:func:`run_ok` for a module's fixture (which has no capsys): the output caught by
    redirecting the streams."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        code = _exit_code([*args, "--db", str(db), "--out", str(out)])
    assert code == 0, stderr.getvalue()
    return stdout.getvalue()


def run_ok(args: list[str], db: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``args`` with ``--db db --out out`` appended, assert success, return stdout."""
    code, stdout, err = run([*args, "--db", str(db), "--out", str(out)], capsys)
    assert code == 0, err
    return stdout


@pytest.fixture(scope="module")
def demo_db(demo_store: Path) -> Path:
    return demo_store


#: ``followup change`` of every RegSO of the synthetic city, 2018 to 2024.
CHANGE = ["followup", "change", "--level", "regso", "--from", "2018", "--to", "2024"]
CHANGE += ["-i", "not_employed_16_64", "-i", "median_income"]


@pytest.fixture(scope="module")
def change_every(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """:data:`CHANGE` run once for the module: its stdout and its table."""
    out = tmp_path_factory.mktemp("change") / "change.csv"
    return run_once(CHANGE, demo_db, out), out


@pytest.fixture(scope="module")
def goals_every(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """``goals status --level regso`` run once for the module: its stdout and its table."""
    out = tmp_path_factory.mktemp("goals") / "goals.csv"
    return run_once(["goals", "status", "--level", "regso"], demo_db, out), out


# ----------------------------------------------------------------------------- synthetic


def test_change_against_kommun_and_country(change_every: tuple[str, Path]) -> None:
    stdout, out = change_every
    assert "Riket" in stdout and "improving" in stdout
    df = pd.read_csv(out)
    assert len(df) == 45 * 2
    emp = df.loc[df["indicator"] == "not_employed_16_64"]
    assert (emp["test"] == "two_proportion_z").all()
    # the city is one kommun: every RegSO's kommun diff is the same, and equals the
    # country's (the store holds only the city)
    assert emp["kommun_diff"].nunique() == 1
    assert emp["kommun_diff"].iloc[0] == pytest.approx(emp["country_diff"].iloc[0])
    assert (emp["diff_vs_kommun"] == emp["diff"] - emp["kommun_diff"]).all()
    sig = emp.loc[emp["significant"]]
    assert len(sig) > 0
    assert ((sig["diff_ci_low"] > 0) | (sig["diff_ci_high"] < 0)).all()
    med = df.loc[df["indicator"] == "median_income"]
    assert med["test"].isna().all()  # medians: difference, no test
    assert set(emp["vs_kommun"].dropna()) <= {"higher", "lower", "similar"}


def test_change_errors(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["followup", "change", "--level", "regso", "--db", str(demo_db)]
    code, _, err = run([*base, "--from", "2010", "--to", "2024"], capsys)
    assert code == 3 and "2010" in err and "2012" in err
    code, _, err = run([*base, "--from", "2018", "--to", "2024", "-i", "nope"], capsys)
    assert code == 2 and "--indicator" in err and "nope" in err


def test_trend(demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "trend.csv"
    args = ["followup", "trend", "--level", "regso", "-i", "not_employed_16_64"]
    args += ["--from", "2015", "--to", "2024"]
    run_ok(args, demo_db, out, capsys)
    df = pd.read_csv(out, dtype={"period_first": str, "period_last": str})
    assert len(df) == 45
    assert (df["n_periods"] == 10).all()
    assert (df["period_first"] == "2015").all() and (df["period_last"] == "2024").all()
    assert set(df["direction"]) <= {"improving", "worsening", "stable"}
    lo, hi = df["slope_ci_low"], df["slope_ci_high"]
    assert ((lo <= df["slope"]) & (df["slope"] <= hi)).all()


def test_transitions_relative_and_anchored(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "moves.csv"
    args = ["followup", "transitions", "--method", "scb-omradestyp", "--level", "regso"]
    args += ["--from", "2012", "--to", "2024", "--anchored"]
    stdout = run_ok(args, demo_db, out, capsys)
    assert "relative" in stdout and "anchored at 2012" in stdout
    moves = pd.read_csv(out)
    assert len(moves) == 45
    for sfx in ("", "_anchored"):
        steps = moves[f"class_to{sfx}"] - moves[f"class_from{sfx}"]
        assert (steps == moves[f"steps{sfx}"]).all()  # higher type = better conditions
    # anchored at the base period: the base-year classes are the same under both
    assert (moves["class_from"] == moves["class_from_anchored"]).all()
    code, _, err = run([*args[:6], "--from", "2011", "--to", "2024", "--db", str(demo_db)], capsys)
    assert code == 3 and "2011" in err


def test_police_synthetic(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "police.csv"
    args = ["followup", "police", "--level", "regso", "--period", "2024"]
    args += ["--police-year", "2025"]
    run_ok(args, demo_db, out, capsys)
    tab = pd.read_csv(out, dtype={"period": str})
    assert (tab.groupby("period")["n_areas"].sum() == 45).all()
    flags = pd.read_csv(tmp_path / "police_flags.csv", dtype={"period": str})
    now = flags.loc[flags["period"] == "2025"]
    assert len(now) == 45
    assert now["flag"].notna().any()
    code, _, err = run([*args[:6], "--police-year", "2014", "--db", str(demo_db)], capsys)
    assert code == 3 and "2015" in err  # names the years that exist


def test_crime_rates_and_underreporting(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "crime.csv"
    args = ["followup", "crime", "--level", "regso", "--offence", "1211", "--from", "2015"]
    stdout = run_ok(args, demo_db, out, capsys)
    assert "not an estimate of the dark figure" in stdout
    df = pd.read_csv(out, dtype={"period": str, "offence": str})
    assert set(df["offence"]) == {"1211"}
    assert df["period"].min() == "2015"
    shown = ~df["masked"]  # small counts suppressed, with their rates (as on the web)
    assert shown.any() and df.loc[~shown, "rate_per_1000"].isna().all()
    expected = (1000 * df.loc[shown, "count"] / df.loc[shown, "population"]).to_numpy()
    assert df.loc[shown, "rate_per_1000"].to_numpy() == pytest.approx(expected)
    under = pd.read_csv(tmp_path / "crime_underreporting.csv", dtype={"period": str})
    assert set(under["period"]) == {"2015", "2017", "2019", "2021", "2023"}
    assert under["caveat"].str.contains("dark figure").all()
    code, _, err = run([*args[:4], "--offence", "9999", "--db", str(demo_db)], capsys)
    assert code == 2 and "1211" in err


def test_crime_kommun_has_not_geocoded(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "k.csv"
    args = ["followup", "crime", "--level", "kommun", "--from", "2024", "--to", "2024"]
    run_ok(args, demo_db, out, capsys)
    df = pd.read_csv(out, dtype={"area_code": str})
    assert set(df["area_code"]) == {"9999"}
    assert "not_geocoded" in df.columns and df["not_geocoded"].sum() > 0


def test_goals_status(
    goals_every: tuple[str, Path],
    demo_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stdout, out = goals_every
    df = pd.read_csv(out)
    assert list(df["goal_id"]) == [
        "no_sarskilt_utsatt_2030",
        "no_regso_type1_2030",
        "halve_employment_gap_2030",
    ]
    assert set(df["status"]) <= {"on_track", "off_track", "insufficient_data"}
    assert (df["projection_low"] <= df["projection"]).all()
    assert (df["projection"] <= df["projection_high"]).all()
    gap = df.set_index("goal_id").loc["halve_employment_gap_2030"]
    assert gap["target"] == pytest.approx(gap["base"] / 2)
    assert "historik" in stdout
    # The table shows a goal's figures at its precision (the gap in a share: one decimal),
    # rounded as the goals page rounds them; the CSV keeps every digit.
    line = next(x for x in stdout.splitlines() if x.startswith("halve_employment_gap_2030 "))
    figures = re.findall(r"-?\d+\.\d+", line)
    assert len(figures) >= 5 and all(len(f.split(".")[1]) == 1 for f in figures), line
    assert f"{round_half_away_number(gap['projection'], 1):.1f}" in figures
    bad = tmp_path / "bad.yaml"
    bad.write_text("goals:\n  - id: g1\n    kind: gap\n", encoding="utf-8")
    code, _, err = run(["goals", "status", "--file", str(bad), "--db", str(demo_db)], capsys)
    assert code == 2 and "g1" in err and "bad.yaml" in err


def test_change_for_one_kommun(
    demo_db: Path,
    change_every: tuple[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = [*CHANGE, "--db", str(demo_db)]
    every, own = change_every[1], tmp_path / "own.csv"
    code, stdout, err = run([*base, "--kommun", "9999", "--out", str(own)], capsys)
    assert code == 0, err
    assert "kommun 9999" in stdout
    a, b = (pd.read_csv(p, dtype={"area_code": str}) for p in (every, own))
    pd.testing.assert_frame_equal(a, b)  # the synthetic city is one kommun
    code, _, err = run([*base, "--kommun", "0180"], capsys)
    assert code == 3 and "kommun 0180" in err
    code, _, err = run([*base, "--kommun", "Stockholm"], capsys)
    assert code == 2 and "--kommun" in err


def test_goals_status_for_one_kommun(
    goals_every: tuple[str, Path],
    capsys: pytest.CaptureFixture[str],
    demo_db: Path,
    tmp_path: Path,
) -> None:
    base = ["goals", "status", "--level", "regso", "--db", str(demo_db)]
    every, own = goals_every[1], tmp_path / "own.csv"
    code, _, err = run([*base, "--kommun", "9999", "--out", str(own)], capsys)
    assert code == 0, err
    a, b = (pd.read_csv(p).set_index("goal_id") for p in (every, own))
    # Police polygons carry no kommun: they are placed through the kommun's DeSO polygons.
    pd.testing.assert_frame_equal(a, b)
    assert (a.loc[["no_sarskilt_utsatt_2030", "no_regso_type1_2030"], "current"] > 0).all()
    code, _, err = run([*base, "--kommun", "0180"], capsys)
    assert code == 3 and "no areas of kommun 0180" in err


def test_demo_followup(demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from omradesbild.services.followup import demo_followup
    from omradesbild.store import Store

    with Store(demo_db, read_only=True) as store:
        res = demo_followup(store, tmp_path)
    for name in ("transitions_relative", "transitions_anchored", "police_flags", "goals_status"):
        assert (tmp_path / f"followup_{name}.csv").exists()
    rel = res["transitions_relative"].set_index("class_from")
    assert rel.loc["total", "total"] == 45
    flags = res["police_flags"]
    assert set(flags["period"]) == {"2025"}
    assert flags["flag"].notna().all() and len(flags) > 0
    assert len(res["goals_status"]) == 3
    followup_cmds.print_demo_followup(res)
    stdout = capsys.readouterr().out
    assert "anchored at the first year" in stdout and "(a)" in stdout


# ----------------------------------------------------------------------------- real data


PoliceRun = Callable[[str], tuple[str, pd.DataFrame, pd.DataFrame]]


@pytest.fixture()
def police_real(real_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> PoliceRun:
    """Run ``followup police`` for 2022 / police year 2023 at a level (its table written to
    ``tmp_path/p.csv``); return stdout, table, listed rows.

    Checks what holds at every level: listed areas of type 1-2 exist (the list and the
    area types largely agree).
    """

    def run(level: str) -> tuple[str, pd.DataFrame, pd.DataFrame]:
        out = tmp_path / "p.csv"
        args = ["followup", "police", "--level", level, "--period", "2022"]
        stdout = run_ok([*args, "--police-year", "2023"], real_store, out, capsys)
        tab = pd.read_csv(out, dtype={"period": str})
        listed = tab.loc[tab["category"] != "not_listed"]
        assert listed.loc[listed["area_type"] <= 2, "n_areas"].sum() > 0
        return stdout, tab, listed

    return run


@pytest.mark.realdata
def test_police_real_deso(police_real: PoliceRun, tmp_path: Path) -> None:
    stdout, tab, listed = police_real("deso")
    assert "only 1287 of 5984 DeSO have polygons" in stdout
    assert {"sarskilt_utsatt", "utsatt", "risk"} <= set(tab["category"])
    assert tab["n_areas"].sum() == 1287
    su = listed.loc[listed["category"] == "sarskilt_utsatt"]
    assert su.loc[su["area_type"] <= 2, "n_areas"].sum() > su["n_areas"].sum() / 2
    flags = pd.read_csv(tmp_path / "p_flags.csv", dtype={"area_code": str})
    assert len(flags) == 1287
    assert flags["vulnerable_never_listed"].sum() > 0
    assert flags["listed_not_vulnerable"].sum() > 0
    assert not flags["left_list_still_vulnerable"].any()  # one police year only
    assert flags["area_code"].str.match(r"^01\d{2}").all()  # Stockholms län


@pytest.mark.realdata
def test_police_real_regso(police_real: PoliceRun) -> None:
    stdout, tab, _ = police_real("regso")
    assert "of 3363 RegSO" in stdout
    n = tab["n_areas"].sum()
    assert 400 < n < 3363
    # population sums to the DeSO population of the covered RegSO
    assert tab["population"].sum() > 1_000_000


def test_change_from_a_year_without_values_is_an_error_on_real_data(
    real_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real store holds no indicator value of any RegSO in 2019 but the crime rates of
    offence years the Police's extract does not cover (left out by default): the change
    2019 → 2022 is an error naming the year and the way to keep those rates, not a table of
    50 445 rows that each say "no value in 2019" (before). With them kept it is the table,
    and its empty part says so in words, not as pandas' "Empty DataFrame"."""
    base = ["followup", "change", "--level", "regso", "--to", "2022", "--db", str(real_store)]
    code, out, err = run([*base, "--from", "2019"], capsys)
    assert code == 3 and out == "", out
    assert "inga värden att jämföra på nivån regso utom brottstal för 2019, år som" in err
    assert "--include-incomplete keeps them" in err and "Traceback" not in err
    code, out, err = run([*base, "--from", "2019", "--include-incomplete"], capsys)
    assert code == 0, err
    assert "Förändring 2019 → 2022" in out and "Empty DataFrame" not in out
    assert "Signifikanta förändringar / significant changes:\n(inga rader) / (no rows)" in out


def test_goals_without_enough_points_show_no_projection_on_real_data(
    real_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On the real data every goal has one or two points: each is "insufficient data", and
    none shows a projection beside it (it showed 24 särskilt utsatta områden in 2030, a line
    through 2023 and 2025, and 160 RegSO of type 1, the one value of 2022 carried on)."""
    out = tmp_path / "goals.csv"
    run_ok(["goals", "status", "--level", "regso"], real_store, out, capsys)
    df = pd.read_csv(out)
    assert len(df) == 3 and (df["status"] == "insufficient_data").all()
    assert df[["projection", "projection_low", "projection_high"]].isna().all().all()
    assert (df["n_points"] <= 2).all()


def test_goal_history_is_written_at_the_goals_decimals_and_an_empty_one_says_so(
    real_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A history value of 1 234 read '1.23e+03' (Python's '.3g'), and a goal with no value
    in its history (the real data's Bollnäs, 2183, for the police-list goal) printed an
    empty 'historik / history: '."""
    from types import SimpleNamespace

    from omradesbild.cli.followup import GOAL_COLUMNS, print_goals

    status = pd.DataFrame([{c: None for c in GOAL_COLUMNS} | {"goal_id": "g"}])
    status["title"], status["reasoning"] = "Goal", "…"
    status.attrs["decimals"] = {"g": SimpleNamespace(observed=0, target=0, projection=0)}
    history = pd.DataFrame({"period": ["2022", "2023"], "value": [1234.4, 12345.5]})
    capsys.readouterr()
    print_goals(status, {"g": history})
    assert "historik / history: 2022: 1234, 2023: 12346\n" in capsys.readouterr().out

    code, out, err = run(["goals", "status", "--kommun", "2183", "--db", str(real_store)], capsys)
    assert code == 0, err
    assert "historik / history: –\n  inga värden i historiken" in out
    assert "history: \n" not in out


def test_change_of_kommuner_runs_without_a_kommun_table(
    real_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'followup change --level kommun' stopped with an internal error (KeyError
    'kommun_code': a kommun's table has no kommun column); it prints the change of the 290
    kommuner and the country's, without a table of each area's kommun."""
    args = ["followup", "change", "--level", "kommun", "--from", "2020", "--to", "2023"]
    code, out, err = run([*args, "-i", "crime_rate_1311", "--db", str(real_store)], capsys)
    assert code == 0, err
    assert "Förändring 2020 → 2023, kommun, 290 rader" in out
    assert "Riket (alla områden i databasen) / Sweden (every area in the store):" in out
    assert "Kommunen / the municipality" not in out
