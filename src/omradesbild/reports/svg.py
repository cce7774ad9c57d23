"""Inline SVG charts and the city map of the PDF profile (no Plotly, no browser).

Every chart is drawn from the same numbers as the site; the map is drawn from the
simplified display geometry (EPSG:4326, projected with an equirectangular projection
around the city's mean latitude).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from omradesbild.config import AREA_TYPE_COLOURS, AREA_TYPE_TEXT_COLOURS
from omradesbild.reports.charts import num as _num
from omradesbild.services.models import IndicatorValue
from omradesbild.wording import fmt_num

#: Colours shared with the site (area, kommun, country, confidence band).
COLORS = {"area": "#1f5f8b", "kommun": "#e07b00", "country": "#6b6b6b", "band": "#c9dbe8"}
#: Colours of area types 1 (largest challenges) … 5 (as on the site).
TYPE_COLORS = list(AREA_TYPE_COLOURS)
#: Sequential scale of the index map (low → high score), YlOrRd-like.
_SCALE = ["#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026"]
_FONT = "DejaVu Sans, Arial, sans-serif"


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


def svg_dots(rows: Sequence[IndicatorValue], *, lang: str = "sv", width: float = 680.0) -> str:
    """Dot-and-whisker chart: the area's value with its interval, kommun and country.

    One row per indicator (percentages); the x axis runs from 0 to 100 or to the largest
    value shown, whichever is smaller, rounded up.
    """
    labels = [r.label for r in rows]
    values, lows, highs = (
        [r.value for r in rows],
        [r.ci_low for r in rows],
        [r.ci_high for r in rows],
    )
    kommun, country = [r.kommun for r in rows], [r.country for r in rows]
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
        k = int(f) if f is not None and 1 <= f <= 5 else None
        fill = TYPE_COLORS[k - 1] if k is not None else "#ffffff"
        ink = AREA_TYPE_TEXT_COLOURS[k - 1] if k is not None else "#1d1d1f"  # the number
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
