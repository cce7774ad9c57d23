"""The layers of the map page ``/karta``: an index's scores, an indicator's values, or the
area types in categories with their legend.

Each layer gives its values per area, its title and the periods it has; the area-type
layer (:data:`AREA_TYPE_LAYER`) also its hover texts and legend in the words of the start
page's map (:func:`omradesbild.web.lagesbild.type_legend`), its colours those of
``config.AREA_TYPE_COLOURS``. The values come from the service layer's objects (published
scores and classes); nothing is computed here.

A layer is refused, never replaced: a layer the level does not have, an index that cannot
be computed at the level, or a period the layer does not have is an :class:`InputError`
(422) naming what is allowed, in Swedish and English.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omradesbild.config import AREA_TYPE_METHOD
from omradesbild.errors import InputError
from omradesbild.services.level import LevelIndex, LevelIndicators
from omradesbild.services.records import clean
from omradesbild.web.lagesbild import type_legend
from omradesbild.web.validation import checked_period, no_index, unknown_value
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


def chosen_layer(
    layer: str | None, lv: LevelIndicators, ix: LevelIndex | None, *, method: str, asked: bool
) -> str:
    """The layer of the map: ``layer`` when given, else the index of ``method`` (``ix``),
    else the level's first indicator. A ``method`` the request ``asked`` for whose index
    cannot be computed at the level is refused (422), not replaced by an indicator."""
    if layer:
        return layer
    if ix is not None:
        return "index"
    if asked:
        raise no_index(method, lv.level)
    return (lv.indicator_ids or ["index"])[0]


def map_layer(
    lv: LevelIndicators,
    ix: LevelIndex | None,
    layer: str,
    period: str | None,
    codes: list[str],
    *,
    lang: str,
    method: str,
    names: dict[str, str],
    direction: dict[str, int],
    types: LevelIndex | None = None,
) -> MapLayer:
    """The map's layer ``layer`` (``index``, :data:`AREA_TYPE_LAYER` or an indicator id) for
    ``codes`` of the level ``lv``: ``ix`` is the index of ``method``, ``types`` that of the
    area types (:data:`~omradesbild.config.AREA_TYPE_METHOD`), None where they cannot be
    computed at the level; ``period`` None or empty is the layer's latest.

    Raises
    ------
    InputError
        ``layer`` is not a layer of the level, its index cannot be computed at the level,
        or ``period`` is not one of the layer's periods (422; the message names the
        allowed values).
    """
    if layer == AREA_TYPE_LAYER:
        return _type_layer(types, lv.level, period, codes, lang)
    if layer == "index":
        if ix is None:
            raise no_index(method, lv.level)
        period = _layer_period(period, ix.periods, level=lv.level, of=method)
        by_area = ix.by_area[period]
        t = translator(lang)
        title = f"{(ix.method.title_en if lang == 'en' else ix.method.title_sv)} – {t('score')}"
        scores = [by_area.get(c, {}).get("score") for c in codes]
        return MapLayer(scores, title, False, ix.periods, period)
    if layer not in lv.indicator_ids:
        allowed = [*(["index"] if ix is not None else []), AREA_TYPE_LAYER, *lv.indicator_ids]
        raise InputError(unknown_value("layer", layer, allowed), field="layer")
    periods = sorted(p for (p, i) in lv.by_period_indicator if i == layer)
    period = _layer_period(period, periods, level=lv.level, of=layer)
    sub = lv.by_period_indicator[(period, layer)].set_index("area_code")["value"]
    values = [clean(sub.get(c)) for c in codes]
    return MapLayer(values, names.get(layer, layer), direction.get(layer) == -1, periods, period)


def _layer_period(period: str | None, periods: list[str], *, level: str, of: str) -> str:
    """``period`` if the layer has it, the layer's latest when None or empty, else an
    :class:`InputError` (422) naming the layer's periods."""
    return checked_period(period or None, periods, level=level, of=of) or periods[-1]


def _type_layer(
    types: LevelIndex | None, level: str, period: str | None, codes: list[str], lang: str
) -> MapLayer:
    """The area type of each area in ``period`` (default the latest), with the legend."""
    if types is None:
        raise no_index(AREA_TYPE_METHOD, level)
    period = _layer_period(period, types.periods, level=level, of=AREA_TYPE_METHOD)
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


__all__ = ["AREA_TYPE_LAYER", "MapLayer", "chosen_layer", "map_layer", "type_hover"]
