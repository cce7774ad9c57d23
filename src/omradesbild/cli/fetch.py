"""``omradesbild fetch …``: live clients for SCB's PX-Web API and geodata WFS."""

from __future__ import annotations

import typer

app = typer.Typer(help="Fetch data from live services (SCB PX-Web API, SCB geodata WFS).")
