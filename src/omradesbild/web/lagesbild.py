"""The start page's lägesbild and what the area pages' summaries read of the partners.

The picture itself is the service layer's (:func:`omradesbild.services.lagesbild.lagesbild`);
here it is cached and given its map. The partners' public input is read once through
:func:`omradesbild.services.partner_picture.partner_picture` and kept until what anonymous
visitors see changes: an approval, edit or change of visibility of a public submission
(:func:`omradesbild.web.entries.public_generation`) or any change to the register of
interventions (:func:`intervention_stamp`, looked at at most once a second).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Request

from omradesbild import config
from omradesbild.errors import OmradesbildError
from omradesbild.services.lagesbild import (
    KommunChoice,
    Lagesbild,
    kommun_choices,
    kommun_names_of,
    lagesbild,
    pick_kommun,
)
from omradesbild.services.partner_picture import PartnerPicture, partner_picture
from omradesbild.services.search import SearchIndex, search_index
from omradesbild.web.cache import WebData, memo
from omradesbild.web.entries import PolledRows, partners_id, polled_row, public_generation
from omradesbild.web.views import json_script
from omradesbild.wording import fmt_num, translator

#: Colours of area types 1 … 5 by number (``config.AREA_TYPE_COLOURS``; ``.swatch.type-N``
#: in ``/static/area-types.css``, :mod:`omradesbild.reports.palette`, holds the same).
AREA_TYPE_COLOURS: dict[int, str] = dict(enumerate(config.AREA_TYPE_COLOURS, start=1))

#: How long (seconds) the stamp of the register of interventions is trusted.
STAMP_TTL = 1.0
_STAMPS: PolledRows = {}

_STAMP_SQL = (
    "SELECT count(*), max(updated_at), (SELECT count(*) FROM intervention_areas) FROM interventions"
)


def intervention_stamp(request: Request, *, max_age: float = STAMP_TTL) -> tuple[Any, ...]:
    """A value that changes whenever the register of interventions changes (one small
    DB-API query at most every ``max_age`` seconds; empty without the partners' database)."""
    return polled_row(request, _STAMP_SQL, _STAMPS, max_age=max_age, convert=str)


def stamp_is_fresh(request: Request) -> bool:
    """Whether :func:`intervention_stamp` answers from memory (no query)."""
    engine = getattr(request.app.state, "partners_engine", None)
    seen = _STAMPS.get(partners_id(request)) if engine is not None else None
    return engine is None or (seen is not None and time.monotonic() - seen[0] < STAMP_TTL)


def forget_intervention_stamp() -> None:
    """Make the next page view look at the register of interventions again."""
    _STAMPS.clear()


def public_state(request: Request) -> tuple[Any, ...]:
    """The key of what anonymous visitors see of the partners (submissions, interventions)."""
    return (partners_id(request), public_generation(request), intervention_stamp(request))


def public_partners(request: Request, data: WebData) -> PartnerPicture | None:
    """The partners' public input (cached per :func:`public_state`); None without the
    partners' database."""
    engine = getattr(request.app.state, "partners_engine", None)
    if engine is None:
        return None
    from omradesbild.web.auth import read_factory

    def build() -> PartnerPicture:
        with read_factory(request)() as db:
            return partner_picture(db)

    key = ("partner-picture", public_state(request))
    found: PartnerPicture = memo(data, key, build)
    return found


def kommun_names(data: WebData) -> dict[str, str]:
    """Kommun code -> name (the store's kommun areas, then SCB's list)."""
    found: dict[str, str] = memo(
        data, ("kommun-names",), lambda: kommun_names_of(data.info().areas)
    )
    return found


def area_search_index(data: WebData, lang: str) -> SearchIndex:
    """Every area of the store named for the search (:mod:`omradesbild.services.search`),
    read once per store version and language."""

    def build() -> SearchIndex:
        from omradesbild.store import Store

        with Store(data.path, read_only=True) as store:
            return search_index(store, lang=lang)

    found: SearchIndex = memo(data, ("search-index", lang), build)
    return found


@dataclass(frozen=True)
class StartView:
    """The start page: the lägesbild, its map (Plotly figure as JSON) and its data URL."""

    picture: Lagesbild
    figures: str
    has_map: bool
    geo_url: str
    geometry_dissolved: bool  # the map's shapes are dissolved from the base version's
    legend: tuple[tuple[int, str], ...] = ()  # the map's legend (:func:`type_legend`)


def kommuner(data: WebData, level: str, version: str | None) -> tuple[KommunChoice, ...]:
    """The kommun picker's choices at ``level`` (cached)."""
    found: tuple[KommunChoice, ...] = memo(
        data,
        ("kommun-choices", level, version),
        lambda: kommun_choices(data.level(level, version), kommun_names(data)),
    )
    return found


def default_city(data: WebData, level: str, version: str | None) -> str | None:
    """The kommun the start page shows without ``?kommun=`` (the one with the most areas at
    ``level``); None when the store has no areas there."""
    try:
        choices = kommuner(data, level, version)
    except OmradesbildError:
        return None
    return pick_kommun(choices, None).code if choices else None


def start_view(
    data: WebData,
    *,
    level: str,
    version: str | None,
    method: str,
    kommun: str | None,
    lang: str,
    partners: PartnerPicture | None,
) -> StartView:
    """The lägesbild of ``kommun`` (default the store's own city) with its map."""
    choices = kommuner(data, level, version)
    chosen = pick_kommun(choices, kommun)
    lv = data.level(level, version)
    pic = data.picture(method, level, lv.version)
    geometry = data.geometry(level, lv.version)
    scope = {c for c, k in lv.kommun.items() if k == chosen.code}
    drawn = scope & geometry.codes
    picture = lagesbild(
        pic, kommun=chosen, kommuner=choices, lang=lang,
        has_geometry=drawn, partners=partners, year=date.today().year,
    )  # fmt: skip
    figures: dict[str, Any] = {}
    if drawn:
        figures["map-types"] = type_map(picture, lang)
    return StartView(
        picture=picture,
        figures=json_script(figures),
        has_map=bool(figures),
        geo_url=f"/api/geojson?level={level}&version={lv.version}",
        geometry_dissolved=bool(drawn) and geometry.dissolved,
        legend=type_legend((k for k, _ in picture.type_labels), lang),
    )


def type_legend(types: Iterable[int], lang: str) -> tuple[tuple[int, str], ...]:
    """``(type, words)`` of each area type in ``types``, in order, as the map's legend
    says them: the first "Typ 1 – störst utmaningar", the last "Typ 5 – minst utmaningar",
    the others "Typ k". The map's hover texts use the same words, so hover and legend
    agree."""
    t = translator(lang)
    ks = sorted(set(types))
    return tuple(
        (
            k,
            t("lb_type_most", k=k)
            if i == 0
            else t("lb_type_least", k=k)
            if i == len(ks) - 1
            else t("lb_type", k=k),
        )
        for i, k in enumerate(ks)
    )


def type_map(picture: Lagesbild, lang: str) -> dict[str, Any]:
    """The kommun's areas coloured by area type (the report's chart
    :func:`~omradesbild.reports.charts.type_choropleth`), hover naming the type in the
    legend's words (:func:`type_legend`) and the rank."""
    from omradesbild.reports.charts import type_choropleth

    t = translator(lang)
    words = dict(type_legend((k for k, _ in picture.type_labels), lang))
    rows = [(r, r.cls) for r in picture.ranking if r.cls is not None and r.has_geometry]
    hover = [
        f"{r.name}: {words.get(c) or t('lb_type', k=c)}"
        f", {t('rank')} {fmt_num(r.rank, lang, 0)} "
        f"({fmt_num(r.low, lang, 0)}–{fmt_num(r.high, lang, 0)})"
        for r, c in rows
    ]
    return type_choropleth([r.code for r, _ in rows], [c for _, c in rows], hover=hover)
