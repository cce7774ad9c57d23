"""FastAPI dependencies for the partners' part: database session, user, roles, CSRF.

The app provides ``app.state.partners_engine`` (an SQLAlchemy engine on which
:func:`omradesbild.partners.db.init_db` has run) and ``app.state.settings`` (with
``secret_key``, ``session_cookie_name`` and optionally ``cookie_secure``,
``session_ttl_hours``, ``lang``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Annotated, Any, cast

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session, sessionmaker

from omradesbild.errors import InputError
from omradesbild.partners import security
from omradesbild.partners.db import read_only, session_factory
from omradesbild.partners.errors import CsrfError, NotAuthenticated, PermissionDenied
from omradesbild.partners.models import Role, User
from omradesbild.partners.service import Actor
from omradesbild.wording import Message

#: Cookie holding the random value a CSRF token is bound to before login.
PRE_SESSION_COOKIE = "omradesbild_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
#: Largest request body accepted by the partners' routes (bytes).
MAX_REQUEST_BYTES = 200_000


def settings_value(request: Request, name: str, default: Any) -> Any:
    """A field of ``app.state.settings``, or ``default`` when absent."""
    settings = getattr(request.app.state, "settings", None)
    value = getattr(settings, name, None)
    return default if value is None else value


def secret_key(request: Request) -> str:
    key = settings_value(request, "secret_key", None)
    if hasattr(key, "get_secret_value"):
        key = key.get_secret_value()
    if not key:
        raise RuntimeError("app.state.settings.secret_key is not set")
    return str(key)


def cookie_name(request: Request) -> str:
    return str(settings_value(request, "session_cookie_name", "omradesbild_session"))


def session_ttl(request: Request) -> timedelta:
    return timedelta(hours=float(settings_value(request, "session_ttl_hours", 8)))


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _factory(request: Request) -> sessionmaker[Session]:
    """Sessions whose transactions may write (on SQLite: ``BEGIN IMMEDIATE``)."""
    state = request.app.state
    factory = getattr(state, "partners_sessionmaker", None)
    if factory is None:
        factory = session_factory(state.partners_engine)
        state.partners_sessionmaker = factory
    return factory  # type: ignore[no-any-return]


def read_factory(request: Request) -> sessionmaker[Session]:
    """Sessions that only read: on SQLite they take no write lock (``BEGIN DEFERRED``)."""
    state = request.app.state
    factory = getattr(state, "partners_read_sessionmaker", None)
    if factory is None:
        factory = session_factory(read_only(state.partners_engine))
        state.partners_read_sessionmaker = factory
    return factory  # type: ignore[no-any-return]


#: Requests that only read: their sessions take no write lock.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_db(request: Request) -> Iterator[Session]:
    """A session per request: committed when the handler returns, rolled back on error.

    Used with ``scope="function"`` (see :data:`DB`): the commit runs when the route function
    returns and before the response is sent, so a 2xx answer to a write is only ever sent
    for a committed transaction (a failed commit becomes an error answer instead).
    ``GET``/``HEAD``/``OPTIONS`` requests read without the write lock (:func:`read_factory`).
    """
    factory = read_factory(request) if request.method in READ_METHODS else _factory(request)
    with factory() as db:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise


#: The request's database session; ``scope="function"`` commits before the response is sent.
DB = Annotated[Session, Depends(get_db, scope="function")]


def current_user(request: Request, db: DB) -> User | None:
    """The logged-in user of the session cookie, or None for an anonymous visitor."""
    if hasattr(request.state, "partners_user"):
        return cast("User | None", request.state.partners_user)
    user = security.session_user(db, request.cookies.get(cookie_name(request)))
    request.state.partners_user = user
    return user


def current_actor(user: Annotated[User | None, Depends(current_user)]) -> Actor | None:
    """The acting user for the service functions (None when anonymous)."""
    return Actor.of(user)


CurrentActor = Annotated[Actor | None, Depends(current_actor)]


def login_needed() -> Message:
    """Why a page or action that needs a logged-in user is refused ("log in to continue")."""
    return Message("err_web_log_in_to", action=Message("err_web_action_continue"))


def require_role(role: Role | str) -> Callable[..., Actor]:
    """A dependency that needs a logged-in user with at least ``role``."""
    wanted = Role(role)

    def dependency(actor: CurrentActor) -> Actor:
        if actor is None:
            raise NotAuthenticated(login_needed())
        if not actor.at_least(wanted):
            raise PermissionDenied(Message("err_web_role_needed", role=wanted.value))
        return actor

    return dependency


def csrf_binding(request: Request) -> str | None:
    """The value CSRF tokens are bound to: the session token, else the pre-session cookie."""
    return request.cookies.get(cookie_name(request)) or request.cookies.get(PRE_SESSION_COOKIE)


def csrf_for(request: Request, response: Response | None = None) -> str:
    """The CSRF token for this visitor; sets a pre-session cookie for anonymous visitors.

    When a new pre-session value is made it is kept on ``request.state`` and must be set as
    cookie on the response (``response`` here, or :func:`set_pre_session_cookie`).
    """
    binding = csrf_binding(request)
    if binding is None:
        binding = getattr(request.state, "new_pre_session", None) or secrets.token_urlsafe(24)
        request.state.new_pre_session = binding
        if response is not None:
            set_pre_session_cookie(request, response)
    return security.csrf_token(secret_key(request), binding)


def set_pre_session_cookie(request: Request, response: Response) -> None:
    value = getattr(request.state, "new_pre_session", None)
    if value:
        response.set_cookie(PRE_SESSION_COOKIE, value, httponly=True, samesite="lax",
                            secure=bool(settings_value(request, "cookie_secure", False)),
                            max_age=2 * 3600)  # fmt: skip


async def verify_csrf(request: Request) -> None:
    """Reject a write without the CSRF token of this session (header or form field).

    JSON clients send the token (from ``GET /api/me``) in the ``X-CSRF-Token`` header; HTML
    forms send it in the hidden field ``csrf_token``.
    """
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_REQUEST_BYTES:
        raise InputError(Message("err_web_request_bytes", n=length), field="content-length",
                         expected=Message("exp_web_max_bytes", max=MAX_REQUEST_BYTES))  # fmt: skip
    token = request.headers.get(CSRF_HEADER)
    if token is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            token = value if isinstance(value, str) else None
    if not security.check_csrf(secret_key(request), csrf_binding(request), token):
        raise CsrfError(Message("err_web_csrf"))
