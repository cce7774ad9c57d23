"""Options declared once as a frozen dataclass reach a command as one object (``grouped``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer
from typer.testing import CliRunner

from omradesbild.cli.common import grouped

Name = Annotated[str, typer.Option(help="A name.")]
Loud = Annotated[bool, typer.Option("--loud", help="Shout.")]
Times = Annotated[int, typer.Option(help="How often.")]


@dataclass(frozen=True)
class Voice:
    loud: Loud = False
    times: Times = 1


def _app(received: list[tuple[str, Voice, int]]) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @grouped("voice", Voice)
    def greet(name: Name = "world", *, voice: Voice, last: Times = 0) -> None:
        """Greet someone."""
        received.append((name, voice, last))

    return app


def test_the_fields_arrive_as_one_object_with_their_defaults() -> None:
    received: list[tuple[str, Voice, int]] = []
    runner = CliRunner()
    assert runner.invoke(_app(received), ["--name", "Anna", "--loud"]).exit_code == 0
    assert runner.invoke(_app(received), ["--times", "3", "--last", "2"]).exit_code == 0
    assert received == [("Anna", Voice(loud=True, times=1), 0), ("world", Voice(times=3), 2)]


def test_help_lists_the_fields_where_the_group_stands() -> None:
    out = CliRunner().invoke(_app([]), ["--help"], env={"COLUMNS": "100"}).output
    order = [out.index(option) for option in ("--name", "--loud", "--times", "--last")]
    assert order == sorted(order)
    assert "Shout." in out and "Greet someone." in out
