"""The command line's usage errors (what typer refuses before a command runs) read as every
other error of the command line: ``fel / error: <svenska> / <English>``, after the usage
line and the help hint in both languages, on stderr, with exit code 2.

No case needs a store: each is refused while the command line is parsed.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

import pytest
import typer

from omradesbild.cli.usage import App
from omradesbild.wording import THIN_SPACE

if TYPE_CHECKING:
    from conftest import CliRun

COMMANDS_TOP = (
    "report, serve, summary, query, variables, sources, revisions, demo, ingest, fetch, "
    "indicators, index, harmonize, export, partners, followup, goals, cache"
)
COMMANDS_SCB = "tables, table, boundaries"

#: id -> (arguments, the command's path in the usage line, Swedish, English)
CASES: dict[str, tuple[list[str], str, str, str]] = {
    "unknown option, with the close ones": (
        ["report", "--nope"],
        "report",
        "okänt alternativ '--nope'; menade du --no-partners, --no-pdf?",
        "no such option: '--nope'; did you mean --no-partners, --no-pdf?",
    ),
    "unknown short option": (
        ["report", "-z"],
        "report",
        "okänt alternativ '-z'",
        "no such option: '-z'",
    ),
    "option without its value": (
        ["report", "--draws"],
        "report",
        "alternativet --draws behöver ett värde",
        "option --draws requires a value",
    ),
    "flag given a value": (
        ["summary", "--json=x"],
        "summary",
        "alternativet --json tar inget värde",
        "option --json does not take a value",
    ),
    "missing option": (
        ["query", "pop_total"],
        "query",
        "alternativet --period saknas",
        "missing option --period",
    ),
    "missing argument": (
        ["query", "-p", "2022"],
        "query",
        "argumentet variable saknas",
        "missing argument variable",
    ),
    "not a whole number": (
        ["report", "--draws", "x"],
        "report",
        "--draws 'x' är inget heltal",
        "--draws 'x' is not a whole number",
    ),
    "not a number": (
        ["followup", "change", "--confidence", "x"],
        "followup change",
        "--confidence 'x' är inget tal",
        "--confidence 'x' is not a number",
    ),
    "below the least value": (
        ["report", "--draws", "-3"],
        "report",
        "--draws '-3' är för litet: ange minst 0",
        "--draws '-3' is too small: give at least 0",
    ),
    "outside both bounds": (
        ["demo", "--kommuner", "300"],
        "demo",
        "--kommuner '300' ligger utanför gränserna: ange ett tal från 1 till 290",
        "--kommuner '300' is out of range: give a number from 1 to 290",
    ),
    "a year outside its bounds": (
        ["demo", "--first-year", "1999"],
        "demo",
        "--first-year '1999' ligger utanför gränserna: ange ett tal från 2000 till 2024",
        "--first-year '1999' is out of range: give a number from 2000 to 2024",
    ),
    "unknown command": (
        ["nope"],
        "",
        f"okänt kommando 'nope'; kommandona är {COMMANDS_TOP}",
        f"no such command 'nope'; the commands are {COMMANDS_TOP}",
    ),
    "unknown command, like a known one": (
        ["ingesst"],
        "",
        "okänt kommando 'ingesst'; menade du 'ingest'?",
        "no such command 'ingesst'; did you mean 'ingest'?",
    ),
    "unknown command of a group in a group": (
        ["fetch", "scb", "nope"],
        "fetch scb",
        f"okänt kommando 'nope'; kommandona är {COMMANDS_SCB}",
        f"no such command 'nope'; the commands are {COMMANDS_SCB}",
    ),
    "missing command": (
        ["fetch", "scb", "--"],
        "fetch scb",
        f"ett kommando saknas; kommandona är {COMMANDS_SCB}",
        f"missing command; the commands are {COMMANDS_SCB}",
    ),
    "extra arguments": (
        ["summary", "x", "y"],
        "summary",
        "oväntade argument: x y",
        "unexpected extra argument(s): x y",
    ),
    "extra arguments of a group without commands": (
        ["export", "--period", "2022", "--out", "x", "y"],
        "export",
        "oväntade argument: y",
        "unexpected extra argument(s): y",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_usage_errors_in_swedish_and_english(case: str, cli: CliRun) -> None:
    args, path, sv, en = CASES[case]
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
