"""The JSON API (``/api/*``, pydantic response models, OpenAPI at /docs) and downloads.

Every value served has been through disclosure control (the service layer's objects).
"""

from __future__ import annotations

import io
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from omradesbild.errors import InputError, NotFoundError
from omradesbild.precision import Precision, round_index_table, round_indicator_rows
from omradesbild.services.explore import explore
from omradesbild.services.level import (
    LevelIndex,
    LevelIndicators,
    components,
    method_by_id,
    rank_bounds,
)
from omradesbild.services.records import records
from omradesbild.services.search import MAX_QUERY, SEARCH_LIMIT, AreaHit, search_areas
from omradesbild.web.cache import WebData, json_response, json_response_async
from omradesbild.web.lagesbild import area_search_index
from omradesbild.web.models import (
    AreaArgs,
    AreaDetail,
    AreaOut,
    AreaQuery,
    ExploreIn,
    ExploreOut,
    IndexOut,
    IndicatorDef,
    IndicatorValues,
    LevelOut,
    MethodDetail,
    MethodSummary,
    TableArgs,
    area_detail,
    method_summary,
)
from omradesbild.web.validation import (
    attachment,
    check_explore,
    checked_period,
    no_index,
    unknown_value,
)
from omradesbild.web.views import get_data, get_lang, refuse_absent_index, web_profile
from omradesbild.wording import both

router = APIRouter()


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


class SearchHitOut(AreaHit):
    """An area the search found, with its label (the name first, the code last) and page."""

    label: str = Field(description="Name (Kommun) — level, code")
    url: str = Field(description="The area's page")


class SearchOut(BaseModel):
    """The areas a query finds, best first."""

    query: str
    hits: list[SearchHitOut]
    n_found: int = Field(description="Hits in all (``hits`` holds at most ``limit``)")
    target: str | None = Field(None, description="The code of the one area the query names")


@router.get("/api/search", response_model=SearchOut, tags=["areas"])
def api_search(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY, description="Name or code")],
    level: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = SEARCH_LIMIT,
) -> SearchOut:
    """Find areas by name or code at every level the store holds (case and diacritics do
    not matter; see :mod:`omradesbild.services.search` for the order)."""
    data = get_data(request)
    lang = get_lang(request)
    if level:
        data.check_level(level)
    found = search_areas(area_search_index(data, lang), q, level=level, limit=limit)
    return SearchOut(
        query=found.query,
        n_found=found.n_found,
        target=found.target.code if found.target else None,
        hits=[
            SearchHitOut(
                **h.model_dump(), label=h.labelled(lang), url=f"/omrade/{quote(h.code)}?lang={lang}"
            )
            for h in found.hits
        ],
    )


@router.get("/api/areas/{code}", response_model=AreaDetail, tags=["areas"])
async def api_area(request: Request, q: AreaArgs) -> Response:
    """One area: its indicators in a year (default the latest) with kommun and country
    values, and its index score, rank (with the Monte-Carlo interval) and class; the
    class's name and the police notes in the language ``?lang=`` names (Swedish without)."""
    data = get_data(request)
    lang = get_lang(request) if "lang" in request.query_params else "sv"
    return await json_response_async(
        data,
        ("area", q.code, q.level, q.method, q.period, lang),
        AreaDetail,
        lambda: _build_area(request, q, lang),
        request=request,
    )


def _build_area(request: Request, q: AreaQuery, lang: str = "sv") -> AreaDetail:
    """One area: its indicators in a year (default the latest with the index) with kommun
    and country values, its index score, rank (with the Monte-Carlo interval) and class, and
    its police classification over the years (the class's name and the notes in ``lang``)."""
    data = get_data(request)
    method = q.method or request.app.state.settings.method
    if q.method:
        refuse_absent_index(data, q.code, level=q.level, method=method)
    p = web_profile(data, q.code, level=q.level, method=method, period=q.period, lang=lang)
    return area_detail(p)


def _index_row(row: dict[str, Any], ix: LevelIndex, name: str, u: dict[str, Any]) -> dict[str, Any]:
    comps = {c: row.get(c) for c in components(ix.method) if c in row}
    rank = row.get("rank")
    cls = row.get("class")
    low, high = rank_bounds(u)
    return {
        "area_code": row["area_code"],
        "name": name,
        "score": row.get("score"),
        "rank": None if rank is None else int(rank),
        "class": None if cls is None else int(cls),
        "class_label": row.get("class_label"),
        "rank_p05": low,
        "rank_p95": high,
        "components": comps,
    }


@router.get("/api/indicators", response_model=list[IndicatorDef], tags=["indicators"])
def api_indicators() -> list[IndicatorDef]:
    """The indicator catalogue."""
    from omradesbild.indicators import default_catalogue

    return [
        IndicatorDef.model_validate(i, from_attributes=True) for i in default_catalogue().indicators
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
    ids = [i for i in indicator or () if i] or lv.indicator_ids
    for i in ids:
        if i not in lv.indicator_ids:
            raise InputError(unknown_value("indicator", i, lv.indicator_ids), field="indicator")
    # The years in which any of the requested indicators has values (default the latest).
    held = [p for p in lv.periods if any((p, i) in lv.by_period_indicator for i in ids)]
    of = ", ".join(ids) if ids != lv.indicator_ids else None
    period = checked_period(period or None, held, level=level, of=of)
    if period is None:
        period = held[-1] if held else (lv.periods[-1] if lv.periods else "")
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
    method = _method(request, method)
    lv = data.level(level, version)
    ix = _computed_index(data, method, lv)
    p = ix.period_or_latest(checked_period(period or None, ix.periods, level=level, of=method))
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
def api_explore(request: Request, body: ExploreIn) -> ExploreOut:
    """Recompute an index with other top-level weights and/or a subset of its indicators.

    Returns every area's new rank and class next to those of the declared method, and with
    ``draws > 0`` (at most 500) the Monte-Carlo 90 % rank interval under the new weights.
    """
    check_explore(request, method=body.method, level=body.level, weights=body.weights,
                  indicators=body.indicators)  # fmt: skip
    data = get_data(request)
    lv = data.level(body.level, body.version)
    ix = data.index(body.method, body.level, lv.version)
    checked_period(body.period, ix.periods, level=body.level, of=body.method)
    res = explore(
        lv,
        ix,
        period=body.period,
        weights=body.weights,
        include=body.indicators,
        draws=body.draws,
        seed=body.seed,
    )
    return ExploreOut.of(res)


@router.get("/api/methods", response_model=list[MethodSummary], tags=["index"])
def api_methods() -> list[dict[str, Any]]:
    """The shipped index methods."""
    from omradesbild.index import shipped_methods

    return [method_summary(method_by_id(m)) for m in shipped_methods()]


@router.get("/api/methods/{method_id}", response_model=MethodDetail, tags=["index"])
def api_method(method_id: str) -> dict[str, Any]:
    """One method with its full definition."""
    m = method_by_id(method_id)
    return {
        **method_summary(m),
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


# ------------------------------------------------------------------------------ downloads
def _method(request: Request, method: str | None) -> str:
    """``method`` or the app's default method, checked to be a shipped one."""
    method = method or request.app.state.settings.method
    method_by_id(method)
    return method


def _computed_index(data: WebData, method: str, lv: LevelIndicators) -> LevelIndex:
    """The index of ``method`` at the level of ``lv``, or an :class:`InputError` (422) when
    it cannot be computed there."""
    ix = data.try_index(method, lv)
    if ix is None:
        raise no_index(method, lv.level)
    return ix


def _download(body: bytes, filename: str, media_type: str) -> Response:
    """A download; ``filename`` is made of checked values only (level, period, method)."""
    return Response(body, media_type=media_type, headers=attachment(filename))


def _published_indicators(lv: LevelIndicators, period: str | None, lang: str) -> pd.DataFrame:
    """The level's disclosed rows (of ``period``), with the areas' names and each row's
    note in ``lang``."""
    from omradesbild.reports.exports import notes_in_lang

    ind = lv.indicators
    if period:
        checked_period(period, lv.periods, level=lv.level)
        ind = ind[ind["period"] == period]
    out = notes_in_lang(ind, lang)
    if out is ind:
        out = ind.copy()
    out.insert(1, "area_name", out["area_code"].map(lv.names))
    return out


#: The ``precision`` of a download (the JSON API always gives full precision).
PrecisionArg = Annotated[
    Precision,
    Query(
        description=(
            "rounded (default): values, intervals and scores rounded half away from zero to "
            "their published precision, as the pages show them (per cent and rates per "
            "1 000 one decimal, counts and ranks whole numbers); full: every stored digit, "
            "as the JSON API gives them."
        )
    ),
]


@router.get("/api/export/indicators.csv", tags=["downloads"], response_class=Response)
def export_indicators_csv(
    request: Request,
    level: str = "regso",
    period: str | None = None,
    precision: PrecisionArg = "rounded",
    version: str | None = None,
) -> Response:
    """The disclosed long indicator table as CSV (UTF-8, comma, point decimals), rounded to
    each indicator's precision unless ``precision=full``; ``version`` a boundary version of
    the level (default the level's default). Each row's ``note`` is in the language
    ``?lang=`` names (the app's language without)."""
    lv = get_data(request).level(level, version)
    df = _published_indicators(lv, period, get_lang(request))
    if precision == "rounded":
        df = round_indicator_rows(df)
    return _download(
        df.to_csv(index=False).encode("utf-8"),
        f"indikatorer_{level}_{period or 'alla'}{_suffix(precision)}.csv",
        "text/csv; charset=utf-8",
    )


def _suffix(precision: Precision) -> str:
    """The file name's mark of a full-precision download."""
    return "_full" if precision == "full" else ""


@router.get("/api/export/indicators.json", tags=["downloads"], response_class=Response)
def export_indicators_json(
    request: Request, level: str = "regso", period: str | None = None, version: str | None = None
) -> Response:
    """The disclosed indicator rows as JSON with provenance metadata (full precision);
    ``version`` a boundary version of the level (default the level's default). Each row's
    ``note`` is in the language ``?lang=`` names (the app's language without)."""
    data = get_data(request)
    lv = data.level(level, version)
    df = _published_indicators(lv, period, get_lang(request))
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
    request: Request, q: TableArgs, precision: PrecisionArg = "rounded"
) -> Response:
    """The index (score, rank, class, disclosed components) as CSV, rounded to the
    published precision unless ``precision=full``."""
    data = get_data(request)
    method = _method(request, q.method)
    lv = data.level(q.level, q.version)
    ix = _computed_index(data, method, lv)
    asked = checked_period(q.period or None, ix.periods, level=q.level, of=method)
    p = ix.period_or_latest(asked)
    df = ix.published[p].copy()
    df.insert(1, "area_name", df["area_code"].map(lv.names))
    if precision == "rounded":
        df = round_index_table(df, method=ix.method)
    return _download(
        df.to_csv(index=False).encode("utf-8"),
        f"index_{method}_{q.level}_{p}{_suffix(precision)}.csv",
        "text/csv",
    )


@router.get("/api/export/excel.xlsx", tags=["downloads"], response_class=Response)
def export_excel(request: Request, q: TableArgs, precision: PrecisionArg = "rounded") -> Response:
    """Excel workbook: one sheet per domain, the index, and sources and method; figures
    rounded to the published precision unless ``precision=full``. The index of a
    ``method`` asked for is in it or the request is refused (422): it cannot be computed
    at the level or in the period; the app's default method is left out where it cannot."""
    from omradesbild.reports.exports import export_excel as _export_excel

    data = get_data(request)
    lang = get_lang(request)
    method, level = _method(request, q.method), q.level
    lv = data.level(level, q.version)
    ix = data.try_index(method, lv)
    if ix is None and q.method:
        raise no_index(method, level)
    p = checked_period(q.period or None, lv.periods, level=level)
    if p is None:
        if not lv.periods:
            raise NotFoundError(both("err_web_no_indicators_level", level=level))
        p = ix.latest() if ix is not None else lv.periods[-1]
    elif ix is not None and q.method:
        checked_period(p, ix.periods, level=level, of=method)
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
            precision=precision,
        )
        body = io.BytesIO(path.read_bytes()).getvalue()
    return _download(
        body,
        f"omradesbild_{level}_{p}{_suffix(precision)}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def warm_area_api(state: Any, level: str) -> int:
    """Prepare ``/api/areas/{code}`` (default level, method and year) for every area of
    ``level`` (start-up, in the background). ``state`` is the app's ``app.state``."""
    from types import SimpleNamespace

    stand_in: Any = SimpleNamespace(app=SimpleNamespace(state=state))
    data = state.data
    n = 0
    for code in sorted(data.level(level).names):

        def build(code: str = code) -> Any:
            return _build_area(stand_in, AreaQuery(code))

        try:
            json_response(data, ("area", code, None, None, None, "sv"), AreaDetail, build)
        except (NotFoundError, InputError):
            continue
        n += 1
    return n
