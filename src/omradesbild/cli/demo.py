"""``omradesbild demo``: the synthetic city through the whole pipeline, offline."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from omradesbild.cli.followup import print_demo_followup
from omradesbild.cli.main_summary import print_summary
from omradesbild.wording import both


def run_demo(*, out: Path, db: Path | None) -> None:
    """Build the demo store and print what it holds."""
    from omradesbild.demo import build_demo_store
    from omradesbild.services.index import class_label_counts

    t0 = time.perf_counter()
    typer.echo("Exempelstad — SYNTETISKA DATA (synthetic data, not a real city)")
    result = build_demo_store(out, db=db, site=True)
    typer.echo(
        f"Källfiler skrivna till {result.source_dir} och inlästa i {result.store_path} "
        f"({len(result.reports)} källor, {time.perf_counter() - t0:.1f} s)."
    )
    print_summary(result.summary)
    for name, df in result.indices.items():
        period = df["period"].iloc[0]
        typer.echo(f"\nIndex {name} för {len(df)} RegSO, {period} (skrivet till {out}):")
        counts = class_label_counts(df)
        for label, n in zip(counts["class_label"], counts["n"], strict=True):
            typer.echo(f"  {label:<72} {n:>3}")
    print_demo_followup(result.followup)
    if result.site is not None:
        typer.echo(f"\n{both('cli_report_site')}: {result.site.resolve()}")
    typer.echo(
        "\nKlasserna jämför stadens RegSO med varandra; SCB:s områdestyper jämför med alla "
        "RegSO i riket. (Classes compare the city's own RegSO; SCB compares all of Sweden.)"
    )
