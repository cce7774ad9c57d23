"""The tool pages: the comparison of 2–4 areas, the method explorer and the downloads page.

Pages are Swedish by default; ``?lang=en`` (or the setting ``lang``) switches to English.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from omradesbild.errors import InputError
from omradesbild.services.explore import MAX_DRAWS
from omradesbild.services.level import method_by_id
from omradesbild.services.search import resolve_area
from omradesbild.web.compare import compare_figures, compare_rows
from omradesbild.web.lagesbild import area_search_index
from omradesbild.web.text import no_scheme
from omradesbild.web.views import (
    json_script,
    page,
    page_inputs,
    refuse_absent_index,
    shown_level,
    web_profile,
)
from omradesbild.wording import both, fmt_num

router = APIRouter()


def method_titles(lang: str) -> dict[str, str]:
    """The shipped index methods' titles by id (the pickers show the title, the id second)."""
    from omradesbild.index import shipped_methods

    out = {}
    for m in shipped_methods():
        method = method_by_id(m)
        out[m] = method.title_en if lang == "en" else method.title_sv
    return out


@router.get("/jamfor", response_class=HTMLResponse, include_in_schema=False)
def compare_page(
    request: Request,
    areas: Annotated[list[str] | None, Query()] = None,
    find: Annotated[list[str] | None, Query()] = None,
    method: str | None = None,
    level: str | None = None,
    period: str | None = None,
) -> Response:
    """Compare 2–4 areas side by side under the app's index method or ``method`` (an index
    that cannot be computed at an area's level is a 422), each in the latest year with the
    index, or in ``period`` (each area's indicators of that year; an area without data
    then is a 422 naming its years), each at its own level, or at ``level`` (an area not at
    it is a 422 naming its levels). The form's fields (``find``) take names, pickers'
    labels or codes; they are resolved and redirected to ``?areas=`` codes, keeping
    ``level`` and ``period``."""
    data, _, lang = page_inputs(request)
    level, period = level or None, period or None
    if find is not None:
        given = [a.strip() for a in find if a.strip()]
        if not 2 <= len(given) <= 4:
            raise InputError(both("err_compare_count", n=len(given)), field="find")
        index = area_search_index(data, lang)
        found = [resolve_area(index, a, field="find").code for a in given]
        query = [("areas", c) for c in found] + [("lang", lang)]
        kept = (("method", method), ("level", level), ("period", period))
        query += [(k, v) for k, v in kept if v]
        return RedirectResponse(f"/jamfor?{urlencode(query)}", status_code=303)
    codes = [a.strip() for a in (areas or []) if a.strip()]
    if codes and not 2 <= len(codes) <= 4:
        raise InputError(both("err_compare_count", n=len(codes)), field="areas")
    if len(set(codes)) != len(codes):
        raise InputError(both("err_compare_twice"), field="areas")
    asked, method = bool(method), method or request.app.state.settings.method
    for code in codes if asked else ():
        refuse_absent_index(data, code, level=level, method=method)
    profiles = [
        web_profile(data, c, level=level, method=method, period=period, lang=lang) for c in codes
    ]
    rows = compare_rows(profiles)
    return page(
        request,
        "jamfor.html",
        lang=lang,
        codes=codes,
        level=level,
        period=period,
        profiles=profiles,
        rows=rows,
        figures=json_script(compare_figures(profiles, rows, lang)),
        fmt=lambda x, d=1: fmt_num(x, lang, d),
    )


@router.get("/metod", response_class=HTMLResponse, include_in_schema=False)
def method_page(
    request: Request,
    method: str | None = None,
    level: str | None = None,
    version: str | None = None,
) -> HTMLResponse:
    """Method explorer: change weights / indicators, see ranks and classes change, at
    ``level`` and its boundary ``version`` (alone, it names its level); a version without
    indicators is a page that says so."""
    data, settings, lang = page_inputs(request)
    from omradesbild.index import shipped_methods

    method = method or settings.method
    m = method_by_id(method)
    level, version, lv = shown_level(data, settings, level, version)
    ix = data.try_index(method, lv) if lv is not None else None
    return page(
        request,
        "metod.html",
        lang=lang,
        methods=shipped_methods(),
        method_titles=method_titles(lang),
        method=m,
        method_reference=no_scheme(m.reference),
        method_title=m.title_en if lang == "en" else m.title_sv,
        levels=data.info().levels,
        level=level,
        version=version,
        no_data=lv is None,
        periods=ix.periods if ix is not None else [],
        computable=ix is not None,
        max_draws=MAX_DRAWS,
    )


@router.get("/nedladdning", response_class=HTMLResponse, include_in_schema=False)
def download_page(request: Request) -> HTMLResponse:
    """Links to CSV, JSON and Excel downloads of indicators and the index."""
    data, settings, lang = page_inputs(request)
    from omradesbild.index import shipped_methods

    excel = True  # openpyxl is a core dependency
    return page(
        request,
        "nedladdning.html",
        lang=lang,
        levels=data.downloads(settings.method),
        methods=shipped_methods(),
        method_titles=method_titles(lang),
        method=settings.method,
        excel=excel,
    )
