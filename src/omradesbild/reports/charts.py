"""Plotly figure builders for the report site.

Each builder returns a Plotly figure as a plain JSON-ready dict (``{"data": [...],
"layout": {...}}``) — valid input for ``plotly.graph_objects.Figure`` and for
``Plotly.newPlot`` in the browser. Dicts rather than ``go.Figure`` objects keep thousands of
profile pages fast to build (no validation per figure). Maps use ``go.Choropleth`` traces on
a hidden ``geo`` base (``visible=False``, ``fitbounds="locations"``): no map tiles and
nothing from the network. The shared GeoJSON is referenced by the placeholder
:data:`GEO_REF`; the page swaps in ``window.OMRADESBILD_GEO`` (loaded once from
``assets/geo.js``) before drawing.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

from omradesbild.config import AREA_TYPE_COLOURS
from omradesbild.reports.figure_json import SharedParts
from omradesbild.reports.figure_json import shared_part as _part
from omradesbild.wording import text


def default_names(lang: str = "sv") -> tuple[str, str, str]:
    """The names of the area, the kommun and the country in the charts' legends."""
    return text("this_area", lang), text("kommun", lang), text("country", lang)


#: Placeholder for the shared GeoJSON in choropleth traces.
GEO_REF = "OMRADESBILD_GEO"

Figure = dict[str, Any]

_FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12}
_COLORS = {
    "area": "#1f5f8b",
    "kommun": "#e07b00",
    "country": "#6b6b6b",
    "band": "rgba(31,95,139,0.18)",
}
#: Colours of area types 1 (largest challenges) … 5.
TYPE_COLORS = list(AREA_TYPE_COLOURS)


def num(x: object) -> float | None:
    """A JSON-safe number (None for NaN/None)."""
    if x is None:
        return None
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return round(f, 4) if math.isfinite(f) else None


def _layout(title: str | None = None, **kw: Any) -> dict[str, Any]:
    lay: dict[str, Any] = {
        "font": _FONT,
        "margin": {"l": 50, "r": 20, "t": 40 if title else 10, "b": 40},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "showlegend": kw.pop("showlegend", True),
    }
    if title:
        lay["title"] = {"text": title, "x": 0.01, "font": {"size": 14}}
    lay.update(kw)
    return lay


def _one_trace(trace: dict[str, Any], title: str, **layout: Any) -> Figure:
    """A figure of one trace named ``title``, without a legend (``layout`` as in
    :func:`_layout`)."""
    return {
        "data": [{**trace, "name": title}],
        "layout": _layout(title, showlegend=False, **layout),
    }


def _geo_layout() -> dict[str, Any]:
    return {
        "visible": False,
        "fitbounds": "locations",
        "projection": {"type": "mercator"},
        "bgcolor": "rgba(0,0,0,0)",
    }


def choropleth(
    codes: Sequence[str],
    values: Sequence[object],
    *,
    hover: Sequence[str] | None = None,
    title: str | None = None,
    colorbar_title: str = "",
    highlight: str | None = None,
    reverse: bool = False,
    height: int = 480,
) -> Figure:
    """A choropleth map of ``values`` over the shared GeoJSON (feature id = area code).

    ``highlight`` outlines one area with a thick line (its profile page). ``reverse`` flips
    the colour scale (for indicators where lower is more vulnerable).
    """
    trace: dict[str, Any] = {
        "type": "choropleth",
        "geojson": GEO_REF,
        "locations": list(codes),
        "z": [num(v) for v in values],
        "colorscale": "YlOrRd",
        "reversescale": not reverse,
        "marker": {"line": {"color": "white", "width": 0.5}},
        "colorbar": {"title": {"text": colorbar_title}, "thickness": 12},
        "hoverinfo": "text" if hover is not None else "location+z",
    }
    if hover is not None:
        trace["text"] = list(hover)
    data = [trace]
    if highlight is not None:
        data.append(_outline(highlight))
    return {
        "data": data,
        "layout": _layout(
            title,
            geo=_geo_layout(),
            height=height,
            showlegend=False,
            margin={"l": 0, "r": 0, "t": 40 if title else 0, "b": 0},
        ),
    }


def _outline(code: str) -> dict[str, Any]:
    """The trace outlining area ``code`` with a thick line on a :func:`choropleth`."""
    return {
        "type": "choropleth",
        "geojson": GEO_REF,
        "locations": [code],
        "z": [0],
        "colorscale": [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
        "showscale": False,
        "marker": {"line": {"color": "#000000", "width": 3}},
        "hoverinfo": "skip",
    }


def outlined(fig: Figure, code: str) -> Figure:
    """A :func:`choropleth` made without ``highlight`` (once, for many pages) with area
    ``code`` outlined: the figure ``highlight=code`` makes. Its traces and layout are
    ``fig``'s own objects, shared, not copied."""
    return {"data": [*fig["data"], _outline(code)], "layout": fig["layout"]}


def city_map(
    city: tuple[Sequence[str], Sequence[object], Sequence[str]], *, score_title: str = ""
) -> Figure:
    """The map of an area profile without its area outlined (:func:`outlined` outlines it):
    ``(codes, scores, hover)`` of the areas of the city, coloured by score."""
    codes, scores, hover = city
    return choropleth(codes, scores, hover=hover, colorbar_title=score_title, height=380)


def type_choropleth(
    codes: Sequence[str], classes: Sequence[int], *, hover: Sequence[str], height: int = 460
) -> Figure:
    """A choropleth of area types 1 … 5 in categories (``config.AREA_TYPE_COLOURS``, one
    flat colour per type, no colour bar: the page draws its own titled legend), each area
    outlined in white."""
    n = len(TYPE_COLORS)
    scale: list[list[Any]] = []
    for k, colour in enumerate(TYPE_COLORS, start=1):
        scale += [[(k - 1) / n, colour], [k / n, colour]]
    trace = {
        "type": "choropleth",
        "geojson": GEO_REF,
        "locations": list(codes),
        "z": list(classes),
        "zmin": 0.5,
        "zmax": n + 0.5,
        "colorscale": scale,
        "showscale": False,
        "marker": {"line": {"color": "#ffffff", "width": 1}},
        "text": list(hover),
        "hoverinfo": "text",
    }
    return {
        "data": [trace],
        "layout": _layout(
            None, geo=_geo_layout(), height=height, showlegend=False,
            margin={"l": 0, "r": 0, "t": 0, "b": 0},
        ),
    }  # fmt: skip


def choropleth_selector(
    codes: Sequence[str],
    layers: Sequence[tuple[str, Sequence[object], bool, Sequence[str]]],
    *,
    height: int = 520,
) -> Figure:
    """Several choropleths in one map with a drop-down to switch between them.

    ``layers`` are ``(label, values, reverse, hover)``, ``hover`` one text per area (the
    value formatted at its precision by the caller); only the first is visible at first.
    """
    data = []
    buttons = []
    n = len(layers)
    for i, (label, values, reverse, hover) in enumerate(layers):
        z = [num(v) for v in values]
        data.append(
            {
                "type": "choropleth",
                "geojson": GEO_REF,
                "locations": list(codes),
                "z": z,
                "text": list(hover),
                "hoverinfo": "text",
                "colorscale": "YlOrRd",
                "reversescale": not reverse,
                "marker": {"line": {"color": "white", "width": 0.5}},
                "colorbar": {"thickness": 12},
                "visible": i == 0,
                "name": label,
            }
        )
        buttons.append(
            {
                "label": label,
                "method": "update",
                "args": [{"visible": [j == i for j in range(n)]}],
            }
        )
    layout = _layout(
        None,
        geo=_geo_layout(),
        height=height,
        showlegend=False,
        margin={"l": 0, "r": 0, "t": 40, "b": 0},
        updatemenus=[
            {"buttons": buttons, "x": 0.0, "y": 1.08, "xanchor": "left", "yanchor": "top"}
        ],
    )
    return {"data": data, "layout": layout}


def _dots(
    name: str, labels: Sequence[str], values: Sequence[object], marker: dict[str, Any]
) -> dict[str, Any]:
    """A reference's dots on :func:`headline_dots` (the kommun's or the country's)."""
    return {
        "type": "scatter", "mode": "markers", "name": name, "y": list(labels),
        "x": [num(x) for x in values], "marker": marker,
    }  # fmt: skip


def headline_dots(
    labels: Sequence[str],
    values: Sequence[object],
    lows: Sequence[object],
    highs: Sequence[object],
    kommun: Sequence[object],
    country: Sequence[object],
    *,
    names: tuple[str, str, str] | None = None,
    unit: str = "",
    shared: SharedParts | None = None,
) -> Figure:
    """Dot chart: the area's value with its 95 % interval, next to kommun and country.

    ``names`` of the area, kommun and country default to the catalogue's Swedish words.
    ``shared`` keeps the kommun's and the country's dots and the layout, equal on many
    profiles of a run, made once (:class:`~omradesbild.reports.figure_json.SharedParts`).
    """
    names = names or default_names()
    v = [num(x) for x in values]
    plus = [
        None if a is None or h is None else round(h - a, 4)
        for a, h in zip(v, map(num, highs), strict=True)
    ]
    minus = [
        None if a is None or lo is None else round(a - lo, 4)
        for a, lo in zip(v, map(num, lows), strict=True)
    ]
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "markers",
            "name": names[0],
            "y": list(labels),
            "x": v,
            "marker": {"color": _COLORS["area"], "size": 10},
            "error_x": {
                "type": "data",
                "array": plus,
                "arrayminus": minus,
                "visible": True,
                "thickness": 1.5,
            },
        },
    ]
    for ref, nm, col, marker in (
        (kommun, names[1], "kommun", {"symbol": "diamond", "size": 9}),
        (country, names[2], "country", {"symbol": "line-ns-open", "size": 14}),
    ):
        make = functools.partial(_dots, nm, labels, ref, {"color": _COLORS[col], **marker})
        data.append(_part(shared, ("dots", nm, col, tuple(labels)), ref, make))
    layout = _part(
        shared, ("dots-layout", len(labels), unit), (),
        lambda: _layout(
            None,
            height=max(220, 34 * len(labels) + 80),
            xaxis={"title": {"text": unit}, "zeroline": False, "gridcolor": "#eee"},
            yaxis={"automargin": True, "autorange": "reversed"},
            legend={"orientation": "h", "y": -0.15},
        ),
    )  # fmt: skip
    return {"data": data, "layout": layout}


@functools.lru_cache(maxsize=1024)
def _year(period: str) -> float | None:
    """A period's position on a time axis (decimal year; None when it is not a year), read
    once per label: a report's trend charts repeat the same few periods."""
    from omradesbild.errors import InputError
    from omradesbild.followup._common import period_to_year

    try:
        return period_to_year(period)
    except InputError:
        return None


def _years(periods: Sequence[str]) -> list[float | None]:
    """Each period's position on a time axis (decimal year; None when it is not a year)."""
    return [_year(str(p)) for p in periods]


def _time_axis(periods: Sequence[str], title: str) -> tuple[list[Any], dict[str, Any]]:
    """The x values and x axis of a chart over ``periods``.

    When every period is a year (or ``YYYY-MM``/``YYYY-Qn``), x is the decimal year on a
    linear axis, so that uneven years (2018, 2020, 2023) stand as far apart as they are in
    time, with a tick at each period labelled as the period; otherwise the periods are
    categories in their order.
    """
    years = _years(periods)
    labels = [str(p) for p in periods]
    if labels and all(y is not None for y in years):
        xs = [float(y) for y in years if y is not None]
        pad = 0.3 if len(set(xs)) > 1 else 0.5
        axis = {
            "type": "linear", "tickmode": "array", "tickvals": xs, "ticktext": labels,
            "range": [min(xs) - pad, max(xs) + pad], "gridcolor": "#eee",
            "title": {"text": title},
        }  # fmt: skip
        return xs, axis
    return labels, {"type": "category", "gridcolor": "#eee", "title": {"text": title}}


def _band(x: Sequence[Any], lo: list[float | None], hi: list[float | None]) -> dict[str, Any]:
    """The interval as a filled band over the points that have both ends."""
    keep = [i for i in range(len(x)) if lo[i] is not None and hi[i] is not None]
    xs = [x[i] for i in keep]
    return {
        "type": "scatter", "x": xs + xs[::-1],
        "y": [hi[i] for i in keep] + [lo[i] for i in keep[::-1]],
        "fill": "toself", "fillcolor": _COLORS["band"], "line": {"width": 0},
        "mode": "lines", "hoverinfo": "skip", "showlegend": False, "name": "95 %",
    }  # fmt: skip


def _line(
    name: str, periods: Sequence[str], values: Sequence[object], colour: str, linear: bool
) -> dict[str, Any]:
    """A reference's dotted line on :func:`trend_lines` (the kommun's or the country's)."""
    return {
        "type": "scatter", "mode": "lines", "name": name,
        "x": _years(periods) if linear else list(periods), "y": [num(a) for a in values],
        "line": {"color": colour, "dash": "dot"},
    }  # fmt: skip


def trend_lines(
    periods: Sequence[str],
    values: Sequence[object],
    lows: Sequence[object],
    highs: Sequence[object],
    *,
    kommun: tuple[Sequence[str], Sequence[object]] | None = None,
    country: tuple[Sequence[str], Sequence[object]] | None = None,
    title: str = "",
    unit: str = "",
    names: tuple[str, str, str] | None = None,
    x_title: str | None = None,
    shared: SharedParts | None = None,
) -> Figure:
    """Line chart of one indicator over the years with its 95 % band and references.

    The x axis is time (see :func:`_time_axis`): uneven years keep their gaps, each period a
    labelled tick. The interval is a filled band. ``names`` of the area, kommun and country
    default to the catalogue's Swedish words; ``x_title`` (none by default: the ticks are
    the years) titles the x axis. ``shared`` keeps the kommun's and the country's lines
    and the layout, equal on many profiles of a run, made once
    (:class:`~omradesbild.reports.figure_json.SharedParts`).
    """
    names = names or default_names()
    periods = list(periods)
    x, xaxis = _time_axis(periods, x_title or "")
    linear = xaxis["type"] == "linear"
    data: list[dict[str, Any]] = []
    lo = [num(a) for a in lows]
    hi = [num(a) for a in highs]
    if any(a is not None and b is not None for a, b in zip(lo, hi, strict=True)):
        data.append(_band(x, lo, hi))
    data.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": names[0],
            "x": x,
            "y": [num(a) for a in values],
            "line": {"color": _COLORS["area"]},
        }
    )
    for ref, nm, col in ((kommun, names[1], "kommun"), (country, names[2], "country")):
        if ref is not None and len(ref[0]):
            make = functools.partial(_line, nm, ref[0], ref[1], _COLORS[col], linear)
            data.append(_part(shared, ("line", nm, col, linear, tuple(ref[0])), ref[1], make))
    layout = _part(
        shared, ("line-layout", title, unit, tuple(periods), x_title or ""), (),
        lambda: _layout(
            title,
            height=260,
            xaxis=xaxis,
            yaxis={"title": {"text": unit}, "gridcolor": "#eee"},
            legend={"orientation": "h", "y": -0.35},
        ),
    )  # fmt: skip
    return {"data": data, "layout": layout}


def type_history(periods: Sequence[str], classes: Sequence[object], *, title: str = "") -> Figure:
    """Area type (1–5) per year as steps; type 1 at the top."""
    trace = {
        "type": "scatter",
        "mode": "lines+markers",
        "x": list(periods),
        "y": [num(c) for c in classes],
        "line": {"shape": "hv", "color": _COLORS["area"]},
        "marker": {"size": 9},
    }
    return _one_trace(
        trace,
        title,
        height=240,
        xaxis={"type": "category"},
        yaxis={"range": [5.5, 0.5], "dtick": 1, "gridcolor": "#eee"},
    )


def _bars(
    labels: Sequence[str],
    values: Sequence[object],
    marker: dict[str, Any],
    *,
    horizontal: bool = False,
) -> dict[str, Any]:
    """A bar trace: one bar per label, as long as its value (horizontal bars along x)."""
    cats, vals = list(labels), [num(v) for v in values]
    if horizontal:
        return {"type": "bar", "orientation": "h", "y": cats, "x": vals, "marker": marker}
    return {"type": "bar", "x": cats, "y": vals, "marker": marker}


def contributions(labels: Sequence[str], values: Sequence[object], *, title: str = "") -> Figure:
    """Horizontal bars: each component's contribution to the index score."""
    return _one_trace(
        _bars(labels, values, {"color": _COLORS["area"]}, horizontal=True),
        title,
        height=max(180, 40 * len(labels) + 70),
        yaxis={"automargin": True, "autorange": "reversed"},
        xaxis={"gridcolor": "#eee"},
    )


def bars_by_type(
    labels: Sequence[str], values: Sequence[object], *, title: str = "", unit: str = ""
) -> Figure:
    """Vertical bars per area type, coloured 1 (red) … 5 (blue)."""
    colors = [TYPE_COLORS[i % len(TYPE_COLORS)] for i in range(len(labels))]
    marker = {"color": colors, "line": {"color": "#999", "width": 0.5}}
    return _one_trace(
        _bars(labels, values, marker),
        title,
        height=300,
        yaxis={"title": {"text": unit}, "gridcolor": "#eee"},
    )


def rank_interval(rank: object, low: object, high: object, n: int, *, title: str = "") -> Figure:
    """One dot with its 90 % rank interval on the scale 1 … n (1 = largest challenges)."""
    r = num(rank)
    lo, hi = num(low), num(high)
    trace = {
        "type": "scatter",
        "mode": "markers",
        "x": [r],
        "y": [""],
        "marker": {"size": 12, "color": _COLORS["area"]},
        "error_x": {
            "type": "data",
            "array": [None if r is None or hi is None else hi - r],
            "arrayminus": [None if r is None or lo is None else r - lo],
            "visible": True,
        },
    }
    return _one_trace(
        trace,
        title,
        height=130,
        xaxis={"range": [n + 0.5, 0.5], "gridcolor": "#eee"},
        margin={"l": 20, "r": 20, "t": 30 if title else 10, "b": 30},
    )
