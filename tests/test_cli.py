"""The command line: help everywhere, --db / $OMRADESBILD_DB, one-line errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import CliRun

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from omradesbild.cli.main import app


def _commands(cmd: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    if hasattr(cmd, "commands"):
        for name, sub in cmd.commands.items():
            yield from _commands(sub, (*path, name))


ALL_COMMANDS = list(_commands(typer.main.get_command(app)))


def test_there_are_commands() -> None:
    assert ("ingest", "scb-xlsx") in ALL_COMMANDS
    assert ("summary",) in ALL_COMMANDS


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda p: " ".join(p) or "omradesbild")
def test_every_command_has_help(path: tuple[str, ...], cli: CliRun) -> None:
    code, out, _ = cli([*path, "--help"])
    assert code == 0
    assert "Usage" in out
    # Every command says what it does in a sentence of its own.
    cmd: Any = typer.main.get_command(app)
    for name in path:
        cmd = cmd.commands[name]
    assert (cmd.help or "").strip(), f"{' '.join(path)} has no help text"


def test_missing_store_is_a_one_line_error(tmp_path: Path, cli: CliRun) -> None:
    code, _, err = cli(["summary", "--db", str(tmp_path / "none.duckdb")])
    assert code == 3
    assert "none.duckdb: no store here" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_db_from_environment(tmp_path: Path, cli: CliRun, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "env.duckdb"
    monkeypatch.setenv("OMRADESBILD_DB", str(db))
    from omradesbild.store import Store

    Store(db).close()
    code, out, err = cli(["summary"])
    assert code == 0, err
    assert "Observationer: 0" in out


#: Commands with a number of Monte-Carlo draws, given a negative one.
NEGATIVE_DRAWS = [
    ["report", "--level", "regso", "--draws", "-3", "--no-pdf", "-q"],
    ["index", "compute", "--method", "scb-omradestyp", "--period", "2024", "--uncertainty", "-3"],
    [
        *("index", "compare-official", "--method", "scb-omradestyp", "--level", "regso"),
        *("--period", "2024", "--draws", "-3"),
    ],
]


@pytest.mark.parametrize("args", NEGATIVE_DRAWS)
def test_a_negative_number_of_draws_is_refused(
    args: list[str], demo_store: Path, tmp_path: Path, cli: CliRun
) -> None:
    """0 draws means none; a negative number is an error, not a run without draws."""
    out = tmp_path / "out"
    code, _, err = cli([*args, "--out", str(out), "--db", str(demo_store)])
    assert code == 2
    option = next(a for a in args if a in ("--draws", "--uncertainty"))
    assert err.rstrip("\n").split("\n")[-1] == (
        f"fel / error: {option} '-3' är för litet: ange minst 0 / "
        f"{option} '-3' is too small: give at least 0"
    )
    assert not out.exists()
