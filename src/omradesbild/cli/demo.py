"""``omradesbild demo``: the synthetic city through the whole pipeline, offline."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from omradesbild.cli.followup import print_demo_followup
from omradesbild.cli.main_summary import print_summary
from omradesbild.wording import both

if TYPE_CHECKING:
    from omradesbild.demo import DemoResult


def run_demo(*, out: Path, db: Path | None) -> None:
    """Build the demo store and print what it holds."""
    from omradesbild.demo import build_demo_store
    from omradesbild.services.index import class_label_counts

    t0 = time.perf_counter()
    typer.echo(both("cli_demo_title"))
    result = build_demo_store(out, db=db, site=True)
    _echo_sources(result, t0)
    print_summary(result.summary)
    for name, df in result.indices.items():
        period = df["period"].iloc[0]
        typer.echo(f"\n{both('cli_demo_index', method=name, n=len(df), period=period, path=out)}:")
        counts = class_label_counts(df)
        for label, n in zip(counts["class_label"], counts["n"], strict=True):
            typer.echo(f"  {label:<72} {n:>3}")
    print_demo_followup(result.followup)
    if result.site is not None:
        typer.echo(f"\n{both('cli_report_site')}: {result.site.resolve()}")
    typer.echo(f"\n{both('cli_demo_classes')}")


def run_sweden_demo(*, out: Path, db: Path | None, kommuner: int, first_year: int) -> None:
    """Build a store from the SYNTHETIC Sweden and print what it holds."""
    from omradesbild.demo import build_sweden_store

    t0 = time.perf_counter()
    years = range(first_year, 2025)
    typer.echo(both("cli_demo_sweden_title", n=kommuner, first=years.start, last=years.stop - 1))
    result = build_sweden_store(out, db=db, kommuner=kommuner, years=years)
    _echo_sources(result, t0)
    print_summary(result.summary)


def _echo_sources(result: DemoResult, t0: float) -> None:
    """Where the source files and the store are, how many sources, how long it took."""
    secs = f"{time.perf_counter() - t0:.1f}"
    n = len(result.reports)
    typer.echo(
        both("cli_demo_sources", path=result.source_dir, store=result.store_path, n=n, secs=secs)
    )
