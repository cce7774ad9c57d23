"""The command line: help everywhere, --db / $OMRADESBILD_DB, one-line errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from omradesbild.cli.main import app, main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the CLI in-process as the installed entry point would; return (code, out, err)."""
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
    out, err = capsys.readouterr()
    return code, out, err


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
def test_every_command_has_help(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([*path, "--help"], capsys)
    assert code == 0
    assert "Usage" in out
    # Every command says what it does in a sentence of its own.
    cmd: Any = typer.main.get_command(app)
    for name in path:
        cmd = cmd.commands[name]
    assert (cmd.help or "").strip(), f"{' '.join(path)} has no help text"


def test_missing_store_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["summary", "--db", str(tmp_path / "none.duckdb")], capsys)
    assert code == 3
    assert "none.duckdb: no store here" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_db_from_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "env.duckdb"
    monkeypatch.setenv("OMRADESBILD_DB", str(db))
    from omradesbild.store import Store

    Store(db).close()
    code, out, err = run(["summary"], capsys)
    assert code == 0, err
    assert "Observationer: 0" in out
