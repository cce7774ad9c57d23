"""What every page shares (language, layout context) and the area page's view of the one
:class:`~omradesbild.services.models.AreaProfile`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from omradesbild.errors import InputError, NotFoundError
from omradesbild.precision import score_decimals
from omradesbild.services.area import area_profile
from omradesbild.services.level import LevelIndicators
from omradesbild.services.models import AreaProfile
from omradesbild.web.cache import WebData, memo
from omradesbild.web.settings import WebSettings
from omradesbild.wording import both, fmt_num, translator


def get_data(request: Request) -> WebData:
    """The app's cached data facade."""
    data: WebData = request.app.state.data
    return data


def get_lang(request: Request) -> str:
    """``?lang=`` (sv/en) or the setting."""
    lang = request.query_params.get("lang")
    if lang in ("sv", "en"):
        return lang
    if lang:
        from omradesbild.web.validation import unknown_value

        raise InputError(unknown_value("lang", lang, ["sv", "en"]), field="lang")
    return str(request.app.state.settings.lang)


def page_inputs(request: Request) -> tuple[WebData, WebSettings, str]:
    """What a page starts from: the app's data and settings, and the page's language."""
    return get_data(request), request.app.state.settings, get_lang(request)


def shown_level(
    data: WebData, settings: WebSettings, level: str | None, version: str | None
) -> tuple[str, str, LevelIndicators | None]:
    """The level and boundary version a page with a level picker (``/karta``, ``/metod``)
    shows, and its indicators: ``level`` and ``version`` as asked (a ``version`` alone
    names its level; neither: the app's level and version), checked (an unknown value is a
    422 naming the allowed ones); the indicators are None when none can be computed for
    the version with the store's data (no key leads there from the base version, say), so
    that the page says so instead of failing."""
    if not version and (level or settings.level) == settings.level:
        version = settings.version
    level, version = data.level_and_version(level or None, version or None, settings.level)
    lv = data.level_or_none(level, version)
    return level, version, lv if lv is not None and lv.indicator_ids else None


def page_context_key(data: WebData, lang: str) -> tuple[Any, ...]:
    """Cache key of :func:`page_context`."""
    return ("page-context", lang, data.threshold)


def page_context(data: WebData, lang: str) -> dict[str, Any]:
    """The store-wide part of every page: the synthetic-data banner and the disclosure rule."""
    from omradesbild.reports.disclosure import disclosure_rule_text

    try:
        synthetic = data.info().synthetic
    except Exception:
        synthetic = False
    return {"synthetic": synthetic, "disclosure_rule": disclosure_rule_text(data.threshold, lang)}


def _visitor(request: Request) -> None:
    """Make a logged-in visitor (session cookie) known to the page layout.

    Anonymous visitors cost nothing: the partners' database is read only when a session
    cookie is present.
    """
    if getattr(request.state, "user", None) is not None:
        return
    if getattr(request.app.state, "partners_engine", None) is None:
        return
    from omradesbild.partners import security
    from omradesbild.web.auth import cookie_name, csrf_for, read_factory

    token = request.cookies.get(cookie_name(request))
    if not token:
        return
    with read_factory(request)() as db:
        user = security.session_user(db, token)
    if user is not None:
        request.state.user = user
        request.state.csrf_token = csrf_for(request)


def page(request: Request, template: str, **context: Any) -> HTMLResponse:
    """Render a page with the shared context (language, user, CSRF token, texts)."""
    _visitor(request)
    lang = context.pop("lang", None) or get_lang(request)
    data = get_data(request)
    ctx = {
        "lang": lang,
        "t": translator(lang),
        "user": getattr(request.state, "user", None),
        "csrf_token": getattr(request.state, "csrf_token", None),
        **memo(data, page_context_key(data, lang), lambda: page_context(data, lang)),
        **context,
    }
    templates = request.app.state.templates
    resp: HTMLResponse = templates.TemplateResponse(request, template, ctx)
    return resp


def json_script(obj: Any) -> str:
    """JSON safe to embed in a ``<script type="application/json">``."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False).replace(
        "</", "<\\/"
    )


# ------------------------------------------------------------------------------ area page
@dataclass(frozen=True)
class AreaView:
    """The area page: the profile, its figures (as embedded JSON) and the map's data URL."""

    profile: AreaProfile
    figures: str
    figure_ids: tuple[str, ...]
    trend_ids: tuple[str, ...]
    geo_url: str
    geometry_dissolved: bool = False  # the map's shapes are dissolved from the base version's


def web_profile(
    data: WebData, code: str, *, level: str | None, method: str, period: str | None, lang: str
) -> AreaProfile:
    """The :class:`AreaProfile` of ``code`` (found at ``level`` or its default level) in
    ``period`` (default the latest with the index).

    Raises
    ------
    NotFoundError
        No area ``code`` in the store (404).
    InputError
        The area is not at ``level``, or ``period`` is a period the level or the area has
        no indicators in (422, naming the level's or the area's periods).
    """
    lvl, version, name = data.find_area(code, level)
    lv = data.level(lvl, version)
    if code not in lv.names:
        raise NotFoundError(both("web_no_area", value=repr(code[:60])))
    if period is not None and period in lv.periods:
        stored = {str(r["period"]) for r in lv.by_area.get(code, [])}
        held = [p for p in lv.periods if p in stored]
        if period not in held:
            raise InputError(
                both("period_not_for_area", value=repr(period[:60]), area=code,
                     allowed=", ".join(held) or "–"),
                field="period",
            )  # fmt: skip
    pic = data.picture(method, lvl, lv.version)
    return area_profile(
        pic, code, period=period, lang=lang, name=name,
        has_geometry=code in data.geometry(lvl, lv.version).codes,
    )  # fmt: skip


def refuse_absent_index(data: WebData, code: str, *, level: str | None, method: str) -> None:
    """Refuse (422, :func:`~omradesbild.web.validation.no_index`) an index ``method`` asked
    for that cannot be computed at the level of area ``code``: the area's pages show an
    index asked for or are refused, never shown without it."""
    from omradesbild.web.validation import no_index

    lvl, version, _ = data.find_area(code, level)
    if data.try_index(method, data.level(lvl, version)) is None:
        raise no_index(method, lvl)


def area_view(
    data: WebData, code: str, *, level: str | None, method: str, period: str | None, lang: str
) -> AreaView:
    """The area page's profile with its Plotly figures."""
    from omradesbild.reports import profile_figures

    t = translator(lang)
    p = web_profile(data, code, level=level, method=method, period=period, lang=lang)
    city = None
    pic = data.picture(method, p.level, p.version)
    if p.has_geometry and pic.index is not None:
        lv = pic.indicators
        rp = p.rank.period if p.rank else pic.index.latest()
        codes = [c for c in sorted(lv.names) if lv.kommun.get(c) == p.kommun]
        scores = [pic.index.score(c, rp) for c in codes]
        d = score_decimals(pic.index.method)
        hover = [
            f"{lv.names[c]}: {fmt_num(s, lang, d)}" for c, s in zip(codes, scores, strict=True)
        ]
        city = (codes, scores, hover)
    figures = profile_figures.profile_figures(
        p, names=(p.name, t("kommun"), t("country")), city=city, score_title=t("score"),
        headline_key="headline-plot", drivers=False,
    )  # fmt: skip
    return AreaView(
        profile=p,
        figures=json_script(figures),
        figure_ids=tuple(figures),
        trend_ids=tuple(profile_figures.trend_ids(figures)),
        geo_url=f"/api/geojson?level={p.level}&version={p.version}",
        geometry_dissolved=p.has_geometry and data.geometry(p.level, p.version).dissolved,
    )
