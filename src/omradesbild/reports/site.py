"""``omradesbild report``: a static, offline report site (overview + one page per area).

Layout of the output folder::

    index.html                 the city overview ("Samlad lägesbild")
    profiles/<area_code>.html  one profile per area
    assets/plotly.min.js       copied from the installed plotly package
    assets/site.css            the site's style sheet
    assets/geo.js              the shared display GeoJSON (only when areas have boundaries)

Nothing is loaded from the network: plotly.js, CSS and the boundaries are local files, the
maps draw on a hidden ``geo`` base without tiles, and the pages work opened from disk
(``file://``). Every figure published has been through disclosure control
(:func:`~omradesbild.reports.disclosure.apply_disclosure`) and every page states the rule.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from omradesbild.reports import charts
from omradesbild.reports.profile import SiteData, index_contributions, load_site_data
from omradesbild.wording import Translator, fmt_num

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")

#: A partner entry shown on a profile: ``{"date", "partner", "kind", "text"}``.
PartnerEntry = dict[str, str]
#: The hook that gives the partners' observations and interventions of one area.
PartnerHook = Callable[[str], Sequence[PartnerEntry]]

#: Empty topology used so plotly.js never fetches its world map (the base is hidden).
_EMPTY_TOPO = {
    "type": "Topology",
    "arcs": [],
    "objects": {
        k: {"type": "GeometryCollection", "geometries": []}
        for k in ("land", "ocean", "lakes", "rivers", "countries", "subunits", "coastlines")
    },
}


@dataclass
class SiteResult:
    """What :func:`build_site` wrote."""

    out: Path
    index: Path
    profiles: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    seconds_data: float = 0.0
    seconds_render: float = 0.0
    overview_bytes: int = 0

    @property
    def overview_mb(self) -> float:
        """Size of index.html plus the shared GeoJSON, in MB."""
        return self.overview_bytes / 1e6


def plotly_js_path() -> Path:
    """plotly.min.js from the installed plotly package."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.exists():  # pragma: no cover - broken installation
        from omradesbild.errors import ConfigError

        raise ConfigError(f"plotly.min.js not found in the plotly package ({path})")
    return path


def reliability_flag(row: Any, t: Any) -> str:
    """The reliability text of one indicator row: masked, unreliable, approximate or reliable."""
    if bool(row["masked"]):
        return str(t("masked"))
    if row["reliable"] is False or (not _nan(row["reliable"]) and not bool(row["reliable"])):
        return str(t("unreliable"))
    if not _nan(row["approximate"]) and bool(row["approximate"]):
        return str(t("approximate"))
    return str(t("reliable"))


def _json(obj: Any) -> str:
    """JSON for embedding in <script>: no NaN, and no '</' that could close the tag."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False).replace(
        "</", "<\\/"
    )


def _env(lang: str) -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda x, d=1: fmt_num(x, lang, d)
    env.globals["t"] = Translator(lang)
    return env


def _copy_assets(out: Path, geojson: dict[str, Any] | None) -> None:
    assets = out / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(plotly_js_path(), assets / "plotly.min.js")
    shutil.copyfile(STATIC / "site.css", assets / "site.css")
    boot = "window.PlotlyGeoAssets={topojson:{}};"
    for scope in ("world", "europe"):
        for res in ("110", "50"):
            boot += f"window.PlotlyGeoAssets.topojson['{scope}_{res}m']={_json(_EMPTY_TOPO)};"
    (assets / "boot.js").write_text(boot, encoding="utf-8")
    geo = assets / "geo.js"
    if geojson is not None:
        geo.write_text(f"window.OMRADESBILD_GEO={_json(geojson)};", encoding="utf-8")
    elif geo.exists():
        geo.unlink()


def _nan(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _records(df: pd.DataFrame, cols: Sequence[str]) -> list[dict[str, Any]]:
    """Plain dict rows (attrs dropped, so nothing is deep-copied per operation)."""
    plain = pd.DataFrame({c: df[c].to_numpy() for c in cols if c in df.columns})
    return plain.to_dict("records")  # type: ignore[return-value]


def _by_code(rows: list[dict[str, Any]], key: str = "area_code") -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(str(r[key]), []).append(r)
    return out


class _Context:
    """Lookups shared by all pages, computed once as plain Python structures."""

    def __init__(self, data: SiteData) -> None:
        from omradesbild.indicators import default_catalogue
        from omradesbild.reports.disclosure import disclosure_rule_text

        self.d = data
        self.t = Translator(data.lang)
        self.lang = data.lang
        cat = default_catalogue()
        self.order = {i: n for n, i in enumerate(cat.ids)}
        self.names: dict[str, str] = data.extra["catalogue_names"]
        self.units = {i: cat.get(i).unit for i in cat.ids}
        self.direction = {i: cat.get(i).direction for i in cat.ids}
        self.rule = disclosure_rule_text(data.threshold, data.lang)
        areas = data.areas
        self.area_name = {
            str(c): (str(n) if isinstance(n, str) and n else str(c))
            for c, n in zip(areas["area_code"], areas["name"], strict=True)
        }
        self.area_kommun = {
            str(c): (None if _nan(k) else str(k))
            for c, k in zip(areas["area_code"], areas["kommun_code"], strict=True)
        }
        self.has_geo = set(areas.loc[areas["has_geometry"].astype(bool), "area_code"].astype(str))
        ind = data.indicators.assign(
            _o=data.indicators["indicator"].map(self.order).fillna(999),
            masked=data.indicators["masked"].fillna(False).astype(bool),
        ).sort_values(["area_code", "_o", "period"], kind="mergesort")
        cols = ["area_code", "period", "indicator", "value", "ci_low", "ci_high", "reliable"]
        self.ind_by_area = _by_code(_records(ind, [*cols, "approximate", "masked"]))
        self.ref: dict[tuple[str, str, str], object] = {}
        for r in _records(data.references, ["area_code", "level", "period", "indicator", "value"]):
            code = "SE" if r["level"] == "country" else str(r["area_code"])
            self.ref[(code, str(r["period"]), str(r["indicator"]))] = r["value"]
        self.index = {
            str(r["area_code"]): r
            for r in _records(data.index, ["area_code", "score", "rank", "class", "class_label"])
        }
        unc = data.uncertainty
        self.unc = {str(r["area_code"]): r for r in _records(unc, list(unc.columns))}
        contrib = index_contributions(data.index, data.method, period=data.period)
        self.contrib = _by_code(_records(contrib, list(contrib.columns)))
        th = data.type_history.sort_values("period", kind="mergesort")
        self.types = _by_code(_records(th, ["area_code", "period", "class"]))
        pol = data.police
        self.police = (
            _by_code(_records(pol, ["area_code", "period", "category", "on_list"]))
            if len(pol)
            else {}
        )
        comp = {i.source_column for i in data.method.indicators}
        comp |= {f.column for f in data.method.fallbacks}
        hidden = ind[(ind["period"] == data.period) & ind["indicator"].isin(comp) & ind["masked"]]
        self.score_hidden = set(hidden["area_code"].astype(str))
        self.profile_set = set(data.profile_codes)
        self._city: dict[str, list[str]] = {}
        self.sources = self._sources()
        self.generated = self.t(
            "generated",
            when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            version=data.method_info.get("package", ""),
        )
        self.labels = {
            i.id: (i.label_en if self.lang == "en" else i.label_sv)
            or self.names.get(i.source_column, i.id)
            for i in data.method.indicators
        }
        self.class_labels: dict[int, str] = {}
        for r in self.index.values():
            if not _nan(r["class"]) and r.get("class_label"):
                self.class_labels[int(r["class"])] = str(r["class_label"])

    def _sources(self) -> list[dict[str, str]]:
        s = self.d.sources
        s = s[s["table_id"] != "builtin"]
        g = (
            s.groupby(["publisher", "table_id"], as_index=False)
            .agg(title=("title", "first"), licence=("licence", "first"), n=("source_id", "size"))
            .sort_values(["publisher", "table_id"])
        )
        out = []
        for r in _records(g, ["publisher", "table_id", "title", "licence", "n"]):
            n = int(r["n"])
            out.append(
                {
                    "publisher": str(r["publisher"]),
                    "table": str(r["table_id"]) + (f" (×{n})" if n > 1 else ""),
                    "title": str(r["title"]),
                    "licence": "" if _nan(r["licence"]) else str(r["licence"]),
                }
            )
        return out

    def city_codes(self, kommun: str | None) -> list[str]:
        """Codes with boundaries in one kommun (cached)."""
        key = str(kommun)
        if key not in self._city:
            self._city[key] = [c for c in sorted(self.has_geo) if self.area_kommun.get(c) == kommun]
        return self._city[key]

    def score_of(self, code: str) -> float | None:
        r = self.index.get(code)
        if code in self.score_hidden or r is None or _nan(r["score"]):
            return None
        return float(r["score"])

    def rank_of(self, code: str) -> dict[str, Any] | None:
        r = self.index.get(code)
        if r is None or _nan(r["rank"]):
            return None
        u = self.unc.get(code, {})
        cls = None if _nan(r["class"]) else int(r["class"])
        low, high = u.get("rank_p05"), u.get("rank_p95")
        prob = u.get(f"prob_class_{cls}") if cls is not None else None
        return {
            "rank": int(r["rank"]),
            "low": None if _nan(low) else int(low),  # type: ignore[arg-type]
            "high": None if _nan(high) else int(high),  # type: ignore[arg-type]
            "cls": cls,
            "cls_label": self.class_labels.get(cls, "") if cls is not None else "",
            "prob": None if _nan(prob) else prob,
            "score": self.score_of(code),
        }


def _common(ctx: _Context, prefix: str) -> dict[str, Any]:
    d = ctx.d
    return {
        "lang": d.lang,
        "prefix": prefix,
        "rule": ctx.rule,
        "generated": ctx.generated,
        "synthetic": d.synthetic,
        "has_geo": d.geojson is not None,
        "level_label": ctx.t.level(d.level),
        "period": d.period,
        "method_info": d.method_info,
        "sources": ctx.sources,
    }


# ------------------------------------------------------------------------------ overview
def _overview(ctx: _Context, env: Any) -> str:
    d, t = ctx.d, ctx.t
    figures: dict[str, Any] = {}
    codes = [c for c in sorted(ctx.area_name) if c in ctx.has_geo]
    names = [ctx.area_name[c] for c in codes]
    if codes:
        scores = [ctx.score_of(c) for c in codes]
        hover = [
            f"{n} ({c}): {fmt_num(s, d.lang)}" for n, c, s in zip(names, codes, scores, strict=True)
        ]
        figures["map-index"] = charts.choropleth(
            codes, scores, hover=hover, colorbar_title=t("score")
        )
        ind = d.indicators[d.indicators["period"] == d.period]
        layers = []
        for indicator, g in sorted(
            ind.groupby("indicator"), key=lambda kv: ctx.order.get(str(kv[0]), 999)
        ):
            vals = g.set_index("area_code")["value"]
            z = [vals.get(c) for c in codes]
            if all(pd.isna(v) for v in z):
                continue
            label = ctx.names.get(str(indicator), str(indicator))
            layers.append((label, z, ctx.direction.get(str(indicator)) == -1))
        if layers:
            figures["map-indicators"] = charts.choropleth_selector(codes, layers, hover_names=names)
    # Ranking table.
    rows = []
    for code in sorted(ctx.area_name):
        rk = ctx.rank_of(code) or {}
        rows.append(
            {
                "code": code,
                "name": ctx.area_name[code],
                "rank": rk.get("rank"),
                "low": rk.get("low"),
                "high": rk.get("high"),
                "score": ctx.score_of(code),
                "cls": rk.get("cls"),
                "prob": rk.get("prob"),
                "profile": code in ctx.profile_set,
            }
        )
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["code"]))
    pt = d.pop_by_type
    if len(pt):
        figures["pop-by-type"] = charts.bars_by_type(
            [f"{t('area_type')} {c}" for c in pt["class"]], list(pt["share"]), unit="%"
        )
    police_rows: list[dict[str, Any]] = []
    police_cols: list[int] = []
    if len(d.police_types):
        pt2 = d.police_types
        police_cols = sorted(int(c) for c in pt2["area_type"].dropna().unique())
        for (period, cat), g in pt2.groupby(["period", "category"], sort=False):
            counts = g.set_index("area_type")["n_areas"].to_dict()
            police_rows.append(
                {
                    "period": period,
                    "category": t.police(str(cat)),
                    "counts": [int(counts.get(c, 0)) for c in police_cols],
                }
            )
    goals = _records(d.goals, list(d.goals.columns)) if len(d.goals) else []
    for goal in goals:
        st = str(goal["status"])
        known = ("achieved", "not_achieved", "on_track", "off_track", "insufficient_data")
        goal["status_text"] = t(st) if st in known else st
    gaps = _records(d.gaps, list(d.gaps.columns))
    for gap in gaps:
        gap["label"] = t.group(str(gap["group"]))
    tpl = env.get_template("index.html")
    return str(
        tpl.render(
            **_common(ctx, ""),
            title=t("overview_title"),
            n_areas=len(ctx.area_name),
            version=d.version,
            method_title=d.method_info["method_title"],
            figures=_json(figures),
            charts=list(figures),
            geometry_dissolved=d.geometry_dissolved,
            rows=rows,
            n_reference=d.n_reference,
            draws=d.uncertainty_summary.get("draws", 0),
            pop_types=pt.to_dict("records"),
            gaps=gaps,
            priority=d.priority.to_dict("records"),
            police_rows=police_rows,
            police_cols=police_cols,
            police_available=bool(d.police_periods) and bool(d.police_known),
            goals=goals,
            goals_note=d.goals_note,
        )
    )


# ------------------------------------------------------------------------------ profiles
def _profile(ctx: _Context, tpl: Any, code: str, partners: PartnerHook | None) -> str:
    d, t, lang = ctx.d, ctx.t, ctx.lang
    figures: dict[str, Any] = {}
    kommun = ctx.area_kommun.get(code)
    names3 = (ctx.area_name[code], t("kommun"), t("country"))
    # Map of the city with the area outlined.
    if code in ctx.has_geo:
        city = ctx.city_codes(kommun)
        scores = [ctx.score_of(c) for c in city]
        hover = [
            f"{ctx.area_name[c]}: {fmt_num(s, lang)}" for c, s in zip(city, scores, strict=True)
        ]
        figures["map-area"] = charts.choropleth(
            city, scores, hover=hover, colorbar_title=t("score"), highlight=code, height=380
        )
    rows = ctx.ind_by_area.get(code, [])
    headline: list[dict[str, Any]] = []
    dots: dict[str, list[Any]] = {k: [] for k in ("l", "v", "lo", "hi", "k", "c")}
    series: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        ind = str(r["indicator"])
        if not _nan(r["value"]):
            series.setdefault(ind, []).append(r)
        if r["period"] != d.period:
            continue
        kv = ctx.ref.get((str(kommun), d.period, ind))
        cv = ctx.ref.get(("SE", d.period, ind))
        flag = reliability_flag(r, t)
        label = ctx.names.get(ind, ind)
        headline.append(
            {
                "id": ind,
                "label": label,
                "value": r["value"],
                "low": r["ci_low"],
                "high": r["ci_high"],
                "kommun": kv,
                "country": cv,
                "unit": t.unit(ctx.units.get(ind, "")),
                "flag": flag,
                "weak": flag in (t("masked"), t("unreliable")),
            }
        )
        if ctx.units.get(ind) == "procent" and not _nan(r["value"]):
            dots["l"].append(label)
            dots["v"].append(r["value"])
            dots["lo"].append(r["ci_low"])
            dots["hi"].append(r["ci_high"])
            dots["k"].append(kv)
            dots["c"].append(cv)
    if dots["l"]:
        figures["headline"] = charts.headline_dots(
            dots["l"],
            dots["v"],
            dots["lo"],
            dots["hi"],
            dots["k"],
            dots["c"],
            names=names3,
            unit="%",
        )
    trend_ids: list[str] = []
    for ind, srs in series.items():
        if len(srs) < 2:
            continue
        per = [str(r["period"]) for r in srs]
        cid = f"trend-{ind}"
        figures[cid] = charts.trend_lines(
            per,
            [r["value"] for r in srs],
            [r["ci_low"] for r in srs],
            [r["ci_high"] for r in srs],
            kommun=(per, [ctx.ref.get((str(kommun), p, ind)) for p in per]),
            country=(per, [ctx.ref.get(("SE", p, ind)) for p in per]),
            title=ctx.names.get(ind, ind),
            unit=ctx.t.unit(ctx.units.get(ind, "")),
            names=names3,
        )
        trend_ids.append(cid)
    th = ctx.types.get(code, [])
    if any(not _nan(r["class"]) for r in th):
        figures["type-history"] = charts.type_history(
            [str(r["period"]) for r in th], [r["class"] for r in th]
        )
    # Police history.
    police_rows = []
    known = code in d.police_known
    listed: dict[str, str] = {}
    for r in ctx.police.get(code, []):
        if bool(r["on_list"]):
            listed.setdefault(str(r["period"]), str(r["category"]))
    if known:
        for p in d.police_periods:
            police_rows.append({"period": p, "category": t.police(listed.get(p, "not_listed"))})
    rank = ctx.rank_of(code)
    if rank is not None:
        figures["rank"] = charts.rank_interval(
            rank["rank"], rank["low"], rank["high"], d.n_reference
        )
    contrib = []
    cg = ctx.contrib.get(code, [])
    if code not in ctx.score_hidden and any(not _nan(r["contribution"]) for r in cg):
        for r in cg:
            contrib.append(
                {
                    "label": ctx.labels.get(str(r["indicator"]), str(r["indicator"])),
                    "z": r["normalised"],
                    "w": r["weight"],
                    "c": r["contribution"],
                }
            )
        figures["drivers"] = charts.contributions(
            [c["label"] for c in contrib], [c["c"] for c in contrib]
        )
    entries = list(partners(code)) if partners is not None else []
    return str(
        tpl.render(
            **_common(ctx, "../"),
            title=f"{ctx.area_name[code]} ({code})",
            code=code,
            name=ctx.area_name[code],
            kommun=kommun,
            figures=_json(figures),
            charts=list(figures),
            has_map=code in ctx.has_geo,
            geometry_dissolved=d.geometry_dissolved,
            headline=headline,
            trend_ids=trend_ids,
            has_types="type-history" in figures,
            type_rows=th,
            police_rows=police_rows,
            police_known=known,
            rank=rank,
            n_reference=d.n_reference,
            contrib=contrib,
            partners=entries,
        )
    )


def build_site(
    store: Any,
    out: Path,
    *,
    level: str = "regso",
    version: str | None = None,
    period: str | None = None,
    lang: str = "sv",
    method: str = "scb-omradestyp",
    threshold: int = 5,
    areas: Sequence[str] | None = None,
    kommun: str | None = None,
    draws: int = 500,
    seed: int = 0,
    partners: PartnerHook | None = None,
    goals_path: Path | None = None,
    data: SiteData | None = None,
) -> SiteResult:
    """Build the static report site for one level into ``out``.

    Parameters
    ----------
    store
        An open :class:`~omradesbild.store.Store` (not read when ``data`` is given).
    out
        Output folder (created; existing pages are overwritten).
    level, version, period, lang, method, threshold, areas, kommun, draws, seed, goals_path
        As :func:`~omradesbild.reports.profile.load_site_data`.
    partners
        Hook giving the partners' observations and interventions of an area (a list of
        ``{"date", "partner", "kind", "text"}``); ``None`` shows "inga registrerade".
    data
        Precomputed :class:`SiteData` (skips the store).
    """
    t0 = time.perf_counter()
    if data is None:
        data = load_site_data(
            store,
            level=level,
            version=version,
            period=period,
            lang=lang,
            method=method,
            threshold=threshold,
            areas=areas,
            kommun=kommun,
            draws=draws,
            seed=seed,
            goals_path=goals_path,
        )
    t1 = time.perf_counter()
    out = Path(out)
    (out / "profiles").mkdir(parents=True, exist_ok=True)
    _copy_assets(out, data.geojson)
    env = _env(data.lang)
    ctx = _Context(data)
    index_path = out / "index.html"
    index_path.write_text(_overview(ctx, env), encoding="utf-8")
    tpl = env.get_template("profile.html")
    written = []
    for code in data.profile_codes:
        p = out / "profiles" / f"{code}.html"
        p.write_text(_profile(ctx, tpl, code, partners), encoding="utf-8")
        written.append(p)
    t2 = time.perf_counter()
    size = index_path.stat().st_size
    geo = out / "assets" / "geo.js"
    if geo.exists():
        size += geo.stat().st_size
    return SiteResult(
        out=out,
        index=index_path,
        profiles=written,
        seconds=t2 - t0,
        seconds_data=t1 - t0,
        seconds_render=t2 - t1,
        overview_bytes=size,
    )
