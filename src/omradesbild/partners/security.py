"""Passwords, login sessions, CSRF tokens, login rate limiting and input size limits.

- Passwords are hashed with Argon2id (``argon2-cffi``'s :class:`~argon2.PasswordHasher`
  defaults); a hash made with older parameters is renewed at the next login.
- A login creates a random 256-bit session token. The cookie holds the token; the database
  holds only its SHA-256, with an expiry.
- A CSRF token is ``base64url(HMAC-SHA256(secret_key, "csrf:" + binding))`` where the
  binding is the session token (logged in) or a random pre-session cookie value (the login
  form). A forged form from another site cannot know it.
- Passwords have at least :data:`MIN_PASSWORD` characters, are not one of the 30 000
  most common passwords (the list shipped by the ``zxcvbn`` package, compared without
  regard to case) and have a zxcvbn strength of at least :data:`MIN_STRENGTH`.
- Changing or resetting a password ends every login session of the user
  (:func:`revoke_sessions`).
- Logins are limited to :data:`MAX_FAILURES` failures per e-mail address (from any IP
  address) and :data:`MAX_IP_FAILURES` per IP address (over all e-mail addresses) in
  :data:`FAILURE_WINDOW`; further attempts raise :class:`RateLimited` (HTTP 429) until the
  oldest failure in the window has aged out. The IP address is the connecting one, or the
  one a trusted proxy forwarded (``OMRADESBILD_TRUSTED_PROXIES``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from omradesbild.errors import InputError
from omradesbild.partners.errors import NotAuthenticated, RateLimited
from omradesbild.partners.models import LoginAttempt, LoginSession, User, utcnow
from omradesbild.wording import Message

#: Failed logins allowed per e-mail address (from any IP address) within
#: :data:`FAILURE_WINDOW`.
MAX_FAILURES = 5
#: Failed logins allowed per IP address (over all e-mail addresses) within the window.
MAX_IP_FAILURES = 20
FAILURE_WINDOW = timedelta(minutes=15)
#: Default lifetime of a login session.
SESSION_TTL = timedelta(hours=8)

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_AREAS = 20
MAX_THEME = 100
MIN_PASSWORD = 12
#: The least zxcvbn strength score (0–4) of a new password: 3 is "safely unguessable"
#: (more than 10⁸ guesses: sequences, keyboard rows, repeats and word lists are counted).
MIN_STRENGTH = 3

_HASHER = PasswordHasher()
# Verified against when the e-mail address is unknown, so that timing does not reveal it.
_DUMMY_HASH = _HASHER.hash("not a real password, only for constant timing")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The 30 000 most common passwords of the ``zxcvbn`` package's frequency list."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])


def check_password(password: str, *, field: str = "password") -> None:
    """Refuse a new password that is too short or common (message in Swedish and English).

    Raises
    ------
    InputError
        Fewer than :data:`MIN_PASSWORD` characters, in :func:`common_passwords`, or a
        zxcvbn strength below :data:`MIN_STRENGTH`.
    """
    if len(password) < MIN_PASSWORD:
        raise InputError(Message("password_too_short", n=len(password), min=MIN_PASSWORD),
                         field=field,
                         expected=Message("exp_web_min_chars", min=MIN_PASSWORD))  # fmt: skip
    if password.lower() in common_passwords():
        raise InputError(Message("password_too_common"), field=field,
                         expected=Message("exp_web_uncommon_password"))  # fmt: skip
    from zxcvbn import zxcvbn

    if zxcvbn(password[:100])["score"] < MIN_STRENGTH:
        raise InputError(Message("password_too_guessable"), field=field,
                         expected=Message("exp_web_strong_password"))  # fmt: skip


def hash_password(password: str) -> str:
    """An Argon2id hash of a new ``password`` (checked by :func:`check_password`).

    Raises
    ------
    InputError
        If the password is too short or too common.
    """
    check_password(password)
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash`` (False for a malformed hash)."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than the current ones."""
    return _HASHER.check_needs_rehash(password_hash)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- sessions ---------------------------------------------------------------------------
def create_session(
    db: Session, user: User, *, ip: str | None = None, ttl: timedelta = SESSION_TTL
) -> str:
    """Start a login session for ``user``; returns the token to put in the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(LoginSession(token_hash=_token_hash(token), user_id=user.id, created_at=now,
                        expires_at=now + ttl, ip=ip))  # fmt: skip
    db.flush()
    return token


def session_user(db: Session, token: str | None) -> User | None:
    """The active user of a valid, unexpired session token, or None."""
    if not token or len(token) > 200:
        return None
    row = db.get(LoginSession, _token_hash(token))
    if row is None or row.expires_at <= utcnow():
        return None
    user = db.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return user


def revoke_sessions(db: Session, user_id: int) -> int:
    """End every login session of a user (after a change of password); returns the count."""
    result = db.execute(delete(LoginSession).where(LoginSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def end_session(db: Session, token: str | None) -> None:
    """Delete the session of ``token`` (no error when there is none)."""
    if token:
        db.execute(delete(LoginSession).where(LoginSession.token_hash == _token_hash(token)))


def purge_expired(db: Session, *, now: datetime | None = None) -> int:
    """Delete expired sessions and login attempts older than the window; returns the count."""
    now = now or utcnow()
    n = 0
    for stmt in (
        delete(LoginSession).where(LoginSession.expires_at <= now),
        delete(LoginAttempt).where(LoginAttempt.at < now - FAILURE_WINDOW),
    ):
        n += int(getattr(db.execute(stmt), "rowcount", 0) or 0)
    return n


# -- CSRF -------------------------------------------------------------------------------
def csrf_token(secret_key: str, binding: str) -> str:
    """The CSRF token of a session token or pre-session value ``binding``."""
    mac = hmac.new(secret_key.encode(), b"csrf:" + binding.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def check_csrf(secret_key: str, binding: str | None, token: str | None) -> bool:
    """True when ``token`` is the CSRF token of ``binding`` (constant-time comparison)."""
    if not binding or not token:
        return False
    return hmac.compare_digest(csrf_token(secret_key, binding), token)


# -- login ------------------------------------------------------------------------------
def _normal_email(email: str) -> str:
    return email.strip().lower()


def check_rate_limit(db: Session, email: str, ip: str, *, now: datetime | None = None) -> None:
    """Raise :class:`RateLimited` after too many recent failures for the account or from
    the address.

    Notes
    -----
    Failures are counted in the sliding window ``(now − W, now]`` with
    ``W`` = :data:`FAILURE_WINDOW`, twice: per e-mail address from any IP address (at most
    :data:`MAX_FAILURES`: a locked account stays locked whatever address the next attempt
    comes from) and per IP address over all e-mail addresses (at most
    :data:`MAX_IP_FAILURES`: one address cannot try passwords across accounts). The wait is
    ``oldest failure in window + W − now``.
    """
    now = now or utcnow()
    since = now - FAILURE_WINDOW
    checks = (
        (LoginAttempt.email == _normal_email(email), MAX_FAILURES, "account"),
        (LoginAttempt.ip == ip[:64], MAX_IP_FAILURES, "ip"),
    )
    for where, limit, whom in checks:
        count, oldest = db.execute(
            select(func.count(), func.min(LoginAttempt.at)).where(
                where, LoginAttempt.success.is_(False), LoginAttempt.at > since
            )
        ).one()
        if count >= limit:
            wait = max(1, int((oldest + FAILURE_WINDOW - now).total_seconds()) + 1)
            minutes = wait // 60 + 1
            raise RateLimited(Message(f"err_web_rate_limited_{whom}", minutes=minutes),
                              retry_after=wait)  # fmt: skip


def authenticate(
    db: Session, email: str, password: str, *, ip: str, now: datetime | None = None
) -> User:
    """The active user with this e-mail and password; records the attempt.

    Raises
    ------
    RateLimited
        After too many recent failures for this e-mail or from this IP (checked first).
    NotAuthenticated
        Wrong e-mail or password, or an inactive user (one message for all three).
    """
    now = now or utcnow()
    email = _normal_email(email)[:254]
    check_rate_limit(db, email, ip, now=now)
    user = db.execute(select(User).where(User.email == email)).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password[:1024])
    ok = ok and user is not None and user.active
    db.add(LoginAttempt(email=email, ip=ip[:64], at=now, success=ok))
    if not ok or user is None:
        db.flush()
        raise NotAuthenticated(Message("err_web_login_failed"))
    if needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    db.flush()
    return user
