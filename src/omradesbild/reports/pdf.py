"""The area profile as an A4 PDF (WeasyPrint), fit to print and fully offline.

The PDF holds the content of the HTML profile page in print form: a header with the area's
name, code, level and period (and the SYNTHETIC label when the store holds synthetic data),
a small map of the area in its city, the key figures versus kommun and country with 95 %
intervals and reliability flags (table and dot-and-whisker chart), trends, area-type
history, the Police's classification over the years, the partners' section, rank with its
90 % interval, what drives the index, data sources and method versions, and the disclosure
rule.

Every chart is inline SVG drawn here from the same numbers as the site (no Plotly, no
kaleido, no browser); the map is drawn from the simplified display geometry of
:class:`~omradesbild.services.city.CityData` (EPSG:4326, projected with an
equirectangular projection around the city's mean latitude). WeasyPrint is given a URL
fetcher that refuses every URL except ``data:`` ones, so nothing is loaded from the network
or from disk; fonts are the system's (DejaVu Sans when installed).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from omradesbild.reports.charts import percent_indicators
from omradesbild.reports.site import PartnerHook, _Context
from omradesbild.services.city import CityData
from omradesbild.services.models import AreaProfile
from omradesbild.wording import fmt_num

#: Colours shared with the site (area, kommun, country, confidence band).
COLORS = {"area": "#1f5f8b", "kommun": "#e07b00", "country": "#6b6b6b", "band": "#c9dbe8"}
#: Colours of area types 1 (largest challenges) … 5 (as on the site).
TYPE_COLORS = ["#b2182b", "#ef8a62", "#f7f7f7", "#67a9cf", "#2166ac"]
#: Sequential scale of the index map (low → high score), YlOrRd-like.
_SCALE = ["#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026"]
_FONT = "DejaVu Sans, Arial, sans-serif"


def _css(s: str) -> Any:
    """``s`` as a quoted CSS string, safe inside <style> (no HTML escaping applies there)."""
    from markupsafe import Markup

    body = "".join(c if c.isalnum() or c in " .,:;()–-_/%·" else f"\\{ord(c):x} " for c in s)
    return Markup(f'"{body}"')


def _num(x: object) -> float | None:
    """A finite float or None."""
    if x is None:
        return None
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def _r(x: float) -> str:
    """A compact SVG coordinate (one decimal, no trailing zeros)."""
    s = f"{x:.1f}"
    return s[:-2] if s.endswith(".0") else s


# ------------------------------------------------------------------------------ SVG charts
def _svg(width: float, height: float, body: str, *, label: str = "") -> str:
    aria = f' role="img" aria-label="{escape(label)}"' if label else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_r(width)} {_r(height)}" '
        f'width="{_r(width)}" height="{_r(height)}" font-family="{_FONT}"{aria}>{body}</svg>'
    )


def _text(x: float, y: float, s: str, *, size: float = 8, anchor: str = "middle", **kw: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in kw.items())
    return (
        f'<text x="{_r(x)}" y="{_r(y)}" font-size="{size}" text-anchor="{anchor}"{extra}>'
        f"{escape(s)}</text>"
    )


def _nice_range(values: Sequence[float], *, pad: float = 0.05) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    if hi - lo < 1e-12:
        lo, hi = lo - (abs(lo) * 0.1 or 1.0), hi + (abs(hi) * 0.1 or 1.0)
    span = hi - lo
    return lo - pad * span, hi + pad * span


def _ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    """Round tick values covering [lo, hi] (about ``n`` of them)."""
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    out = []
    v = first
    while v <= hi + 1e-9 * step:
        out.append(round(v, 10))
        v += step
    return out


def svg_dots(
    labels: Sequence[str],
    values: Sequence[object],
    lows: Sequence[object],
    highs: Sequence[object],
    kommun: Sequence[object],
    country: Sequence[object],
    *,
    lang: str = "sv",
    width: float = 680.0,
) -> str:
    """Dot-and-whisker chart: the area's value with its interval, kommun and country.

    One row per indicator (percentages); the x axis runs from 0 to 100 or to the largest
    value shown, whichever is smaller, rounded up.
    """
    row_h, top, left, right = 14.0, 16.0, 310.0, 14.0
    height = top + row_h * len(labels) + 6
    nums = [
        v
        for seq in (values, lows, highs, kommun, country)
        for v in (_num(x) for x in seq)
        if v is not None
    ]
    hi = max([*nums, 1.0])
    top_val = 100.0 if hi > 50 else math.ceil(hi / 10) * 10 if hi > 10 else math.ceil(hi)
    top_val = max(top_val, 1.0)
    plot_w = width - left - right

    def x(v: float) -> float:
        return left + plot_w * max(0.0, min(v, top_val)) / top_val

    parts = []
    for tv in _ticks(0.0, top_val, 4):
        parts.append(
            f'<line x1="{_r(x(tv))}" y1="{_r(top - 4)}" x2="{_r(x(tv))}" '
            f'y2="{_r(height - 6)}" stroke="#e3e6ea" stroke-width="0.6"/>'
        )
        parts.append(_text(x(tv), top - 6, fmt_num(tv, lang, 0), size=8, anchor="middle"))
    for i, label in enumerate(labels):
        cy = top + row_h * i + row_h / 2
        short = label if len(label) <= 64 else label[:62] + "…"
        parts.append(_text(left - 6, cy + 3, short, size=8.5, anchor="end"))
        lo, hv, v = _num(lows[i]), _num(highs[i]), _num(values[i])
        if lo is not None and hv is not None:
            parts.append(
                f'<line x1="{_r(x(lo))}" y1="{_r(cy)}" x2="{_r(x(hv))}" y2="{_r(cy)}" '
                f'stroke="{COLORS["area"]}" stroke-width="1.6"/>'
            )
        c = _num(country[i])
        if c is not None:  # country just below the row's centre, kommun just above
            parts.append(
                f'<rect x="{_r(x(c) - 2.6)}" y="{_r(cy + 0.6)}" width="5.2" height="5.2" '
                f'fill="{COLORS["country"]}"/>'
            )
        k = _num(kommun[i])
        if k is not None:
            px, ky = x(k), cy - 3
            parts.append(
                f'<path d="M{_r(px)} {_r(ky - 3.4)}L{_r(px + 3.4)} {_r(ky)}L{_r(px)} '
                f'{_r(ky + 3.4)}L{_r(px - 3.4)} {_r(ky)}Z" fill="{COLORS["kommun"]}"/>'
            )
        if v is not None:
            parts.append(
                f'<circle cx="{_r(x(v))}" cy="{_r(cy)}" r="3.4" fill="{COLORS["area"]}" '
                'stroke="white" stroke-width="0.8"/>'
            )
    return _svg(width, height, "".join(parts), label="dots")


def svg_trend(
    periods: Sequence[str],
    values: Sequence[object],
    lows: Sequence[object],
    highs: Sequence[object],
    kommun: Sequence[object],
    country: Sequence[object],
    *,
    lang: str = "sv",
    width: float = 130.0,
    height: float = 78.0,
) -> str:
    """Small line chart of one indicator: the area with its 95 % band, kommun and country."""
    left, right, top, bottom = 27.0, 5.0, 5.0, 12.0
    try:
        xs_num = [float(p) for p in periods]
    except ValueError:
        xs_num = [float(i) for i in range(len(periods))]
    x0, x1 = min(xs_num), max(xs_num)
    if x1 == x0:
        x1 = x0 + 1
    nums = [
        v
        for seq in (values, lows, highs, kommun, country)
        for v in (_num(x) for x in seq)
        if v is not None
    ]
    if not nums:
        return _svg(width, height, "")
    y0, y1 = _nice_range(nums, pad=0.08)
    pw, ph = width - left - right, height - top - bottom

    def px(v: float) -> float:
        return left + pw * (v - x0) / (x1 - x0)

    def py(v: float) -> float:
        return top + ph * (1 - (v - y0) / (y1 - y0))

    parts = [
        f'<rect x="{_r(left)}" y="{_r(top)}" width="{_r(pw)}" height="{_r(ph)}" '
        'fill="none" stroke="#d9dde3" stroke-width="0.6"/>'
    ]
    for tv in _ticks(y0, y1, 3):
        parts.append(
            f'<line x1="{_r(left)}" y1="{_r(py(tv))}" x2="{_r(left + pw)}" y2="{_r(py(tv))}" '
            'stroke="#eef0f3" stroke-width="0.5"/>'
        )
        dec = 0 if abs(y1 - y0) >= 5 else 1 if abs(y1 - y0) >= 0.5 else 2
        parts.append(_text(left - 2, py(tv) + 2.5, fmt_num(tv, lang, dec), size=6.5, anchor="end"))
    parts.append(_text(left, height - 2, str(periods[0]), size=6.5, anchor="start"))
    if len(periods) > 1:
        parts.append(_text(left + pw, height - 2, str(periods[-1]), size=6.5, anchor="end"))
    band = [(xv, _num(lo), _num(hi)) for xv, lo, hi in zip(xs_num, lows, highs, strict=True)]
    band = [(xv, lo, hi) for xv, lo, hi in band if lo is not None and hi is not None]
    if len(band) >= 2:
        pts = [f"{_r(px(xv))} {_r(py(hi))}" for xv, _, hi in band]  # type: ignore[arg-type]
        pts += [f"{_r(px(xv))} {_r(py(lo))}" for xv, lo, _ in reversed(band)]  # type: ignore[arg-type]
        parts.append(f'<path d="M{"L".join(pts)}Z" fill="{COLORS["band"]}" stroke="none"/>')

    def line(seq: Sequence[object], color: str, dash: str, w: float) -> None:
        nums = zip(xs_num, (_num(s) for s in seq), strict=True)
        pts = [(px(xv), py(v)) for xv, v in nums if v is not None]
        if len(pts) >= 2:
            d = "L".join(f"{_r(a)} {_r(b)}" for a, b in pts)
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<path d="M{d}" fill="none" stroke="{color}" stroke-width="{w}"{dash_attr}/>'
            )

    line(country, COLORS["country"], "1.2 1.6", 1.0)
    line(kommun, COLORS["kommun"], "3 2", 1.0)
    line(values, COLORS["area"], "", 1.5)
    for xv, v in zip(xs_num, values, strict=True):
        f = _num(v)
        if f is not None:
            parts.append(
                f'<circle cx="{_r(px(xv))}" cy="{_r(py(f))}" r="1.6" fill="{COLORS["area"]}"/>'
            )
    return _svg(width, height, "".join(parts), label="trend")


def svg_rank(rank: int, low: int | None, high: int | None, n: int, *, width: float = 280) -> str:
    """The rank (1 = largest challenges) on the scale 1 … n with its 90 % interval."""
    left, right, height, cy = 14.0, 14.0, 34.0, 14.0
    n = max(n, 1)

    def x(v: float) -> float:
        return left + (width - left - right) * (v - 1) / max(n - 1, 1)

    parts = [
        f'<line x1="{_r(x(1))}" y1="{_r(cy)}" x2="{_r(x(n))}" y2="{_r(cy)}" '
        'stroke="#bfc5cc" stroke-width="2"/>'
    ]
    for end in (1, n):  # scale ends, unless the rank's own label would overlap them
        if abs(x(end) - x(rank)) > 16:
            parts.append(_text(x(end), height - 4, str(end), size=8, anchor="middle"))
    if low is not None and high is not None:
        parts.append(
            f'<line x1="{_r(x(low))}" y1="{_r(cy)}" x2="{_r(x(high))}" y2="{_r(cy)}" '
            f'stroke="{COLORS["area"]}" stroke-opacity="0.45" stroke-width="7"/>'
        )
    parts.append(
        f'<circle cx="{_r(x(rank))}" cy="{_r(cy)}" r="4.5" fill="{COLORS["area"]}" '
        'stroke="white" stroke-width="1"/>'
    )
    parts.append(_text(x(rank), height - 4, str(rank), size=8, anchor="middle", font_weight="bold"))
    return _svg(width, height, "".join(parts), label="rank")


def svg_bars(labels: Sequence[str], values: Sequence[object], *, lang: str = "sv") -> str:
    """Horizontal bars around zero (the index contributions)."""
    width, row_h, left, right, top = 680.0, 14.0, 310.0, 44.0, 4.0
    height = top + row_h * len(labels) + 4
    nums = [v for v in (_num(x) for x in values) if v is not None]
    lo, hi = min([0.0, *nums]), max([0.0, *nums])
    if hi - lo < 1e-12:
        hi = lo + 1
    pw = width - left - right

    def x(v: float) -> float:
        return left + pw * (v - lo) / (hi - lo)

    parts = [
        f'<line x1="{_r(x(0))}" y1="{_r(top)}" x2="{_r(x(0))}" y2="{_r(height - 2)}" '
        'stroke="#8a8f96" stroke-width="0.7"/>'
    ]
    for i, label in enumerate(labels):
        y = top + row_h * i
        short = label if len(label) <= 64 else label[:62] + "…"
        parts.append(_text(left - 6, y + row_h / 2 + 3, short, size=8.5, anchor="end"))
        v = _num(values[i])
        if v is None:
            continue
        a, b = sorted((x(0), x(v)))
        color = "#b2182b" if v > 0 else "#2166ac"
        parts.append(
            f'<rect x="{_r(a)}" y="{_r(y + 2)}" width="{_r(max(b - a, 0.5))}" '
            f'height="{_r(row_h - 4)}" fill="{color}"/>'
        )
        parts.append(
            _text(max(b, x(0)) + 3, y + row_h / 2 + 3, fmt_num(v, lang, 2), size=8, anchor="start")
        )
    return _svg(width, height, "".join(parts), label="bars")


def svg_types(periods: Sequence[str], classes: Sequence[object], *, width: float = 280) -> str:
    """Area type per period as a strip of coloured boxes (1 = largest challenges)."""
    n = max(len(periods), 1)
    height, top = 34.0, 2.0
    bw = min(width / n, 48.0)
    parts = []
    for i, (p, c) in enumerate(zip(periods, classes, strict=True)):
        f = _num(c)
        fill = TYPE_COLORS[int(f) - 1] if f is not None and 1 <= f <= 5 else "#ffffff"
        ink = "white" if f is not None and int(f) in (1, 5) else "#1d1d1f"
        parts.append(
            f'<rect x="{_r(i * bw + 1)}" y="{_r(top)}" width="{_r(bw - 2)}" height="18" '
            f'fill="{fill}" stroke="#bfc5cc" stroke-width="0.6"/>'
        )
        parts.append(
            _text(i * bw + bw / 2, top + 12.5, "–" if f is None else str(int(f)), fill=ink)
        )
        parts.append(_text(i * bw + bw / 2, height - 3, str(p), size=6.5, anchor="middle"))
    return _svg(max(bw * n, 10), height, "".join(parts), label="types")


# ------------------------------------------------------------------------------------ map
def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        return list(geometry["coordinates"])
    if geometry.get("type") == "MultiPolygon":
        return [ring for poly in geometry["coordinates"] for ring in poly]
    return []


def _color(t: float) -> str:
    """Colour of the sequential scale at ``t`` in [0, 1] (linear between the stops)."""
    t = min(max(t, 0.0), 1.0) * (len(_SCALE) - 1)
    i = min(int(t), len(_SCALE) - 2)
    f = t - i
    a, b = _SCALE[i], _SCALE[i + 1]
    rgb = [round(int(a[k : k + 2], 16) * (1 - f) + int(b[k : k + 2], 16) * f) for k in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in rgb)


@dataclass
class CityMap:
    """Projected SVG paths of one kommun's areas (shared by every profile of the city)."""

    paths: dict[str, str]
    width: float
    height: float
    centres: dict[str, tuple[float, float, float]]  # x, y, extent

    @classmethod
    def from_features(
        cls, features: Sequence[dict[str, Any]], *, width: float = 380.0, max_h: float = 320.0
    ) -> CityMap:
        """Project GeoJSON features (EPSG:4326) to an SVG box ``width`` wide.

        Notes
        -----
        Equirectangular projection around the mean latitude :math:`\\varphi_0`:
        :math:`x = \\lambda \\cos\\varphi_0`, :math:`y = -\\varphi`, then scaled to fit.
        """
        rings = {str(f["id"]): _rings(f.get("geometry") or {}) for f in features}
        pts = [p for rs in rings.values() for ring in rs for p in ring]
        if not pts:
            return cls({}, width, 10.0, {})
        lons = [p[0] for p in pts]
        lats = [p[1] for p in pts]
        k = math.cos(math.radians((min(lats) + max(lats)) / 2))
        minx, maxx = min(lons) * k, max(lons) * k
        miny, maxy = min(lats), max(lats)
        span_x, span_y = max(maxx - minx, 1e-9), max(maxy - miny, 1e-9)
        scale = min((width - 4) / span_x, (max_h - 4) / span_y)
        height = span_y * scale + 4
        paths: dict[str, str] = {}
        centres: dict[str, tuple[float, float, float]] = {}
        for code, rs in rings.items():
            parts = []
            xs_all: list[float] = []
            ys_all: list[float] = []
            for ring in rs:
                out: list[str] = []
                last = ""
                for lon, lat in ((p[0], p[1]) for p in ring):
                    xy = f"{_r(2 + (lon * k - minx) * scale)} {_r(2 + (maxy - lat) * scale)}"
                    if xy != last:
                        out.append(xy)
                        last = xy
                if len(out) >= 3:
                    parts.append("M" + " ".join(out) + "Z")
                    xs_all += [2 + (p[0] * k - minx) * scale for p in ring]
                    ys_all += [2 + (maxy - p[1]) * scale for p in ring]
            if parts:
                paths[code] = "".join(parts)
                ext = max(max(xs_all) - min(xs_all), max(ys_all) - min(ys_all))
                centres[code] = (
                    (min(xs_all) + max(xs_all)) / 2,
                    (min(ys_all) + max(ys_all)) / 2,
                    ext,
                )
        return cls(paths, width, height, centres)

    def svg(self, values: dict[str, float | None], highlight: str) -> str:
        """The city coloured by ``values`` (min–max scaled) with ``highlight`` outlined."""
        nums = [v for v in values.values() if v is not None]
        lo, hi = (min(nums), max(nums)) if nums else (0.0, 1.0)
        span = hi - lo or 1.0
        parts = []
        for code, d in self.paths.items():
            v = values.get(code)
            fill = "#e6e8eb" if v is None else _color((v - lo) / span)
            parts.append(f'<path d="{d}" fill="{fill}" stroke="#ffffff" stroke-width="0.4"/>')
        if highlight in self.paths:
            parts.append(
                f'<path d="{self.paths[highlight]}" fill="none" stroke="{COLORS["area"]}" '
                'stroke-width="2.2" stroke-linejoin="round"/>'
            )
            cx, cy, ext = self.centres[highlight]
            if ext < 18:  # small area: ring around it so it can be found
                parts.append(
                    f'<circle cx="{_r(cx)}" cy="{_r(cy)}" r="{_r(ext / 2 + 9)}" fill="none" '
                    f'stroke="{COLORS["area"]}" stroke-width="1.4"/>'
                )
        return _svg(self.width, self.height, "".join(parts), label="map")


# ---------------------------------------------------------------------------- the document
class _PdfContext:
    """The site's shared lookups plus the projected city maps (cached per kommun)."""

    def __init__(self, data: CityData, lang: str | None = None) -> None:
        from omradesbild.wording import check_lang

        self.ctx = _Context(data, check_lang(lang) if lang else None)
        self.data = data
        self._features = {str(f["id"]): f for f in (data.geojson or {}).get("features", [])}
        self._maps: dict[str, CityMap] = {}

    def city_map(self, kommun: str | None) -> CityMap:
        key = str(kommun)
        if key not in self._maps:
            codes = self.ctx.city_codes(kommun)
            feats = [self._features[c] for c in codes if c in self._features]
            self._maps[key] = CityMap.from_features(feats)
        return self._maps[key]


def _dots(p: AreaProfile, lang: str) -> str:
    dots = percent_indicators(p)
    if not dots:
        return ""
    return svg_dots(
        [v.label for v in dots], [v.value for v in dots], [v.ci_low for v in dots],
        [v.ci_high for v in dots], [v.kommun for v in dots], [v.country for v in dots],
        lang=lang,
    )  # fmt: skip


def _sources(ctx: _Context) -> list[dict[str, str]]:
    """The site's source list folded to one row per publisher and licence (print size)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for src in ctx.sources:
        groups.setdefault((src["publisher"], src["licence"]), []).append(src["table"])
    return [
        {"publisher": pub, "licence": lic, "tables": ", ".join(tables)}
        for (pub, lic), tables in groups.items()
    ]


def _trends(p: AreaProfile, lang: str) -> list[dict[str, str]]:
    out = []
    for srs in p.series().values():
        if len(srs) < 2:
            continue
        unit, title = srs[0].unit, srs[0].label
        out.append(
            {
                "title": title,
                "unit": "" if not unit or unit in title else unit,
                "svg": svg_trend(
                    [v.period for v in srs],
                    [v.value for v in srs],
                    [v.ci_low for v in srs],
                    [v.ci_high for v in srs],
                    [v.kommun for v in srs],
                    [v.country for v in srs],
                    lang=lang,
                ),
            }
        )
    return out


def _charts(pc: _PdfContext, p: AreaProfile) -> dict[str, Any]:
    """The inline SVG charts of one profile."""
    ctx, lang = pc.ctx, pc.ctx.lang
    map_svg = ""
    if p.code in ctx.has_geo:
        cm = pc.city_map(p.kommun)
        map_svg = cm.svg({c: ctx.score_of(c) for c in cm.paths}, p.code)
    th = p.type_history
    r = p.rank
    return {
        "map_svg": map_svg,
        "dots_svg": _dots(p, lang),
        "types_svg": (
            svg_types([x.period for x in th], [x.cls for x in th])
            if any(x.cls is not None for x in th)
            else ""
        ),
        "rank_svg": svg_rank(r.rank, r.low, r.high, r.n) if r is not None else "",
        "drivers_svg": (
            svg_bars([x.label for x in p.drivers], [x.contribution for x in p.drivers], lang=lang)
            if p.drivers
            else ""
        ),
        "trends": _trends(p, lang),
    }


def profile_html(
    data: CityData,
    area_code: str,
    *,
    lang: str | None = None,
    partners: PartnerHook | None = None,
    _pc: _PdfContext | None = None,
) -> str:
    """The print HTML of one area's profile (what :func:`build_profile_pdf` renders).

    Parameters
    ----------
    data
        The report's data (:func:`~omradesbild.services.city.load_city`).
    area_code
        An area in ``data.areas``.
    lang
        ``"sv"`` or ``"en"``; default the language ``data`` was loaded in.
    partners
        Hook giving the partners' entries of an area (as for
        :func:`~omradesbild.reports.site.build_site`).
    """
    from omradesbild.reports.site import _env

    pc = _pc or _PdfContext(data, lang)
    ctx = pc.ctx
    d, t = ctx.d, ctx.t
    p = ctx.profile(str(area_code), partners)
    code = p.code
    tpl = _env(ctx.lang).get_template("profile_pdf.html")
    return str(
        tpl.render(
            lang=ctx.lang,
            css={
                "top_left": _css(f"{t('site_title')} · {t('profile_title')}"),
                "top_right": _css(code if p.name == code else f"{p.name} ({code})"),
                "synthetic": _css(t("synthetic_short")),
                "generated": _css(ctx.generated),
                "page": _css(t("page")),
                "of": _css(t("of")),
            },
            title=f"{p.name} ({code})",
            p=p,
            code=code,
            name=p.name,
            kommun=p.kommun,
            level_label=t.level(d.level),
            version=d.version,
            period=d.period,
            synthetic=d.synthetic,
            geometry_dissolved=d.geometry_dissolved,
            sources=_sources(ctx),
            method_info=ctx.method_info,
            rule=ctx.rule,
            generated=ctx.generated,
            **_charts(pc, p),
        )
    )


# --------------------------------------------------------------------------- WeasyPrint glue
def _weasyprint() -> Any:
    from omradesbild._compat import import_optional_dependency

    return import_optional_dependency("weasyprint", purpose="PDF profiles (WeasyPrint, Pango)")


def offline_fetcher() -> Any:
    """A WeasyPrint URL fetcher that refuses every URL except inline ``data:`` ones.

    Refused URLs are recorded in its ``refused`` list (and WeasyPrint leaves the resource
    out), so nothing is ever loaded from the network or from disk.
    """
    wp = _weasyprint()

    class OfflineFetcher(wp.urls.URLFetcher):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data",))
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith("data:"):
                self.refused.append(url)
                raise ValueError(f"offline PDF: refusing to fetch {url}")
            return super().fetch(url, headers)

    return OfflineFetcher()


def render_pdf(html: str) -> Any:
    """Lay out print HTML with WeasyPrint, offline; returns the ``weasyprint.Document``.

    ``document.pages`` gives the page count; ``document.write_pdf(path)`` writes the file.
    The fetcher (with its ``refused`` list) is kept as ``document.offline_fetcher``.
    """
    wp = _weasyprint()
    fetcher = offline_fetcher()
    doc = wp.HTML(string=html, base_url=None, url_fetcher=fetcher).render()
    doc.offline_fetcher = fetcher
    return doc


def build_profile_pdf(
    data: CityData,
    area_code: str,
    out: Path,
    *,
    lang: str | None = None,
    partners: PartnerHook | None = None,
) -> Path:
    """Write one area's profile as an A4 PDF.

    Parameters
    ----------
    data
        The report's data (:func:`~omradesbild.services.city.load_city`).
    area_code
        The area.
    out
        The PDF file, or a folder (then ``<out>/<area_code>.pdf``).
    lang
        ``"sv"`` or ``"en"``; default the language of ``data``.
    partners
        Hook giving the partners' entries of an area.

    Returns
    -------
    Path
        The PDF written.
    """
    return _build(_PdfContext(data, lang), area_code, Path(out), partners)


def _build(pc: _PdfContext, code: str, out: Path, partners: PartnerHook | None) -> Path:
    if out.suffix.lower() != ".pdf":
        out = out / f"{code}.pdf"
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = render_pdf(profile_html(pc.data, code, partners=partners, _pc=pc))
    doc.write_pdf(out)
    return out


@dataclass
class PdfResult:
    """What :func:`build_pdfs` wrote."""

    paths: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def seconds_per_pdf(self) -> float:
        """Mean time per PDF."""
        return self.seconds / max(len(self.paths), 1)


def build_pdfs(
    data: CityData,
    out_dir: Path,
    *,
    areas: Sequence[str] | None = None,
    lang: str | None = None,
    partners: PartnerHook | None = None,
) -> PdfResult:
    """Write ``<out_dir>/<area_code>.pdf`` for several areas (default: every profile).

    The lookups and the projected city maps are computed once and shared by every PDF.
    """
    t0 = time.perf_counter()
    pc = _PdfContext(data, lang)
    codes = list(areas) if areas is not None else list(data.profile_codes)
    res = PdfResult()
    for code in codes:
        res.paths.append(_build(pc, str(code), Path(out_dir) / f"{code}.pdf", partners))
    res.seconds = time.perf_counter() - t0
    return res


#: Marker in the HTML profile template replaced by the link to the PDF.
PDF_LINK_MARKER = "<!--pdf-link-->"


def link_pdfs(profiles_dir: Path, codes: Sequence[str], *, lang: str = "sv") -> int:
    """Put a link to ``<code>.pdf`` into each ``<code>.html`` that has a PDF beside it.

    Returns the number of pages linked.
    """
    label = "Skriv ut (PDF, A4)" if lang == "sv" else "Print (PDF, A4)"
    n = 0
    for code in codes:
        html, pdf = profiles_dir / f"{code}.html", profiles_dir / f"{code}.pdf"
        if not (html.exists() and pdf.exists()):
            continue
        page = html.read_text(encoding="utf-8")
        if PDF_LINK_MARKER not in page:
            continue
        link = f' · <a class="pdf-link" href="{escape(pdf.name)}">{escape(label)}</a>'
        html.write_text(page.replace(PDF_LINK_MARKER, link, 1), encoding="utf-8")
        n += 1
    return n


__all__ = [
    "CityMap",
    "PdfResult",
    "build_pdfs",
    "build_profile_pdf",
    "link_pdfs",
    "offline_fetcher",
    "profile_html",
    "render_pdf",
    "svg_bars",
    "svg_dots",
    "svg_rank",
    "svg_trend",
    "svg_types",
]
