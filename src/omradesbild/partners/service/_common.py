"""The acting user, role checks and input validation shared by the partner services."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from omradesbild.errors import InputError
from omradesbild.partners.errors import NotAuthenticated, PermissionDenied, VersionConflict
from omradesbild.partners.models import Role, User
from omradesbild.partners.security import MAX_AREAS

_AREA_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}$")
_RANK = {Role.READER: 1, Role.CONTRIBUTOR: 2, Role.ANALYST: 3, Role.ADMIN: 4}


@dataclass(frozen=True)
class Actor:
    """The acting user as the service sees it (no ORM object crosses sessions)."""

    id: int
    role: Role
    name: str
    organisation_id: int | None = None

    @classmethod
    def of(cls, user: User | None) -> Actor | None:
        """The actor of a user row (``None`` for anonymous or an inactive user)."""
        if user is None or not user.active:
            return None
        return cls(user.id, Role(user.role), user.name, user.organisation_id)

    def at_least(self, role: Role) -> bool:
        return _RANK[self.role] >= _RANK[role]


def _require(actor: Actor | None, role: Role, action: str) -> Actor:
    if actor is None:
        raise NotAuthenticated(f"log in to {action}")
    if not actor.at_least(role):
        raise PermissionDenied(f"the role {actor.role.value!r} may not {action}")
    return actor


def _limit(limit: int) -> int:
    return max(1, min(int(limit), 1000))


# -- validation -------------------------------------------------------------------------
def _text(value: object, field: str, *, max_len: int, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InputError("is empty", field=field, expected="a non-empty text")
        return None
    if not isinstance(value, str):
        raise InputError(f"is {type(value).__name__}", field=field, expected="a text")
    text = value.strip()
    if len(text) > max_len:
        raise InputError(
            f"has {len(text)} characters", field=field, expected=f"at most {max_len} characters"
        )
    return text


def _choice(value: object, field: str, enum: type[Any]) -> str:
    allowed = [e.value for e in enum]
    if value not in allowed:
        raise InputError(f"{value!r} is not allowed", field=field, expected=" | ".join(allowed))
    return str(value)


def _period(value: object, field: str) -> str | None:
    from omradesbild.followup._common import period_to_year

    text = _text(value, field, max_len=20, required=False)
    if text is not None:
        period_to_year(text, field=field)
    return text


def _area_codes(codes: object, *, known: set[str] | None, required: bool = True) -> list[str]:
    if isinstance(codes, str):
        codes = [c for c in re.split(r"[\s,;]+", codes) if c]
    if not isinstance(codes, list | tuple | set):
        raise InputError("is not a list", field="area_codes", expected="a list of area codes")
    out = sorted({str(c).strip() for c in codes if str(c).strip()})
    if required and not out:
        raise InputError("is empty", field="area_codes", expected="at least one area code")
    if len(out) > MAX_AREAS:
        raise InputError(
            f"has {len(out)} areas", field="area_codes", expected=f"at most {MAX_AREAS} areas"
        )
    for c in out:
        if not _AREA_RE.match(c):
            raise InputError(
                f"{c[:40]!r} is not an area code", field="area_codes",
                expected="codes of letters, digits, '_', '-', '.' (at most 32 characters)",
            )  # fmt: skip
        if known is not None and c not in known:
            raise InputError(
                f"unknown area code {c!r}", field="area_codes",
                expected="codes of areas in the store",
            )  # fmt: skip
    return out


# -- optimistic concurrency -------------------------------------------------------------
def check_version(
    object_id: int,
    current: int,
    expected: int | None,
    *,
    required: bool,
    key: str = "partners_version_conflict",
) -> None:
    """Refuse a change of a submission or user made on another version than the one stored.

    Parameters
    ----------
    object_id
        The submission or user (for the message).
    current
        The stored version (read under the row's write lock).
    expected
        The version the user read and sends back (form field, JSON field or ``If-Match``);
        None when not sent.
    required
        Whether a missing version is an error (the web routes) or means "not checked"
        (the application's own callers, e.g. the demo seed).
    key
        The wording catalogue's message (``partners_user_version_conflict`` for users).

    Raises
    ------
    VersionConflict
        The stored version differs from ``expected`` (HTTP 409, message in Swedish and
        English).
    InputError
        ``expected`` is None and ``required``.
    """
    from omradesbild.wording import both

    if expected is None:
        if required:
            raise InputError(
                "is missing", field="version", expected="the version you read (or If-Match)"
            )
        return
    if int(expected) != current:
        raise VersionConflict(both(key, id=object_id, read=expected, now=current))
