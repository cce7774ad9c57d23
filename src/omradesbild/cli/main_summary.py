"""Plain-text rendering of a store summary."""

from __future__ import annotations

from typing import Any

import typer

from omradesbild.wording import both


def print_summary(info: dict[str, Any]) -> None:
    """Print a store summary in plain text."""
    typer.echo(f"{both('cli_areas_per_level')}:")
    for a in info["areas"]:
        geo = f"({both('cli_with_geometry', n=a['with_geometry'])})"
        typer.echo(f"  {a['level']:<12} {a['version']:<24} {a['n']:>6}  {geo}")
    typer.echo(
        both(
            "cli_observations",
            n=info["observations"],
            variables=info["variables"],
            older=info["older_revisions"],
        )
    )
    periods = info["periods"]
    if periods:
        typer.echo(both("cli_periods", first=periods[0], last=periods[-1], n=len(periods)))
    publishers = ", ".join(f"{name} {n}" for name, n in info["publishers"].items())
    typer.echo(both("cli_sources", n=info["sources"], publishers=f"({publishers})"))
    for lk in info["links"]:
        line = both(
            "cli_links_line",
            method=lk["method"],
            from_version=lk["from_version"],
            version=lk["to_version"],
            n=lk["n"],
        )
        typer.echo(f"  {line}")
    for c in info["classifications"]:
        line = both("cli_classification_line", scheme=c["scheme"], period=c["period"], n=c["n"])
        typer.echo(f"  {line}")
