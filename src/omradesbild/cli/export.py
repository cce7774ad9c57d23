"""``omradesbild export``: indicators and an index as Excel, CSV, JSON and GeoPackage."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated

import typer

from omradesbild.cli.common import (
    DbOption,
    DisclosureThreshold,
    Kommun,
    Lang,
    Period,
    Version,
    open_store,
)
from omradesbild.cli.usage import App
from omradesbild.config import AREA_TYPE_METHOD, DEFAULT_LEVEL, DISCLOSURE_THRESHOLD
from omradesbild.wording import both

app = App(
    subcommand_metavar="",
    help=(
        "Export every indicator (and one index) of a level and period as Excel, CSV, JSON "
        "and GeoPackage, after disclosure control, with sources and method."
    ),
)


@app.callback(invoke_without_command=True)
def export(
    period: Period,
    out: Annotated[Path, typer.Option("--out", help="Output folder (created if needed).")],
    level: Annotated[
        str, typer.Option(help="deso, regso, district, kommun or another stored level.")
    ] = DEFAULT_LEVEL,
    version: Version = None,
    fmt: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            "-f",
            help="xlsx, csv, json or gpkg; repeat for several (default: all four).",
        ),
    ] = None,
    lang: Lang = "sv",
    threshold: DisclosureThreshold = DISCLOSURE_THRESHOLD,
    method: Annotated[
        str,
        typer.Option(help="Index method id or YAML path for the index sheet; 'none' for none."),
    ] = AREA_TYPE_METHOD,
    kommun: Kommun = None,
    precision: Annotated[
        str,
        typer.Option(
            help=(
                "rounded: CSV and Excel figures rounded to their published precision "
                "(per cent and rates one decimal, counts whole numbers); full: every stored "
                "digit. JSON and GeoPackage always keep full precision."
            ),
        ),
    ] = "rounded",
    db: DbOption = None,
) -> None:
    """Export indicators and an index for one level and period (disclosure-controlled).

    With --kommun, only that kommun's areas are written (area types are still classified
    against every area of the level in the store), in files named ..._<kommun>.<format>.
    """
    from omradesbild.precision import check_precision
    from omradesbild.reports.exports import FORMATS, export_all

    chosen_precision = check_precision(precision)
    chosen = tuple(fmt) if fmt else FORMATS
    with open_store(db, read_only=True) as store, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        written = export_all(
            store,
            out,
            level=level,
            version=version,
            period=period,
            method=None if method.strip().lower() in ("", "none") else method,
            lang=lang,
            threshold=threshold,
            formats=chosen,
            kommun=kommun,
            precision=chosen_precision,
        )
    for w in caught:
        typer.secho(f"{both('cli_warning')}: {w.message}", err=True, fg=typer.colors.YELLOW)
    if kommun:
        typer.echo(both("cli_export_kommun", kommun=kommun))
    for kind, path in written.items():
        typer.echo(f"{kind:>5}: {path}")
