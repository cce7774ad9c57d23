"""``omradesbild report``: a static, offline report site (overview + one page per area).

Layout of the output folder::

    index.html                 the city overview ("Samlad lägesbild")
    profiles/<area_code>.html  one profile per area
    assets/plotly.min.js       copied from the installed plotly package
    assets/plotly-locale-sv.js plotly.js's Swedish toolbar and dates (Swedish reports only)
    assets/site.css            the site's style sheet
    assets/area-types.css      the area types' colours (reports.palette)
    assets/geo.js              the shared display GeoJSON (only when areas have boundaries)

Nothing is loaded from the network: plotly.js, CSS and the boundaries are local files, the
maps draw on a hidden ``geo`` base without tiles, and the pages work opened from disk
(``file://``). Every figure published has been through disclosure control
(:func:`~omradesbild.reports.disclosure.apply_disclosure`) and every page states the rule.
"""

from __future__ import annotations

import functools
import math
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from omradesbild.precision import indicator_decimals, score_decimals
from omradesbild.reports import charts, profile_figures
from omradesbild.reports.disclosure import MASK_SYMBOL
from omradesbild.reports.figure_json import SharedParts, figures_json
from omradesbild.reports.figure_json import script_json as _json
from omradesbild.reports.palette import AREA_TYPE_CSS, area_type_css
from omradesbild.reports.plotly_assets import geo_assets_js, plotly_locale_js
from omradesbild.reports.site_workers import write_pages
from omradesbild.services.area import catalogue_names
from omradesbild.services.city import CityData
from omradesbild.services.models import (
    AreaProfile,
    CityPicture,
    IndicatorValue,
    PartnerEntry,
    PriorityRow,
)
from omradesbild.services.partners import PartnerInput
from omradesbild.wording import Translator, both, fmt_num

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
#: The web app's templates: the report finds the pieces both draw there (``_parts.html``).
WEB_TEMPLATES = Path(__file__).parents[1] / "web" / "templates"

#: A partner entry given by a hook: ``{"date", "partner", "kind", "text"}``.
PartnerDict = dict[str, str]
#: A hook that gives the partners' observations of one area.
PartnerHook = Callable[[str], Sequence[PartnerDict]]
#: The partners' input of the profiles: the database's approved public submissions and
#: interventions (:class:`~omradesbild.services.partners.PartnerInput`), or a hook.
Partners = PartnerInput | PartnerHook


@dataclass
class SiteResult:
    """What :func:`build_site` wrote."""

    out: Path
    index: Path
    profiles: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    overview_bytes: int = 0

    @property
    def overview_mb(self) -> float:
        """Size of index.html plus the shared GeoJSON, in MB."""
        return self.overview_bytes / 1e6


def plotly_js_path() -> Path:
    """plotly.min.js from the installed plotly package (found without importing it)."""
    from importlib.util import find_spec

    spec = find_spec("plotly")
    origin = spec.origin if spec is not None else None
    path = Path(origin or ".").parent / "package_data" / "plotly.min.js"
    if origin is None or not path.exists():  # pragma: no cover - broken installation
        from omradesbild.errors import ConfigError

        raise ConfigError(both("err_svc_no_plotly_js", path=path))
    return path


def _num_filter(lang: str) -> Callable[..., str]:
    """The templates' ``num`` filter: :func:`fmt_num` in ``lang``, each float written once
    per run and then looked up (every profile repeats the kommun's and the country's
    values). Zeros are written each time: ``0.0`` and ``-0.0`` are one key but two texts."""
    memo: dict[tuple[float, int], str] = {}

    def num(x: object, d: int = 1) -> str:
        if type(x) is not float or not x or x != x:  # not a float, a zero or NaN
            return fmt_num(x, lang, d)
        key = (x, d)
        text = memo.get(key)
        if text is None:
            text = memo[key] = fmt_num(x, lang, d)
        return text

    return num


class HeadlineCells(NamedTuple):
    """The written cells of one row of a profile's indicator table (escaped by the
    template as any text)."""

    css: str
    value: str
    ci: str
    kommun: str
    country: str
    reliability: str


def _headline_cells(
    num: Callable[..., str], t: Translator, dec: Callable[[str], int]
) -> Callable[[IndicatorValue], HeadlineCells]:
    """The templates' ``headline_cells``: an indicator row's cells written with ``num`` in
    its indicator's decimals (``dec``), the reliability named with ``t`` (once per run; an
    unreliable value with the condition it fails, :attr:`IndicatorValue.why_unreliable`):
    one call per row instead of a filter per cell."""
    words: dict[str, str] = {}

    def cells(h: IndicatorValue) -> HeadlineCells:
        d = dec(h.id)
        low, high = h.ci_low, h.ci_high
        rel = h.reliability
        word = words.get(rel)
        if word is None:
            word = words[rel] = t(rel)
        if h.why_unreliable:
            word = t("unreliable_because", why=h.why_unreliable)
        ci = f"{num(low, d)}–{num(high, d)}" if low is not None and high is not None else h.blank
        return HeadlineCells(
            "weak" if h.weak else "",
            h.blank if h.value is None else num(h.value, d),
            ci,
            num(h.kommun, d),
            num(h.country, d),
            word,
        )

    return cells


def _headline_rows(
    cells: Callable[[IndicatorValue], HeadlineCells],
) -> Callable[[Iterable[IndicatorValue]], Any]:
    """The templates' ``headline_rows``: the rows (``<tr>``, one a line) of a profile's
    indicator table as safe markup, each row's cells from ``cells`` and every text in them
    escaped: a template drew the twenty rows of each page cell by cell. The texts that
    repeat on every profile (labels, units, reliability, the kommun's and the country's
    values) are escaped once per run and looked up; the area's own value and interval,
    each page's own, are escaped where they are written."""
    from markupsafe import Markup, escape

    escaped: dict[str, str] = {}

    def esc(text: str) -> str:
        done = escaped.get(text)
        if done is None:
            done = escaped[text] = str(escape(text))
        return done

    def rows(values: Iterable[IndicatorValue]) -> Markup:
        out = []
        for h in values:
            c = cells(h)
            out.append(
                f'<tr class="{esc(c.css)}" data-indicator="{esc(h.id)}"><td>{esc(h.label)}</td>'
                f'<td class="num">{escape(c.value)}</td><td class="num">{escape(c.ci)}</td>'
                f'<td class="num">{esc(c.kommun)}</td><td class="num">{esc(c.country)}</td>'
                f"<td>{esc(h.unit)}</td><td>{esc(c.reliability)}</td></tr>\n"
            )
        return Markup("".join(out))

    return rows


def _env(lang: str) -> Any:
    import jinja2

    from omradesbild.reports.template_cache import template_bytecode_cache

    env = jinja2.Environment(
        # Then the web's templates, for the pieces both draw (_parts.html).
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(str(TEMPLATES)), jinja2.FileSystemLoader(str(WEB_TEMPLATES))]
        ),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        # One run renders a page per area from the same files: no stat() per page.
        auto_reload=False,
        # Compiled once, kept between commands (an edited template is compiled again).
        bytecode_cache=template_bytecode_cache(),
    )
    num = env.filters["num"] = _num_filter(lang)
    t = env.globals["t"] = Translator(lang)
    # The decimals of an indicator's values and of a method's scores (as the downloads);
    # those of an indicator looked up once per run, not once per table row.
    dec = env.globals["dec"] = functools.cache(indicator_decimals)
    env.globals["score_dec"] = score_decimals
    env.globals["headline_rows"] = _headline_rows(_headline_cells(num, t, dec))
    return env


#: plotly.js's locale for Swedish reports (its toolbar and dates), next to plotly.min.js.
PLOTLY_LOCALE_SV = "plotly-locale-sv.js"


def _copy_assets(out: Path, geojson: dict[str, Any] | None, lang: str) -> None:
    assets = out / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(plotly_js_path(), assets / "plotly.min.js")
    shutil.copyfile(STATIC / "site.css", assets / "site.css")
    (assets / AREA_TYPE_CSS).write_text(area_type_css(), encoding="utf-8")
    (assets / "boot.js").write_text(geo_assets_js(), encoding="utf-8")
    locale = assets / PLOTLY_LOCALE_SV
    if lang != "en":
        locale.write_text(plotly_locale_js("sv"), encoding="utf-8")
    elif locale.exists():
        locale.unlink()
    geo = assets / "geo.js"
    if geojson is not None:
        geo.write_text(f"window.OMRADESBILD_GEO={_json(geojson)};", encoding="utf-8")
    elif geo.exists():
        geo.unlink()


def _nan(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def partner_entries(partners: PartnerHook | None, code: str) -> list[PartnerEntry]:
    """The hook's entries of ``code`` as :class:`PartnerEntry` objects."""
    if partners is None:
        return []
    return [
        PartnerEntry(
            date=str(e.get("date") or ""),
            organisation=e.get("partner") or e.get("organisation"),
            kind=e.get("kind"),
            title=e.get("title"),
            text=e.get("text"),
        )
        for e in partners(code)
    ]


class _Context:
    """What every page of one report run shares (the data, words, the city lookups)."""

    def __init__(self, data: CityData, lang: str | None = None) -> None:
        from omradesbild.reports.disclosure import disclosure_rule_text

        self.d = data
        self.lang = lang or data.lang
        self.t = Translator(self.lang)
        self.rule = disclosure_rule_text(data.threshold, self.lang)
        areas = data.areas
        self.area_name = {
            str(c): (str(n) if isinstance(n, str) and n else str(c))
            for c, n in zip(areas["area_code"], areas["name"], strict=True)
        }
        self.area_kommun = {
            str(c): (None if _nan(k) else str(k))
            for c, k in zip(areas["area_code"], areas["kommun_code"], strict=True)
        }
        self.has_geo = data.has_geometry()
        #: Decimals of the method's scores, as on the pages and in the downloads.
        self.score_digits = score_decimals(data.method)
        self._city: dict[str, list[str]] = {}
        self._city_map: dict[str, tuple[list[str], list[float | None], list[str]]] = {}
        self._city_figure: dict[str, dict[str, Any] | None] = {}
        #: The kommun whose profiles are being written and the parts their figures share
        #: (:meth:`shared_of`).
        self._shared: tuple[str, SharedParts] = ("", SharedParts())
        self.sources = self._sources()
        #: The pages' sources and methods section (:func:`_common`, drawn once per run).
        self.sources_section: str | None = None
        self.generated = self.t(
            "generated",
            when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            package=data.method_info.package,
        )
        self.method_info = data.method_info

    def _sources(self) -> list[dict[str, str]]:
        """The stored sources by publisher and table (``builtin`` ones left out): the first
        title and licence given, and how many sources the table has, sorted."""
        s = self.d.sources
        tables: dict[tuple[str, str], list[Any]] = {}  # [title, licence, n]
        for pub, table, title, licence in zip(
            s["publisher"].tolist(), s["table_id"].tolist(), s["title"].tolist(),
            s["licence"].tolist(), strict=True,
        ):  # fmt: skip
            if pd.isna(pub) or pd.isna(table) or table == "builtin":
                continue
            kept = tables.setdefault((pub, table), [None, None, 0])
            if kept[0] is None and not pd.isna(title):
                kept[0] = title
            if kept[1] is None and not pd.isna(licence):
                kept[1] = licence
            kept[2] += 1
        out = []
        for (pub, table), (title, licence, n) in sorted(tables.items()):
            out.append(
                {
                    "publisher": str(pub),
                    "table": str(table) + (f" (×{n})" if n > 1 else ""),
                    "title": self.t.source_title("nan" if title is None else str(title)),
                    "licence": "" if licence is None else self.t.licence(str(licence)),
                }
            )
        return out

    def city_codes(self, kommun: str | None) -> list[str]:
        """Codes with boundaries in one kommun (cached)."""
        key = str(kommun)
        if key not in self._city:
            self._city[key] = [c for c in sorted(self.has_geo) if self.area_kommun.get(c) == kommun]
        return self._city[key]

    def city_map(self, kommun: str | None) -> tuple[list[str], list[float | None], list[str]]:
        """``(codes, scores, hover)`` of the kommun's areas with boundaries, for the map on
        each profile of the kommun (computed once per kommun: the same on every profile)."""
        key = str(kommun)
        if key not in self._city_map:
            codes = self.city_codes(kommun)
            scores = [self.score_of(c) for c in codes]
            hover = [
                f"{self.area_name[c]}: {fmt_num(s, self.lang, self.score_digits)}"
                for c, s in zip(codes, scores, strict=True)
            ]
            self._city_map[key] = (codes, scores, hover)
        return self._city_map[key]

    def city_figure(self, kommun: str | None) -> dict[str, Any] | None:
        """The map of each profile of the kommun, without the area outlined
        (:func:`~omradesbild.reports.charts.city_map` of :meth:`city_map`, made once per
        kommun); None when no area of the kommun has boundaries."""
        key = str(kommun)
        if key not in self._city_figure:
            city = self.city_map(kommun)
            self._city_figure[key] = (
                charts.city_map(city, score_title=self.t("score")) if city[0] else None
            )
        return self._city_figure[key]

    def shared_of(self, kommun: str | None) -> SharedParts:
        """The parts that the figures of the kommun's profiles share (the city's map, the
        references, the layouts), each made and written as JSON once
        (:func:`figures_json`). The profiles are written kommun by kommun: the parts of
        the kommun before are let go when another begins (a whole level's would add up)."""
        key = str(kommun)
        if self._shared[0] != key:
            self._shared = (key, SharedParts())
        return self._shared[1]

    def score_of(self, code: str) -> float | None:
        """The published score of an area (None where a component is suppressed)."""
        ix = self.d.pic.index
        return None if ix is None else ix.score(code, self.d.period)

    def profile(self, code: str, partners: Partners | None) -> AreaProfile:
        """The area's profile in this run's language, with the partners' input."""
        if isinstance(partners, PartnerInput):
            return self.d.profile(
                code,
                lang=self.lang,
                partner_entries=partners.entries_of(code),
                interventions=partners.interventions_of(code),
            )
        return self.d.profile(code, lang=self.lang, partner_entries=partner_entries(partners, code))


def _common(ctx: _Context, env: Any, prefix: str) -> dict[str, Any]:
    """What every page's template is given (``prefix`` leads from the page to the site's
    root), the sources and methods section drawn once (the same on every page)."""
    d = ctx.d
    if ctx.sources_section is None:
        part = env.get_template("_site.html").module.sources_section
        ctx.sources_section = part(ctx.sources, ctx.method_info)
    return {
        "lang": ctx.lang,
        "prefix": prefix,
        "rule": ctx.rule,
        "generated": ctx.generated,
        "synthetic": d.synthetic,
        "has_geo": d.geojson is not None,
        "level_label": ctx.t.level(d.level),
        "period": d.period,
        "sources_section": ctx.sources_section,
    }


# ------------------------------------------------------------------------------ overview
def _period_values(
    indicators: pd.DataFrame, period: str
) -> tuple[dict[str, dict[str, float]], set[tuple[str, str]]]:
    """Indicator -> area -> its disclosed value in ``period`` (NaN where it has none), from
    the level's disclosed rows, read in one pass (a later row of an area wins); and the
    (indicator, area) pairs whose value is suppressed."""
    rows = indicators[(indicators["period"] == period).to_numpy(dtype=bool, na_value=False)]
    masked = (
        rows["masked"].fillna(False).astype(bool).tolist()
        if "masked" in rows.columns
        else [False] * len(rows)
    )
    out: dict[str, dict[str, float]] = {}
    hidden: set[tuple[str, str]] = set()
    for ind, code, value, m in zip(
        rows["indicator"].tolist(), rows["area_code"].tolist(), rows["value"].tolist(), masked,
        strict=True,
    ):  # fmt: skip
        out.setdefault(ind, {})[code] = value
        if m:
            hidden.add((ind, code))
        else:
            hidden.discard((ind, code))
    return out, hidden


def _overview_figures(ctx: _Context, city: CityPicture) -> dict[str, Any]:
    d, t = ctx.d, ctx.t
    figures: dict[str, Any] = {}
    codes = [c for c in sorted(ctx.area_name) if c in ctx.has_geo]
    names = [ctx.area_name[c] for c in codes]
    if codes:
        scores = [ctx.score_of(c) for c in codes]
        hover = [
            f"{n} ({c}): {fmt_num(s, ctx.lang, ctx.score_digits)}"
            for n, c, s in zip(names, codes, scores, strict=True)
        ]
        figures["map-index"] = charts.choropleth(
            codes, scores, hover=hover, colorbar_title=t("score")
        )
        lv = d.pic.indicators
        cat_names, _, direction = catalogue_names(ctx.lang)
        layers = []
        period_values, hidden = _period_values(lv.indicators, d.period)
        for indicator in lv.indicator_ids:
            vals = period_values.get(indicator, {})
            z = [vals.get(c) for c in codes]
            if all(v is None or v != v for v in z):  # none, or NaN
                continue
            dec = indicator_decimals(indicator)
            # a suppressed value reads as the rule on the page says, a missing one as a dash
            hover = [
                f"{n}: {MASK_SYMBOL if (indicator, c) in hidden else fmt_num(v, ctx.lang, dec)}"
                for n, c, v in zip(names, codes, z, strict=True)
            ]
            label = cat_names.get(indicator, indicator)
            layers.append((label, z, direction.get(indicator) == -1, hover))
        if layers:
            figures["map-indicators"] = charts.choropleth_selector(codes, layers)
    if city.population_by_type:
        figures["pop-by-type"] = charts.bars_by_type(
            [f"{t('area_type')} {p.cls}" for p in city.population_by_type],
            [p.share for p in city.population_by_type],
            unit="%",
        )
    return figures


def priority_reason(row: PriorityRow, t: Translator, *, top_pct: int = 10) -> str:
    """Why an area is on the priority list, in words."""
    lang = t.lang
    reasons = []
    if row.by_type and row.cls is not None:
        reasons.append(t("reason_type", cls=row.cls))
    if row.top:
        reasons.append(t("reason_top", pct=top_pct))
    for _, label, slope in row.worsening:
        reasons.append(
            t(
                "reason_trend",
                what=label,
                dir=t("worsening"),
                slope=fmt_num(slope, lang, 2, signed=True),
                unit="",
            ).replace("  ", " ")
        )
    return "; ".join(reasons)


_GOAL_STATUSES = ("achieved", "not_achieved", "on_track", "off_track", "insufficient_data")


def _overview(ctx: _Context, env: Any) -> str:
    d = ctx.d
    city = d.picture
    figures = _overview_figures(ctx, city)
    return str(
        env.get_template("index.html").render(
            **_common(ctx, env, ""),
            title=ctx.t("overview_title"),
            n_areas=len(ctx.area_name),
            version=d.version,
            method_title=ctx.method_info.title(ctx.lang),
            score_digits=ctx.score_digits,
            figures=_json(figures),
            charts=list(figures),
            geometry_dissolved=d.geometry_dissolved,
            rows=city.ranking,
            profile_set=set(d.profile_codes),
            n_reference=city.n_reference,
            draws=city.draws,
            perturbed=city.perturbed,
            pop_types=city.population_by_type,
            gaps=city.segregation,
            priority=city.priority,
            reason=lambda row: priority_reason(row, ctx.t),
            police_rows=city.police_types,
            police_cols=city.police_type_columns,
            police_available=city.police_available,
            police_unplaced=city.police_unplaced,
            goals=city.goals,
            goal_statuses=_GOAL_STATUSES,
            goals_note=city.goals_note,
            goals_skipped=city.goals_skipped,
        )
    )


# ------------------------------------------------------------------------------ profiles
def _profile(
    ctx: _Context, tpl: Any, common: dict[str, Any], code: str, partners: Partners | None
) -> str:
    t = ctx.t
    p = ctx.profile(code, partners)
    shared = ctx.shared_of(p.kommun)
    city = ctx.city_figure(p.kommun) if code in ctx.has_geo else None
    if city is not None:  # the same trace and layout on every profile of the kommun
        shared.add(city["data"][0])
        shared.add(city["layout"])
    figures = profile_figures.profile_figures(
        p, names=(p.name, t("kommun"), t("country")), city_figure=city, score_title=t("score"),
        shared=shared,
    )  # fmt: skip
    return str(
        tpl.render(
            **common,
            title=f"{p.name} ({code})",
            p=p,
            code=code,
            name=p.name,
            kommun=p.kommun,
            figures=figures_json(figures, shared),
            charts=list(figures),
            has_map="map-area" in figures,
            geometry_dissolved=ctx.d.geometry_dissolved,
            trend_ids=profile_figures.trend_ids(figures),
            has_types="type-history" in figures,
        )
    )


def build_site(
    data: CityData,
    out: Path,
    *,
    partners: Partners | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> SiteResult:
    """Build the static report site of one computed level into ``out``.

    Parameters
    ----------
    data
        The level's picture, computed once by :func:`~omradesbild.services.city.load_city`.
    out
        Output folder (created; existing pages are overwritten).
    partners
        The partners' approved public input and interventions
        (:func:`~omradesbild.services.partners.load_partner_input`), or a hook giving an
        area's observations (a list of ``{"date", "partner", "kind", "text"}``); ``None``
        shows "inga registrerade".
    progress
        Called with ``(profiles written, profiles in all)`` after each profile (or chunk).
    workers
        Processes writing the profiles, 1: this one; the same site for any number
        (:func:`~omradesbild.reports.site_workers.write_pages`).
    """
    t0 = time.perf_counter()
    out = Path(out)
    (out / "profiles").mkdir(parents=True, exist_ok=True)
    _copy_assets(out, data.geojson, data.lang)
    env = _env(data.lang)
    ctx = _Context(data)
    index_path = out / "index.html"
    index_path.write_text(_overview(ctx, env), encoding="utf-8")
    tpl = env.get_template("profile.html")
    common = _common(ctx, env, "../")
    written = write_pages(
        lambda code: _profile(ctx, tpl, common, code, partners),
        data.profile_codes,
        out / "profiles",
        workers=workers,
        progress=progress,
    )
    t1 = time.perf_counter()
    size = index_path.stat().st_size
    geo = out / "assets" / "geo.js"
    if geo.exists():
        size += geo.stat().st_size
    return SiteResult(
        out=out,
        index=index_path,
        profiles=written,
        seconds=t1 - t0,
        overview_bytes=size,
    )
