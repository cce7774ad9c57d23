"""The figures of one area profile (the web area page, the static profile, the PDF's dot
chart), made from the :class:`~omradesbild.services.models.AreaProfile` by the builders of
:mod:`omradesbild.reports.charts`."""

from __future__ import annotations

from collections.abc import Sequence

from omradesbild.reports.charts import (
    Figure,
    city_map,
    contributions,
    headline_dots,
    outlined,
    rank_interval,
    trend_lines,
    type_history,
)
from omradesbild.reports.figure_json import SharedParts
from omradesbild.services.models import AreaProfile, IndicatorValue
from omradesbild.wording import unit_label


def percent_indicators(profile: AreaProfile) -> list[IndicatorValue]:
    """The profile's indicators in percent with a value (the rows of the dot chart).

    ``unit`` is worded in the profile's language ("procent", "percent"), so it is compared
    with the catalogue unit's word in that language."""
    percent = unit_label("procent", profile.lang)
    return [v for v in profile.indicators if v.unit == percent and v.value is not None]


def profile_figures(
    profile: AreaProfile,
    *,
    names: tuple[str, str, str],
    city: tuple[Sequence[str], Sequence[object], Sequence[str]] | None = None,
    score_title: str = "",
    headline_key: str = "headline",
    drivers: bool = True,
    city_figure: Figure | None = None,
    shared: SharedParts | None = None,
) -> dict[str, Figure]:
    """Every Plotly figure of an area profile (the web area page and the static profile).

    Parameters
    ----------
    profile
        The area's profile.
    names
        Legend names of the area, the kommun and the country.
    city
        ``(codes, scores, hover)`` of the areas of the city, for the map with the area
        outlined; None: no map.
    score_title
        Colour bar title of the map.
    headline_key
        Key of the dot chart of the key figures.
    drivers
        Include the chart of what drives the index.
    city_figure
        Instead of ``city``: the city's map made once by
        :func:`~omradesbild.reports.charts.city_map` for the profiles of a kommun (the same
        figure, with the area outlined on it: :func:`~omradesbild.reports.charts.outlined`).
    shared
        Keeps the parts equal on many profiles of a run (references, layouts), made once
        (:class:`~omradesbild.reports.figure_json.SharedParts`); None: each made anew.

    Returns
    -------
    dict
        Figure id -> figure: ``map-area``, the dot chart, ``trend-<indicator>`` for each
        indicator with two or more periods, ``type-history``, ``rank``, ``drivers``.
    """
    figures: dict[str, Figure] = {}
    if city_figure is not None:
        figures["map-area"] = outlined(city_figure, profile.code)
    elif city is not None and city[0]:
        figures["map-area"] = outlined(city_map(city, score_title=score_title), profile.code)
    dots = percent_indicators(profile)
    if dots:
        figures[headline_key] = headline_dots(
            [v.label for v in dots], [v.value for v in dots], [v.ci_low for v in dots],
            [v.ci_high for v in dots], [v.kommun for v in dots], [v.country for v in dots],
            names=names, unit="%", shared=shared,
        )  # fmt: skip
    for ind, srs in profile.series().items():
        if len({v.period for v in srs}) < 2:
            continue
        per = [v.period for v in srs]
        figures[f"trend-{ind}"] = trend_lines(
            per, [v.value for v in srs], [v.ci_low for v in srs], [v.ci_high for v in srs],
            kommun=(per, [v.kommun for v in srs]), country=(per, [v.country for v in srs]),
            title=srs[0].label, unit=srs[0].unit, names=names, shared=shared,
        )  # fmt: skip
    th = profile.type_history
    if any(p.cls is not None for p in th):
        figures["type-history"] = type_history([p.period for p in th], [p.cls for p in th])
    r = profile.rank
    if r is not None:
        figures["rank"] = rank_interval(r.rank, r.low, r.high, r.n)
    if drivers and profile.drivers:
        figures["drivers"] = contributions(
            [d.label for d in profile.drivers], [d.contribution for d in profile.drivers]
        )
    return figures


def trend_ids(figures: dict[str, Figure]) -> list[str]:
    """The ids of the trend figures, in order."""
    return [k for k in figures if k.startswith("trend-")]
