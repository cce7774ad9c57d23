"""The layers of the map page ``/karta``: an index's scores, an indicator's values, or the
area types in categories with their legend.

Each layer gives its values per area, its title and the periods it has; the area-type
layer (:data:`AREA_TYPE_LAYER`) also its hover texts and legend in the words of the start
page's map (:func:`omradesbild.web.lagesbild.type_legend`), its colours those of
``config.AREA_TYPE_COLOURS``. The values come from the service layer's objects (published
scores and classes); nothing is computed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omradesbild.config import AREA_TYPE_METHOD
from omradesbild.errors import InputError, NotFoundError
from omradesbild.services.records import clean
from omradesbild.web.lagesbild import type_legend
from omradesbild.wording import translator

#: The ``layer`` of ``/karta`` that colours the areas by area type (SCB's method).
AREA_TYPE_LAYER = "area_type"


@dataclass(frozen=True)
class MapLayer:
    """One layer of the map page.

    Attributes
    ----------
    values
        The value of each area of the page's codes (a score, a value or a type; None: none).
    title
        The layer's name, for the heading and the chart.
    reverse
        Whether low values are the worse (an indicator whose direction is −1).
    periods, period
        The periods the layer has and the one shown.
    legend, counts
        For the area-type layer: ``(type, words)`` of each type and the number of areas of
        each type; empty for the other layers.
    """

    values: list[Any]
    title: str
    reverse: bool
    periods: list[str]
    period: str | None
    legend: tuple[tuple[int, str], ...] = ()
    counts: dict[int, int] | None = None


def map_layer(
    lv: Any,
    ix: Any,
    layer: str,
    period: str | None,
    codes: list[str],
    *,
    lang: str,
    method: str,
    names: dict[str, str],
    direction: dict[str, int],
    types: Any = None,
) -> MapLayer:
    """The map's layer ``layer`` (``index``, :data:`AREA_TYPE_LAYER` or an indicator id) for
    ``codes`` of the level ``lv``: ``ix`` is the index of ``method``, ``types`` that of the
    area types (:data:`~omradesbild.config.AREA_TYPE_METHOD`); raises for an unknown layer
    or one that cannot be computed at the level."""
    t = translator(lang)
    if layer == AREA_TYPE_LAYER:
        return _type_layer(types, lv.level, period, codes, lang)
    if layer == "index":
        if ix is None:
            raise NotFoundError(f"index {method!r} cannot be computed for {lv.level}")
        period = ix.period_or_latest(period)
        by_area = ix.by_area[period]
        title = f"{(ix.method.title_en if lang == 'en' else ix.method.title_sv)} – {t('score')}"
        return MapLayer(
            [by_area.get(c, {}).get("score") for c in codes], title, False, ix.periods, period
        )
    if layer not in lv.indicator_ids:
        raise InputError(
            f"unknown indicator {layer!r} at level {lv.level}",
            field="layer",
            expected=f"'index', '{AREA_TYPE_LAYER}' or one of {', '.join(lv.indicator_ids)}",
        )
    periods = sorted(p for (p, i) in lv.by_period_indicator if i == layer)
    period = period if period in periods else periods[-1]
    sub = lv.by_period_indicator[(period, layer)].set_index("area_code")["value"]
    values = [clean(sub.get(c)) for c in codes]
    return MapLayer(values, names.get(layer, layer), direction.get(layer) == -1, periods, period)


def _type_layer(
    types: Any, level: str, period: str | None, codes: list[str], lang: str
) -> MapLayer:
    """The area type of each area in ``period`` (default the latest), with the legend."""
    if types is None:
        raise NotFoundError(f"area types ({AREA_TYPE_METHOD}) cannot be computed for {level}")
    period = types.period_or_latest(period)
    by_area = types.by_area[period]
    values: list[int | None] = []
    for c in codes:
        cls = clean(by_area.get(c, {}).get("class"))
        values.append(None if cls is None else int(cls))
    counts: dict[int, int] = {}
    for v in values:
        if v is not None:
            counts[v] = counts.get(v, 0) + 1
    legend = type_legend(types.classes or counts, lang)
    return MapLayer(
        values, translator(lang)("area_type"), False, types.periods, period, legend, counts
    )


def type_hover(names: list[str], codes: list[str], layer: MapLayer) -> list[str]:
    """The hover text of each area of the area-type layer: its name and code and its type
    in the legend's words."""
    words = dict(layer.legend)
    return [
        f"{n} ({c}): {words.get(v, '') if v is not None else '–'}"
        for n, c, v in zip(names, codes, layer.values, strict=True)
    ]


__all__ = ["AREA_TYPE_LAYER", "MapLayer", "map_layer", "type_hover"]
