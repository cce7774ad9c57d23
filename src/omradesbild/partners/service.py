"""Partners' submissions, interventions, users and the audit log, with authorization.

Every function takes an open :class:`~sqlalchemy.orm.Session` and the acting user as an
:class:`Actor` (``None`` for an anonymous visitor) and checks the actor's rights itself.
The caller owns the transaction (commit or roll back). Every change writes an entry to the
audit log; every change of a submission also writes a full snapshot to
``submission_versions``.

Authorization matrix (what each role may do; each role also has the rights of the rows
above it unless stated)::

    who          sees submissions                        may
    -----------  --------------------------------------  -------------------------------
    anonymous    approved + public                       read interventions
    reader       approved + public/internal              read interventions
    contributor  the same + all of their own             create; edit/submit their own
    analyst      all except other users' drafts,         moderate others' submitted ones;
                 restricted included                     create/edit interventions;
                                                         read the audit log
    admin        everything                              edit any submission; users and
                                                         organisations

No one moderates their own submission. An author's edit of an approved submission sends it
back to moderation (status ``submitted``). A submission the actor may not see is reported
as not found (404), so that its existence is not revealed; an action on a visible object
that the role does not allow raises :class:`PermissionDenied` (403).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from omradesbild.errors import InputError, NotFoundError
from omradesbild.partners.errors import ConflictError, NotAuthenticated, PermissionDenied
from omradesbild.partners.models import (
    AuditEntry,
    Intervention,
    InterventionArea,
    InterventionGoal,
    InterventionOrganisation,
    Organisation,
    OrganisationKind,
    Role,
    Status,
    Submission,
    SubmissionArea,
    SubmissionKind,
    SubmissionVersion,
    User,
    Visibility,
    utcnow,
)
from omradesbild.partners.security import (
    MAX_AREAS,
    MAX_BODY,
    MAX_THEME,
    MAX_TITLE,
    hash_password,
)

_AREA_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}$")
_RANK = {Role.READER: 1, Role.CONTRIBUTOR: 2, Role.ANALYST: 3, Role.ADMIN: 4}
EXPORT_COLUMNS = (
    "id", "kind", "title", "body", "theme", "period", "area_codes", "visibility", "status",
    "organisation", "author", "created_at", "updated_at",
)  # fmt: skip


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


# -- audit ------------------------------------------------------------------------------
def audit(
    db: Session,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: object = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Write one audit-log entry (part of the caller's transaction)."""
    db.add(AuditEntry(
        at=utcnow(), user_id=actor.id if actor else None, action=action,
        object_type=object_type, object_id=None if object_id is None else str(object_id),
        details=details or {},
    ))  # fmt: skip


def list_audit(
    db: Session,
    actor: Actor | None,
    *,
    object_type: str | None = None,
    object_id: object = None,
    limit: int = 200,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Audit entries, newest first (analysts and admins)."""
    _require(actor, Role.ANALYST, "read the audit log")
    q = select(AuditEntry, User.name).outerjoin(User, User.id == AuditEntry.user_id)
    if object_type:
        q = q.where(AuditEntry.object_type == object_type)
    if object_id is not None:
        q = q.where(AuditEntry.object_id == str(object_id))
    q = q.order_by(AuditEntry.id.desc()).limit(_limit(limit)).offset(max(0, offset))
    return [
        {"id": e.id, "at": e.at.isoformat(), "user_id": e.user_id, "user": name,
         "action": e.action, "object_type": e.object_type, "object_id": e.object_id,
         "details": e.details}
        for e, name in db.execute(q).all()
    ]  # fmt: skip


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


# -- submissions ------------------------------------------------------------------------
def _visible(actor: Actor | None) -> ColumnElement[bool]:
    """SQL condition: the submissions ``actor`` may see (the matrix in the module doc)."""
    approved = Submission.status == Status.APPROVED.value
    if actor is None:
        return and_(approved, Submission.visibility == Visibility.PUBLIC.value)
    if actor.role == Role.ADMIN:
        return true()
    own = Submission.author_id == actor.id
    if actor.role == Role.ANALYST:
        return or_(Submission.status != Status.DRAFT.value, own)
    shared = and_(
        approved,
        Submission.visibility.in_([Visibility.PUBLIC.value, Visibility.INTERNAL.value]),
    )
    if actor.role == Role.CONTRIBUTOR:
        return or_(shared, own)
    if actor.role == Role.READER:
        return shared
    return false()


def can_view(actor: Actor | None, sub: Submission) -> bool:
    """Python twin of :func:`_visible` for one loaded submission."""
    approved = sub.status == Status.APPROVED.value
    if actor is None:
        return approved and sub.visibility == Visibility.PUBLIC.value
    if actor.role == Role.ADMIN:
        return True
    own = sub.author_id == actor.id
    if actor.role == Role.ANALYST:
        return sub.status != Status.DRAFT.value or own
    shared = approved and sub.visibility in (Visibility.PUBLIC.value, Visibility.INTERNAL.value)
    if actor.role == Role.CONTRIBUTOR:
        return shared or own
    return shared


def can_edit(actor: Actor | None, sub: Submission) -> bool:
    """Authors (contributor or above) edit their own; admins edit any."""
    if actor is None or not actor.at_least(Role.CONTRIBUTOR):
        return False
    return actor.role == Role.ADMIN or sub.author_id == actor.id


def can_moderate(actor: Actor | None, sub: Submission) -> bool:
    """Analysts and admins moderate submitted ones, never their own."""
    return (
        actor is not None
        and actor.at_least(Role.ANALYST)
        and sub.author_id != actor.id
        and sub.status == Status.SUBMITTED.value
    )


def _snapshot(sub: Submission) -> dict[str, Any]:
    return {
        "id": sub.id, "kind": sub.kind, "title": sub.title, "body": sub.body,
        "theme": sub.theme, "period": sub.period, "visibility": sub.visibility,
        "status": sub.status, "area_codes": [a.area_code for a in sub.areas],
        "author_id": sub.author_id, "organisation_id": sub.organisation_id,
        "moderation_note": sub.moderation_note, "moderated_by_id": sub.moderated_by_id,
        "version": sub.version, "updated_at": sub.updated_at.isoformat(),
    }  # fmt: skip


def _view(sub: Submission, actor: Actor | None) -> dict[str, Any]:
    out = _snapshot(sub)
    out["created_at"] = sub.created_at.isoformat()
    out["organisation"] = sub.organisation.name if sub.organisation else None
    out["author"] = sub.author.name if actor is not None else None
    if actor is None:
        out.pop("author_id")
        out.pop("moderated_by_id")
    out["can_edit"] = can_edit(actor, sub)
    out["can_moderate"] = can_moderate(actor, sub)
    return out


def _record(db: Session, actor: Actor, sub: Submission, action: str, **details: Any) -> None:
    db.flush()
    snap = _snapshot(sub)
    db.add(
        SubmissionVersion(
            submission_id=sub.id,
            version=sub.version,
            action=action,
            snapshot=snap,
            changed_by_id=actor.id,
            changed_at=sub.updated_at,
        )
    )
    audit(db, actor, f"submission.{action}", "submission", sub.id,
          {"version": sub.version, "status": sub.status, **details})  # fmt: skip
    db.flush()


def _load(
    db: Session, actor: Actor | None, submission_id: int, *, lock: bool = False
) -> Submission:
    q = select(Submission).where(Submission.id == int(submission_id))
    if lock:
        q = q.with_for_update(of=Submission)
    sub = db.execute(q).unique().scalar_one_or_none()
    if sub is None or not can_view(actor, sub):
        raise NotFoundError(f"submission {submission_id}: no such submission")
    return sub


def create_submission(
    db: Session,
    actor: Actor | None,
    *,
    kind: str,
    title: str,
    body: str,
    area_codes: Sequence[str] | str,
    theme: str | None = None,
    period: str | None = None,
    visibility: str = Visibility.INTERNAL.value,
    submit: bool = False,
    known_areas: set[str] | None = None,
) -> dict[str, Any]:
    """Create a submission (a draft, or submitted for moderation with ``submit=True``).

    Raises
    ------
    NotAuthenticated, PermissionDenied
        Anonymous visitors and readers.
    InputError
        Empty or too long fields (title ≤ 200, body ≤ 20 000 characters, 1–20 areas),
        unknown kind or visibility, bad period or area code.
    """
    a = _require(actor, Role.CONTRIBUTOR, "create submissions")
    now = utcnow()
    sub = Submission(
        kind=_choice(kind, "kind", SubmissionKind),
        title=_text(title, "title", max_len=MAX_TITLE),
        body=_text(body, "body", max_len=MAX_BODY),
        theme=_text(theme, "theme", max_len=MAX_THEME, required=False),
        period=_period(period, "period"),
        visibility=_choice(visibility, "visibility", Visibility),
        status=(Status.SUBMITTED if submit else Status.DRAFT).value,
        author_id=a.id, organisation_id=a.organisation_id, version=1,
        created_at=now, updated_at=now,
        areas=[SubmissionArea(area_code=c) for c in _area_codes(area_codes, known=known_areas)],
    )  # fmt: skip
    db.add(sub)
    db.flush()
    _record(db, a, sub, "create")
    return get_submission(db, a, sub.id)


_EDITABLE = ("kind", "title", "body", "theme", "period", "visibility", "area_codes")


def update_submission(
    db: Session,
    actor: Actor | None,
    submission_id: int,
    changes: dict[str, Any],
    *,
    known_areas: set[str] | None = None,
) -> dict[str, Any]:
    """Change fields of a submission (only those in ``changes``); writes a new version.

    Raises
    ------
    NotFoundError
        No such submission, or not visible to the actor.
    PermissionDenied
        The actor may see but not edit it.
    InputError
        Unknown field or invalid value.
    """
    a = _require(actor, Role.CONTRIBUTOR, "edit submissions")
    unknown = sorted(set(changes) - set(_EDITABLE))
    if unknown:
        raise InputError(f"cannot change {', '.join(unknown)}", field=unknown[0],
                         expected="fields " + ", ".join(_EDITABLE))  # fmt: skip
    sub = _load(db, a, submission_id, lock=True)
    if not can_edit(a, sub):
        raise PermissionDenied(f"submission {sub.id}: only its author or an admin may edit it")
    before = _snapshot(sub)
    if "kind" in changes:
        sub.kind = _choice(changes["kind"], "kind", SubmissionKind)
    if "title" in changes:
        sub.title = str(_text(changes["title"], "title", max_len=MAX_TITLE))
    if "body" in changes:
        sub.body = str(_text(changes["body"], "body", max_len=MAX_BODY))
    if "theme" in changes:
        sub.theme = _text(changes["theme"], "theme", max_len=MAX_THEME, required=False)
    if "period" in changes:
        sub.period = _period(changes["period"], "period")
    if "visibility" in changes:
        sub.visibility = _choice(changes["visibility"], "visibility", Visibility)
    if "area_codes" in changes:
        codes = _area_codes(changes["area_codes"], known=known_areas)
        if codes != [x.area_code for x in sub.areas]:
            sub.areas = [SubmissionArea(area_code=c) for c in codes]
            db.flush()
    after = _snapshot(sub)
    changed = sorted(k for k in after if after[k] != before[k])
    if not changed:
        return _view(sub, a)
    if sub.author_id == a.id and sub.status == Status.APPROVED.value:
        sub.status = Status.SUBMITTED.value  # an author's change needs a new approval
    sub.version += 1
    sub.updated_at = utcnow()
    _record(db, a, sub, "update", changed=changed)
    return _view(sub, a)


def submit_submission(db: Session, actor: Actor | None, submission_id: int) -> dict[str, Any]:
    """Send a draft (or a rejected submission) to moderation."""
    a = _require(actor, Role.CONTRIBUTOR, "submit")
    sub = _load(db, a, submission_id, lock=True)
    if not can_edit(a, sub):
        raise PermissionDenied(f"submission {sub.id}: only its author or an admin may submit it")
    if sub.status not in (Status.DRAFT.value, Status.REJECTED.value):
        raise ConflictError(f"submission {sub.id} is {sub.status}; only drafts and rejected "
                            "submissions can be submitted")  # fmt: skip
    sub.status = Status.SUBMITTED.value
    sub.version += 1
    sub.updated_at = utcnow()
    _record(db, a, sub, "submit")
    return _view(sub, a)


def moderate_submission(
    db: Session,
    actor: Actor | None,
    submission_id: int,
    *,
    decision: Literal["approve", "reject"] | str,
    note: str | None = None,
) -> dict[str, Any]:
    """Approve or reject a submitted submission (analysts and admins, not their own)."""
    a = _require(actor, Role.ANALYST, "moderate submissions")
    if decision not in ("approve", "reject"):
        raise InputError(f"{decision!r} is not a decision", field="decision",
                         expected="approve | reject")  # fmt: skip
    sub = _load(db, a, submission_id, lock=True)
    if sub.author_id == a.id:
        raise PermissionDenied(f"submission {sub.id}: no one moderates their own submission")
    if sub.status != Status.SUBMITTED.value:
        raise ConflictError(f"submission {sub.id} is {sub.status}; only submitted ones can "
                            "be moderated")  # fmt: skip
    sub.status = (Status.APPROVED if decision == "approve" else Status.REJECTED).value
    sub.moderation_note = _text(note, "note", max_len=MAX_BODY, required=False)
    sub.moderated_by_id = a.id
    sub.version += 1
    sub.updated_at = utcnow()
    _record(db, a, sub, decision)
    return _view(sub, a)


def get_submission(db: Session, actor: Actor | None, submission_id: int) -> dict[str, Any]:
    """One submission as a dict, if the actor may see it (else :class:`NotFoundError`)."""
    return _view(_load(db, actor, submission_id), actor)


def list_submissions(
    db: Session,
    actor: Actor | None,
    *,
    area_code: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    theme: str | None = None,
    mine: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The submissions the actor may see, newest first, optionally filtered."""
    q = select(Submission).where(_visible(actor))
    if area_code:
        q = q.where(Submission.areas.any(SubmissionArea.area_code == area_code))
    if kind:
        q = q.where(Submission.kind == kind)
    if status:
        q = q.where(Submission.status == status)
    if theme:
        q = q.where(Submission.theme == theme)
    if mine:
        q = q.where(Submission.author_id == (actor.id if actor else -1))
    q = q.order_by(Submission.updated_at.desc(), Submission.id.desc())
    q = q.limit(_limit(limit)).offset(max(0, offset))
    return [_view(s, actor) for s in db.execute(q).unique().scalars()]


def count_submissions(db: Session, actor: Actor | None) -> int:
    """How many submissions the actor may see."""
    return int(db.execute(select(func.count()).select_from(Submission)
                          .where(_visible(actor))).scalar_one())  # fmt: skip


def submission_versions(
    db: Session, actor: Actor | None, submission_id: int
) -> list[dict[str, Any]]:
    """Every version of a submission (its author, analysts and admins)."""
    a = _require(actor, Role.CONTRIBUTOR, "read the history of submissions")
    sub = _load(db, a, submission_id)
    if not (can_edit(a, sub) or a.at_least(Role.ANALYST)):
        raise PermissionDenied(f"submission {sub.id}: only its author, analysts and admins "
                               "may read its history")  # fmt: skip
    rows = db.execute(
        select(SubmissionVersion, User.name)
        .join(User, User.id == SubmissionVersion.changed_by_id)
        .where(SubmissionVersion.submission_id == sub.id)
        .order_by(SubmissionVersion.version)
    ).all()
    return [
        {"version": v.version, "action": v.action, "changed_by": name,
         "changed_by_id": v.changed_by_id, "changed_at": v.changed_at.isoformat(),
         "snapshot": v.snapshot}
        for v, name in rows
    ]  # fmt: skip


def _csv_cell(value: object) -> object:
    # Spreadsheet formula injection: a cell starting with = + - @ is read as a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_submissions(
    db: Session, actor: Actor | None, *, fmt: Literal["csv", "json"] = "csv", **filters: Any
) -> str:
    """The submissions the actor may see as CSV (UTF-8, ``;``-joined area codes) or JSON."""
    rows = list_submissions(db, actor, limit=1000, **filters)
    out = [{c: r.get(c) for c in EXPORT_COLUMNS} for r in rows]
    if fmt == "json":
        return json.dumps(out, ensure_ascii=False, indent=1)
    if fmt != "csv":
        raise InputError(f"{fmt!r} is not an export format", field="format",
                         expected="csv | json")  # fmt: skip
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(EXPORT_COLUMNS), lineterminator="\n")
    w.writeheader()
    for r in out:
        r["area_codes"] = ";".join(r["area_codes"] or [])
        w.writerow({k: _csv_cell(v) for k, v in r.items()})
    return buf.getvalue()


# -- interventions ----------------------------------------------------------------------
def _intervention_view(iv: Intervention) -> dict[str, Any]:
    return {
        "id": iv.id, "type": iv.type, "title": iv.title, "description": iv.description,
        "start_period": iv.start_period, "end_period": iv.end_period,
        "area_codes": [a.area_code for a in iv.areas],
        "organisations": [{"id": o.organisation_id, "name": o.organisation.name}
                          for o in iv.organisations],
        "goals": [{"indicator": g.indicator, "target": g.target} for g in iv.goals],
        "created_at": iv.created_at.isoformat(), "updated_at": iv.updated_at.isoformat(),
    }  # fmt: skip


def _goals(goals: Iterable[Any]) -> list[InterventionGoal]:
    out = []
    for i, g in enumerate(goals):
        if isinstance(g, str):
            g = {"indicator": g}
        if not isinstance(g, dict):
            raise InputError("is not an object", field=f"goals[{i}]",
                             expected='{"indicator": id, "target": text}')  # fmt: skip
        ind = _text(g.get("indicator"), f"goals[{i}].indicator", max_len=64)
        assert ind is not None
        if not re.match(r"^[a-z0-9_]+$", ind):
            raise InputError(f"{ind!r} is not an indicator id", field=f"goals[{i}].indicator",
                             expected="an id from the indicator catalogue")  # fmt: skip
        target = _text(g.get("target"), f"goals[{i}].target", max_len=200, required=False)
        out.append(InterventionGoal(indicator=ind, target=target))
    if len(out) > 20:
        raise InputError(f"has {len(out)} goals", field="goals", expected="at most 20 goals")
    return out


def create_intervention(
    db: Session,
    actor: Actor | None,
    *,
    type: str,
    title: str,
    start_period: str,
    area_codes: Sequence[str] | str,
    description: str = "",
    end_period: str | None = None,
    organisation_ids: Sequence[int] = (),
    goals: Sequence[Any] = (),
    known_areas: set[str] | None = None,
) -> dict[str, Any]:
    """Register a programme or measure (analysts and admins)."""
    a = _require(actor, Role.ANALYST, "register interventions")
    start = _period(start_period, "start_period")
    if start is None:
        raise InputError("is empty", field="start_period", expected="a year such as 2021")
    end = _period(end_period, "end_period")
    from omradesbild.followup._common import period_to_year

    if end is not None and period_to_year(end) < period_to_year(start):
        raise InputError(f"{end} is before the start {start}", field="end_period",
                         expected="a period at or after start_period")  # fmt: skip
    org_ids = sorted({int(o) for o in organisation_ids})
    if org_ids:
        found = set(db.execute(select(Organisation.id).where(Organisation.id.in_(org_ids)))
                    .scalars())  # fmt: skip
        missing = [o for o in org_ids if o not in found]
        if missing:
            raise InputError(f"unknown organisation {missing[0]}", field="organisation_ids",
                             expected="ids of registered organisations")  # fmt: skip
    now = utcnow()
    iv = Intervention(
        type=str(_text(type, "type", max_len=64)), title=str(_text(title, "title",
        max_len=MAX_TITLE)), description=_text(description, "description", max_len=MAX_BODY,
        required=False) or "", start_period=start, end_period=end, created_by_id=a.id,
        created_at=now, updated_at=now,
        areas=[InterventionArea(area_code=c) for c in _area_codes(area_codes,
               known=known_areas)],
        organisations=[InterventionOrganisation(organisation_id=o) for o in org_ids],
        goals=_goals(goals),
    )  # fmt: skip
    db.add(iv)
    db.flush()
    audit(db, a, "intervention.create", "intervention", iv.id, {"title": iv.title})
    db.flush()
    return get_intervention(db, a, iv.id)


def get_intervention(db: Session, actor: Actor | None, intervention_id: int) -> dict[str, Any]:
    """One intervention (the register is public)."""
    iv = db.get(Intervention, int(intervention_id))
    if iv is None:
        raise NotFoundError(f"intervention {intervention_id}: no such intervention")
    return _intervention_view(iv)


def list_interventions(
    db: Session, actor: Actor | None, *, area_code: str | None = None
) -> list[dict[str, Any]]:
    """The register of interventions, by start period (public)."""
    q = select(Intervention)
    if area_code:
        q = q.where(Intervention.areas.any(InterventionArea.area_code == area_code))
    q = q.order_by(Intervention.start_period, Intervention.id)
    return [_intervention_view(iv) for iv in db.execute(q).unique().scalars()]


# -- organisations and users ------------------------------------------------------------
def list_organisations(db: Session, actor: Actor | None) -> list[dict[str, Any]]:
    """All organisations (public names and kinds)."""
    rows = db.execute(select(Organisation).order_by(Organisation.name)).scalars()
    return [{"id": o.id, "name": o.name, "kind": o.kind, "synthetic": o.synthetic} for o in rows]


def create_organisation(
    db: Session, actor: Actor | None, *, name: str, kind: str, synthetic: bool = False
) -> dict[str, Any]:
    """Register an organisation (admins)."""
    a = _require(actor, Role.ADMIN, "register organisations")
    org = Organisation(
        name=str(_text(name, "name", max_len=200)),
        kind=_choice(kind, "kind", OrganisationKind),
        synthetic=synthetic,
    )
    if db.execute(select(Organisation.id).where(Organisation.name == org.name)).first():
        raise ConflictError(f"an organisation named {org.name!r} exists already")
    db.add(org)
    db.flush()
    audit(db, a, "organisation.create", "organisation", org.id, {"name": org.name})
    return {"id": org.id, "name": org.name, "kind": org.kind, "synthetic": org.synthetic}


def _user_view(u: User) -> dict[str, Any]:
    return {"id": u.id, "email": u.email, "name": u.name, "role": u.role,
            "organisation_id": u.organisation_id, "active": u.active}  # fmt: skip


def _new_user(
    db: Session, *, email: str, name: str, password: str, role: str, organisation_id: int | None
) -> User:
    mail = str(_text(email, "email", max_len=254)).lower()
    if not _EMAIL_RE.match(mail):
        raise InputError(f"{mail!r} is not an e-mail address", field="email",
                         expected="name@domain.se")  # fmt: skip
    if db.execute(select(User.id).where(User.email == mail)).first():
        raise ConflictError(f"a user with e-mail {mail!r} exists already")
    if organisation_id is not None and db.get(Organisation, organisation_id) is None:
        raise InputError(f"unknown organisation {organisation_id}", field="organisation_id",
                         expected="the id of a registered organisation")  # fmt: skip
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
    a = _require(actor, Role.ADMIN, "create users")
    user = _new_user(db, email=email, name=name, password=password, role=role,
                     organisation_id=organisation_id)  # fmt: skip
    audit(db, a, "user.create", "user", user.id, {"email": user.email, "role": user.role})
    return _user_view(user)


def bootstrap_admin(db: Session, *, email: str, name: str, password: str) -> dict[str, Any]:
    """Create the first admin of an empty database (refused once any admin exists)."""
    if db.execute(select(User.id).where(User.role == Role.ADMIN.value)).first():
        raise ConflictError("an admin exists already; ask them to create users")
    user = _new_user(db, email=email, name=name, password=password, role=Role.ADMIN.value,
                     organisation_id=None)  # fmt: skip
    audit(db, None, "user.bootstrap_admin", "user", user.id, {"email": user.email})
    return _user_view(user)


def set_user(
    db: Session,
    actor: Actor | None,
    user_id: int,
    *,
    role: str | None = None,
    active: bool | None = None,
) -> dict[str, Any]:
    """Change a user's role or deactivate them (admins; not themselves)."""
    a = _require(actor, Role.ADMIN, "change users")
    user = db.get(User, int(user_id))
    if user is None:
        raise NotFoundError(f"user {user_id}: no such user")
    if user.id == a.id:
        raise PermissionDenied("admins cannot change their own role or deactivate themselves")
    details: dict[str, Any] = {}
    if role is not None:
        details["role"] = [user.role, _choice(role, "role", Role)]
        user.role = role
    if active is not None:
        details["active"] = [user.active, bool(active)]
        user.active = bool(active)
    audit(db, a, "user.update", "user", user.id, details)
    db.flush()
    return _user_view(user)


def list_users(db: Session, actor: Actor | None) -> list[dict[str, Any]]:
    """All users (admins)."""
    _require(actor, Role.ADMIN, "list users")
    return [_user_view(u) for u in db.execute(select(User).order_by(User.email)).scalars()]
