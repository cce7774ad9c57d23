"""Organisations and users: creation, roles, activation and the first admin."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from omradesbild.errors import InputError, NotFoundError
from omradesbild.partners.errors import ConflictError, PermissionDenied
from omradesbild.partners.models import Organisation, OrganisationKind, Role, User
from omradesbild.partners.security import hash_password
from omradesbild.partners.service._common import (
    _EMAIL_RE,
    Actor,
    _choice,
    _require,
    _text,
    check_version,
)
from omradesbild.partners.service.audit import audit
from omradesbild.wording import Message, both


# -- organisations and users ------------------------------------------------------------
def list_organisations(db: Session, actor: Actor | None) -> list[dict[str, Any]]:
    """All organisations (public names and kinds)."""
    rows = db.execute(select(Organisation).order_by(Organisation.name)).scalars()
    return [{"id": o.id, "name": o.name, "kind": o.kind, "synthetic": o.synthetic} for o in rows]


def create_organisation(
    db: Session, actor: Actor | None, *, name: str, kind: str, synthetic: bool = False
) -> dict[str, Any]:
    """Register an organisation (admins)."""
    a = _require(actor, Role.ADMIN, "register_organisations")
    org = Organisation(
        name=str(_text(name, "name", max_len=200)),
        kind=_choice(kind, "kind", OrganisationKind),
        synthetic=synthetic,
    )
    if db.execute(select(Organisation.id).where(Organisation.name == org.name)).first():
        raise ConflictError(Message("err_web_organisation_exists", name=repr(org.name)))
    db.add(org)
    db.flush()
    audit(db, a, "organisation.create", "organisation", org.id, {"name": org.name})
    return {"id": org.id, "name": org.name, "kind": org.kind, "synthetic": org.synthetic}


def _user_view(u: User) -> dict[str, Any]:
    return {"id": u.id, "email": u.email, "name": u.name, "role": u.role,
            "organisation_id": u.organisation_id, "active": u.active,
            "version": u.version}  # fmt: skip


def _new_user(
    db: Session, *, email: str, name: str, password: str, role: str, organisation_id: int | None
) -> User:
    mail = str(_text(email, "email", max_len=254)).lower()
    if not _EMAIL_RE.match(mail):
        raise InputError(Message("err_web_not_email", value=repr(mail)), field="email",
                         expected=Message("exp_web_email"))  # fmt: skip
    if db.execute(select(User.id).where(User.email == mail)).first():
        raise ConflictError(Message("err_web_user_exists", email=repr(mail)))
    if organisation_id is not None and db.get(Organisation, organisation_id) is None:
        raise InputError(
            Message("err_web_unknown_organisation", id=organisation_id),
            field="organisation_id",
            expected=Message("exp_web_organisation_id"),
        )
    user = User(email=mail, name=str(_text(name, "name", max_len=200)),
                password_hash=hash_password(password), role=_choice(role, "role", Role),
                organisation_id=organisation_id, active=True)  # fmt: skip
    db.add(user)
    db.flush()
    return user


def create_user(
    db: Session,
    actor: Actor | None,
    *,
    email: str,
    name: str,
    password: str,
    role: str,
    organisation_id: int | None = None,
) -> dict[str, Any]:
    """Create a user (admins). The password is stored only as an Argon2id hash."""
    a = _require(actor, Role.ADMIN, "create_users")
    user = _new_user(db, email=email, name=name, password=password, role=role,
                     organisation_id=organisation_id)  # fmt: skip
    audit(db, a, "user.create", "user", user.id, {"email": user.email, "role": user.role})
    return _user_view(user)


def invite_user(
    db: Session,
    actor: Actor | None,
    *,
    email: str,
    role: str,
    organisation_id: int | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """Add a user (admins) who chooses their own password through a single-use link.

    The user is created with a random password no one knows and a password reset link is
    issued at once (:func:`~omradesbild.partners.service.accounts.issue_password_reset`;
    no e-mail is sent: the admin gives the link to the user). Both are part of the
    caller's transaction.

    Parameters
    ----------
    name
        The name shown for the user; default the part of the e-mail address before ``@``.

    Returns
    -------
    dict
        The user (as :func:`list_users` shows them) and ``reset``: the link's ``path``
        and ``expires_at``.

    Raises
    ------
    InputError
        Bad e-mail address, role or organisation.
    ConflictError
        A user with this e-mail address exists.
    """
    import secrets

    from omradesbild.partners.service.accounts import issue_password_reset

    a = _require(actor, Role.ADMIN, "invite_users")
    shown = name if name and name.strip() else str(email).strip().split("@")[0]
    user = _new_user(db, email=email, name=shown, password=secrets.token_urlsafe(32),
                     role=role, organisation_id=organisation_id)  # fmt: skip
    audit(db, a, "user.invite", "user", user.id, {"email": user.email, "role": user.role,
                                                  "organisation_id": organisation_id})  # fmt: skip
    reset = issue_password_reset(db, a, user.id)
    return {**_user_view(user), "reset": {"path": reset["path"],
                                          "expires_at": reset["expires_at"]}}  # fmt: skip


def bootstrap_admin(
    db: Session,
    *,
    email: str,
    name: str,
    password: str,
    organisation: str | None = None,
    organisation_kind: str = OrganisationKind.OTHER.value,
) -> dict[str, Any]:
    """Create the first admin of a database without one (refused once any admin exists).

    Parameters
    ----------
    organisation
        The admin's organisation, by name: the registered one of that name, else a new one
        of ``organisation_kind``. None: no organisation.

    Raises
    ------
    ConflictError
        An admin exists already, or a user with this e-mail address.
    InputError
        Bad e-mail address, name, organisation kind, or a password refused by
        :func:`omradesbild.partners.security.check_password`.
    """
    if db.execute(select(User.id).where(User.role == Role.ADMIN.value)).first():
        raise ConflictError(Message("err_web_admin_exists"))
    org_id = None if organisation is None else _organisation_id(db, organisation, organisation_kind)
    user = _new_user(db, email=email, name=name, password=password, role=Role.ADMIN.value,
                     organisation_id=org_id)  # fmt: skip
    audit(db, None, "user.bootstrap_admin", "user", user.id,
          {"email": user.email, "organisation_id": org_id})  # fmt: skip
    return _user_view(user)


def _organisation_id(db: Session, name: str, kind: str) -> int:
    """The id of the organisation named ``name``, registering it (as ``kind``) if new."""
    clean = str(_text(name, "organisation", max_len=200))
    found = db.execute(select(Organisation.id).where(Organisation.name == clean)).scalar()
    if found is not None:
        return int(found)
    org = Organisation(name=clean, kind=_choice(kind, "organisation_kind", OrganisationKind))
    db.add(org)
    db.flush()
    audit(db, None, "organisation.create", "organisation", org.id, {"name": org.name})
    return int(org.id)


def set_user(
    db: Session,
    actor: Actor | None,
    user_id: int,
    *,
    role: str | None = None,
    active: bool | None = None,
    expected_version: int | None = None,
    require_version: bool = False,
) -> dict[str, Any]:
    """Change a user's role or deactivate them (admins; not themselves).

    ``expected_version`` is the version the admin read: when another admin has changed the
    user since, nothing is changed and
    :class:`~omradesbild.partners.errors.VersionConflict` (HTTP 409) is raised. Every change
    raises the version by one.

    Raises
    ------
    VersionConflict
        The user is at another version than ``expected_version`` (HTTP 409).
    InputError
        Unknown role, or no ``expected_version`` while ``require_version``.
    NotFoundError
        No such user.
    PermissionDenied
        The actor is not an admin, or changes themselves.
    """
    a = _require(actor, Role.ADMIN, "change_users")
    user = db.execute(
        select(User).where(User.id == int(user_id)).with_for_update(of=User)
    ).scalar_one_or_none()
    if user is None:
        raise NotFoundError(both("err_web_no_such_user", id=user_id))
    if user.id == a.id:
        raise PermissionDenied(Message("err_web_own_role"))
    check_version(user.id, user.version, expected_version, required=require_version,
                  key="partners_user_version_conflict")  # fmt: skip
    details: dict[str, Any] = {}
    new_role = None if role is None else _choice(role, "role", Role)
    if new_role is not None and new_role != user.role:
        details["role"] = [user.role, new_role]
        user.role = new_role
    if active is not None and bool(active) != user.active:
        details["active"] = [user.active, bool(active)]
        user.active = bool(active)
    if details:
        user.version += 1
        details["version"] = user.version
    audit(db, a, "user.update", "user", user.id, details)
    db.flush()
    return _user_view(user)


def list_users(db: Session, actor: Actor | None) -> list[dict[str, Any]]:
    """All users (admins)."""
    _require(actor, Role.ADMIN, "list_users")
    return [_user_view(u) for u in db.execute(select(User).order_by(User.email)).scalars()]
