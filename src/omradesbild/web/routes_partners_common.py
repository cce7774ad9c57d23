"""What the partners' route modules share: the page renderer, the role dependencies, the
form and version helpers.

Used by :mod:`omradesbild.web.routes_partners` and the modules it includes
(:mod:`~omradesbild.web.routes_submissions`, :mod:`~omradesbild.web.routes_interventions`,
:mod:`~omradesbild.web.routes_accounts`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from omradesbild.config import P_VALUE_DECIMALS
from omradesbild.errors import InputError, NotFoundError
from omradesbild.partners.models import Role, SubmissionKind, User, Visibility
from omradesbild.partners.service import Actor
from omradesbild.web.auth import (
    csrf_for,
    current_user,
    require_role,
    set_pre_session_cookie,
    settings_value,
    verify_csrf,
)
from omradesbild.web.errors import error_in
from omradesbild.web.validation import check_area_codes, store_area_codes
from omradesbild.wording import Message, fmt_num, text, translator

_TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

CSRF = Depends(verify_csrf)
CurrentUser = Annotated[User | None, Depends(current_user)]
Analyst = Annotated[Actor, Depends(require_role(Role.ANALYST))]
Admin = Annotated[Actor, Depends(require_role(Role.ADMIN))]

#: The codes the forms offer; their names are the catalogue's ``partner_kind_<code>``,
#: ``partner_visibility_<code>`` and ``partner_status_<code>``.
KINDS = tuple(k.value for k in SubmissionKind)
VISIBILITIES = tuple(v.value for v in Visibility)


def page_lang(request: Request) -> str:
    """``?lang=`` when it is sv or en, else the app's language."""
    lang = request.query_params.get("lang")
    return lang if lang in ("sv", "en") else str(settings_value(request, "lang", "sv") or "sv")


def known_areas(request: Request) -> set[str] | None:
    """The area codes the app knows (``app.state.known_area_codes`` when set, else the
    store's), or None when there is no store to ask."""
    return store_area_codes(request)


def check_areas(request: Request, codes: object) -> set[str] | None:
    """Refuse (422, in Swedish and English) area codes the app does not know, before the
    partners' service is called; returns the known codes for the service."""
    known = known_areas(request)
    check_area_codes(codes, known)
    return known


def area_namer(request: Request) -> Callable[[Iterable[str]], str]:
    """``names(codes)``: the areas named first, the code second ("Husby (0180R036), …");
    a code the store does not name (or no store) is shown as it is."""
    from omradesbild.errors import StoreError

    lookup: dict[str, list[tuple[str, str, str]]] = {}
    data = getattr(request.app.state, "data", None)
    if data is not None:
        try:
            lookup = (data.info_if_cached() or data.info()).lookup
        except (StoreError, NotFoundError):
            lookup = {}

    def one(code: str) -> str:
        name = next((h[2] for h in lookup.get(code, []) if h[2] and h[2] != code), None)
        return f"{name} ({code})" if name else code

    def names(codes: Iterable[str]) -> str:
        return ", ".join(one(str(c)) for c in codes)

    return names


def render(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render a partners template with the base layout's variables."""
    templates = getattr(request.app.state, "templates", None) or _TEMPLATES
    lang = page_lang(request)
    ctx = {
        "user": getattr(request.state, "partners_user", None),
        "csrf_token": csrf_for(request),
        "lang": lang,
        "t": translator(lang),
        "kinds": KINDS,
        "visibilities": VISIBILITIES,
        "translator": translator,
        "fmt_num": fmt_num,
        "p_dec": P_VALUE_DECIMALS,
        "area_names": area_namer(request),
        **context,
    }
    resp: HTMLResponse = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    set_pre_session_cookie(request, resp)
    return resp


def form_error(request: Request, exc: InputError) -> str:
    """A form's input error for the page: the catalogue's sentence and the field's detail."""
    lang = page_lang(request)
    return text("form_invalid", lang, detail=error_in(exc, lang))


def if_match(request: Request, version: int | None) -> int | None:
    """The version sent back: the body's ``version``, else the ``If-Match`` ETag."""
    if version is not None:
        return version
    tag = request.headers.get("if-match", "").strip().removeprefix("W/").strip('"')
    if not tag:
        return None
    if not tag.isdigit() or len(tag) > 9:
        raise InputError(Message("err_web_not_version", value=repr(tag[:20])), field="If-Match",
                         expected=Message("exp_web_etag"))  # fmt: skip
    return int(tag)


def with_etag(view: dict[str, Any]) -> JSONResponse:
    """The submission or user as JSON with its version as ETag (send it back in ``If-Match``)."""
    return JSONResponse(view, headers={"ETag": f'"{view["version"]}"'})
