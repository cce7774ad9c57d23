"""Passwords of the partners' users: change, and reset through an admin-issued link.

A change or reset of a password ends every login session of the user. A reset link holds a
random 256-bit token; the database keeps only its SHA-256, when it expires
(:data:`RESET_TTL`) and when it was used: it works once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from omradesbild.errors import InputError, NotFoundError
from omradesbild.partners import security
from omradesbild.partners.errors import NotAuthenticated, PermissionDenied
from omradesbild.partners.models import PasswordReset, Role, User, utcnow
from omradesbild.partners.service._common import Actor, _require
from omradesbild.partners.service.audit import audit
from omradesbild.wording import Message, both

#: How long a password reset link works.
RESET_TTL = timedelta(hours=24)
#: The page a reset link opens (the token follows as ``?token=``).
RESET_PATH = "/losenord/aterstall"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _set_password(db: Session, user: User, new_password: str) -> int:
    user.password_hash = security.hash_password(new_password)
    revoked = security.revoke_sessions(db, user.id)
    db.flush()
    return revoked


def change_password(
    db: Session, actor: Actor | None, *, current_password: str, new_password: str
) -> dict[str, Any]:
    """Change the actor's own password; every login session of theirs ends.

    Raises
    ------
    NotAuthenticated
        Not logged in, or the current password is wrong.
    InputError
        The new password is too short or too common.
    """
    a = _require(actor, Role.READER, "change_password")
    user = db.get(User, a.id)
    if user is None or not security.verify_password(user.password_hash, current_password[:1024]):
        raise NotAuthenticated(Message("password_wrong"))
    revoked = _set_password(db, user, new_password)
    audit(db, a, "user.password_change", "user", user.id, {"sessions_ended": revoked})
    return {"id": user.id, "sessions_ended": revoked}


def issue_password_reset(
    db: Session, actor: Actor | None, user_id: int, *, ttl: timedelta = RESET_TTL
) -> dict[str, Any]:
    """A single-use link for a user to choose a new password (admins; no e-mail is sent).

    Returns ``{"user_id", "email", "token", "path", "expires_at"}``; ``path`` is the page
    with the token, to put after the site's address. Earlier unused links of the user stop
    working.
    """
    a = _require(actor, Role.ADMIN, "issue_reset")
    user = db.get(User, int(user_id))
    if user is None:
        raise NotFoundError(both("err_web_no_such_user", id=user_id))
    return _issue(db, a, user, ttl=ttl)


def issue_password_reset_by_operator(db: Session, email: str) -> dict[str, Any]:
    """:func:`issue_password_reset` for the operator of the server (the command line, whose
    user can read the database file anyway), by e-mail address."""
    user = db.execute(select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
    if user is None:
        raise NotFoundError(both("err_web_no_user_email", email=repr(email)))
    return _issue(db, None, user, ttl=RESET_TTL)


def _issue(db: Session, a: Actor | None, user: User, *, ttl: timedelta) -> dict[str, Any]:
    now = utcnow()
    db.execute(update(PasswordReset).where(PasswordReset.user_id == user.id,
                                           PasswordReset.used_at.is_(None))
               .values(expires_at=now))  # fmt: skip
    token = secrets.token_urlsafe(32)
    row = PasswordReset(token_hash=_hash(token), user_id=user.id,
                        issued_by_id=a.id if a is not None else None,
                        created_at=now, expires_at=now + ttl)  # fmt: skip
    db.add(row)
    audit(db, a, "user.password_reset_issued", "user", user.id, {"expires_at": str(row.expires_at)})
    db.flush()
    path = f"{RESET_PATH}?token={token}"
    return {"user_id": user.id, "email": user.email, "token": token, "path": path,
            "expires_at": row.expires_at.isoformat()}  # fmt: skip


def _valid_reset(db: Session, token: str | None, *, lock: bool = False) -> PasswordReset:
    row = None
    if token and len(token) <= 200:
        q = select(PasswordReset).where(PasswordReset.token_hash == _hash(token))
        row = db.execute(q.with_for_update() if lock else q).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise PermissionDenied(Message("password_reset_invalid"))
    return row


def check_reset_token(db: Session, token: str | None) -> str:
    """The e-mail address of a valid, unused reset token (else :class:`PermissionDenied`)."""
    row = _valid_reset(db, token)
    user = db.get(User, row.user_id)
    if user is None:
        raise PermissionDenied(Message("err_web_link_user_gone"))
    return user.email


def reset_password(db: Session, token: str | None, new_password: str) -> dict[str, Any]:
    """Set a new password with a reset link's token (once); every session of the user ends.

    Raises
    ------
    PermissionDenied
        Unknown, used or expired token.
    InputError
        The new password is too short or too common.
    """
    row = _valid_reset(db, token, lock=True)
    user = db.get(User, row.user_id)
    if user is None:
        raise InputError(Message("err_web_link_user_gone"), field="token")
    revoked = _set_password(db, user, new_password)
    row.used_at = utcnow()
    audit(db, None, "user.password_reset", "user", user.id, {"sessions_ended": revoked})
    db.flush()
    return {"id": user.id, "email": user.email, "sessions_ended": revoked}
