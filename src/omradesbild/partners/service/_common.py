"""The acting user, role checks and input validation shared by the partner services."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from omradesbild.errors import InputError
from omradesbild.partners.errors import NotAuthenticated, PermissionDenied, VersionConflict
from omradesbild.partners.models import Role, User
from omradesbild.partners.security import MAX_AREAS
from omradesbild.wording import Message

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
    """``actor`` if logged in with at least ``role``; ``action`` names what they do, as the
    catalogue's ``err_web_action_<action>`` ("create_users")."""
    if actor is None:
        raise NotAuthenticated(Message("err_web_log_in_to", action=_action(action)))
    if not actor.at_least(role):
        raise PermissionDenied(Message("err_web_role_may_not", role=repr(actor.role.value),
                                       action=_action(action)))  # fmt: skip
    return actor


def _action(action: str) -> Message:
    return Message(f"err_web_action_{action}")


def _limit(limit: int) -> int:
    return max(1, min(int(limit), 1000))


# -- validation -------------------------------------------------------------------------
def _text(value: object, field: str, *, max_len: int, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InputError(Message("err_web_empty"), field=field,
                             expected=Message("exp_web_text"))  # fmt: skip
        return None
    if not isinstance(value, str):
        raise InputError(Message("err_web_wrong_type", type=type(value).__name__), field=field,
                         expected=Message("exp_web_a_text"))  # fmt: skip
    text = value.strip()
    if len(text) > max_len:
        raise InputError(Message("err_web_too_long", n=len(text)), field=field,
                         expected=Message("exp_svc_query_max", max=max_len))  # fmt: skip
    return text


def _choice(value: object, field: str, enum: type[Any]) -> str:
    allowed = [e.value for e in enum]
    if value not in allowed:
        raise InputError(Message("err_web_not_allowed", value=repr(value)), field=field,
                         expected=" | ".join(allowed))  # fmt: skip
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
        raise InputError(Message("err_web_not_list"), field="area_codes",
                         expected=Message("exp_web_area_list"))  # fmt: skip
    out = sorted({str(c).strip() for c in codes if str(c).strip()})
    if required and not out:
        raise InputError(Message("err_web_empty"), field="area_codes",
                         expected=Message("exp_web_one_area"))  # fmt: skip
    if len(out) > MAX_AREAS:
        raise InputError(Message("err_web_too_many_areas", n=len(out)), field="area_codes",
                         expected=Message("exp_web_max_areas", max=MAX_AREAS))  # fmt: skip
    for c in out:
        if not _AREA_RE.match(c):
            raise InputError(
                Message("err_web_not_area_code", value=repr(c[:40])),
                field="area_codes",
                expected=Message("exp_web_area_code_form"),
            )
        if known is not None and c not in known:
            raise InputError(Message("err_web_unknown_area", value=repr(c)), field="area_codes",
                             expected=Message("exp_web_store_areas"))  # fmt: skip
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
    if expected is None:
        if required:
            raise InputError(Message("err_web_missing"), field="version",
                             expected=Message("exp_web_version"))  # fmt: skip
        return
    if int(expected) != current:
        raise VersionConflict(Message(key, id=object_id, read=expected, now=current))
