"""The command line starts light: heavy libraries load only when a command needs them.

Structural tests, not timings (those are in ``benchmarks/bench_cli.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import CliRun

import pytest
import typer.main

from omradesbild.cli.main import app, app_for

#: Libraries that the command modules import only inside the commands.
#: (pydantic: typer loads it to check an option's value, the unset ``--help`` of a group above
#: the command included.)
HEAVY = (
    "pandas",
    "numpy",
    "duckdb",
    "geopandas",
    "shapely",
    "pyogrio",
    "pyarrow",
    "rich",
    "pydantic",
)

_PROBE = """
import json, sys
import omradesbild.cli.main as m
loaded_by_import = sorted(set(HEAVY) & set(sys.modules))
codes = {}
for path in PATHS:
    try:
        m.main([*path, "--help"])
        codes[" ".join(path)] = 0
    except SystemExit as exc:
        codes[" ".join(path)] = exc.code
print(json.dumps({"import": loaded_by_import, "help": sorted(set(HEAVY) & set(sys.modules)),
                  "codes": codes}))
"""


def _groups(cmd: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The command paths of the main app and of every group and sub-group."""
    if not hasattr(cmd, "commands"):
        return []
    out = [path]
    for name, sub in cmd.commands.items():
        out += _groups(sub, (*path, name))
    return out


def _commands(cmd: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [path]
    for name, sub in getattr(cmd, "commands", {}).items():
        out += _commands(sub, (*path, name))
    return out


FULL = typer.main.get_command(app)
GROUPS = _groups(FULL)
ALL_COMMANDS = _commands(FULL)
#: The commands directly under ``omradesbild`` (``report``, ``summary`` …).
TOP_COMMANDS = [p for p in ALL_COMMANDS if len(p) == 1 and p not in GROUPS]


def test_there_are_groups() -> None:
    assert () in GROUPS and ("ingest",) in GROUPS and ("fetch", "scb") in GROUPS
    assert ("report",) not in GROUPS
    assert ("report",) in TOP_COMMANDS and ("summary",) in TOP_COMMANDS
    assert ("ingest",) not in TOP_COMMANDS


def test_import_and_help_load_no_heavy_library(tmp_path: Path) -> None:
    """``import omradesbild.cli.main``, every group's ``--help`` and every top-level
    command's ``--help`` leave pandas, numpy, DuckDB, the geo libraries and pydantic unloaded
    (a fresh interpreter, so nothing else loaded them)."""
    paths = [list(p) for p in [*GROUPS, *TOP_COMMANDS]]
    code = f"HEAVY = {HEAVY!r}\nPATHS = {paths!r}\n{_PROBE}"
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert res.returncode == 0, res.stderr
    found = json.loads(res.stdout.splitlines()[-1])
    assert found["import"] == []
    assert found["help"] == []
    assert found["codes"] == {" ".join(p): 0 for p in paths}


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda p: " ".join(p) or "omradesbild")
def test_the_slim_app_helps_as_the_full_app(
    path: tuple[str, ...], cli: CliRun, capsys: pytest.CaptureFixture[str]
) -> None:
    """``main`` runs a group's command through an app holding only that group: its help is
    the full app's, word for word."""
    code, slim_out, _ = cli([*path, "--help"])
    assert code == 0
    with pytest.raises(SystemExit) as exc:
        FULL.main([*path, "--help"], prog_name="omradesbild")
    assert exc.value.code == 0
    assert slim_out == capsys.readouterr().out
    assert slim_out.startswith(f"Usage: {' '.join(('omradesbild', *path))} ")


def test_app_for_keeps_only_the_group_asked_for() -> None:
    slim = app_for(["fetch", "scb", "table", "--help"])
    assert [g.name for g in slim.registered_groups] == ["fetch"]
    fetch = slim.registered_groups[0].typer_instance
    assert fetch is not None and [g.name for g in fetch.registered_groups] == ["scb"]
    assert app_for(["nonesuch"]) is app
    # A top-level command: every top-level command, no group.
    top = app_for(["report", "--help"])
    assert top is not app
    assert [c.callback for c in top.registered_commands] == [
        c.callback for c in app.registered_commands
    ]
    assert top.registered_groups == []
    assert top.info.add_help_option is False  # the top's unset --help is not validated
    # The top's own help: every top-level command, the groups only named (no commands).
    helps = app_for(["--help"])
    assert helps.info.add_help_option is True
    assert [g.name for g in helps.registered_groups] == [g.name for g in app.registered_groups]
    for group in helps.registered_groups:
        assert group.typer_instance is not None
        assert group.typer_instance.registered_commands == []
    # The full app is untouched.
    assert len(app.registered_groups) == len(GROUPS) - 2  # minus the top and fetch scb


def test_a_top_level_command_imports_no_group_module(tmp_path: Path) -> None:
    """``omradesbild report …`` (any top-level command) runs without importing the command
    groups' modules (``ingest``, ``fetch`` …); the full app imports them when first used."""
    top = [" ".join(p) for p in TOP_COMMANDS]
    code = (
        "import json, sys\n"
        "import omradesbild.cli.main as m\n"
        "for name in TOP:\n"
        "    try:\n"
        "        m.main([name, '--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "before = sorted(n for n in sys.modules if n.startswith('omradesbild.cli.'))\n"
        "m.app\n"
        "after = sorted(n for n in sys.modules if n.startswith('omradesbild.cli.'))\n"
        "print(json.dumps([before, after]))\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", f"TOP = {top!r}\n{code}"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    before, after = json.loads(res.stdout.splitlines()[-1])
    groups = {"omradesbild.cli.ingest", "omradesbild.cli.fetch", "omradesbild.cli.partners"}
    assert groups.isdisjoint(before)
    assert groups <= set(after)
