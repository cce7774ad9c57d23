"""Routes of the partners' part: login, submissions, moderation, interventions, follow-up.

Include with ``app.include_router(router)``. The app must provide ``app.state.settings``,
``app.state.partners_engine`` (with :func:`omradesbild.partners.db.init_db` run at
startup) and map :mod:`omradesbild.partners.errors` (see ``HTTP_STATUS`` there) and the
package errors to HTTP codes. Optional: ``app.state.templates`` (a ``Jinja2Templates``
whose loader finds ``base.html`` and ``partners/*.html``), ``app.state.store`` (an open
:class:`~omradesbild.store.Store`; else ``settings.store_path`` is opened read-only for
the follow-up page) and ``app.state.known_area_codes`` (a set of the area codes forms may
name; when unset, the codes of the store in ``app.state.data`` are used, unless it holds
no areas yet).

This module holds login, logout and the admin API (audit log, organisations, users); its
router includes those of :mod:`~omradesbild.web.routes_submissions`,
:mod:`~omradesbild.web.routes_interventions` and :mod:`~omradesbild.web.routes_accounts`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel

from omradesbild.errors import InputError
from omradesbild.partners import security, service
from omradesbild.partners.errors import NotAuthenticated, RateLimited
from omradesbild.partners.service import Actor
from omradesbild.web import routes_accounts, routes_interventions, routes_submissions
from omradesbild.web.auth import (
    DB,
    PRE_SESSION_COOKIE,
    CurrentActor,
    client_ip,
    cookie_name,
    csrf_for,
    session_ttl,
    set_pre_session_cookie,
    settings_value,
)
from omradesbild.web.routes_partners_common import (
    CSRF,
    KINDS,
    VISIBILITIES,
    Admin,
    Analyst,
    CurrentUser,
    if_match,
    page_lang,
    render,
    with_etag,
)
from omradesbild.web.validation import MAX_DB_ID, DbId, PathId, Text, unknown_value
from omradesbild.wording import text

__all__ = ["KINDS", "VISIBILITIES", "render", "router"]

router = APIRouter(tags=["partners"])


def _safe_next(target: str | None, default: str = "/bidrag") -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def _login_form(
    request: Request, next: str | None, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    context = {"next": _safe_next(next), "error": error}
    return render(request, "partners/login.html", context, status_code=status_code)


# -- login ------------------------------------------------------------------------------
@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, user: CurrentUser, next: str | None = None) -> HTMLResponse:
    return _login_form(request, next)


@router.post("/login", response_class=HTMLResponse, dependencies=[CSRF])
def login(
    request: Request,
    db: DB,
    email: Annotated[Text, Form(max_length=254)],
    password: Annotated[Text, Form(max_length=1024)],
    next: Annotated[Text | None, Form()] = None,
) -> Response:
    ip = client_ip(request)
    try:
        user = security.authenticate(db, email, password, ip=ip)
    except RateLimited as exc:
        db.commit()
        error = text("login_rate_limited", page_lang(request), minutes=exc.retry_after // 60 + 1)
        resp = _login_form(request, next, error, status_code=429)
        resp.headers["Retry-After"] = str(exc.retry_after)
        return resp
    except NotAuthenticated:
        db.commit()  # keep the failed attempt for rate limiting
        error = text("login_failed", page_lang(request))
        return _login_form(request, next, error, status_code=401)
    # Logging in (as anyone) ends the session this browser had: no two logins in one browser.
    security.end_session(db, request.cookies.get(cookie_name(request)))
    token = security.create_session(db, user, ip=ip, ttl=session_ttl(request))
    service.audit(db, Actor.of(user), "user.login", "user", user.id, {"ip": ip})
    ok: Response = RedirectResponse(_safe_next(next), status_code=303)
    ok.set_cookie(
        cookie_name(request), token, httponly=True, samesite="lax",
        secure=bool(settings_value(request, "cookie_secure", False)),
        max_age=int(session_ttl(request).total_seconds()), path="/",
    )  # fmt: skip
    ok.delete_cookie(PRE_SESSION_COOKIE)
    return ok


@router.post("/logout", dependencies=[CSRF])
def logout(request: Request, db: DB, actor: CurrentActor) -> Response:
    security.end_session(db, request.cookies.get(cookie_name(request)))
    if actor is not None:
        service.audit(db, actor, "user.logout", "user", actor.id)
    resp = RedirectResponse("/", status_code=303)
    resp.delete_cookie(cookie_name(request), path="/")
    return resp


# -- JSON API ---------------------------------------------------------------------------
class OrganisationIn(BaseModel):
    name: Text
    kind: Text


class UserIn(BaseModel):
    email: Text
    name: Text
    password: Text
    role: Text
    organisation_id: DbId | None = None


class UserPatch(BaseModel):
    #: The version the admin read (else the ``If-Match`` header); required.
    version: DbId | None = None
    role: Text | None = None
    active: bool | None = None


@router.get("/api/me")
def api_me(request: Request, user: CurrentUser) -> JSONResponse:
    """The logged-in user (or null) and the CSRF token for the X-CSRF-Token header."""
    info = None
    if user is not None:
        info = {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
                "organisation_id": user.organisation_id}  # fmt: skip
    resp = JSONResponse({"user": info, "csrf_token": csrf_for(request)})
    set_pre_session_cookie(request, resp)
    return resp


@router.get("/api/audit")
def api_audit(
    db: DB,
    actor: Analyst,
    object_type: str | None = None,
    object_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=MAX_DB_ID)] = 0,
) -> list[dict[str, Any]]:
    """The audit log, newest first; an ``object_type`` that no entry can have is a 422
    naming the allowed values (never an empty list)."""
    from omradesbild.partners.service.audit import AUDIT_OBJECT_TYPES

    if object_type and object_type not in AUDIT_OBJECT_TYPES:
        allowed = list(AUDIT_OBJECT_TYPES)
        raise InputError(unknown_value("object_type", object_type, allowed), field="object_type")
    return service.list_audit(db, actor, object_type=object_type, object_id=object_id,
                              limit=limit, offset=offset)  # fmt: skip


@router.get("/api/organisations")
def api_list_organisations(db: DB, actor: CurrentActor) -> list[dict[str, Any]]:
    return service.list_organisations(db, actor)


@router.post("/api/organisations", status_code=201, dependencies=[CSRF])
def api_create_organisation(db: DB, actor: Admin, body: OrganisationIn) -> dict[str, Any]:
    return service.create_organisation(db, actor, name=body.name, kind=body.kind)


@router.get("/api/users")
def api_list_users(db: DB, actor: Admin) -> list[dict[str, Any]]:
    return service.list_users(db, actor)


@router.post("/api/users", status_code=201, dependencies=[CSRF])
def api_create_user(db: DB, actor: Admin, body: UserIn) -> dict[str, Any]:
    return service.create_user(db, actor, **body.model_dump())


@router.patch("/api/users/{user_id}", dependencies=[CSRF])
def api_update_user(
    request: Request, db: DB, actor: Admin, user_id: PathId, body: UserPatch
) -> JSONResponse:
    """Change a user's role or activation; ``version`` (or ``If-Match``) is the one read
    from ``GET /api/users``, the response carries the new one (also the ``ETag``)."""
    return with_etag(service.set_user(
        db, actor, user_id, role=body.role, active=body.active,
        expected_version=if_match(request, body.version), require_version=True,
    ))  # fmt: skip


router.include_router(routes_submissions.router)
router.include_router(routes_interventions.router)
router.include_router(routes_accounts.router)
