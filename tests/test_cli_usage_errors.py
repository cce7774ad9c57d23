"""The command line's usage errors (what typer refuses before a command runs) read as every
other error of the command line: ``fel / error: <svenska> / <English>``, after the usage
line and the help hint in both languages, on stderr, with exit code 2 (the cases of
commands of the command line are in ``data/cli_usage_errors.toml``).

No case needs a store: each is refused while the command line is parsed.
"""

from __future__ import annotations

import enum
import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pytest
import typer

from helpers import read_cases
from omradesbild.cli.usage import App
from omradesbild.wording import THIN_SPACE

if TYPE_CHECKING:
    from conftest import CliRun

COMMANDS_TOP = (
    "report, serve, summary, query, variables, sources, revisions, demo, ingest, fetch, "
    "indicators, index, harmonize, export, partners, followup, goals, cache"
)
COMMANDS_SCB = "tables, table, boundaries"

#: The cases, in data/cli_usage_errors.toml: arguments, the command's path in the usage line,
#: Swedish, English.
USAGE_ERRORS = read_cases(
    "cli_usage_errors", commands_top=COMMANDS_TOP, commands_scb=COMMANDS_SCB
).cases


@pytest.mark.parametrize("case", list(USAGE_ERRORS))
def test_usage_errors_in_swedish_and_english(case: str, cli: CliRun) -> None:
    args, path, sv, en = (USAGE_ERRORS[case][k] for k in ("args", "command", "sv", "en"))
    code, out, err = cli(args)
    assert code == 2
    assert out == ""
    command = " ".join(("omradesbild", path)).strip()
    lines = err.rstrip("\n").split("\n")
    assert lines[0].startswith(f"Användning / Usage: {command} [OPTIONS]")
    hint = f"'{command} --help'"
    assert f"Se {hint} för hjälp. / Try {hint} for help." in lines
    assert lines[-2] == ""
    assert lines[-1] == f"fel / error: {sv} / {en}"


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


def _small_app() -> App:
    """An app of one command with a choice and a number with bounds that are not whole
    (the command line itself has none)."""
    small = App(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)

    @small.command()
    def paint(
        colour: Annotated[Colour, typer.Option()] = Colour.RED,
        share: Annotated[float, typer.Option(min=0.5, max=12_000.5)] = 1.0,
    ) -> None:
        """Paint."""

    @small.command()
    def other() -> None:
        """Another command, so that the app is a group."""

    @small.command()
    def interrupted() -> None:
        """A command the user breaks off with Ctrl-C."""
        raise KeyboardInterrupt

    @small.command()
    def ask() -> None:
        """A command that asks for a word (Ctrl-D: the end of its input)."""
        typer.prompt("ord / word")

    return small


@pytest.mark.parametrize(
    ("args", "sv", "en"),
    [
        (
            ["paint", "--colour", "green"],
            "--colour 'green' är inget av valen red, blue",
            "--colour 'green' is not one of the choices red, blue",
        ),
        (
            ["paint", "--share", "0.1"],
            f"--share '0.1' ligger utanför gränserna: ange ett tal från 0,5 till "
            f"12{THIN_SPACE}000,5",
            "--share '0.1' is out of range: give a number from 0.5 to 12,000.5",
        ),
    ],
    ids=["not among the choices", "numbers of the bounds in each language"],
)
def test_choices_and_bounds_in_swedish_and_english(
    args: list[str], sv: str, en: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        _small_app()(args=args, prog_name="small")
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Användning / Usage: small {args[0]} [OPTIONS]\n")
    assert err.rstrip("\n").split("\n")[-1] == f"fel / error: {sv} / {en}"


def test_a_group_without_arguments_still_shows_its_help(cli: CliRun) -> None:
    code, _, err = cli(["ingest"])
    assert code == 2
    assert err.startswith("Usage: omradesbild ingest [OPTIONS] COMMAND [ARGS]...")
    assert "fel / error" not in err


def test_every_command_and_group_words_its_usage_errors() -> None:
    """Every command of the command line is a :class:`~omradesbild.cli.usage.Command` and
    every group a :class:`~omradesbild.cli.usage.Group`."""
    import typer.main

    from omradesbild.cli.main import app
    from omradesbild.cli.usage import Command, Group

    def walk(cmd: object, path: str) -> Iterator[tuple[str, object]]:
        yield path, cmd
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, f"{path} {name}")

    found = dict(walk(typer.main.get_command(app), "omradesbild"))
    assert len(found) > 50
    plain = [p for p, c in found.items() if not isinstance(c, Command | Group)]
    assert plain == []


@pytest.mark.parametrize("command", ["interrupted", "ask"])
def test_a_command_broken_off_ends_in_both_languages(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C in a command, or Ctrl-D at its prompt: typer's "Aborted!" is worded by the
    catalogue, exit code 1 as before."""
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(SystemExit) as exc:
        _small_app()(args=[command], prog_name="small")
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert err.rstrip("\n").split("\n")[-1] == "avbrutet / aborted"
    assert "Aborted" not in err


def test_the_admin_prompt_broken_off_makes_nothing(
    cli: CliRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_off(*args: object, **kwargs: object) -> str:
        raise typer.Abort  # what typer's prompt raises at Ctrl-C or Ctrl-D

    pytest.importorskip("sqlalchemy")
    monkeypatch.setattr(typer, "prompt", broken_off)
    monkeypatch.delenv("OMRADESBILD_ADMIN_PASSWORD", raising=False)
    url = f"sqlite:///{tmp_path / 'partners.sqlite'}"
    args = ["partners", "create-admin", "--email", "chef@stad.se", "--organisation", "Stad"]
    code, out, err = cli([*args, "--partners-url", url])
    assert (code, err.rstrip("\n").split("\n")[-1]) == (1, "avbrutet / aborted")
    assert "Aborted" not in out + err
    assert not (tmp_path / "partners.sqlite").exists()
