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
from pydantic import BeforeValidator

from omradesbild.errors import InputError, NotFoundError
from omradesbild.partners import service
from omradesbild.partners.errors import ConflictError, NotAuthenticated, PermissionDenied
from omradesbild.partners.models import OrganisationKind, Role
from omradesbild.partners.service import Actor
from omradesbild.web.auth import DB, CurrentActor, login_needed
from omradesbild.web.errors import error_in
from omradesbild.web.routes_partners_common import CSRF, page_lang, render
from omradesbild.web.validation import DbId, PathId, Text
from omradesbild.wording import Message, text

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
        raise NotAuthenticated(login_needed())
    if not actor.at_least(Role.ADMIN):
        raise PermissionDenied(Message("admin_only"))
    return actor


AdminActor = Annotated[Actor, Depends(require_admin)]


@dataclass(frozen=True)
class Outcome:
    """What the page says after an action: a confirmation, or why nothing was saved."""

    done: str | None = None
    error: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class AdminRequest:
    """A request to the admin page: the admin, the request's transaction and language."""

    request: Request
    db: Any
    actor: Actor

    def say(self, key: str, **fmt: object) -> str:
        """The catalogue's ``key`` in the page's language."""
        return text(key, page_lang(self.request), **fmt)

    def page(self, outcome: Outcome, status: int = 200) -> HTMLResponse:
        """The admin page (users and organisations as they are now) with ``outcome``."""
        db, actor = self.db, self.actor
        organisations = service.list_organisations(db, actor)
        context = {
            "actor": actor,
            "users": service.list_users(db, actor),
            "organisations": organisations,
            "organisation_names": {o["id"]: o["name"] for o in organisations},
            "roles": ROLES,
            "organisation_kinds": ORGANISATION_KINDS,
            "outcome": outcome,
        }
        return render(self.request, "partners/admin.html", context, status_code=status)

    def run(self, action: Callable[[], Outcome]) -> HTMLResponse:
        """The page after ``action``: its confirmation, or (rolled back) why it was refused."""
        try:
            outcome = action()
        except tuple(cls for cls, _ in _REFUSED) as exc:
            self.db.rollback()
            status = next(code for cls, code in _REFUSED if isinstance(exc, cls))
            detail = error_in(exc, page_lang(self.request))
            return self.page(Outcome(error=self.say("admin_failed", detail=detail)), status)
        return self.page(outcome)

    def changed(self, out: dict[str, Any], read: int, key: str, **fmt: str) -> Outcome:
        """The confirmation ``key`` of a change of a user, or "nothing changed"."""
        if out["version"] == read:
            return Outcome(done=self.say("admin_done_unchanged", email=out["email"]))
        return Outcome(done=self.say(key, email=out["email"], **fmt))

    def role_name(self, role: str) -> str:
        return self.say(f"role_{role}")


def _admin_request(request: Request, db: DB, actor: AdminActor) -> AdminRequest:
    return AdminRequest(request, db, actor)


Admin = Annotated[AdminRequest, Depends(_admin_request)]


def _no_id(value: object) -> object:
    return None if value == "" else value


#: An optional database id in a form: the empty choice ("") is None.
OptionalId = Annotated[DbId | None, BeforeValidator(_no_id), Form()]


@router.get("/admin", response_class=HTMLResponse)
def admin_page(admin: Admin) -> HTMLResponse:
    return admin.page(Outcome())


@router.post("/admin/anvandare", response_class=HTMLResponse, dependencies=[CSRF])
def invite(
    admin: Admin,
    email: Annotated[Text, Form(max_length=254)],
    role: Annotated[Text, Form(max_length=40)],
    name: Annotated[Text, Form(max_length=200)] = "",
    organisation_id: OptionalId = None,
) -> HTMLResponse:
    """Invite a user: they get a single-use link to choose a password."""

    def action() -> Outcome:
        out = service.invite_user(admin.db, admin.actor, email=email, name=name or None,
                                  role=role, organisation_id=organisation_id)  # fmt: skip
        expires = out["reset"]["expires_at"][:16].replace("T", " ") + " UTC"
        done = admin.say("admin_done_invited", email=out["email"],
                         role=admin.role_name(out["role"]), expires=expires)  # fmt: skip
        base = str(admin.request.base_url).rstrip("/")
        return Outcome(done=done, link=base + out["reset"]["path"])

    return admin.run(action)


@router.post("/admin/anvandare/{user_id}", response_class=HTMLResponse, dependencies=[CSRF])
def change_user(
    admin: Admin,
    user_id: PathId,
    version: Annotated[DbId, Form()],
    role: Annotated[Text | None, Form(max_length=40)] = None,
    active: Annotated[bool | None, Form()] = None,
) -> HTMLResponse:
    """Change a user's role, or deactivate (they can no longer log in) or activate them;
    made on the version the admin read."""

    def action() -> Outcome:
        out = service.set_user(admin.db, admin.actor, user_id, role=role, active=active,
                               expected_version=version, require_version=True)  # fmt: skip
        if role is not None:
            return admin.changed(out, version, "admin_done_role", role=admin.role_name(role))
        key = "admin_done_activated" if out["active"] else "admin_done_deactivated"
        return admin.changed(out, version, key)

    return admin.run(action)


@router.post("/admin/organisationer", response_class=HTMLResponse, dependencies=[CSRF])
def add_organisation(
    admin: Admin,
    name: Annotated[Text, Form(max_length=200)],
    kind: Annotated[Text, Form(max_length=40)],
) -> HTMLResponse:
    """Register an organisation."""

    def action() -> Outcome:
        out = service.create_organisation(admin.db, admin.actor, name=name, kind=kind)
        return Outcome(done=admin.say("admin_done_organisation", name=out["name"]))

    return admin.run(action)


__all__ = ["ORGANISATION_KINDS", "ROLES", "require_admin", "router"]
