"""One table from exception classes to HTTP statuses, and the handlers that use it.

Every error reaches the user as ``{"error": <type>, "detail": <message>}`` (JSON; for the
API and clients that do not ask for HTML) or as a short HTML page (browsers). A raw
traceback never does: unexpected exceptions become a 500 with a generic message.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from omradesbild.wording import LANGUAGES, Bilingual, Message, both, say, strings, translator

log = logging.getLogger("omradesbild.web")

#: Exception class (dotted name, so optional modules need not be importable) -> status.
#: The first class in the exception's MRO that is listed decides; subclasses are listed
#: before their bases where their status differs.
ERROR_STATUS: dict[str, int] = {
    "omradesbild.partners.errors.NotAuthenticated": 401,
    "omradesbild.partners.errors.CsrfError": 403,
    "omradesbild.partners.errors.RateLimited": 429,
    "omradesbild.partners.errors.ConflictError": 409,
    "omradesbild.partners.errors.PermissionDenied": 403,
    "omradesbild.errors.NotFoundError": 404,
    "omradesbild.errors.InputError": 422,
    "omradesbild.errors.MethodError": 422,
    "omradesbild.errors.ConfigError": 422,
    "omradesbild.errors.MissingDependencyError": 501,
    "omradesbild.errors.FetchError": 502,
    "omradesbild.errors.StoreError": 503,
    "omradesbild.errors.OmradesbildError": 500,
}


def _dotted(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def status_for(exc: BaseException) -> int | None:
    """The HTTP status of an exception by :data:`ERROR_STATUS`, or None if not listed."""
    for cls in type(exc).__mro__:
        status = ERROR_STATUS.get(_dotted(cls))
        if status is not None:
            return status
    return None


def wants_html(request: Request) -> bool:
    """A browser page (not the API) whose client accepts HTML."""
    if request.url.path.startswith("/api/") or request.url.path in ("/openapi.json",):
        return False
    return "text/html" in request.headers.get("accept", "")


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang")
    if lang in ("sv", "en"):
        return lang
    settings = getattr(request.app.state, "settings", None)
    return getattr(settings, "lang", "sv") or "sv"


def _synthetic(request: Request) -> bool:
    """Whether the app shows the synthetic city's data (the pages' banner); False when the
    store cannot be read (an error page never fails for the banner's sake)."""
    data = getattr(request.app.state, "data", None)
    if data is None:
        return False
    try:
        from omradesbild.web.cache import memo
        from omradesbild.web.views import page_context, page_context_key

        lang = _lang(request)
        context = memo(data, page_context_key(data, lang), lambda: page_context(data, lang))
        return bool(context.get("synthetic"))
    except Exception:
        return False


def error_detail(exc: BaseException, lang: str | None = None) -> str:
    """What an error says to the user: its message, in ``lang`` alone where the package
    worded it by the catalogue (``None``: Swedish and English, as the command line shows
    it). An :class:`InputError` about a request's parameter (no file, no row) is shown
    without the English "field '…':" in front, since its message names the parameter;
    one worded by the catalogue whose message does not name its field (a body's or a
    form's field: "is empty") names it in each language."""
    from omradesbild.errors import InputError, OmradesbildError

    if isinstance(exc, InputError):
        parameter = exc.file is None and exc.row is None
        where = not parameter or (exc.field is not None and exc.field not in str(exc.message))
        if lang is not None and (exc.bilingual() or isinstance(exc.message, Bilingual)):
            out = exc.worded(lang, where=where)
            return f"{exc.file}: {out}" if exc.file is not None else out
        if not parameter:
            return str(exc)
        if exc.bilingual():
            return f"{exc.worded('sv', where=where)} / {exc.worded('en', where=where)}"
        return exc.message + (f" (expected {exc.expected})" if exc.expected else "")
    if lang is not None and isinstance(exc, OmradesbildError):
        return exc.worded(lang)
    return str(exc)


def error_in(exc: BaseException, lang: str) -> str:
    """An error as a page in ``lang`` shows it inline (a form's refusal): a message of the
    wording catalogue (a ``Message``, or a text made by
    :func:`~omradesbild.wording.both`) in that language alone — an :class:`InputError`
    with its row and field, a partners' error — any other message as it is."""
    from omradesbild.errors import InputError

    if isinstance(exc, InputError) and exc.bilingual():
        return exc.worded(lang)
    return error_detail(exc, lang)


def detail_lang(request: Request) -> str | None:
    """The language an error is worded in: the page's for a browser's page, the ``?lang=``
    an API request names, else ``None`` (Swedish and English)."""
    if wants_html(request):
        return _lang(request)
    lang = request.query_params.get("lang")
    return lang if lang in LANGUAGES else None


def error_response(request: Request, status: int, error: str, detail: Any) -> Response:
    """The error as JSON ``{"error", "detail"}`` or as an HTML page for browsers (with the
    synthetic-data banner when the app shows the synthetic city). A ``detail`` made by
    :func:`~omradesbild.wording.both` is shown in the language of :func:`detail_lang`."""
    worded_in = detail_lang(request)
    if worded_in is not None and isinstance(detail, Bilingual):
        detail = detail.text(worded_in)
    if wants_html(request):
        lang = _lang(request)
        templates = getattr(request.app.state, "templates", None)
        words = strings("en" if lang == "en" else "sv")
        title = words.get(f"http_{status}", str(status))
        explanation = words.get(f"http_{status}_text", "")
        text = detail if isinstance(detail, str) else "; ".join(map(str, detail))
        if templates is not None:
            return templates.TemplateResponse(
                request,
                "error.html",
                {
                    "status": status,
                    "title": title,
                    "explanation": explanation,
                    "error": error,
                    "detail": text,
                    "lang": lang,
                    "translator": translator,
                    "user": getattr(request.state, "user", None),
                    "csrf_token": getattr(request.state, "csrf_token", None),
                    "synthetic": _synthetic(request),
                },
                status_code=status,
            )
        from html import escape

        return HTMLResponse(
            f"<!doctype html><title>{status}</title><h1>{escape(title)}</h1>"
            f"<p>{escape(explanation)}</p><p>{escape(text)}</p>",
            status_code=status,
        )
    return JSONResponse({"error": error, "detail": detail}, status_code=status)


# ------------------------------------------------------------ request validation errors
#: Where a request's value can be (the first part of a pydantic error's ``loc``).
_PLACES = ("query", "path", "body", "header", "cookie", "form")
#: The bounds of a number (pydantic's ``ctx`` and the constraints of annotated-types).
_BOUNDS = frozenset({"ge", "gt", "le", "lt"})
_INT_ERRORS = {"int_parsing", "int_type", "int_from_float", "int_parsing_size"}
_FLOAT_ERRORS = {"float_parsing", "float_type", "finite_number"}
_RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}


def _param_constraints(dependant: Any, loc: tuple[Any, ...]) -> dict[str, Any]:
    """The declared bounds (``ge``/``gt``/``le``/``lt``, ``min_length``/``max_length``) of
    the parameter at ``loc`` of a route's dependant tree (query, path, header and cookie
    parameters, and the fields of a body model), or {} when it cannot be found."""
    if dependant is None or len(loc) < 2:
        return {}
    place, name = loc[0], loc[1]
    info = None
    stack = [dependant]
    while stack and info is None:
        dep = stack.pop()
        stack.extend(getattr(dep, "dependencies", ()))
        fields = getattr(dep, f"{place}_params", None) or []
        for field in fields:
            if getattr(field, "alias", None) == name or getattr(field, "name", None) == name:
                info = field.field_info
                break
            model = getattr(field.field_info, "annotation", None)
            model_fields = getattr(model, "model_fields", None)
            if place == "body" and isinstance(model_fields, dict) and name in model_fields:
                info = model_fields[name]
                break
    out: dict[str, Any] = {}
    for m in getattr(info, "metadata", ()) or ():
        for attr in ("ge", "gt", "le", "lt", "min_length", "max_length"):
            value = getattr(m, attr, None)
            if value is not None:
                out[attr] = value
    return out


def _allowed_range(bounds: dict[str, Any]) -> Message | None:
    """The allowed range of a number as a message (``från 1 till och med 200``)."""
    if "ge" in bounds and "le" in bounds:
        return Message("web_allowed_between", lo=bounds["ge"], hi=bounds["le"])
    lower = upper = None
    for kind, key in (("ge", "web_allowed_min"), ("gt", "web_allowed_above")):
        if kind in bounds:
            lower = Message(key, lo=bounds[kind])
    for kind, key in (("le", "web_allowed_max"), ("lt", "web_allowed_below")):
        if kind in bounds:
            upper = Message(key, hi=bounds[kind])
    if lower is not None and upper is not None:
        return Message("web_allowed_both", lower=lower, upper=upper)
    return lower or upper


def _shown(value: Any) -> str:
    """A request's value as shown in a message: quoted and cut to 60 characters."""
    text = value if isinstance(value, str) else str(value)
    return repr(text[:60] + ("…" if len(text) > 60 else ""))


def validation_message(err: dict[str, Any], dependant: Any = None) -> str:
    """One error of FastAPI's request validation in Swedish and English (:func:`both`):
    which parameter, what is allowed (the declared range or length, read from the route's
    ``dependant`` when given) and the value that came."""
    loc = tuple(err.get("loc", ()))
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    named = [str(p) for p in (loc[1:] if loc and loc[0] in _PLACES else loc)]
    param: Message | str = ".".join(named) if named else Message("web_request_body")
    value = err.get("input")
    bounds = {k: v for k, v in ctx.items() if k in _BOUNDS}
    bounds.update(_param_constraints(dependant, loc))
    if kind == "missing":
        return both("web_invalid_missing", param=param)
    if kind in _INT_ERRORS or kind in _FLOAT_ERRORS or kind in _RANGE_ERRORS:
        allowed = _allowed_range(bounds)
        integer = (
            kind in _INT_ERRORS
            or isinstance(value, int)
            or (kind in _RANGE_ERRORS and isinstance(value, str) and value.lstrip("-").isdigit())
        )
        key = "web_invalid_int" if integer else "web_invalid_number"
        if allowed is None:
            return both(f"{key}_any", param=param, value=_shown(value))
        return both(key, param=param, allowed=allowed, value=_shown(value))
    if kind in ("string_too_short", "string_too_long"):
        lo = bounds.get("min_length", ctx.get("min_length"))
        hi = bounds.get("max_length", ctx.get("max_length"))
        n = len(value) if isinstance(value, str) else "?"
        if lo is not None and hi is not None:
            return both("web_invalid_length_between", param=param, lo=lo, hi=hi, n=n)
        if lo is not None:
            return both("web_invalid_length_min", param=param, lo=lo, n=n)
        return both("web_invalid_length_max", param=param, hi=hi if hi is not None else "?", n=n)
    if kind in ("literal_error", "enum") and "expected" in ctx:
        return both("web_invalid_choice", param=param, allowed=ctx["expected"], value=_shown(value))
    if kind in ("bool_parsing", "bool_type"):
        return both("web_invalid_bool", param=param, value=_shown(value))
    if kind == "string_pattern_mismatch":
        return both(
            "web_invalid_pattern", param=param, pattern=ctx.get("pattern", "?"), value=_shown(value)
        )
    detail = str(err.get("msg", kind)).removeprefix("Value error, ")
    return both("web_invalid_value", param=param, detail=detail)


def install_error_handlers(app: FastAPI) -> None:
    """Route every exception through :data:`ERROR_STATUS` (JSON or HTML by the client)."""

    async def handle_exception(request: Request, exc: Exception) -> Response:
        status = status_for(exc)
        production = bool(getattr(getattr(request.app.state, "settings", None), "production", 0))
        if status is None:
            log.exception("internal error on %s", request.url.path)
            detail = both("err_web_internal") if production else f"{type(exc).__name__}: {exc}"
            return error_response(request, 500, "InternalError", detail)
        if status >= 500:
            log.warning("%s on %s: %s", type(exc).__name__, request.url.path, exc)
        if status == 401 and wants_html(request):
            from urllib.parse import quote

            from fastapi.responses import RedirectResponse

            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        detail = error_detail(exc, detail_lang(request))
        response = error_response(request, status, type(exc).__name__, detail)
        retry_after = getattr(exc, "retry_after", None)
        if status == 429 and retry_after is not None:
            response.headers["Retry-After"] = str(int(retry_after))
        return response

    async def handle_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        names = {404: "NotFound", 405: "MethodNotAllowed", 401: "Unauthorized", 403: "Forbidden"}
        resp = error_response(
            request, exc.status_code, names.get(exc.status_code, "HTTPError"), exc.detail
        )
        for k, v in (exc.headers or {}).items():
            resp.headers[k] = v
        return resp

    async def handle_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        route = request.scope.get("route")
        parts = [validation_message(err, getattr(route, "dependant", None)) for err in exc.errors()]
        lang = detail_lang(request)
        detail = "; ".join(part if lang is None else say(part, lang) for part in parts)
        return error_response(request, 422, "RequestValidationError", detail)

    from omradesbild.errors import OmradesbildError

    app.add_exception_handler(RequestValidationError, handle_validation)
    app.add_exception_handler(StarletteHTTPException, handle_http)
    # Listed classes are handled inside the app (no re-raise); anything else is a 500.
    app.add_exception_handler(OmradesbildError, handle_exception)
    from omradesbild.partners.errors import PermissionDenied

    app.add_exception_handler(PermissionDenied, handle_exception)
    app.add_exception_handler(Exception, handle_exception)
