"""Routes of the partners' accounts: change of password (form and API) and the page of an
admin-issued reset link, plus the admin API that issues such a link.

Included by :mod:`omradesbild.web.routes_partners` (same app requirements). A change or a
reset ends every session of the user, the current one included: the answer deletes the
session cookie and the user logs in again with the new password.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from omradesbild.errors import InputError
from omradesbild.partners import security, service
from omradesbild.partners.errors import NotAuthenticated, PermissionDenied
from omradesbild.web.auth import DB, CurrentActor, cookie_name
from omradesbild.web.errors import error_in
from omradesbild.web.routes_partners_common import CSRF, Admin, page_lang, render
from omradesbild.wording import Message, text

router = APIRouter(tags=["partners"])


class PasswordChangeIn(BaseModel):
    current_password: str
    new_password: str


def _lang(request: Request) -> str:
    settings = getattr(request.app.state, "settings", None)
    return str(getattr(settings, "lang", None) or "sv")


def _page(request: Request, name: str, ctx: dict[str, Any], status: int = 200) -> HTMLResponse:
    context = {"min_password": security.MIN_PASSWORD, "error": None, "done": None, **ctx}
    return render(request, name, context, status_code=status)


def _signed_out(response: Response, request: Request) -> Response:
    response.delete_cookie(cookie_name(request), path="/")
    return response


def _refused(
    request: Request, db: Session, name: str, exc: Exception, ctx: dict[str, Any]
) -> HTMLResponse:
    """A password form's page again, with why the change was refused (422 for the input,
    403 for a permission); the transaction is rolled back."""
    db.rollback()
    status = 422 if isinstance(exc, InputError) else 403
    return _page(request, name, {**ctx, "error": error_in(exc, page_lang(request))}, status)


def _changed(request: Request, name: str, ctx: dict[str, Any]) -> Response:
    """A password form's page saying the password is changed, with the session cookie
    deleted (every session of the user has ended)."""
    done = text("password_changed", _lang(request))
    return _signed_out(_page(request, name, {**ctx, "done": done}), request)


@dataclass(frozen=True)
class NewPassword:
    """The new password as typed twice on a form (fields ``new_password`` and
    ``new_password2``)."""

    value: str
    repeat: str

    def checked(self) -> str:
        """The new password.

        Raises
        ------
        InputError
            The two differ (field ``new_password2``).
        """
        if self.value != self.repeat:
            raise InputError(Message("password_mismatch"), field="new_password2")
        return self.value


def _new_password(
    new_password: Annotated[str, Form(max_length=1024)],
    new_password2: Annotated[str, Form(max_length=1024)],
) -> NewPassword:
    return NewPassword(new_password, new_password2)


NewPasswordForm = Annotated[NewPassword, Depends(_new_password)]


# -- change of password -----------------------------------------------------------------
@router.get("/konto/losenord", response_class=HTMLResponse)
def page_change_password(request: Request, actor: CurrentActor) -> HTMLResponse:
    if actor is None:
        raise NotAuthenticated(
            Message("err_web_log_in_to", action=Message("err_web_action_change_password"))
        )
    return _page(request, "partners/losenord.html", {"actor": actor})


@router.post("/konto/losenord", response_class=HTMLResponse, dependencies=[CSRF])
def change_password_form(
    request: Request,
    db: DB,
    actor: CurrentActor,
    current_password: Annotated[str, Form(max_length=1024)],
    new: NewPasswordForm,
) -> Response:
    try:
        service.change_password(db, actor, current_password=current_password,
                                new_password=new.checked())  # fmt: skip
    except (InputError, PermissionDenied) as exc:
        if actor is None:
            raise
        return _refused(request, db, "partners/losenord.html", exc, {"actor": actor})
    return _changed(request, "partners/losenord.html", {"actor": None})


@router.post("/api/me/password", dependencies=[CSRF])
def api_change_password(
    request: Request, db: DB, actor: CurrentActor, body: PasswordChangeIn
) -> Response:
    """Change the logged-in user's password; every session of theirs ends (log in again)."""
    out = service.change_password(db, actor, current_password=body.current_password,
                                  new_password=body.new_password)  # fmt: skip
    detail = text("password_changed", _lang(request))
    return _signed_out(JSONResponse({**out, "detail": detail}), request)


# -- reset link -------------------------------------------------------------------------
@router.post("/api/users/{user_id}/password-reset", status_code=201, dependencies=[CSRF])
def api_issue_password_reset(
    request: Request, db: DB, actor: Admin, user_id: int
) -> dict[str, Any]:
    """A single-use link (24 h) for the user to choose a new password; give it to them."""
    out = service.issue_password_reset(db, actor, user_id)
    return {**out, "url": str(request.base_url).rstrip("/") + out["path"]}


@router.get("/losenord/aterstall", response_class=HTMLResponse)
def page_reset_password(request: Request, db: DB, token: str = "") -> HTMLResponse:
    try:
        email = service.check_reset_token(db, token)
    except PermissionDenied as exc:
        error = error_in(exc, page_lang(request))
        return _page(request, "partners/aterstall.html", {"error": error, "token": None}, 403)
    return _page(request, "partners/aterstall.html", {"token": token, "email": email})


@router.post("/losenord/aterstall", response_class=HTMLResponse, dependencies=[CSRF])
def reset_password_form(
    request: Request,
    db: DB,
    token: Annotated[str, Form(max_length=200)],
    new: NewPasswordForm,
) -> Response:
    try:
        service.check_reset_token(db, token)
        service.reset_password(db, token, new.checked())
    except (InputError, PermissionDenied) as exc:
        form = {"token": token if isinstance(exc, InputError) else None}  # a bad link: no form
        return _refused(request, db, "partners/aterstall.html", exc, form)
    return _changed(request, "partners/aterstall.html", {"token": None})
