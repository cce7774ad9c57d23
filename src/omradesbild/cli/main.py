"""The ``omradesbild`` command line: a thin layer over the library.

Every command takes ``--db PATH`` (or ``$OMRADESBILD_DB``; default ``./omradesbild.duckdb``).
Errors the user can fix are printed as one line naming the file, row/field and what was
expected, and the command exits non-zero (2 for bad input or configuration, 3 for store
problems, 4 for network failures). What the parser refuses (an unknown option, a missing
or wrong value …) is worded in both languages too, with exit code 2 (:mod:`.usage`).
"""

from __future__ import annotations

import atexit
import copy
import functools
import gc
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
import typer.main
from typer.models import TyperInfo

from omradesbild.cli.common import DbOption, Period, echo_table, open_store, write_csv
from omradesbild.cli.main_summary import print_summary
from omradesbild.cli.report import report as report_cmd
from omradesbild.cli.serve import serve as serve_cmd
from omradesbild.cli.usage import App
from omradesbild.config import BASE_VERSION
from omradesbild.errors import OmradesbildError
from omradesbild.wording import both


def _new_app(*, add_help_option: bool = True) -> typer.Typer:
    """The top-level app, without commands (plain help: rich is imported only for progress)."""
    return App(
        add_help_option=add_help_option,
        name="omradesbild",
        help=(
            "Områdesbild — en gemensam, objektiv och jämförbar bild av varje område i staden."
            "\n\n"
            "A shared, objective and comparable picture of every area in a Swedish city: ingest "
            "SCB statistics, boundaries, police classifications and crime; compute indicators "
            "and indices; follow them over time."
        ),
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        rich_markup_mode=None,
    )


#: The commands directly under ``omradesbild`` (``report``, ``summary`` …), without the
#: command groups: a top-level command runs from this app, and the groups' modules are
#: imported only by :func:`_full_app`.
commands = _new_app()
commands.command("report")(report_cmd)
commands.command("serve")(serve_cmd)


@functools.cache
def _full_app() -> typer.Typer:
    """The whole app: the top-level commands and every command group (``ingest``,
    ``fetch`` …), whose modules are imported here. Reached as :data:`app`."""
    from omradesbild.cli import analysis as analysis_cmds
    from omradesbild.cli import cache as cache_cmds
    from omradesbild.cli import export as export_cmds
    from omradesbild.cli import fetch as fetch_cmds
    from omradesbild.cli import followup as followup_cmds
    from omradesbild.cli import harmonize as harmonize_cmds
    from omradesbild.cli import ingest as ingest_cmds
    from omradesbild.cli import official as official_cmds  # noqa: F401  (registers its commands)
    from omradesbild.cli import partners as partners_cmds

    full = _new_app()
    full.add_typer(ingest_cmds.app, name="ingest")
    full.add_typer(fetch_cmds.app, name="fetch")
    full.add_typer(analysis_cmds.indicators_app, name="indicators")
    full.add_typer(analysis_cmds.index_app, name="index")
    full.add_typer(harmonize_cmds.app, name="harmonize")
    full.add_typer(export_cmds.app, name="export")
    full.add_typer(partners_cmds.app, name="partners")
    full.add_typer(followup_cmds.app, name="followup")
    full.add_typer(followup_cmds.goals_app, name="goals")
    full.add_typer(cache_cmds.app, name="cache")
    full.registered_commands = commands.registered_commands
    return full


def __getattr__(name: str) -> typer.Typer:
    """``app``: the whole app (:func:`_full_app`), built on first use (PEP 562)."""
    if name == "app":
        return _full_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@commands.command()
def summary(
    db: DbOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="The summary as JSON (the same figures).")
    ] = False,
) -> None:
    """Summarise the store: areas per level and version, variables, periods and sources."""
    from omradesbild.services.store_info import store_summary

    with open_store(db, read_only=True) as store:
        info = store_summary(store)
    if as_json:
        typer.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    print_summary(info)


@commands.command()
def query(
    variable: Annotated[str, typer.Argument(help="Variable id, e.g. pop_total.")],
    period: Period,
    version: Annotated[
        str, typer.Option("--version", help="Area boundary version, e.g. deso2018.")
    ] = BASE_VERSION,
    out: Annotated[Path | None, typer.Option(help="Write CSV here instead of printing.")] = None,
    db: DbOption = None,
) -> None:
    """One variable for every area of one boundary version in one period.

    A period or version without values is an error naming those that have values.
    """
    from omradesbild.services.store_info import variable_values

    with open_store(db, read_only=True) as store:
        df = variable_values(store, variable, period, version=version)
    if out:
        write_csv(df, out)
    else:
        echo_table(df)


@commands.command()
def variables(db: DbOption = None) -> None:
    """List the variables in the store with their labels, units, periods and source tables."""
    from omradesbild.services.store_info import variables as stored_variables

    with open_store(db, read_only=True) as store:
        echo_table(stored_variables(store))


@commands.command()
def sources(db: DbOption = None) -> None:
    """List every ingested source with publisher, table, checksum and time."""
    from omradesbild.services.store_info import sources as stored_sources

    with open_store(db, read_only=True) as store:
        echo_table(stored_sources(store))


@commands.command()
def revisions(
    area_code: Annotated[str, typer.Argument(help="Area code, e.g. 0114C1010.")],
    variable: Annotated[str, typer.Argument(help="Variable id.")],
    period: Annotated[str, typer.Argument(help="Period, e.g. 2022.")],
    db: DbOption = None,
) -> None:
    """Show every stored revision of one observation, oldest first."""
    from omradesbild.services.store_info import revisions as stored_revisions

    with open_store(db, read_only=True) as store:
        echo_table(stored_revisions(store, area_code, variable, period))


@commands.command()
def demo(
    out: Annotated[
        Path, typer.Option(help="Folder for the synthetic source files and outputs.")
    ] = Path("demo-output"),
    db: DbOption = None,
    sweden: Annotated[
        bool,
        typer.Option(
            "--sweden",
            help="Instead: a SYNTHETIC Sweden of --kommuner kommuner (290: 5 984 DeSO, "
            "3 363 RegSO) from --first-year to 2024, without the report site.",
        ),
    ] = False,
    kommuner: Annotated[int, typer.Option(min=1, max=290, help="With --sweden.")] = 290,
    first_year: Annotated[int, typer.Option(min=2000, max=2024, help="With --sweden.")] = 2010,
) -> None:
    """Build a fresh store from the synthetic city Exempelstad (offline) and summarise it."""
    if sweden:
        from omradesbild.cli.demo import run_sweden_demo

        run_sweden_demo(out=out, db=db, kommuner=kommuner, first_year=first_year)
        return
    from omradesbild.cli.demo import run_demo

    run_demo(out=out, db=db)


def app_for(argv: list[str]) -> typer.Typer:
    """The app that runs ``argv``: for a command group (``ingest …``, ``fetch scb …``), an app
    holding only that group, so that only its commands are built (and ``<group> --help``
    answers at once); for a top-level command (``report …``, ``summary …``), an app of the
    top-level commands alone, so that no group's module is imported; for ``--help`` (or no
    argument), the top-level commands and the groups only named, not built; otherwise
    :data:`app`. They parse and run ``argv`` in the same way.

    The groups above the last one, and the top above a top-level command, have no ``--help``
    of their own: ``argv`` goes on past them, so theirs cannot be given, and leaving it out
    spares typer the validation of its unset value (which loads pydantic).
    """
    if argv and argv[0] in _top_level_commands():
        top = _new_app(add_help_option=False)
        top.registered_commands = commands.registered_commands
        return top
    full = _full_app()
    if not argv or argv[0] == "--help":
        top = _new_app()
        top.registered_commands = commands.registered_commands
        top.registered_groups = [_shell(info) for info in full.registered_groups]
        return top
    path: list[TyperInfo] = []
    groups = full.registered_groups
    for name in argv:
        info = next((g for g in groups if g.name == name), None)
        if info is None or info.typer_instance is None:
            break
        path.append(info)
        groups = info.typer_instance.registered_groups
    if not path:
        return full
    slim = parent = _new_app(add_help_option=False)
    for i, info in enumerate(path):
        if i < len(path) - 1:  # keep only the next group, without --help
            info = _shell(info, add_help_option=False)
        parent.registered_groups.append(info)
        assert info.typer_instance is not None
        parent = info.typer_instance
    return slim


def _top_level_commands() -> set[str]:
    """The names of the commands directly under ``omradesbild`` (not in a group)."""
    return {
        info.name or typer.main.get_command_name(info.callback.__name__)
        for info in commands.registered_commands
        if info.callback is not None
    }


def _shell(info: TyperInfo, *, add_help_option: bool = True) -> TyperInfo:
    """A copy of a group without its commands and sub-groups (for its name and help)."""
    assert info.typer_instance is not None
    inner = copy.copy(info.typer_instance)
    inner.registered_commands, inner.registered_groups = [], []
    shell = copy.copy(info)
    shell.typer_instance = inner
    if not add_help_option:
        shell.add_help_option = False
    return shell


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning package errors into one-line messages.

    Without ``argv`` (the installed ``omradesbild`` script, ``python -m
    omradesbild.cli.main``) the process's own arguments are run, and the process leaves its
    objects to the operating system at exit (:func:`_freeze_at_exit`); with ``argv`` (a
    caller in the same process, a test) the collector is left as it is.
    """
    if argv is None:
        atexit.register(_freeze_at_exit)
    args = sys.argv[1:] if argv is None else argv
    try:
        app_for(args)(args=args, prog_name="omradesbild")
    except OmradesbildError as exc:
        typer.secho(f"{both('cli_error')}: {exc}", err=True, fg=typer.colors.RED)
        sys.exit(exc.exit_code)
    except Exception as exc:
        if os.environ.get("OMRADESBILD_DEBUG"):
            raise
        error = f"{type(exc).__name__}: {exc}"
        typer.secho(both("cli_internal_error", error=error), err=True, fg=typer.colors.RED)
        sys.exit(70)


def _freeze_at_exit() -> None:
    """Exempt every object still alive from the cyclic garbage collector (:func:`gc.freeze`)
    as the process ends: the interpreter's last full collections would otherwise scan the
    whole of the command's modules and results (about 0.3 s after a one-city report) only
    to free memory the operating system takes back anyway. Run at exit, after the command
    has returned: its files and the store are closed by then (``with`` blocks), so no
    object left unfreed holds a file that is still being written."""
    gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    main()
