"""The JavaScript the pages load beside plotly.js: empty world maps and the locale.

plotly.js fetches its world maps from the network when a ``geo`` trace is drawn, and the
installed plotly package ships no locale files. :func:`geo_assets_js` gives it empty maps
(the charts' ``geo`` base is hidden), :func:`plotly_locale_js` its locale from the wording
catalogue; the report site writes both into ``assets/`` and the web app serves them.
"""

from __future__ import annotations

from omradesbild.wording import text

#: Empty topology used so plotly.js never fetches its world map (the base is hidden).
EMPTY_TOPO = {
    "type": "Topology",
    "arcs": [],
    "objects": {
        k: {"type": "GeometryCollection", "geometries": []}
        for k in ("land", "ocean", "lakes", "rivers", "countries", "subunits", "coastlines")
    },
}


def geo_assets_js() -> str:
    """JavaScript that gives plotly.js empty world maps (it then never fetches its own)."""
    import json

    topo = json.dumps(EMPTY_TOPO, separators=(",", ":"))
    js = "window.PlotlyGeoAssets={topojson:{}};"
    for scope in ("world", "europe"):
        for res in ("110", "50"):
            js += f"window.PlotlyGeoAssets.topojson['{scope}_{res}m']={topo};"
    return js


#: Prefix of the catalogue keys of plotly.js's own words (the toolbar's tips and others).
PLOTLY_UI_PREFIX = "plotly_ui_"


def plotly_locale_js(lang: str = "sv") -> str:
    """JavaScript that registers plotly.js's locale ``lang`` and makes it the default.

    The installed plotly package ships no locale files, so the locale is made from the
    wording catalogue: each ``plotly_ui_*`` key's English text (plotly.js's own words, the
    keys of its dictionary) is mapped to its text in ``lang``; numbers on the axes take the
    language's decimal mark and digit grouping. Load it after ``plotly.min.js``.
    """
    import json

    from omradesbild.wording import THIN_SPACE, strings

    keys = [k for k in strings("en") if k.startswith(PLOTLY_UI_PREFIX)]
    words = {text(k, "en"): text(k, lang) for k in keys}
    fmt = {"decimal": ",", "thousands": THIN_SPACE} if lang == "sv" else {}
    locale = {"moduleType": "locale", "name": lang, "dictionary": words, "format": fmt}
    body = json.dumps(locale, ensure_ascii=False, separators=(",", ":"))
    return (f"window.Plotly&&(window.Plotly.register({body}),"
            f"window.Plotly.setPlotConfig({{locale:{json.dumps(lang)}}}));")  # fmt: skip
