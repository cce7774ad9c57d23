"""``omradesbild harmonize …``: crosswalks between boundary versions and layers."""

from __future__ import annotations

from typing import Annotated

import typer

from omradesbild.cli.common import DbOption, open_store

app = typer.Typer(
    help="Crosswalks between boundary versions and layers, stored and reused.",
    no_args_is_help=True,
)


@app.command("code-rule")
def code_rule(
    from_version: Annotated[str, typer.Option("--from", help="DeSO version linked from.")] = (
        "deso2018"
    ),
    to_version: Annotated[str, typer.Option("--to", help="DeSO version linked to.")] = "deso2025",
    population_variable: Annotated[
        str, typer.Option(help="Variable that weights splits (latest period of the new areas).")
    ] = "pop_total",
    db: DbOption = None,
) -> None:
    """Store DeSO 2018 -> 2025 links by SCB's code rule (same first 8 characters)."""
    from omradesbild.store.ingest import describe, ingest_parsed
    from omradesbild.workflows import code_rule_from_store

    with open_store(db) as store:
        parsed = code_rule_from_store(
            store,
            from_version=from_version,
            to_version=to_version,
            population_variable=population_variable or None,
        )
        for r in ingest_parsed(store, [parsed], kind="code-rule"):
            typer.echo(describe(r))
        typer.echo(f"{parsed.source.title}; {parsed.source.notes}")
