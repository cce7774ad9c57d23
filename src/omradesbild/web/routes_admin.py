"""The admin page ``/admin``: organisations and users (admins only).

An admin lists organisations and users, invites a user (e-mail, name, organisation, role:
the answer shows a single-use link with which the user chooses a password), changes a
user's role, deactivates or reactivates a user and adds an organisation. Every action is
a form with the session's CSRF token, goes through the partners' service (which checks
the role and writes the audit log in the same transaction) and answers with the page and a
sentence saying what happened; the request's transaction is committed before that answer
is sent (:data:`omradesbild.web.auth.DB`). A refused action (bad input, a user changed by
someone else since the page was read, an admin changing themselves) changes nothing and
says why. Anyone but an admin gets the 403 page (a visitor who is not logged in is sent to
the login page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from omradesbild.errors import InputError, NotFoundError
from omradesbild.partners import service
from omradesbild.partners.errors import ConflictError, NotAuthenticated, PermissionDenied
from omradesbild.partners.models import OrganisationKind, Role
from omradesbild.partners.service import Actor
from omradesbild.web.auth import DB, CurrentActor
from omradesbild.web.routes_partners_common import CSRF, page_lang, render
from omradesbild.web.validation import DbId, PathId, Text
from omradesbild.wording import both, text

router = APIRouter(tags=["partners"], include_in_schema=False)

#: Roles and organisation kinds the forms offer (names: ``role_<x>``,
#: ``organisation_kind_<x>`` in the catalogue).
ROLES = tuple(r.value for r in Role)
ORGANISATION_KINDS = tuple(k.value for k in OrganisationKind)

#: What a refused form action answers: the error's HTTP status.
_REFUSED: tuple[tuple[type[Exception], int], ...] = (
    (ConflictError, 409),
    (NotFoundError, 404),
    (PermissionDenied, 403),
    (InputError, 422),
)


def require_admin(actor: CurrentActor) -> Actor:
    """The logged-in admin; else the login page (anonymous) or a 403 (other roles)."""
    if actor is None:
        raise NotAuthenticated("log in to continue")
    if not actor.at_least(Role.ADMIN):
        raise PermissionDenied(both("admin_only"))
    return actor


AdminActor = Annotated[Actor, Depends(require_admin)]


@dataclass(frozen=True)
class Outcome:
    """What the page says after an action: a confirmation, or why nothing was saved."""

    done: str | None = None
    error: str | None = None
    link: str | None = None


def _page(
    request: Request, db: Any, actor: Actor, outcome: Outcome, status: int = 200
) -> HTMLResponse:
    organisations = service.list_organisations(db, actor)
    names = {o["id"]: o["name"] for o in organisations}
    context = {
        "actor": actor,
        "users": service.list_users(db, actor),
        "organisations": organisations,
        "organisation_names": names,
        "roles": ROLES,
        "organisation_kinds": ORGANISATION_KINDS,
        "outcome": outcome,
    }
    return render(request, "partners/admin.html", context, status_code=status)


def _run(request: Request, db: Any, actor: Actor, action: Callable[[], Outcome]) -> HTMLResponse:
    """The page after ``action``: its confirmation, or (rolled back) why it was refused."""
    try:
        outcome = action()
    except tuple(cls for cls, _ in _REFUSED) as exc:
        db.rollback()
        status = next(code for cls, code in _REFUSED if isinstance(exc, cls))
        error = text("admin_failed", page_lang(request), detail=str(exc))
        return _page(request, db, actor, Outcome(error=error), status)
    return _page(request, db, actor, outcome)


def _changed(request: Request, out: dict[str, Any], read: int, key: str, **fmt: str) -> Outcome:
    """The confirmation ``key`` of a change of a user, or "nothing changed"."""
    lang = page_lang(request)
    if out["version"] == read:
        return Outcome(done=text("admin_done_unchanged", lang, email=out["email"]))
    return Outcome(done=text(key, lang, email=out["email"], **fmt))


def _role_name(request: Request, role: str) -> str:
    return text(f"role_{role}", page_lang(request))


def _organisation_id(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise InputError(f"{value[:20]!r} is not an organisation", field="organisation_id",
                         expected="the id of a registered organisation")  # fmt: skip
    return int(value)


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, db: DB, actor: AdminActor) -> HTMLResponse:
    return _page(request, db, actor, Outcome())


@router.post("/admin/anvandare", response_class=HTMLResponse, dependencies=[CSRF])
def invite(
    request: Request,
    db: DB,
    actor: AdminActor,
    email: Annotated[Text, Form(max_length=254)],
    role: Annotated[Text, Form(max_length=40)],
    name: Annotated[Text, Form(max_length=200)] = "",
    organisation_id: Annotated[Text, Form(max_length=20)] = "",
) -> HTMLResponse:
    """Invite a user: they get a single-use link to choose a password."""

    def action() -> Outcome:
        out = service.invite_user(db, actor, email=email, name=name or None, role=role,
                                  organisation_id=_organisation_id(organisation_id))  # fmt: skip
        done = text("admin_done_invited", page_lang(request), email=out["email"],
                    role=_role_name(request, out["role"]),
                    expires=out["reset"]["expires_at"][:16].replace("T", " ") + " UTC")  # fmt: skip
        return Outcome(done=done, link=str(request.base_url).rstrip("/") + out["reset"]["path"])

    return _run(request, db, actor, action)


@router.post("/admin/anvandare/{user_id}/roll", response_class=HTMLResponse, dependencies=[CSRF])
def change_role(
    request: Request,
    db: DB,
    actor: AdminActor,
    user_id: PathId,
    role: Annotated[Text, Form(max_length=40)],
    version: Annotated[DbId, Form()],
) -> HTMLResponse:
    """Change a user's role (on the version the admin read)."""

    def action() -> Outcome:
        out = service.set_user(db, actor, user_id, role=role, expected_version=version,
                               require_version=True)  # fmt: skip
        return _changed(request, out, version, "admin_done_role",
                        role=_role_name(request, out["role"]))  # fmt: skip

    return _run(request, db, actor, action)


@router.post("/admin/anvandare/{user_id}/aktiv", response_class=HTMLResponse, dependencies=[CSRF])
def set_active(
    request: Request,
    db: DB,
    actor: AdminActor,
    user_id: PathId,
    active: Annotated[bool, Form()],
    version: Annotated[DbId, Form()],
) -> HTMLResponse:
    """Deactivate a user (they can no longer log in) or activate them again."""

    def action() -> Outcome:
        out = service.set_user(db, actor, user_id, active=active, expected_version=version,
                               require_version=True)  # fmt: skip
        key = "admin_done_activated" if out["active"] else "admin_done_deactivated"
        return _changed(request, out, version, key)

    return _run(request, db, actor, action)


@router.post("/admin/organisationer", response_class=HTMLResponse, dependencies=[CSRF])
def add_organisation(
    request: Request,
    db: DB,
    actor: AdminActor,
    name: Annotated[Text, Form(max_length=200)],
    kind: Annotated[Text, Form(max_length=40)],
) -> HTMLResponse:
    """Register an organisation."""

    def action() -> Outcome:
        out = service.create_organisation(db, actor, name=name, kind=kind)
        return Outcome(done=text("admin_done_organisation", page_lang(request), name=out["name"]))

    return _run(request, db, actor, action)


__all__ = ["ORGANISATION_KINDS", "ROLES", "require_admin", "router"]
