"""Plain-text rendering of a store summary."""

from __future__ import annotations

from typing import Any

import typer


def print_summary(info: dict[str, Any]) -> None:
    """Print a store summary in plain text."""
    typer.echo("Områden per nivå och version (areas per level and version):")
    for a in info["areas"]:
        geo = f"({a['with_geometry']} med geometri)"
        typer.echo(f"  {a['level']:<12} {a['version']:<24} {a['n']:>6}  {geo}")
    typer.echo(
        f"Observationer: {info['observations']} i {info['variables']} variabler; "
        f"äldre revisioner: {info['older_revisions']}"
    )
    periods = info["periods"]
    if periods:
        typer.echo(f"Perioder: {periods[0]}–{periods[-1]} ({len(periods)} st)")
    typer.echo(f"Källor: {info['sources']} {info['publishers']}")
    for lk in info["links"]:
        typer.echo(
            f"  länkar {lk['method']}: {lk['from_version']} -> {lk['to_version']}: {lk['n']}"
        )
    for c in info["classifications"]:
        typer.echo(f"  klassning {c['scheme']} {c['period']}: {c['n']} områden")
