"""Routes of the partners' part: login, submissions, moderation, interventions, follow-up.

Include with ``app.include_router(router)``. The app must provide ``app.state.settings``,
``app.state.partners_engine`` (with :func:`omradesbild.partners.db.init_db` run at
startup) and map :mod:`omradesbild.partners.errors` (see ``HTTP_STATUS`` there) and the
package errors to HTTP codes. Optional: ``app.state.templates`` (a ``Jinja2Templates``
whose loader finds ``base.html`` and ``partners/*.html``), ``app.state.store`` (an open
:class:`~omradesbild.store.Store`; else ``settings.store_path`` is opened read-only for
the follow-up page) and ``app.state.known_area_codes`` (a set used to validate area codes).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from omradesbild.errors import InputError, NotFoundError
from omradesbild.partners import security, service
from omradesbild.partners.errors import NotAuthenticated, RateLimited
from omradesbild.partners.followup import FollowupView, intervention_followup
from omradesbild.partners.models import Role, SubmissionKind, User, Visibility
from omradesbild.partners.service import Actor
from omradesbild.store import Store
from omradesbild.web.auth import (
    DB,
    PRE_SESSION_COOKIE,
    CurrentActor,
    client_ip,
    cookie_name,
    csrf_for,
    current_user,
    require_role,
    session_ttl,
    set_pre_session_cookie,
    settings_value,
    verify_csrf,
)
from omradesbild.web.validation import MAX_DB_ID, DbId, PathId, Text
from omradesbild.wording import fmt_num, text, translator

router = APIRouter(tags=["partners"])
_TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

CSRF = Depends(verify_csrf)
CurrentUser = Annotated[User | None, Depends(current_user)]
Analyst = Annotated[Actor, Depends(require_role(Role.ANALYST))]
Admin = Annotated[Actor, Depends(require_role(Role.ADMIN))]

#: The codes the forms offer; their names are the catalogue's ``partner_kind_<code>``,
#: ``partner_visibility_<code>`` and ``partner_status_<code>``.
KINDS = tuple(k.value for k in SubmissionKind)
VISIBILITIES = tuple(v.value for v in Visibility)


def _lang(request: Request) -> str:
    """``?lang=`` when it is sv or en, else the app's language."""
    lang = request.query_params.get("lang")
    return lang if lang in ("sv", "en") else str(settings_value(request, "lang", "sv") or "sv")


def _known(request: Request) -> set[str] | None:
    known = getattr(request.app.state, "known_area_codes", None)
    return set(known) if known is not None else None


def render(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render a partners template with the base layout's variables."""
    templates = getattr(request.app.state, "templates", None) or _TEMPLATES
    lang = _lang(request)
    ctx = {
        "user": getattr(request.state, "partners_user", None),
        "csrf_token": csrf_for(request),
        "lang": lang,
        "t": translator(lang),
        "kinds": KINDS,
        "visibilities": VISIBILITIES,
        "translator": translator,
        "fmt_num": fmt_num,
        **context,
    }
    resp: HTMLResponse = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    set_pre_session_cookie(request, resp)
    return resp


def _form_error(request: Request, exc: InputError) -> str:
    """A form's input error for the page: the catalogue's sentence and the field's detail."""
    return text("form_invalid", _lang(request), detail=str(exc))


def _safe_next(target: str | None, default: str = "/bidrag") -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


# -- login ------------------------------------------------------------------------------
@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, user: CurrentUser, next: str | None = None) -> HTMLResponse:
    return render(request, "partners/login.html", {"next": _safe_next(next), "error": None})


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
        error = text("login_rate_limited", _lang(request), minutes=exc.retry_after // 60 + 1)
        resp = render(request, "partners/login.html",
                      {"next": _safe_next(next), "error": error}, status_code=429)  # fmt: skip
        resp.headers["Retry-After"] = str(exc.retry_after)
        return resp
    except NotAuthenticated:
        db.commit()  # keep the failed attempt for rate limiting
        return render(request, "partners/login.html",
                      {"next": _safe_next(next), "error": text("login_failed", _lang(request))},
                      status_code=401)  # fmt: skip
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
class SubmissionIn(BaseModel):
    kind: Text
    title: Text
    body: Text
    area_codes: list[Text] | Text
    theme: Text | None = None
    period: Text | None = None
    visibility: Text = "internal"
    submit: bool = False


class SubmissionPatch(BaseModel):
    #: The version the editor read (else the ``If-Match`` header); required.
    version: DbId | None = None
    kind: Text | None = None
    title: Text | None = None
    body: Text | None = None
    area_codes: list[Text] | Text | None = None
    theme: Text | None = None
    period: Text | None = None
    visibility: Text | None = None


class ModerationIn(BaseModel):
    decision: Literal["approve", "reject"]
    note: Text | None = None
    #: The version the moderator reviewed (else the ``If-Match`` header); required.
    version: DbId | None = None


class SubmitIn(BaseModel):
    #: The version the author read (else the ``If-Match`` header); optional.
    version: DbId | None = None


def _if_match(request: Request, version: int | None) -> int | None:
    """The version sent back: the body's ``version``, else the ``If-Match`` ETag."""
    if version is not None:
        return version
    tag = request.headers.get("if-match", "").strip().removeprefix("W/").strip('"')
    if not tag:
        return None
    if not tag.isdigit() or len(tag) > 9:
        raise InputError(f"{tag[:20]!r} is not a version", field="If-Match",
                         expected='the ETag of the submission, e.g. "3"')  # fmt: skip
    return int(tag)


def _etag(view: dict[str, Any]) -> JSONResponse:
    """The submission or user as JSON with its version as ETag (send it back in ``If-Match``)."""
    return JSONResponse(view, headers={"ETag": f'"{view["version"]}"'})


class GoalIn(BaseModel):
    indicator: Text
    target: Text | None = None


class InterventionIn(BaseModel):
    type: Text
    title: Text
    start_period: Text
    area_codes: list[Text] | Text
    description: Text = ""
    end_period: Text | None = None
    organisation_ids: list[DbId] = Field(default_factory=list)
    goals: list[GoalIn] = Field(default_factory=list)


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


def _filters(
    area_code: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    theme: str | None = None,
    mine: bool = False,
) -> dict[str, Any]:
    return {"area_code": area_code, "kind": kind, "status": status, "theme": theme, "mine": mine}


Filters = Annotated[dict[str, Any], Depends(_filters)]


def _attachment(name: str) -> str:
    return f'attachment; filename="{name}"'


@router.get("/api/submissions/export.csv")
def api_export_csv(db: DB, actor: CurrentActor, filters: Filters) -> Response:
    text = service.export_submissions(db, actor, fmt="csv", **filters)
    return Response("\ufeff" + text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": _attachment("bidrag.csv")})  # fmt: skip


@router.get("/api/submissions/export.json")
def api_export_json(db: DB, actor: CurrentActor, filters: Filters) -> Response:
    text = service.export_submissions(db, actor, fmt="json", **filters)
    return Response(text, media_type="application/json",
                    headers={"Content-Disposition": _attachment("bidrag.json")})  # fmt: skip


@router.get("/api/submissions")
def api_list_submissions(
    db: DB,
    actor: CurrentActor,
    filters: Filters,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_DB_ID)] = 0,
) -> list[dict[str, Any]]:
    return service.list_submissions(db, actor, limit=limit, offset=offset, **filters)


@router.post("/api/submissions", status_code=201, dependencies=[CSRF])
def api_create_submission(
    request: Request, db: DB, actor: CurrentActor, body: SubmissionIn
) -> dict[str, Any]:
    return service.create_submission(db, actor, known_areas=_known(request), **body.model_dump())


@router.get("/api/submissions/{submission_id}")
def api_get_submission(db: DB, actor: CurrentActor, submission_id: PathId) -> JSONResponse:
    """One submission; its ``version`` (also the ``ETag``) goes back with an edit or a
    moderation, which get 409 if the submission has changed since."""
    return _etag(service.get_submission(db, actor, submission_id))


@router.patch("/api/submissions/{submission_id}", dependencies=[CSRF])
def api_update_submission(
    request: Request, db: DB, actor: CurrentActor, submission_id: PathId, body: SubmissionPatch
) -> JSONResponse:
    changes = body.model_dump(exclude_unset=True)
    changes.pop("version", None)
    return _etag(service.update_submission(
        db, actor, submission_id, changes, known_areas=_known(request),
        expected_version=_if_match(request, body.version), require_version=True,
    ))  # fmt: skip


@router.post("/api/submissions/{submission_id}/submit", dependencies=[CSRF])
def api_submit_submission(
    request: Request,
    db: DB,
    actor: CurrentActor,
    submission_id: PathId,
    body: SubmitIn | None = None,
) -> JSONResponse:
    version = _if_match(request, body.version if body is not None else None)
    return _etag(service.submit_submission(db, actor, submission_id, expected_version=version))


@router.post("/api/submissions/{submission_id}/moderate", dependencies=[CSRF])
def api_moderate_submission(
    request: Request, db: DB, actor: CurrentActor, submission_id: PathId, body: ModerationIn
) -> JSONResponse:
    return _etag(service.moderate_submission(
        db, actor, submission_id, decision=body.decision, note=body.note,
        expected_version=_if_match(request, body.version), require_version=True,
    ))  # fmt: skip


@router.get("/api/submissions/{submission_id}/versions")
def api_submission_versions(
    db: DB, actor: CurrentActor, submission_id: PathId
) -> list[dict[str, Any]]:
    return service.submission_versions(db, actor, submission_id)


@router.get("/api/interventions")
def api_list_interventions(
    db: DB, actor: CurrentActor, area_code: str | None = None
) -> list[dict[str, Any]]:
    return service.list_interventions(db, actor, area_code=area_code)


@router.post("/api/interventions", status_code=201, dependencies=[CSRF])
def api_create_intervention(
    request: Request, db: DB, actor: CurrentActor, body: InterventionIn
) -> dict[str, Any]:
    data = body.model_dump()
    return service.create_intervention(db, actor, known_areas=_known(request), **data)


@router.get("/api/interventions/{intervention_id}")
def api_get_intervention(db: DB, actor: CurrentActor, intervention_id: PathId) -> dict[str, Any]:
    return service.get_intervention(db, actor, intervention_id)


def get_store(request: Request) -> Iterator[Store]:
    """The statistics store: ``app.state.store`` if set, else ``settings.store_path``
    opened read-only for the request (override with ``app.dependency_overrides``)."""
    store = getattr(request.app.state, "store", None)
    if store is not None:
        yield store
        return
    path = settings_value(request, "store_path", None)
    if path is None:
        raise NotFoundError("no statistics store is configured (settings.store_path)")
    with Store(path, read_only=True) as opened:
        yield opened


StoreDep = Annotated[Store, Depends(get_store)]


def _followup(
    db: DB, actor: Actor | None, store: Store, intervention_id: int, indicator: str | None
) -> tuple[dict[str, Any], FollowupView]:
    iv = service.get_intervention(db, actor, intervention_id)
    goals = [g["indicator"] for g in iv["goals"]]
    chosen = indicator or (goals[0] if goals else None)
    if chosen is None:
        raise InputError("the intervention has no linked indicator goal", field="indicator",
                         expected="?indicator=<id from the indicator catalogue>")  # fmt: skip
    view = intervention_followup(store, area_codes=iv["area_codes"],
                                 start_period=iv["start_period"], indicator=chosen)  # fmt: skip
    return iv, view


@router.get("/api/interventions/{intervention_id}/followup")
def api_intervention_followup(
    db: DB,
    actor: CurrentActor,
    store: StoreDep,
    intervention_id: PathId,
    indicator: str | None = None,
) -> dict[str, Any]:
    """Trend of the indicator in the intervention areas vs comparable areas, with DiD."""
    iv, view = _followup(db, actor, store, intervention_id, indicator)
    return {"intervention": iv, "followup": _jsonable(view.as_dict())}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _jsonable(value.item())
    return value


@router.get("/api/audit")
def api_audit(
    db: DB,
    actor: Analyst,
    object_type: str | None = None,
    object_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=MAX_DB_ID)] = 0,
) -> list[dict[str, Any]]:
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
    return _etag(service.set_user(
        db, actor, user_id, role=body.role, active=body.active,
        expected_version=_if_match(request, body.version), require_version=True,
    ))  # fmt: skip


# -- HTML pages -------------------------------------------------------------------------
#: Submissions per page of /bidrag (newest first; a link leads to older ones).
PAGE_ROWS = 25


@router.get("/bidrag", response_class=HTMLResponse)
def page_submissions(
    request: Request,
    db: DB,
    actor: CurrentActor,
    area_code: str | None = None,
    created: Annotated[int | None, Query(ge=1, le=MAX_DB_ID)] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_DB_ID)] = 0,
) -> HTMLResponse:
    rows = service.list_submissions(db, actor, area_code=area_code or None,
                                    limit=PAGE_ROWS + 1, offset=offset)  # fmt: skip
    return render(request, "partners/bidrag.html", {
        "submissions": rows[:PAGE_ROWS], "actor": actor, "area_code": area_code or "",
        "created": created, "can_create": actor is not None and actor.at_least(Role.CONTRIBUTOR),
        "error": None, "form": {}, "offset": offset,
        "older": offset + PAGE_ROWS if len(rows) > PAGE_ROWS else None,
    })  # fmt: skip


@router.post("/bidrag", response_class=HTMLResponse, dependencies=[CSRF])
def page_create_submission(
    request: Request,
    db: DB,
    actor: CurrentActor,
    kind: Annotated[Text, Form()],
    title: Annotated[Text, Form()],
    body: Annotated[Text, Form()],
    area_codes: Annotated[Text, Form()],
    visibility: Annotated[Text, Form()] = "internal",
    theme: Annotated[Text | None, Form()] = None,
    period: Annotated[Text | None, Form()] = None,
    action: Annotated[Text, Form()] = "submit",
) -> Response:
    form: dict[str, Any] = {"kind": kind, "title": title, "body": body, "area_codes": area_codes,
            "visibility": visibility, "theme": theme, "period": period}  # fmt: skip
    try:
        sub = service.create_submission(db, actor, submit=action == "submit",
                                        known_areas=_known(request), **form)  # fmt: skip
    except InputError as exc:
        db.rollback()
        rows = service.list_submissions(db, actor, limit=PAGE_ROWS)
        return render(request, "partners/bidrag.html", {
            "submissions": rows, "actor": actor, "area_code": "", "created": None,
            "can_create": True, "error": _form_error(request, exc), "form": form,
        }, status_code=422)  # fmt: skip
    return RedirectResponse(f"/bidrag?created={sub['id']}", status_code=303)


@router.get("/bidrag/moderera", response_class=HTMLResponse)
def page_moderation(request: Request, db: DB, actor: Analyst) -> HTMLResponse:
    waiting = [s for s in service.list_submissions(db, actor, status="submitted", limit=1000)
               if s["can_moderate"]]  # fmt: skip
    return render(request, "partners/moderera.html", {"submissions": waiting, "actor": actor})


@router.post("/bidrag/{submission_id}/moderera", dependencies=[CSRF])
def page_moderate(
    db: DB,
    actor: Analyst,
    submission_id: PathId,
    decision: Annotated[Literal["approve", "reject"], Form()],
    version: Annotated[DbId | None, Form()] = None,
    note: Annotated[Text | None, Form()] = None,
) -> Response:
    service.moderate_submission(db, actor, submission_id, decision=decision, note=note,
                                expected_version=version, require_version=True)  # fmt: skip
    return RedirectResponse("/bidrag/moderera", status_code=303)


@router.get("/insatser", response_class=HTMLResponse)
def page_interventions(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    return render(request, "partners/insatser.html", {
        "interventions": service.list_interventions(db, actor), "actor": actor,
        "organisations": service.list_organisations(db, actor),
        "can_create": actor is not None and actor.at_least(Role.ANALYST),
        "error": None, "form": {},
    })  # fmt: skip


@router.post("/insatser", response_class=HTMLResponse, dependencies=[CSRF])
def page_create_intervention(
    request: Request,
    db: DB,
    actor: Analyst,
    type: Annotated[Text, Form()],
    title: Annotated[Text, Form()],
    start_period: Annotated[Text, Form()],
    area_codes: Annotated[Text, Form()],
    description: Annotated[Text, Form()] = "",
    end_period: Annotated[Text | None, Form()] = None,
    goals: Annotated[Text, Form()] = "",
    organisation_ids: Annotated[list[DbId] | None, Form()] = None,
) -> Response:
    form: dict[str, Any] = {
        "type": type, "title": title, "start_period": start_period,
        "area_codes": area_codes, "description": description, "end_period": end_period,
    }  # fmt: skip
    goal_list = [g for g in (x.strip() for x in goals.replace(",", " ").split()) if g]
    try:
        service.create_intervention(db, actor, goals=goal_list,
                                    organisation_ids=organisation_ids or [],
                                    known_areas=_known(request), **form)  # fmt: skip
    except InputError as exc:
        db.rollback()
        return render(request, "partners/insatser.html", {
            "interventions": service.list_interventions(db, actor), "actor": actor,
            "organisations": service.list_organisations(db, actor), "can_create": True,
            "error": _form_error(request, exc), "form": {**form, "goals": goals},
        }, status_code=422)  # fmt: skip
    return RedirectResponse("/insatser", status_code=303)


def _svg_lines(means: Any, width: int = 640, height: int = 260) -> dict[str, Any]:
    """Polylines of the group means for a small inline SVG chart."""
    from omradesbild.followup._common import period_to_year

    pts = [(period_to_year(r["period"]), float(r["value"]), str(r["group"]))
           for r in means.to_dict("records") if r["value"] == r["value"]]  # fmt: skip
    if not pts:
        return {"lines": [], "width": width, "height": height, "ticks": []}
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y0, y1 = min(ys), max(ys) if max(ys) > min(ys) else min(ys) + 1
    pad = 40

    def sx(x: float) -> float:
        return pad + (x - x0) / (x1 - x0) * (width - 2 * pad)

    def sy(y: float) -> float:
        return height - pad - (y - y0) / (y1 - y0) * (height - 2 * pad)

    lines = []
    for group, colour in (("treated", "#c0392b"), ("comparison", "#2c3e50")):
        g = sorted((p for p in pts if p[2] == group), key=lambda p: p[0])
        lines.append({"group": group, "colour": colour,
                      "points": " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y, _ in g)})  # fmt: skip
    ticks = [{"x": sx(x), "label": str(int(x))} for x in sorted(set(xs))]
    return {"lines": lines, "width": width, "height": height, "ticks": ticks,
            "y_min": y0, "y_max": y1, "sx": sx, "sy": sy}  # fmt: skip


@router.get("/insatser/{intervention_id}/uppfoljning", response_class=HTMLResponse)
def page_followup(
    request: Request,
    db: DB,
    actor: CurrentActor,
    store: StoreDep,
    intervention_id: PathId,
    indicator: str | None = None,
) -> HTMLResponse:
    iv, view = _followup(db, actor, store, intervention_id, indicator)
    start_x = None
    chart = _svg_lines(view.panel_means)
    if chart["lines"]:
        from omradesbild.followup._common import period_to_year

        start_x = chart["sx"](period_to_year(view.start_period))
    return render(request, "partners/uppfoljning.html", {
        "iv": iv, "view": view, "did": view.did, "chart": chart, "start_x": start_x,
        "actor": actor,
    })  # fmt: skip


def _include_accounts() -> None:
    from omradesbild.web.routes_accounts import router as accounts

    router.include_router(accounts)


_include_accounts()
