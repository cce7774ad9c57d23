"""Options and helpers shared by the commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from omradesbild.store import DB_ENV, Store

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        envvar=DB_ENV,
        help="Store file (DuckDB). Default ./omradesbild.duckdb, or $OMRADESBILD_DB.",
        show_default=False,
    ),
]


def open_store(db: Path | None, *, read_only: bool = False) -> Store:
    """Open the store the user chose (``--db``, ``$OMRADESBILD_DB`` or the default)."""
    return Store(db, read_only=read_only)


def echo_table(df: pd.DataFrame, *, max_rows: int = 60) -> None:
    """Print a DataFrame as plain text (all columns, at most ``max_rows`` rows)."""
    with pd.option_context(
        "display.max_columns", None, "display.width", 160, "display.max_colwidth", 60
    ):
        if len(df) > max_rows:
            typer.echo(df.head(max_rows).to_string(index=False))
            typer.echo(f"… {len(df) - max_rows} rader till ({len(df)} totalt)")
        else:
            typer.echo(df.to_string(index=False))
