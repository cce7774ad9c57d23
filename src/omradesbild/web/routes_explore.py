"""Pages and JSON API for exploring the areas: overview, map, area page, comparison,
method explorer, downloads; ``/api/*`` with pydantic response models (OpenAPI at /docs).

Every figure and value shown has been through disclosure control (see
:mod:`omradesbild.web.data`). Pages are Swedish by default; ``?lang=en`` (or the setting
``lang``) switches to English. Nothing is loaded from other hosts: plotly.js is served from
the installed plotly package under ``/static/vendor/``.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, TypeAdapter

from omradesbild.errors import InputError, NotFoundError
from omradesbild.web.data import (
    MAX_DRAWS,
    IndexData,
    LevelData,
    WebData,
    clean,
    effective_unit_weights,
    explore,
    method_by_id,
    records,
)
from omradesbild.web.text import no_scheme
from omradesbild.wording import fmt_num, translator

router = APIRouter()

# ------------------------------------------------------------------------ response cache
_CACHE: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 50_000  # entries; a few per area (page, API, HTML) for every RegSO and more


_MISS = object()


def cached(data: WebData, key: tuple[Any, ...]) -> Any:
    """The value :func:`memo` holds for ``key``, or ``_MISS`` (never computes, never waits
    for a computation: safe on the event loop)."""
    full = (*data.key(), *key)
    with _CACHE_LOCK:
        if full in _CACHE:
            _CACHE.move_to_end(full)
            return _CACHE[full]
    return _MISS


def memo(data: WebData, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    """``build()`` cached per store version (path, mtime) and ``key`` (LRU, in memory)."""
    value = cached(data, key)
    if value is not _MISS:
        return value
    full = (*data.key(), *key)
    value = build()
    with _CACHE_LOCK:
        _CACHE[full] = value
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return value


def json_response(
    data: WebData, key: tuple[Any, ...], model: Any, build: Callable[[], Any]
) -> Response:
    """The JSON of ``build()`` validated against ``model`` once, then served from memory."""

    def encode() -> bytes:
        adapter: TypeAdapter[Any] = TypeAdapter(model)
        out: bytes = adapter.dump_json(adapter.validate_python(build()), by_alias=True)
        return out

    return Response(memo(data, key, encode), media_type="application/json")


#: Bodies larger than this are also kept gzip-compressed, for clients that accept it.
GZIP_MIN_BYTES = 8192


async def json_response_async(
    data: WebData,
    key: tuple[Any, ...],
    model: Any,
    build: Callable[[], Any],
    *,
    request: Request | None = None,
) -> Response:
    """:func:`json_response` for ``async`` routes: a cache hit is answered on the event loop
    (no thread hop, no GIL hand-over between threads); a miss is computed in the thread pool.

    Large bodies go out gzip-compressed (compressed once, kept in memory) when the client
    accepts it: the national tables shrink about eightfold.
    """
    body = cached(data, key)
    if body is _MISS:
        response = await run_in_threadpool(json_response, data, key, model, build)
        body = response.body
    gzip_ok = request is not None and "gzip" in request.headers.get("accept-encoding", "")
    if gzip_ok and len(body) >= GZIP_MIN_BYTES:
        packed = cached(data, (*key, "gzip"))
        if packed is _MISS:
            packed = await run_in_threadpool(memo, data, (*key, "gzip"), lambda: _gzip(body))
        return Response(
            packed,
            media_type="application/json",
            headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
        )
    return Response(body, media_type="application/json", headers={"Vary": "Accept-Encoding"})


def _gzip(body: bytes) -> bytes:
    import gzip

    return gzip.compress(body, compresslevel=6, mtime=0)


# -------------------------------------------------------------------------------- helpers
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
        raise InputError(f"unknown language {lang!r}", field="lang", expected="sv or en")
    return str(request.app.state.settings.lang)


def _page_context_key(data: WebData, lang: str) -> tuple[Any, ...]:
    return ("page-context", lang, data.threshold)


def _page_context(data: WebData, lang: str) -> dict[str, Any]:
    """The store-wide part of every page: the synthetic-data banner and the disclosure rule."""
    try:
        synthetic = data.info().synthetic
    except Exception:
        synthetic = False
    try:
        from omradesbild.reports.disclosure import disclosure_rule_text

        rule = disclosure_rule_text(data.threshold, lang)
    except ImportError:  # pragma: no cover
        rule = ""
    return {"synthetic": synthetic, "disclosure_rule": rule}


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
    from omradesbild.web.auth import _factory, cookie_name, csrf_for

    token = request.cookies.get(cookie_name(request))
    if not token:
        return
    with _factory(request)() as db:
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
        **memo(data, _page_context_key(data, lang), lambda: _page_context(data, lang)),
        **context,
    }
    templates = request.app.state.templates
    resp: HTMLResponse = templates.TemplateResponse(request, template, ctx)
    return resp


def _json_script(obj: Any) -> str:
    """JSON safe to embed in a ``<script type="application/json">``."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False).replace(
        "</", "<\\/"
    )


def _charts() -> Any:
    try:
        from omradesbild.reports import charts
    except ImportError:  # pragma: no cover - figures are optional
        return None
    return charts


def _cat_names(lang: str) -> tuple[dict[str, str], dict[str, str], dict[str, int]]:
    from omradesbild.indicators import default_catalogue

    cat = default_catalogue()
    names = {i.id: (i.name_en if lang == "en" else i.name_sv) for i in cat.indicators}
    units = {i.id: i.unit for i in cat.indicators}
    direction = {i.id: int(i.direction) for i in cat.indicators}
    return names, units, direction


def _flag(row: dict[str, Any], t: Callable[..., str]) -> str:
    if row.get("masked"):
        return t("masked")
    if row.get("reliable") is False:
        return t("unreliable")
    if row.get("approximate"):
        return t("approximate")
    return t("reliable")


def _method_title(ix: IndexData, lang: str) -> str:
    return ix.method.title_en if lang == "en" else ix.method.title_sv


def _try_index(data: WebData, method_id: str, lv: LevelData) -> IndexData | None:
    try:
        ix = data.index(method_id, lv.level, lv.version)
    except (NotFoundError, InputError):
        return None
    return ix if ix.results else None


def _cached_public_entries(request: Request, code: str) -> tuple[bool, list[dict[str, Any]]] | None:
    """The anonymous view of an area's partner input when it is in memory (else None)."""
    engine = getattr(request.app.state, "partners_engine", None)
    if engine is None:
        return False, []
    if not _generation_is_fresh(request):
        return None
    key = ("partners-public", id(engine), public_generation(request))
    by_area = cached(get_data(request), key)
    if by_area is _MISS:
        return None
    return True, [_entry(r, code) for r in by_area.get(code, [])[:_MAX_ENTRIES]]


def warm_area_pages(data: WebData, level: str, method: str, lang: str) -> int:
    """Compute the area page data of every area of ``level`` (start-up, in the background),
    so that first visits are served from memory. Returns the number of pages prepared."""
    lv = data.level(level)
    n = 0
    for code in sorted(lv.names):

        def build(code: str = code) -> tuple[dict[str, Any], str]:
            prof = area_profile(data, code, level=None, method=method, period=None, lang=lang)
            return prof, _json_script(prof["figures"])

        try:
            memo(data, ("area-page", code, None, method, None, lang), build)
        except (NotFoundError, InputError):
            continue
        n += 1
    return n


def warm_area_api(state: Any, level: str) -> int:
    """Prepare ``/api/areas/{code}`` (default level, method and year) for every area of
    ``level`` (start-up, in the background). ``state`` is the app's ``app.state``."""
    from types import SimpleNamespace

    stand_in: Any = SimpleNamespace(app=SimpleNamespace(state=state))
    data: WebData = state.data
    n = 0
    for code in sorted(data.level(level).names):

        def build(code: str = code) -> Any:
            return _build_area(stand_in, code, None, None, None)

        try:
            json_response(data, ("area", code, None, None, None), AreaDetail, build)
        except (NotFoundError, InputError):
            continue
        n += 1
    return n


def _partner_entries(request: Request, code: str) -> tuple[bool, list[dict[str, Any]]]:
    """Partners' approved submissions on the area that the visitor may see.

    Returns ``(available, entries)``; ``available`` is False when the app runs without the
    partners' database.
    """
    return _approved_submissions(request, code)


#: Changes whenever a submission is created, edited, submitted or moderated (each of these
#: writes a version row): the key of the cached anonymous view of an area's submissions.
_PARTNERS_GENERATION = (
    "SELECT (SELECT count(*) FROM submission_versions), (SELECT count(*) FROM submissions), "
    "(SELECT max(updated_at) FROM submissions)"
)


def _approved_submissions(request: Request, code: str) -> tuple[bool, list[dict[str, Any]]]:
    """Approved submissions linked to ``code`` that the visitor may see (the visibility
    rules of :func:`omradesbild.partners.service.list_submissions`), newest first.

    Also makes the logged-in user (and the CSRF token of the session) known to the page
    layout. The anonymous view is cached until a submission changes (see
    :func:`public_generation`).
    """
    engine = getattr(request.app.state, "partners_engine", None)
    if engine is None:
        return False, []
    from omradesbild.web.auth import cookie_name

    token = request.cookies.get(cookie_name(request))
    if token:
        return True, _submission_entries(request, code, token)
    generation = public_generation(request)
    key = ("partners-public", id(engine), generation)
    by_area: dict[str, list[dict[str, Any]]] = memo(
        get_data(request), key, lambda: _public_by_area(request)
    )
    return True, [_entry(r, code) for r in by_area.get(code, [])[:_MAX_ENTRIES]]


_MAX_ENTRIES = 20

#: How long (seconds) an anonymous visitor may see the partners' input as it was: the
#: "has anything changed?" query runs at most this often per process.
PUBLIC_GENERATION_TTL = 1.0
_GENERATION: dict[int, tuple[float, tuple[Any, ...]]] = {}


def public_generation(
    request: Request, *, max_age: float = PUBLIC_GENERATION_TTL
) -> tuple[Any, ...]:
    """A value that changes whenever a submission changes (checked at most every
    ``max_age`` seconds).

    A plain DB-API read: no ORM session, and no "BEGIN IMMEDIATE" of the partners' SQLite
    sessions (which would serialise concurrent page views on the write lock).
    """
    import time

    engine = getattr(request.app.state, "partners_engine", None)
    if engine is None:
        return ()
    now = time.monotonic()
    seen = _GENERATION.get(id(engine))
    if seen is not None and now - seen[0] < max_age:
        return seen[1]
    conn = engine.raw_connection()
    try:
        cur = conn.cursor()
        cur.execute(_PARTNERS_GENERATION)
        generation = tuple(cur.fetchone() or ())
        cur.close()
    finally:
        conn.close()
    _GENERATION[id(engine)] = (now, generation)
    return generation


def forget_public_generation() -> None:
    """Make the next anonymous page view check the partners' input again (after a write)."""
    _GENERATION.clear()


def _generation_is_fresh(request: Request) -> bool:
    import time

    engine = getattr(request.app.state, "partners_engine", None)
    seen = _GENERATION.get(id(engine)) if engine is not None else None
    return engine is None or (
        seen is not None and time.monotonic() - seen[0] < PUBLIC_GENERATION_TTL
    )


def _public_by_area(request: Request) -> dict[str, list[dict[str, Any]]]:
    """Every approved public submission (newest first), by linked area code."""
    from omradesbild.partners import service
    from omradesbild.web.auth import _factory

    out: dict[str, list[dict[str, Any]]] = {}
    with _factory(request)() as db:
        offset = 0
        while True:
            rows = service.list_submissions(db, None, status="approved", limit=1000, offset=offset)
            for r in rows:
                for c in r.get("area_codes") or []:
                    out.setdefault(str(c), []).append(r)
            if len(rows) < 1000:
                return out
            offset += len(rows)


def _submission_entries(request: Request, code: str, token: str | None) -> list[dict[str, Any]]:
    from omradesbild.partners import security, service
    from omradesbild.web.auth import _factory, csrf_for

    with _factory(request)() as db:
        user = security.session_user(db, token)
        rows = service.list_submissions(
            db, service.Actor.of(user), area_code=code, status="approved", limit=_MAX_ENTRIES
        )
        if user is not None:
            request.state.user = user
            request.state.csrf_token = csrf_for(request)
    return [_entry(r, code) for r in rows]


def _entry(r: dict[str, Any], code: str) -> dict[str, Any]:
    """A submission as an entry of the area page's "partners' input" section."""
    link = f"/bidrag?area_code={code}" if re.fullmatch(r"[0-9A-Za-z_-]+", code) else None
    return {
        "date": str(r.get("updated_at") or "")[:10],
        "organisation": r.get("organisation"),
        "kind": r.get("kind"),
        "title": r.get("title"),
        "text": r.get("body"),
        "url": link,
    }


# ============================================================================== pages
@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def overview(request: Request) -> HTMLResponse:
    """Overview: levels, the default level's classes, links to the other pages."""
    data = get_data(request)
    settings = request.app.state.settings
    lang = get_lang(request)
    info = data.info()
    classes: list[dict[str, Any]] = []
    method_title = ""
    level = settings.level if settings.level in info.level_names() else None
    areas: list[dict[str, Any]] = []
    if level:
        lv = data.level(level, settings.version)
        ix = _try_index(data, settings.method, lv)
        if ix is not None:
            p = ix.latest()
            method_title = f"{_method_title(ix, lang)} ({p})"
            counts = ix.results[p]["class"].value_counts().sort_index()
            classes = []
            for c, n in counts.items():
                k = int(str(c))
                classes.append({"cls": k, "label": ix.class_labels.get(k, str(k)), "n": int(n)})
        areas = [{"code": c, "name": lv.names[c]} for c in sorted(lv.names)[:200]]
    return page(
        request,
        "overview.html",
        lang=lang,
        levels=info.levels,
        level=level,
        classes=classes,
        method_title=method_title,
        areas=areas,
        n_level=len(data.level(level).names) if level else 0,
    )


@router.get("/api/status", tags=["status"])
def status(request: Request) -> dict[str, Any]:
    """Whether start-up precomputation has finished (``warm``), and the store in use."""
    return {
        "warm": bool(getattr(request.app.state, "warm_done", False)),
        "pages_prepared": int(getattr(request.app.state, "pages_prepared", 0)),
        "store": str(request.app.state.settings.store_path),
    }


@router.get("/omrade", include_in_schema=False)
def area_redirect(request: Request, code: str = "") -> RedirectResponse:
    """The "go to area" form: redirect to /omrade/{code}."""
    code = code.strip()
    if not code:
        raise InputError("give an area code", field="code", expected="e.g. 0180R001")
    lang = request.query_params.get("lang")
    suffix = f"?lang={lang}" if lang in ("sv", "en") else ""
    return RedirectResponse(f"/omrade/{code}{suffix}", status_code=303)


@router.get("/karta", response_class=HTMLResponse, include_in_schema=False)
def map_page(
    request: Request,
    level: str | None = None,
    layer: str | None = None,
    period: str | None = None,
    method: str | None = None,
) -> HTMLResponse:
    """Choropleth of every area of a level, coloured by an indicator or an index."""
    data = get_data(request)
    settings = request.app.state.settings
    lang = get_lang(request)
    t = translator(lang)
    level = level or settings.level
    lv = data.level(level, settings.version if level == settings.level else None)
    method = method or settings.method
    names, units, direction = _cat_names(lang)
    ix = _try_index(data, method, lv)
    layer = layer or ("index" if ix is not None else (lv.indicator_ids or ["index"])[0])
    codes = sorted(lv.names)
    values: list[Any]
    if layer == "index":
        if ix is None:
            raise NotFoundError(f"index {method!r} cannot be computed for {level}")
        period = ix.period_or_latest(period)
        by_area = ix.by_area[period]
        values = [by_area.get(c, {}).get("score") for c in codes]
        title = f"{_method_title(ix, lang)} – {t('score')}"
        reverse = False
        periods = ix.periods
    else:
        if layer not in lv.indicator_ids:
            raise InputError(
                f"unknown indicator {layer!r} at level {level}",
                field="layer",
                expected=f"'index' or one of {', '.join(lv.indicator_ids)}",
            )
        periods = sorted(p for (p, i) in lv.by_period_indicator if i == layer)
        period = period if period in periods else periods[-1]
        sub = lv.by_period_indicator[(period, layer)].set_index("area_code")["value"]
        values = [clean(sub.get(c)) for c in codes]
        title = names.get(layer, layer)
        reverse = direction.get(layer) == -1
    hover = [f"{lv.names[c]} ({c}): {fmt_num(v, lang)}" for c, v in zip(codes, values, strict=True)]
    has_geo = any(
        r["level"] == level and r["version"] == lv.version and r["with_geometry"]
        for r in data.info().levels
    )
    charts = _charts()
    figures: dict[str, Any] = {}
    if has_geo and charts is not None:
        figures["map"] = charts.choropleth(
            codes, values, hover=hover, title=f"{title} ({period})", reverse=reverse, height=600
        )
    table = sorted(
        ({"code": c, "name": lv.names[c], "value": v} for c, v in zip(codes, values, strict=True)),
        key=lambda r: (r["value"] is None, -(r["value"] or 0)),
    )
    limit = 500
    from omradesbild.index import shipped_methods

    return page(
        request,
        "karta.html",
        lang=lang,
        levels=[r for r in data.info().levels],
        level=level,
        version=lv.version,
        layer=layer,
        layers=[("index", f"{t('index')}: {method}")] if ix is not None else [],
        indicators=[(i, names.get(i, i)) for i in lv.indicator_ids],
        methods=shipped_methods(),
        method=method,
        period=period,
        periods=periods,
        title=title,
        unit="" if layer == "index" else units.get(layer, ""),
        figures=_json_script(figures),
        has_map="map" in figures,
        geo_url=f"/api/geojson?level={level}&version={lv.version}",
        table=table[:limit],
        n_table=len(table),
        limit=limit,
        fmt=lambda x: fmt_num(x, lang),
    )


def area_profile(
    data: WebData, code: str, *, level: str | None, method: str, period: str | None, lang: str
) -> dict[str, Any]:
    """Everything the area page shows (disclosed), as plain data and figure dicts."""
    t = translator(lang)
    lvl, version, name = data.find_area(code, level)
    lv = data.level(lvl, version)
    if code not in lv.names:
        raise NotFoundError(f"no {lvl} area with code {code!r}")
    names, units, _ = _cat_names(lang)
    refs = data.references()
    kommun = lv.kommun.get(code)
    rows_all = lv.by_area.get(code)
    ix = _try_index(data, method, lv)
    if period is None:
        if ix is not None and rows_all is not None:
            period = ix.latest()
        elif rows_all:
            period = max(str(r["period"]) for r in rows_all)
        else:
            period = lv.periods[-1] if lv.periods else ""
    elif period not in lv.periods:
        raise NotFoundError(f"no indicators for {lvl} in {period}; years: {', '.join(lv.periods)}")
    charts = _charts()
    figures: dict[str, Any] = {}
    headline: list[dict[str, Any]] = []
    trend_ids: list[str] = []
    names3 = (name, t("kommun"), t("country"))
    if rows_all is not None:
        order = {i: n for n, i in enumerate(lv.indicator_ids)}
        cur = sorted(
            (r for r in rows_all if r["period"] == period),
            key=lambda r: order.get(str(r["indicator"]), 999),
        )
        dots: dict[str, list[Any]] = {k: [] for k in ("l", "v", "lo", "hi", "k", "c")}
        for r in cur:
            ind = str(r["indicator"])
            kv = refs.get((str(kommun), period, ind), (None, None, None, False))
            cv = refs.get(("SE", period, ind), (None, None, None, False))
            label = names.get(ind, ind)
            headline.append(
                {
                    "id": ind,
                    "label": label,
                    "value": r["value"],
                    "low": r["ci_low"],
                    "high": r["ci_high"],
                    "kommun": kv[0],
                    "country": cv[0],
                    "unit": units.get(ind, ""),
                    "flag": _flag(r, t),
                    "weak": bool(r.get("masked")) or r.get("reliable") is False,
                }
            )
            if units.get(ind) == "procent" and r["value"] is not None:
                for k, v in zip(
                    ("l", "v", "lo", "hi", "k", "c"),
                    (label, r["value"], r["ci_low"], r["ci_high"], kv[0], cv[0]),
                    strict=True,
                ):
                    dots[k].append(v)
        if charts is not None and dots["l"]:
            figures["headline-plot"] = charts.headline_dots(
                dots["l"], dots["v"], dots["lo"], dots["hi"], dots["k"], dots["c"],
                names=names3, unit="%",
            )  # fmt: skip
        if charts is not None:
            series: dict[str, list[dict[str, Any]]] = {}
            for r in rows_all:
                if r["value"] is not None:
                    series.setdefault(str(r["indicator"]), []).append(r)
            for ind in lv.indicator_ids:
                rs = sorted(series.get(ind, []), key=lambda r: str(r["period"]))
                if len({r["period"] for r in rs}) < 2:
                    continue
                per = [str(r["period"]) for r in rs]
                kref = [refs.get((str(kommun), p, ind), (None,))[0] for p in per]
                cref = [refs.get(("SE", p, ind), (None,))[0] for p in per]
                cid = f"trend-{ind}"
                figures[cid] = charts.trend_lines(
                    per, [r["value"] for r in rs], [r["ci_low"] for r in rs],
                    [r["ci_high"] for r in rs],
                    kommun=(per, kref), country=(per, cref), title=names.get(ind, ind),
                    unit=units.get(ind, ""), names=names3,
                )  # fmt: skip
                trend_ids.append(cid)
    rank: dict[str, Any] | None = None
    history: list[dict[str, Any]] = []
    method_title = ""
    if ix is not None:
        method_title = _method_title(ix, lang)
        p = period if period in ix.results else ix.latest()
        row = ix.by_area[p].get(code)
        n_ref = int(ix.results[p]["score"].notna().sum())
        if row is not None and row.get("rank") is not None:
            unc = data.uncertainty(ix.method.id, lvl, p, lv.version)
            u = unc.get(code, {})
            cls = row.get("class")
            rank = {
                "period": p,
                "rank": int(row["rank"]),
                "n": n_ref,
                "low": u.get("rank_p05"),
                "high": u.get("rank_p95"),
                "score": row.get("score"),
                "cls": cls,
                "cls_label": row.get("class_label") or "",
                "prob": u.get(f"prob_class_{int(cls)}") if cls is not None else None,
                "draws": data.draws,
            }
            if charts is not None:
                figures["rank"] = charts.rank_interval(
                    rank["rank"], rank["low"], rank["high"], n_ref
                )
        hist = ix.history.get(code, [])
        history = [
            {"period": p_, "cls": c, "label": ix.class_labels.get(int(c), "") if c else ""}
            for p_, c in hist
        ]
        if (
            charts is not None
            and len(hist) >= 2
            and getattr(ix.method.classification, "kind", "")
            in (
                "mean_sd",
                "quantiles",
            )
        ):
            figures["type-history"] = charts.type_history(
                [h[0] for h in hist], [h[1] for h in hist]
            )
    has_geo = any(
        r["level"] == lvl and r["version"] == lv.version and r["with_geometry"]
        for r in data.info().levels
    )
    if has_geo and charts is not None and ix is not None:
        p = rank["period"] if rank else ix.latest()
        city = [c for c in sorted(lv.names) if lv.kommun.get(c) == kommun]
        scores = [ix.by_area[p].get(c, {}).get("score") for c in city]
        hover = [f"{lv.names[c]}: {fmt_num(s, lang)}" for c, s in zip(city, scores, strict=True)]
        figures["map-area"] = charts.choropleth(
            city, scores, hover=hover, colorbar_title=t("score"), highlight=code, height=380
        )
    return {
        "code": code,
        "name": name,
        "level": lvl,
        "version": lv.version,
        "kommun": kommun,
        "period": period,
        "headline": headline,
        "trend_ids": trend_ids,
        "rank": rank,
        "history": history,
        "method": method,
        "method_title": method_title,
        "figures": figures,
        "geo_url": f"/api/geojson?level={lvl}&version={lv.version}",
    }


@router.get("/omrade/{code}", response_class=HTMLResponse, include_in_schema=False)
async def area_page(
    request: Request,
    code: str,
    level: str | None = None,
    method: str | None = None,
    period: str | None = None,
) -> HTMLResponse:
    """The area page: key figures with intervals vs kommun and country, trends, index rank
    with its uncertainty, area-type history, and the partners' observations."""
    data = get_data(request)
    lang = get_lang(request)
    method = method or request.app.state.settings.method
    from omradesbild.web.auth import cookie_name

    # Anonymous visitors all see the same page: serve it from memory until the store or the
    # partners' input changes.
    anonymous = not request.cookies.get(cookie_name(request))
    html_key: tuple[Any, ...] | None = None
    if anonymous:
        if _generation_is_fresh(request):
            generation = public_generation(request)
        else:
            generation = await run_in_threadpool(public_generation, request)
        html_key = ("area-html", code, level, method, period, lang, generation)
        html = cached(data, html_key)
        if html is not _MISS:
            return HTMLResponse(html)

    def build() -> tuple[dict[str, Any], str]:
        prof = area_profile(data, code, level=level, method=method, period=period, lang=lang)
        return prof, _json_script(prof["figures"])

    # A cache hit renders on the event loop; computations and the partners' database run in
    # the thread pool (see docs/web.md, "Performance").
    key = ("area-page", code, level, method, period, lang)
    hit = cached(data, key)
    if hit is _MISS:
        hit = await run_in_threadpool(memo, data, key, build)
    prof, figures = hit
    ctx_key = _page_context_key(data, lang)
    if cached(data, ctx_key) is _MISS:
        await run_in_threadpool(memo, data, ctx_key, lambda: _page_context(data, lang))
    fast = _cached_public_entries(request, code) if anonymous else None
    if fast is not None:
        available, entries = fast
    else:
        available, entries = await run_in_threadpool(_partner_entries, request, code)
    response = page(
        request,
        "omrade.html",
        lang=lang,
        p=prof,
        figures=figures,
        partners_available=available,
        partner_entries=entries,
        fmt=lambda x, d=1: fmt_num(x, lang, d),
    )
    if html_key is not None and response.status_code == 200:
        memo(data, html_key, lambda: bytes(response.body))
    return response


@router.get("/jamfor", response_class=HTMLResponse, include_in_schema=False)
def compare_page(
    request: Request,
    areas: Annotated[list[str] | None, Query()] = None,
    method: str | None = None,
) -> HTMLResponse:
    """Compare 2–4 areas side by side (the latest year)."""
    data = get_data(request)
    lang = get_lang(request)
    codes = [a.strip() for a in (areas or []) if a.strip()]
    if codes and not 2 <= len(codes) <= 4:
        raise InputError(
            f"compare 2–4 areas, got {len(codes)}", field="areas", expected="2 to 4 area codes"
        )
    if len(set(codes)) != len(codes):
        raise InputError("the same area is given twice", field="areas")
    profiles = [
        area_profile(
            data,
            c,
            level=None,
            method=method or request.app.state.settings.method,
            period=None,
            lang=lang,
        )
        for c in codes
    ]
    rows: list[dict[str, Any]] = []
    if profiles:
        ids: list[str] = []
        labels: dict[str, str] = {}
        for pr in profiles:
            for h in pr["headline"]:
                if h["id"] not in labels:
                    ids.append(h["id"])
                    labels[h["id"]] = f"{h['label']}" + (f" ({h['unit']})" if h["unit"] else "")
        for i in ids:
            cells = []
            for pr in profiles:
                h = next((x for x in pr["headline"] if x["id"] == i), None)
                cells.append(h)
            ref = next((c for c in cells if c is not None), None)
            rows.append(
                {
                    "label": labels[i],
                    "cells": cells,
                    "country": ref["country"] if ref else None,
                }
            )
    figures: dict[str, Any] = {}
    pct = [r for r in rows if r["label"].endswith("(procent)")]
    if profiles and pct:
        figures["compare"] = {
            "data": [
                {
                    "type": "bar",
                    "orientation": "h",
                    "name": pr["name"],
                    "y": [r["label"].removesuffix(" (procent)") for r in pct],
                    "x": [(r["cells"][k] or {}).get("value") for r in pct],
                }
                for k, pr in enumerate(profiles)
            ],
            "layout": {
                "barmode": "group",
                "height": max(300, 60 * len(pct) + 80),
                "margin": {"l": 10, "r": 10, "t": 10, "b": 40},
                "yaxis": {"automargin": True, "autorange": "reversed"},
                "legend": {"orientation": "h"},
            },
        }
    return page(
        request,
        "jamfor.html",
        lang=lang,
        codes=codes,
        profiles=profiles,
        rows=rows,
        figures=_json_script(figures),
        fmt=lambda x, d=1: fmt_num(x, lang, d),
    )


@router.get("/metod", response_class=HTMLResponse, include_in_schema=False)
def method_page(
    request: Request, method: str | None = None, level: str | None = None
) -> HTMLResponse:
    """Method explorer: change weights / indicators, see ranks and classes change."""
    data = get_data(request)
    settings = request.app.state.settings
    lang = get_lang(request)
    from omradesbild.index import shipped_methods

    method = method or settings.method
    m = method_by_id(method)
    level = level or settings.level
    lv = data.level(level)
    ix = _try_index(data, method, lv)
    return page(
        request,
        "metod.html",
        lang=lang,
        methods=shipped_methods(),
        method=m,
        method_reference=no_scheme(m.reference),
        method_title=m.title_en if lang == "en" else m.title_sv,
        levels=data.info().levels,
        level=level,
        periods=ix.periods if ix is not None else [],
        computable=ix is not None,
        max_draws=MAX_DRAWS,
    )


@router.get("/nedladdning", response_class=HTMLResponse, include_in_schema=False)
def download_page(request: Request) -> HTMLResponse:
    """Links to CSV, JSON and Excel downloads of indicators and the index."""
    data = get_data(request)
    settings = request.app.state.settings
    lang = get_lang(request)
    from omradesbild.index import shipped_methods

    info = data.info()
    levels = [
        {"level": r["level"], "version": r["version"], "periods": info.periods} for r in info.levels
    ]
    try:
        import openpyxl  # noqa: F401

        from omradesbild.reports import exports  # noqa: F401

        excel = True
    except ImportError:  # pragma: no cover
        excel = False
    return page(
        request,
        "nedladdning.html",
        lang=lang,
        levels=levels,
        methods=shipped_methods(),
        method=settings.method,
        excel=excel,
    )


# ============================================================================ static
@router.get("/static/vendor/plotly.min.js", include_in_schema=False)
def plotly_js() -> Response:
    """plotly.js from the installed plotly package (nothing from a CDN)."""
    ref = resources.files("plotly") / "package_data" / "plotly.min.js"
    if isinstance(ref, Path) and ref.is_file():
        return FileResponse(
            ref, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
        )
    return Response(  # pragma: no cover - zipped installs
        ref.read_bytes(),
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )


_EMPTY_TOPO = {
    "type": "Topology",
    "arcs": [],
    "objects": {
        k: {"type": "GeometryCollection", "geometries": []}
        for k in ("land", "ocean", "lakes", "rivers", "countries", "subunits", "coastlines")
    },
}


@router.get("/static/vendor/plotly-geo-assets.js", include_in_schema=False)
def plotly_geo_assets() -> Response:
    """Empty world maps, so that plotly.js never fetches its base map (the base is hidden)."""
    topo = json.dumps(_EMPTY_TOPO, separators=(",", ":"))
    js = "window.PlotlyGeoAssets={topojson:{}};"
    for scope in ("world", "europe"):
        for res in ("110", "50"):
            js += f"window.PlotlyGeoAssets.topojson['{scope}_{res}m']={topo};"
    return Response(
        js, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
    )


# ============================================================================== API
class LevelOut(BaseModel):
    """An area level and boundary version in the store."""

    level: str
    version: str
    n: int = Field(description="Number of areas")
    with_geometry: int = Field(description="Areas with boundaries")


class AreaOut(BaseModel):
    """An area."""

    area_code: str
    name: str
    level: str
    version: str
    kommun_code: str | None = None


class IndicatorValue(BaseModel):
    """One disclosed indicator value of an area in a year, with its 95 % interval."""

    area_code: str
    period: str
    indicator: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    numerator: float | None = None
    denominator: float | None = None
    reliable: bool | None = None
    approximate: bool | None = None
    masked: bool = False
    mask_reason: str | None = None


class AreaIndicator(IndicatorValue):
    """An area's indicator with the kommun's and the country's values."""

    kommun_value: float | None = None
    country_value: float | None = None


class IndexRow(BaseModel):
    """One area's index score, rank and class (components disclosed)."""

    area_code: str
    name: str
    score: float | None
    rank: int | None
    class_: int | None = Field(default=None, alias="class")
    class_label: str | None = None
    rank_p05: float | None = None
    rank_p95: float | None = None
    components: dict[str, float | None] = Field(default_factory=dict)

    model_config = {"populate_by_name": True, "serialize_by_alias": True}


class AreaDetail(AreaOut):
    """An area with its indicators (latest year) and index."""

    period: str
    indicators: list[AreaIndicator]
    index: IndexRow | None = None
    method: str | None = None


class IndicatorDef(BaseModel):
    """A catalogue indicator."""

    id: str
    name_sv: str
    name_en: str
    domain: str
    kind: str
    unit: str
    direction: int
    population_base: str
    min_denominator: float
    source_tables: list[str]
    caveats: list[str]


class IndicatorValues(BaseModel):
    """Indicator values of every area of a level in one year."""

    level: str
    version: str
    period: str
    indicators: list[str]
    disclosure_threshold: int
    rows: list[IndicatorValue]


class IndexOut(BaseModel):
    """An index for every area of a level in one year."""

    method: str
    method_version: str
    level: str
    version: str
    period: str
    periods: list[str]
    n: int
    class_labels: dict[str, str | None] = Field(default_factory=dict)
    rows: list[IndexRow]


class MethodSummary(BaseModel):
    """A shipped index method."""

    id: str
    version: str
    title_sv: str
    title_en: str
    picture: str
    indicators: list[str]
    units: list[str] = Field(description="Top-level weighting units (indicators or themes)")
    weights: dict[str, float]
    normalisation: str
    classification: str | None


class MethodDetail(MethodSummary):
    """A method with its full definition (the YAML as JSON)."""

    description: str
    reference: str
    definition: dict[str, Any]


class ExploreIn(BaseModel):
    """A modified method: new top-level weights and/or a subset of indicators."""

    method: str = "scb-omradestyp"
    level: str = "regso"
    period: str | None = None
    weights: dict[str, float] | None = Field(
        default=None, description="Unit -> weight (>= 0, rescaled to sum 1)"
    )
    indicators: list[str] | None = Field(default=None, description="Indicator ids to keep")
    draws: int = Field(default=0, ge=0, le=MAX_DRAWS, description="Monte-Carlo draws")
    seed: int = 0


class ExploreRow(BaseModel):
    area_code: str
    name: str
    score: float | None
    rank: int | None
    base_rank: int | None
    rank_change: int | None = Field(description="base rank - new rank (positive = moved up)")
    class_: int | None = Field(default=None, alias="class")
    base_class: int | None
    rank_p05: float | None = None
    rank_p95: float | None = None

    model_config = {"populate_by_name": True, "serialize_by_alias": True}


class ExploreOut(BaseModel):
    """Ranks and classes under the modified method next to the declared method's."""

    method: str
    level: str
    version: str
    period: str
    weights: dict[str, float]
    indicators: list[str]
    n_areas: int
    n_class_changed: int
    rank_correlation: float | None
    uncertainty: dict[str, Any]
    rows: list[ExploreRow]


def _method_summary(m: Any) -> dict[str, Any]:
    themes = m.resolved_themes()
    return {
        "id": m.id,
        "version": m.version,
        "title_sv": m.title_sv,
        "title_en": m.title_en,
        "picture": m.picture,
        "indicators": [i.id for i in m.indicators],
        "units": [t.id for t in themes] if themes else [i.id for i in m.indicators],
        "weights": effective_unit_weights(m),
        "normalisation": m.normalisation.method,
        "classification": m.classification.kind if m.classification is not None else None,
    }


@router.get("/api/levels", response_model=list[LevelOut], tags=["areas"])
def api_levels(request: Request) -> list[dict[str, Any]]:
    """Area levels and boundary versions in the store."""
    return [
        {k: r[k] for k in ("level", "version", "n", "with_geometry")}
        for r in get_data(request).info().levels
    ]


@router.get("/api/areas", response_model=list[AreaOut], tags=["areas"])
async def api_areas(request: Request, level: str = "regso", version: str | None = None) -> Response:
    """Every area of a level (the default boundary version unless ``version``)."""
    data = get_data(request)
    return await json_response_async(
        data,
        ("areas", level, version),
        list[AreaOut],
        lambda: _build_areas(request, level, version),
        request=request,
    )


def _build_areas(
    request: Request, level: str = "regso", version: str | None = None
) -> list[dict[str, Any]]:
    """Every area of a level (the default boundary version unless ``version``)."""
    data = get_data(request)
    version = data.resolve_version(level, version)
    areas = data.info().areas
    sub = areas[(areas["level"] == level) & (areas["version"] == version)]
    from omradesbild.areas.codes import kommun_of

    out = []
    for c, n in zip(sub["area_code"].astype(str), sub["name"], strict=True):
        k = kommun_of(c)
        out.append(
            {
                "area_code": c,
                "name": n if isinstance(n, str) and n else c,
                "level": level,
                "version": version,
                "kommun_code": k if k.isdigit() and level != "kommun" else None,
            }
        )
    return out


@router.get("/api/areas/{code}", response_model=AreaDetail, tags=["areas"])
async def api_area(
    request: Request,
    code: str,
    level: str | None = None,
    method: str | None = None,
    period: str | None = None,
) -> Response:
    """One area: its indicators in a year (default the latest) with kommun and country
    values, and its index score, rank (with the Monte-Carlo interval) and class."""
    data = get_data(request)
    return await json_response_async(
        data,
        ("area", code, level, method, period),
        AreaDetail,
        lambda: _build_area(request, code, level, method, period),
        request=request,
    )


def _build_area(
    request: Request,
    code: str,
    level: str | None = None,
    method: str | None = None,
    period: str | None = None,
) -> dict[str, Any]:
    """One area: its indicators in a year (default the latest) with kommun and country
    values, and its index score, rank (with the Monte-Carlo interval) and class."""
    data = get_data(request)
    method = method or request.app.state.settings.method
    lvl, version, name = data.find_area(code, level)
    lv = data.level(lvl, version)
    refs = data.references()
    rows = lv.by_area.get(code)
    ix = _try_index(data, method, lv)
    if period is None:
        period = ix.latest() if ix is not None else (lv.periods[-1] if lv.periods else "")
    indicators = []
    if rows is not None:
        kommun = lv.kommun.get(code)
        for r in (dict(x) for x in rows if x["period"] == period):
            ind = str(r["indicator"])
            r["kommun_value"] = refs.get((str(kommun), period, ind), (None,))[0]
            r["country_value"] = refs.get(("SE", period, ind), (None,))[0]
            indicators.append(r)
    index = None
    if ix is not None and period in ix.by_area:
        row = ix.by_area[period].get(code)
        if row is not None:
            u = data.uncertainty(ix.method.id, lvl, period, lv.version).get(code, {})
            index = _index_row(row, ix, name, u)
    return {
        "area_code": code,
        "name": name,
        "level": lvl,
        "version": lv.version,
        "kommun_code": lv.kommun.get(code),
        "period": period,
        "indicators": indicators,
        "index": index,
        "method": ix.method.id if ix is not None else None,
    }


def _index_row(row: dict[str, Any], ix: IndexData, name: str, u: dict[str, Any]) -> dict[str, Any]:
    comps = {
        c: row.get(c)
        for c in {i.source_column for i in ix.method.indicators}
        | {f.column for f in ix.method.fallbacks}
        if c in row
    }
    rank = row.get("rank")
    cls = row.get("class")
    return {
        "area_code": row["area_code"],
        "name": name,
        "score": row.get("score"),
        "rank": None if rank is None else int(rank),
        "class": None if cls is None else int(cls),
        "class_label": row.get("class_label"),
        "rank_p05": u.get("rank_p05"),
        "rank_p95": u.get("rank_p95"),
        "components": comps,
    }


@router.get("/api/indicators", response_model=list[IndicatorDef], tags=["indicators"])
def api_indicators() -> list[dict[str, Any]]:
    """The indicator catalogue."""
    from omradesbild.indicators import default_catalogue

    return [
        {
            "id": i.id,
            "name_sv": i.name_sv,
            "name_en": i.name_en,
            "domain": i.domain,
            "kind": i.kind,
            "unit": i.unit,
            "direction": int(i.direction),
            "population_base": i.population_base,
            "min_denominator": i.min_denominator,
            "source_tables": list(i.source_tables),
            "caveats": list(i.caveats),
        }
        for i in default_catalogue().indicators
    ]


_VALUE_COLS = (
    "area_code",
    "period",
    "indicator",
    "value",
    "ci_low",
    "ci_high",
    "numerator",
    "denominator",
    "reliable",
    "approximate",
    "masked",
    "mask_reason",
)


@router.get("/api/indicators/values", response_model=IndicatorValues, tags=["indicators"])
async def api_indicator_values(
    request: Request,
    level: str = "regso",
    period: str | None = None,
    indicator: Annotated[list[str] | None, Query()] = None,
    version: str | None = None,
) -> Response:
    """Disclosed values of one or more indicators (default all) for every area of a level
    in one year (default the latest)."""
    data = get_data(request)
    return await json_response_async(
        data,
        ("values", level, period, tuple(indicator or ()), version),
        IndicatorValues,
        lambda: _build_indicator_values(request, level, period, indicator, version),
        request=request,
    )


def _build_indicator_values(
    request: Request,
    level: str = "regso",
    period: str | None = None,
    indicator: Annotated[list[str] | None, Query()] = None,
    version: str | None = None,
) -> dict[str, Any]:
    """Disclosed values of one or more indicators (default all) for every area of a level
    in one year (default the latest)."""
    data = get_data(request)
    lv = data.level(level, version)
    ids = indicator or lv.indicator_ids
    if period is None:
        # The latest year in which any of the requested indicators has values.
        held = [p for p in lv.periods if any((p, i) in lv.by_period_indicator for i in ids)]
        period = held[-1] if held else (lv.periods[-1] if lv.periods else "")
    elif period not in lv.periods:
        raise NotFoundError(f"no indicators for {level} in {period}; years: {lv.periods}")
    unknown = [i for i in ids if i not in lv.indicator_ids]
    if unknown:
        raise InputError(
            f"unknown indicator(s) {unknown} at level {level}",
            field="indicator",
            expected=f"one of {', '.join(lv.indicator_ids)}",
        )
    rows: list[dict[str, Any]] = []
    for i in ids:
        sub = lv.by_period_indicator.get((period, i))
        if sub is not None:
            rows += records(sub, _VALUE_COLS)
    return {
        "level": level,
        "version": lv.version,
        "period": period,
        "indicators": ids,
        "disclosure_threshold": data.threshold,
        "rows": rows,
    }


@router.get("/api/index", response_model=IndexOut, tags=["index"])
async def api_index(
    request: Request,
    method: str | None = None,
    level: str = "regso",
    period: str | None = None,
    version: str | None = None,
    uncertainty: bool = Query(True, description="Add the Monte-Carlo 90 % rank interval"),
    detail: bool = Query(
        False,
        description="Add each area's component values and class label (the labels are "
        "always in `class_labels`)",
    ),
) -> Response:
    """An index method for every area of a level in one year (default the latest)."""
    data = get_data(request)
    return await json_response_async(
        data,
        ("index", method, level, period, version, uncertainty, detail),
        IndexOut,
        lambda: _build_index(request, method, level, period, version, uncertainty, detail),
        request=request,
    )


def _build_index(
    request: Request,
    method: str | None = None,
    level: str = "regso",
    period: str | None = None,
    version: str | None = None,
    uncertainty: bool = True,
    detail: bool = False,
) -> dict[str, Any]:
    """An index method for every area of a level in one year (default the latest)."""
    data = get_data(request)
    method = method or request.app.state.settings.method
    method_by_id(method)
    lv = data.level(level, version)
    ix = data.index(method, level, lv.version)
    p = ix.period_or_latest(period)
    unc = data.uncertainty(method, level, p, lv.version) if uncertainty else {}
    rows = [
        _index_row(r, ix, lv.names.get(c, c), unc.get(c, {}))
        for c, r in sorted(ix.by_area[p].items())
    ]
    labels = {str(r["class"]): r["class_label"] for r in rows if r["class"] is not None}
    if not detail:  # keep the national table light: labels once, components on request
        for r in rows:
            r["class_label"] = None
            r["components"] = {}
    return {
        "method": ix.method.id,
        "method_version": ix.method.version,
        "level": level,
        "version": lv.version,
        "period": p,
        "periods": ix.periods,
        "n": len(rows),
        "class_labels": dict(sorted(labels.items())),
        "rows": rows,
    }


@router.post("/api/index/explore", response_model=ExploreOut, tags=["index"])
def api_explore(request: Request, body: ExploreIn) -> dict[str, Any]:
    """Recompute an index with other top-level weights and/or a subset of its indicators.

    Returns every area's new rank and class next to those of the declared method, and with
    ``draws > 0`` (at most 500) the Monte-Carlo 90 % rank interval under the new weights.
    """
    method_by_id(body.method)
    return explore(
        get_data(request),
        method_id=body.method,
        level=body.level,
        period=body.period,
        weights=body.weights,
        include=body.indicators,
        draws=body.draws,
        seed=body.seed,
    )


@router.get("/api/methods", response_model=list[MethodSummary], tags=["index"])
def api_methods() -> list[dict[str, Any]]:
    """The shipped index methods."""
    from omradesbild.index import shipped_methods

    return [_method_summary(method_by_id(m)) for m in shipped_methods()]


@router.get("/api/methods/{method_id}", response_model=MethodDetail, tags=["index"])
def api_method(method_id: str) -> dict[str, Any]:
    """One method with its full definition."""
    m = method_by_id(method_id)
    return {
        **_method_summary(m),
        "description": m.description,
        "reference": m.reference,
        "definition": m.model_dump(mode="json"),
    }


@router.get(
    "/api/geojson",
    tags=["areas"],
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}}}},
)
def api_geojson(request: Request, level: str = "regso", version: str | None = None) -> Response:
    """Simplified boundaries of a level in EPSG:4326 (feature id = area code; cached)."""
    body = get_data(request).geojson(level, version)
    return Response(
        body,
        media_type="application/geo+json",
        headers={"Cache-Control": "public, max-age=3600"},
    )


# -------------------------------------------------------------------------------- downloads
def _download(body: bytes, filename: str, media_type: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _published_indicators(lv: LevelData, period: str | None) -> pd.DataFrame:
    ind = lv.indicators
    if period:
        if period not in lv.periods:
            raise NotFoundError(f"no indicators for {lv.level} in {period}; years: {lv.periods}")
        ind = ind[ind["period"] == period]
    out = ind.copy()
    out.insert(1, "area_name", out["area_code"].map(lv.names))
    return out


@router.get("/api/export/indicators.csv", tags=["downloads"], response_class=Response)
def export_indicators_csv(
    request: Request, level: str = "regso", period: str | None = None
) -> Response:
    """The disclosed long indicator table as CSV (UTF-8, comma, point decimals)."""
    lv = get_data(request).level(level)
    df = _published_indicators(lv, period)
    return _download(
        df.to_csv(index=False).encode("utf-8"),
        f"indikatorer_{level}_{period or 'alla'}.csv",
        "text/csv; charset=utf-8",
    )


@router.get("/api/export/indicators.json", tags=["downloads"], response_class=Response)
def export_indicators_json(
    request: Request, level: str = "regso", period: str | None = None
) -> Response:
    """The disclosed indicator rows as JSON with provenance metadata."""
    data = get_data(request)
    lv = data.level(level)
    df = _published_indicators(lv, period)
    info = data.info()
    doc = {
        "metadata": {
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "level": level,
            "version": lv.version,
            "period": period,
            "disclosure_threshold": data.threshold,
            "sources": records(
                info.sources[["publisher", "table_id", "title", "reference", "licence"]]
            ),
        },
        "indicators": records(df),
    }
    return _download(
        json.dumps(doc, ensure_ascii=False, allow_nan=False).encode("utf-8"),
        f"indikatorer_{level}_{period or 'alla'}.json",
        "application/json",
    )


@router.get("/api/export/index.csv", tags=["downloads"], response_class=Response)
def export_index_csv(
    request: Request,
    method: str | None = None,
    level: str = "regso",
    period: str | None = None,
) -> Response:
    """The index (score, rank, class, disclosed components) as CSV."""
    data = get_data(request)
    method = method or request.app.state.settings.method
    method_by_id(method)
    lv = data.level(level)
    ix = data.index(method, level, lv.version)
    p = ix.period_or_latest(period)
    df = ix.published[p].copy()
    df.insert(1, "area_name", df["area_code"].map(lv.names))
    return _download(
        df.to_csv(index=False).encode("utf-8"), f"index_{method}_{level}_{p}.csv", "text/csv"
    )


@router.get("/api/export/excel.xlsx", tags=["downloads"], response_class=Response)
def export_excel(
    request: Request,
    level: str = "regso",
    period: str | None = None,
    method: str | None = None,
) -> Response:
    """Excel workbook: one sheet per domain, the index, and sources and method."""
    from omradesbild.errors import MissingDependencyError

    try:
        from omradesbild.reports.exports import export_excel as _export_excel
    except ImportError as exc:  # pragma: no cover
        raise MissingDependencyError("Excel export needs omradesbild.reports") from exc
    data = get_data(request)
    lang = get_lang(request)
    method = method or request.app.state.settings.method
    lv = data.level(level)
    ix = _try_index(data, method, lv)
    p = period or (ix.latest() if ix is not None else lv.periods[-1])
    ind = lv.raw[lv.raw["period"] == p]
    index = ix.results.get(p) if ix is not None else None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "omradesbild.xlsx"
        _export_excel(
            path,
            indicators=ind,
            index=index,
            areas=lv.areas,
            sources=data.info().sources,
            methods={ix.method.id: ix.method.version} if ix is not None else None,
            lang=lang,
            threshold=data.threshold,
        )
        body = io.BytesIO(path.read_bytes()).getvalue()
    return _download(
        body,
        f"omradesbild_{level}_{p}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
