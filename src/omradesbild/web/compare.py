"""The comparison page's view of 2–4 areas' :class:`~omradesbild.services.models.AreaProfile`:
their indicators side by side and the chart of those in per cent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omradesbild.services.area import catalogue_names
from omradesbild.services.models import AreaProfile, IndicatorValue


@dataclass(frozen=True)
class CompareRow:
    """One indicator of the comparison: the areas' values side by side."""

    id: str
    label: str
    unit: str
    cells: tuple[IndicatorValue | None, ...]
    country: float | None


def compare_rows(profiles: list[AreaProfile]) -> list[CompareRow]:
    """The indicators of any of ``profiles``, first seen first, one cell per area."""
    seen: dict[str, IndicatorValue] = {}
    for pr in profiles:
        for v in pr.indicators:
            seen.setdefault(v.id, v)
    rows = []
    for ind, first in seen.items():
        cells = tuple(next((v for v in pr.indicators if v.id == ind), None) for pr in profiles)
        rows.append(
            CompareRow(
                id=ind, label=first.label, unit=first.unit, cells=cells, country=first.country
            )
        )
    return rows


def compare_figures(
    profiles: list[AreaProfile], rows: list[CompareRow], lang: str
) -> dict[str, Any]:
    """The comparison page's chart: the areas' values of the indicators in per cent, as
    grouped horizontal bars (none when no row is in per cent)."""
    figures: dict[str, Any] = {}
    _, units, _ = catalogue_names(lang)  # the catalogue's unit, not the page's word for it
    pct = [r for r in rows if units.get(r.id) == "procent"]
    if profiles and pct:
        figures["compare"] = {
            "data": [
                {
                    "type": "bar",
                    "orientation": "h",
                    "name": pr.name,
                    "y": [r.label for r in pct],
                    "x": [c.value if (c := r.cells[k]) is not None else None for r in pct],
                }
                for k, pr in enumerate(profiles)
            ],
            "layout": {
                "barmode": "group",
                "height": max(300, 60 * len(pct) + 80),
                "margin": {"l": 10, "r": 10, "t": 10, "b": 40},
                "yaxis": {"automargin": True, "autorange": "reversed"},
                "legend": {"orientation": "h"},
            },
        }
    return figures
