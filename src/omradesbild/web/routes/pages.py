"""The HTML pages: overview, search, map and area page (the comparison, the method
explorer and the downloads page are in :mod:`omradesbild.web.routes.tool_pages`).

Pages are Swedish by default; ``?lang=en`` (or the setting ``lang``) switches to English.
Every value shown has been through disclosure control (the service layer's objects).
Nothing is loaded from other hosts: plotly.js is served from the installed plotly package
under ``/static/vendor/``.
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from omradesbild.errors import InputError, NotFoundError
from omradesbild.precision import indicator_decimals, score_decimals
from omradesbild.services.area import catalogue_names
from omradesbild.services.lagesbild import pick_kommun
from omradesbild.services.partner_picture import LinkedEntry, PartnerPicture
from omradesbild.services.search import (
    MAX_QUERY,
    AreaSearch,
    fold,
    search_areas,
    search_names,
)
from omradesbild.services.summary import AreaSummary, area_summary, trend_groups
from omradesbild.web.cache import (
    MISS,
    WebData,
    cached,
    entries_key,
    memo,
    personal_is_cached,
    personal_page,
)
from omradesbild.web.entries import (
    cached_public_entries,
    generation_is_fresh,
    partner_entries,
)
from omradesbild.web.lagesbild import (
    StartView,
    area_search_index,
    kommun_names,
    kommuner,
    public_partners,
    public_state,
    stamp_is_fresh,
    start_view,
)
from omradesbild.web.models import AreaArgs
from omradesbild.web.packed import cached_page, memo_page, memo_view, page_response
from omradesbild.web.routes.tool_pages import method_titles
from omradesbild.web.views import (
    AreaView,
    area_view,
    get_data,
    get_lang,
    json_script,
    page,
    page_context,
    page_context_key,
    page_inputs,
    refuse_absent_index,
    shown_level,
)
from omradesbild.wording import (
    Translator,
    both,
    fmt_num,
    police_label,
    translator,
    unit_label,
)

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def overview(request: Request, kommun: str | None = None) -> HTMLResponse:
    """The lägesbild of a kommun (default the store's own city): the areas by type on a map,
    the ranking with rank intervals, what changed, police categories, goals, the partners'
    latest input and active interventions; the store's levels under "Om datalagret"."""
    data, settings, lang = page_inputs(request)
    info = data.info()
    level = settings.level if settings.level in info.level_names() else None
    version = settings.version if level else None
    code = (kommun or "").strip() or settings.kommun
    if code is not None:  # checked before any cache is read (see docs/web.md)
        if level is None:
            raise InputError(both("err_no_lagesbild_areas"), field="kommun")
        pick_kommun(kommuner(data, level, version), code)
    state = public_state(request)
    from omradesbild.web.auth import cookie_name

    # Anonymous visitors all see the same page: kept until the store or the partners'
    # public input changes (as the area pages).
    anonymous = not request.cookies.get(cookie_name(request))
    html_key = ("start-html", level, version, settings.method, code, lang, state)
    if anonymous and (html := cached(data, html_key)) is not MISS:
        return HTMLResponse(html)
    view: StartView | None = None
    if level is not None and data.try_index(settings.method, data.level(level, version)):
        partners = public_partners(request, data)
        key = ("start", level, version, settings.method, code, lang, state)
        view = memo(data, key, lambda: start_view(
            data, level=level, version=version, method=settings.method, kommun=code,
            lang=lang, partners=partners,
        ))  # fmt: skip
    elif code is not None:
        raise InputError(both("err_no_lagesbild_index"), field="kommun")

    def render() -> bytes:
        return bytes(page(
            request, "overview.html", lang=lang, levels=info.levels, level=level, view=view,
            pic=view.picture if view else None, figures=view.figures if view else "{}",
            fmt=lambda x, d=1: fmt_num(x, lang, d),
        ).body)  # fmt: skip

    return HTMLResponse(memo(data, html_key, render) if anonymous else render())


@router.get("/api/status", tags=["status"])
def status(request: Request) -> dict[str, Any]:
    """How far start-up precomputation has come, and the store in use: ``ready`` once the
    default level's indicators and index are computed (the start page and the national
    tables answer from memory), ``warm`` once every area page of it is prepared too
    (``pages_prepared`` counts them as they are)."""
    return {
        "ready": bool(getattr(request.app.state, "ready", False)),
        "warm": bool(getattr(request.app.state, "warm_done", False)),
        "pages_prepared": int(getattr(request.app.state, "pages_prepared", 0)),
        "store": str(request.app.state.settings.store_path),
    }


@router.get("/sok", response_class=HTMLResponse, include_in_schema=False)
def search_page(request: Request, q: str = "", level: str | None = None) -> Response:
    """Find an area by name or code (:func:`omradesbild.services.search.search_areas`):
    straight to the area when the query names one, else the list of hits, or a note that
    none matches (never an error page for a query that finds nothing)."""
    data, settings, lang = page_inputs(request)
    if level:
        data.check_level(level)
    index = area_search_index(data, lang)
    query = q.strip()
    found: AreaSearch | None = None
    too_long = len(query) > MAX_QUERY
    if query and not too_long and fold(query):
        found = search_areas(index, query, level=level)
    if found is not None and found.target is not None:
        target = quote(found.target.code)
        return RedirectResponse(f"/omrade/{target}?lang={lang}", status_code=303)
    example = next((h for h in index.hits if h.level == "regso"), None) or next(
        iter(index.hits), None
    )
    resp = page(
        request, "sok.html", lang=lang, query=query, found=found, too_long=too_long,
        max_query=MAX_QUERY, example=example, level=level,
        indicators=_indicator_hits(data, settings.level, query, lang) if found is not None else (),
    )  # fmt: skip
    resp.status_code = 422 if too_long else 200
    return resp


def _indicator_hits(
    data: WebData, level: str, query: str, lang: str
) -> tuple[tuple[str, str], ...]:
    """The indicators of the map's default level whose name (or id) ``query`` finds."""
    if level not in data.info().level_names():
        return ()
    names, _, _ = catalogue_names(lang)
    shown = {i: names.get(i, i) for i in data.level(level).indicator_ids}
    return search_names(shown, query, limit=20)


@router.get("/omrade", include_in_schema=False)
def area_redirect(request: Request, code: str = "", q: str = "") -> Response:
    """The "go to area" form of earlier pages: the search (:func:`search_page`)."""
    return search_page(request, q=q or code)


@router.get("/karta", response_class=HTMLResponse, include_in_schema=False)
def map_page(
    request: Request,
    level: str | None = None,
    layer: str | None = None,
    period: str | None = None,
    method: str | None = None,
    version: str | None = None,
) -> HTMLResponse:
    """Choropleth of every area of a level, coloured by an indicator or an index, or the
    area types in categories with a titled legend (:mod:`omradesbild.web.map_layers`); a
    value the page cannot show is refused (422), never replaced by another. ``version``
    is the level's boundary version (alone, it names its level); a version without
    indicators is a page that says so."""
    from omradesbild.config import AREA_TYPE_METHOD
    from omradesbild.index import shipped_methods
    from omradesbild.reports import charts
    from omradesbild.web.map_layers import AREA_TYPE_LAYER, chosen_layer, map_layer, type_hover

    data, settings, lang = page_inputs(request)
    t = translator(lang)
    level, version, found = shown_level(data, settings, level, version)
    if found is None:
        return page(
            request, "karta.html", lang=lang, levels=list(data.info().levels), level=level,
            version=version, no_data=True, title=t.level(level),
        )  # fmt: skip
    lv = found
    asked_method, method = method, method or settings.method
    asked_period = period or None
    names, units, direction = catalogue_names(lang)
    ix = data.try_index(method, lv)
    types = data.try_index(AREA_TYPE_METHOD, lv)
    layer = chosen_layer(layer, lv, ix, method=method, asked=bool(asked_method))
    codes = sorted(lv.names)
    shown = map_layer(
        lv, ix, layer, period, codes, lang=lang, method=method, names=names,
        direction=direction, types=types,
    )  # fmt: skip
    period, values = shown.period, shown.values
    is_types = layer == AREA_TYPE_LAYER
    # The layer's precision: the method's scores or the indicator's values (types: whole).
    d = 0 if is_types else score_decimals(method) if layer == "index" else indicator_decimals(layer)
    area_names = [lv.names[c] for c in codes]
    if is_types:
        hover = type_hover(area_names, codes, shown)
    else:
        shown_values = zip(area_names, codes, values, strict=True)
        hover = [f"{n} ({c}): {fmt_num(v, lang, d)}" for n, c, v in shown_values]
    geometry = data.geometry(level, lv.version)
    figures: dict[str, Any] = {}
    if geometry.codes and is_types:
        drawn = [(c, v, h) for c, v, h in zip(codes, values, hover, strict=True) if v is not None]
        figures["map"] = charts.type_choropleth(
            [c for c, _, _ in drawn], [v for _, v, _ in drawn], hover=[h for *_, h in drawn],
            height=600,
        )  # fmt: skip
    elif geometry.codes:
        figures["map"] = charts.choropleth(
            codes, values, hover=hover, title=f"{shown.title} ({period})",
            reverse=shown.reverse, height=600,
        )  # fmt: skip
    rows = (
        {"code": c, "name": lv.names[c], "value": v} for c, v in zip(codes, values, strict=True)
    )
    if is_types:  # type 1 (the largest challenges) first, as the legend
        table = sorted(rows, key=lambda r: (r["value"] is None, r["value"] or 0, r["name"]))
    else:
        table = sorted(rows, key=lambda r: (r["value"] is None, -(r["value"] or 0)))
    limit = 500
    titles = method_titles(lang)
    layers = [("index", f"{t('index')}: {titles.get(method, method)}")] if ix is not None else []
    if types is not None:
        layers.append((AREA_TYPE_LAYER, t("area_type")))
    return page(
        request, "karta.html", lang=lang, levels=list(data.info().levels), level=level,
        version=lv.version, no_data=False, layer=layer, layers=layers,
        indicators=[(i, names.get(i, i)) for i in lv.indicator_ids],
        methods=shipped_methods(), method_titles=titles, method=method, period=period,
        period_asked=asked_period,
        periods=shown.periods, title=shown.title,
        unit="" if layer == "index" or is_types else unit_label(units.get(layer, ""), lang),
        figures=json_script(figures), has_map="map" in figures,
        geometry_dissolved=bool(geometry.codes) and geometry.dissolved,
        geo_url=f"/api/geojson?level={level}&version={lv.version}",
        table=table[:limit], n_table=len(table), n_table_text=fmt_num(len(table), lang, 0),
        limit=limit,
        fmt=lambda x: fmt_num(x, lang, d),
        legend=shown.legend, type_counts=shown.counts or {}, is_types=is_types,
        types_method=titles.get(AREA_TYPE_METHOD, AREA_TYPE_METHOD),
    )  # fmt: skip


@router.get("/omrade/{code}", response_class=HTMLResponse, include_in_schema=False)
async def area_page(request: Request, q: AreaArgs) -> HTMLResponse:
    """The area page: key figures with intervals vs kommun and country, trends, index rank
    with its uncertainty, area-type history, and the partners' observations."""
    data = get_data(request)
    lang = get_lang(request)
    code, level, period = q.code, q.level, q.period
    method = q.method or request.app.state.settings.method
    if q.method:
        await run_in_threadpool(refuse_absent_index, data, code, level=level, method=method)
    from omradesbild.web.auth import cookie_name

    # Anonymous visitors all see the same page: serve it from memory until the store or the
    # partners' public input (submissions, the register of interventions) changes.
    anonymous = not request.cookies.get(cookie_name(request))
    if generation_is_fresh(request) and stamp_is_fresh(request):
        state = public_state(request)
    else:
        state = await run_in_threadpool(public_state, request)
    html_key: tuple[Any, ...] | None = None
    if anonymous:
        html_key = ("area-html", code, level, method, period, lang, state)
        kept = cached_page(data, html_key)
        if kept is not None:
            return page_response(request, kept)

    # The view is kept compressed (see web/packed.py): it is unpacked, or computed, only
    # when a page has to be rendered, in the thread pool like the rendering itself.
    key = ("area-page", code, level, method, period, lang)

    def view() -> AreaView:
        return memo_view(data, key, partial(area_view, data, code, level=level, method=method,
                                            period=period, lang=lang))  # fmt: skip

    ctx_key = page_context_key(data, lang)
    if cached(data, ctx_key) is MISS:
        await run_in_threadpool(memo, data, ctx_key, lambda: page_context(data, lang))
    fast = cached_public_entries(request, code) if anonymous else None
    if fast is not None:
        available, entries = fast
    else:
        available, entries = await run_in_threadpool(partner_entries, request, code)

    def render() -> bytes:
        return render_area_page(request, data, view(), lang, available, entries,
                                anonymous=anonymous)  # fmt: skip

    # A first rendering (tens of ms) runs in the thread pool, so that the event loop goes on
    # answering from memory meanwhile.
    if html_key is not None:
        kept = cached_page(data, html_key)
        if kept is None:
            kept = await run_in_threadpool(memo_page, data, html_key, render)
        return page_response(request, kept)
    # Logged in: rendered once per area and set of entries seen, then only the visitor's
    # name and CSRF token are put in (see docs/web.md, "Performance").
    pkey = (*key, "html", entries_key(available, entries), state)
    if personal_is_cached(data, pkey):
        return HTMLResponse(personal_page(request, data, pkey, render))
    return HTMLResponse(await run_in_threadpool(personal_page, request, data, pkey, render))


def render_area_page(
    request: Request,
    data: WebData,
    view: AreaView,
    lang: str,
    available: bool,
    entries: list[dict[str, Any]],
    *,
    anonymous: bool,
) -> bytes:
    """The area page's HTML of ``view`` with the partners' ``entries`` shown."""
    partners = public_partners(request, data)
    summary, interventions = _summary(data, view, partners, entries, anonymous=anonymous)
    return bytes(page(request, "omrade.html", lang=lang, p=view.profile, view=view,
                      figures=view.figures, police_label=lambda c: police_label(c, lang),
                      rt=Translator(lang), partners_available=available,
                      partner_entries=entries, fmt=lambda x, d=1: fmt_num(x, lang, d),
                      s=summary, interventions=interventions,
                      trend_groups=trend_groups([i.removeprefix("trend-")
                                                 for i in view.trend_ids]),
                      ).body)  # fmt: skip


def anonymous_request(app: Any, path: str) -> Request:
    """A GET of ``path`` by an anonymous visitor (no cookie, no query), for preparing at
    start-up what such a visit would be served."""
    return Request({
        "type": "http", "app": app, "method": "GET", "path": path, "root_path": "",
        "scheme": "http", "server": ("localhost", 80), "query_string": b"", "headers": [],
    })  # fmt: skip


def prepare_start_page(app: Any) -> None:
    """Compute and render the start page an anonymous visitor gets (start-up)."""
    overview(anonymous_request(app, "/"))


def prepare_area_pages(app: Any, level: str, method: str, lang: str) -> int:
    """Compute and render the anonymous area page (default period) of every area of
    ``level``, as a first visit would (start-up, in the background), so that first visits
    are served from memory. Returns the number of pages prepared; counts them in
    ``app.state.pages_prepared`` as it goes."""
    data: WebData = app.state.data
    n = 0
    for code in sorted(data.level(level).names):
        stand_in = anonymous_request(app, f"/omrade/{code}")
        html_key = ("area-html", code, None, method, None, lang, public_state(stand_in))
        if cached_page(data, html_key) is None:
            key = ("area-page", code, None, method, None, lang)
            try:
                view: AreaView = memo_view(data, key, partial(
                    area_view, data, code, level=None, method=method, period=None, lang=lang,
                ))  # fmt: skip
            except (NotFoundError, InputError):
                continue
            fast = cached_public_entries(stand_in, code)
            available, entries = fast if fast is not None else partner_entries(stand_in, code)
            memo_page(data, html_key, partial(render_area_page, stand_in, data, view, lang,
                                              available, entries, anonymous=True))  # fmt: skip
        n += 1
        app.state.pages_prepared = n
    return n


def _summary(
    data: WebData,
    view: AreaView,
    partners: PartnerPicture | None,
    entries: list[dict[str, Any]],
    *,
    anonymous: bool,
) -> tuple[AreaSummary, tuple[LinkedEntry, ...]]:
    """The area page's summary box and the interventions in the area (public register).

    The number of entries is the public count for anonymous visitors, and at least the
    entries shown to a logged-in visitor (who may see more than the public ones)."""
    p = view.profile
    public_n = partners.counts(p.code)[0] if partners is not None else 0
    interventions = partners.interventions_of(p.code) if partners is not None else ()
    summary = area_summary(
        p, kommun_name=kommun_names(data).get(p.kommun or "") or None,
        n_entries=public_n if anonymous else max(public_n, len(entries)),
        n_interventions=len(interventions),
    )  # fmt: skip
    return summary, interventions
