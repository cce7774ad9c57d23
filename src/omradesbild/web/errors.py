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

from omradesbild.wording import strings, translator

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


def error_response(request: Request, status: int, error: str, detail: Any) -> Response:
    """The error as JSON ``{"error", "detail"}`` or as an HTML page for browsers."""
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


def install_error_handlers(app: FastAPI) -> None:
    """Route every exception through :data:`ERROR_STATUS` (JSON or HTML by the client)."""

    async def handle_exception(request: Request, exc: Exception) -> Response:
        status = status_for(exc)
        production = bool(getattr(getattr(request.app.state, "settings", None), "production", 0))
        if status is None:
            log.exception("internal error on %s", request.url.path)
            detail = "internal error" if production else f"{type(exc).__name__}: {exc}"
            return error_response(request, 500, "InternalError", detail)
        if status >= 500:
            log.warning("%s on %s: %s", type(exc).__name__, request.url.path, exc)
        if status == 401 and wants_html(request):
            from urllib.parse import quote

            from fastapi.responses import RedirectResponse

            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        response = error_response(request, status, type(exc).__name__, str(exc))
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
        parts = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "body"))
            parts.append(f"{loc}: {err.get('msg', '')}" if loc else str(err.get("msg", "")))
        return error_response(request, 422, "RequestValidationError", "; ".join(parts))

    from omradesbild.errors import OmradesbildError

    app.add_exception_handler(RequestValidationError, handle_validation)
    app.add_exception_handler(StarletteHTTPException, handle_http)
    # Listed classes are handled inside the app (no re-raise); anything else is a 500.
    app.add_exception_handler(OmradesbildError, handle_exception)
    from omradesbild.partners.errors import PermissionDenied

    app.add_exception_handler(PermissionDenied, handle_exception)
    app.add_exception_handler(Exception, handle_exception)
