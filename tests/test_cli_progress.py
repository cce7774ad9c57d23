"""Progress bars: drawn on a terminal, silent otherwise and with ``--quiet``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import CliRun

import pytest
from rich.console import Console

from omradesbild.cli import ingest as ingest_cmds
from omradesbild.cli.progress import ProgressFn, progress, progress_enabled

BAR = "━"


def _console(terminal: bool) -> tuple[Console, StringIO]:
    out = StringIO()
    return Console(file=out, force_terminal=terminal, width=80), out


def test_a_terminal_gets_a_bar() -> None:
    console, out = _console(terminal=True)
    with progress("ingest test", total=4, console=console) as tick:
        for i in range(1, 5):
            tick(i, 4)
    text = out.getvalue()
    assert "ingest test" in text and BAR in text and "100%" in text


@pytest.mark.parametrize(("terminal", "quiet"), [(True, True), (False, False), (False, True)])
def test_no_bar_off_a_terminal_or_when_quiet(terminal: bool, quiet: bool) -> None:
    console, out = _console(terminal=terminal)
    assert not progress_enabled(quiet=quiet, console=console)
    with progress("ingest test", total=2, quiet=quiet, console=console) as tick:
        tick(1, 2)
        tick(2, 2)
    assert out.getvalue() == ""


def _tables(tmp_path: Path, n: int) -> list[Path]:
    paths = []
    for i in range(n):
        path = tmp_path / f"t{i}.csv"
        path.write_text(f"area_code,period,variable,value\n00,202{i},x_{i},{i}\n", "utf-8")
        paths.append(path)
    return paths


def test_ingest_through_the_cli_prints_no_bar(tmp_path: Path, cli: CliRun) -> None:
    """The test's output is not a terminal: no bar on stderr, stdout only the report."""
    files = [str(p) for p in _tables(tmp_path, 2)]
    code, out, err = cli(["ingest", "table", *files, "--db", str(tmp_path / "s.duckdb")])
    assert code == 0, err
    assert BAR not in err and BAR not in out
    assert "%" not in err


@pytest.mark.parametrize("quiet", [False, True])
def test_ingest_counts_the_files_it_parsed(
    tmp_path: Path, cli: CliRun, monkeypatch: pytest.MonkeyPatch, quiet: bool
) -> None:
    calls: list[tuple[str, int | None, bool]] = []
    ticks: list[tuple[int, int]] = []

    @contextmanager
    def recording(
        description: str, *, total: int | None = None, quiet: bool = False
    ) -> Iterator[ProgressFn]:
        calls.append((description, total, quiet))
        yield lambda done, total: ticks.append((done, total))

    monkeypatch.setattr(ingest_cmds, "progress", recording)
    files = [str(p) for p in _tables(tmp_path, 3)]
    args = ["ingest", "table", *files, "--db", str(tmp_path / "s.duckdb")]
    code, _, err = cli([*args, "--quiet"] if quiet else args)
    assert code == 0, err
    assert calls == [("ingest table", 3, quiet)]
    assert ticks == [(1, 3), (2, 3), (3, 3)]


@pytest.mark.parametrize("quiet", [False, True])
def test_index_uncertainty_reports_its_draws(
    tmp_path: Path, cli: CliRun, monkeypatch: pytest.MonkeyPatch, quiet: bool
) -> None:
    import numpy as np
    import pandas as pd

    from omradesbild.cli import analysis

    calls: list[tuple[str, bool]] = []
    ticks: list[tuple[int, int]] = []

    @contextmanager
    def recording(
        description: str, *, total: int | None = None, quiet: bool = False
    ) -> Iterator[ProgressFn]:
        calls.append((description, quiet))
        yield lambda done, total: ticks.append((done, total))

    monkeypatch.setattr(analysis, "progress", recording)
    rng = np.random.default_rng(0)
    cols = ["edu_low_25_64", "low_econ_standard", "ekbist_longterm_20_64"]
    table = pd.DataFrame(rng.uniform(1, 40, size=(40, 3)), columns=cols)
    table.insert(0, "area_code", [f"R{i:03d}" for i in range(40)])
    table.to_csv(tmp_path / "t.csv", index=False)
    args = ["index", "compute", "--method", "scb-omradestyp", "--table", str(tmp_path / "t.csv")]
    args += ["--out", str(tmp_path / "o.csv"), "--uncertainty", "100"]
    code, _, err = cli([*args, "--quiet"] if quiet else args)
    assert code == 0, err
    assert calls == [("Monte-Carlo", quiet)]
    assert ticks[-1] == (100, 100)
