"""Submissions: create, edit, submit, read, list, version history and CSV export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from omradesbild.errors import InputError, NotFoundError
from omradesbild.partners.errors import ConflictError, PermissionDenied
from omradesbild.partners.models import (
    Organisation,
    PublicRevision,
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
from omradesbild.partners.security import MAX_BODY, MAX_THEME, MAX_TITLE
from omradesbild.partners.service._common import (
    Actor,
    _area_codes,
    _choice,
    _limit,
    _period,
    _require,
    _text,
    check_version,
)
from omradesbild.partners.service.access import _visible, can_edit, can_moderate, can_view
from omradesbild.partners.service.audit import audit
from omradesbild.wording import Message, both

EXPORT_COLUMNS = (
    "id", "kind", "title", "body", "theme", "period", "area_codes", "visibility", "status",
    "organisation", "author", "created_at", "updated_at",
)  # fmt: skip


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
    return _with_rights(out, sub, actor)


def _with_rights(out: dict[str, Any], sub: Any, actor: Actor | None) -> dict[str, Any]:
    """``out`` without the user ids anonymous visitors may not see, with what ``actor`` may do.

    ``sub`` is a :class:`Submission` or a row of :data:`_LIST_COLUMNS` (same attributes).
    """
    if actor is None:
        out.pop("author_id")
        out.pop("moderated_by_id")
    out["can_edit"] = can_edit(actor, sub)
    out["can_moderate"] = can_moderate(actor, sub)
    return out


def is_public(sub: Submission) -> bool:
    """True when anonymous visitors see the submission (approved and public)."""
    return sub.status == Status.APPROVED.value and sub.visibility == Visibility.PUBLIC.value


def public_revision(db: Session) -> int:
    """The number raised by every change to what anonymous visitors can see."""
    value = db.execute(select(PublicRevision.revision).where(PublicRevision.id == 1)).scalar()
    return int(value or 0)


def _raise_public_revision(db: Session) -> None:
    stmt = (
        update(PublicRevision)
        .where(PublicRevision.id == 1)
        .values(revision=PublicRevision.revision + 1)
    )
    if not getattr(db.execute(stmt), "rowcount", 0):
        db.add(PublicRevision(id=1, revision=1))


def _record(
    db: Session,
    actor: Actor,
    sub: Submission,
    action: str,
    *,
    public_before: bool = False,
    **details: Any,
) -> None:
    """Write the version row and the audit entry of a change; when the submission is or
    was public (``public_before``), raise the public revision (anonymous pages change)."""
    if public_before or is_public(sub):
        _raise_public_revision(db)
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
        raise NotFoundError(both("err_web_no_such_submission", id=submission_id))
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
    a = _require(actor, Role.CONTRIBUTOR, "create_submissions")
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
    expected_version: int | None = None,
    require_version: bool = False,
) -> dict[str, Any]:
    """Change fields of a submission (only those in ``changes``); writes a new version.

    ``expected_version`` is the version the editor read: the change is refused when the
    submission has changed since (see :func:`check_version`).

    Raises
    ------
    VersionConflict
        The submission is at another version than ``expected_version`` (HTTP 409).
    NotFoundError
        No such submission, or not visible to the actor.
    PermissionDenied
        The actor may see but not edit it.
    InputError
        Unknown field or invalid value.
    """
    a = _require(actor, Role.CONTRIBUTOR, "edit_submissions")
    unknown = sorted(set(changes) - set(_EDITABLE))
    if unknown:
        raise InputError(
            Message("err_web_cannot_change", fields=", ".join(unknown)),
            field=unknown[0],
            expected=Message("exp_src_fields", fields=", ".join(_EDITABLE)),
        )
    sub = _load(db, a, submission_id, lock=True)
    if not can_edit(a, sub):
        raise PermissionDenied(Message("err_web_author_edits", id=sub.id))
    check_version(sub.id, sub.version, expected_version, required=require_version)
    before = _snapshot(sub)
    was_public = is_public(sub)
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
    _record(db, a, sub, "update", public_before=was_public, changed=changed)
    return _view(sub, a)


def submit_submission(
    db: Session,
    actor: Actor | None,
    submission_id: int,
    *,
    expected_version: int | None = None,
    require_version: bool = False,
) -> dict[str, Any]:
    """Send a draft (or a rejected submission) to moderation (the version as in
    :func:`update_submission`)."""
    a = _require(actor, Role.CONTRIBUTOR, "submit")
    sub = _load(db, a, submission_id, lock=True)
    if not can_edit(a, sub):
        raise PermissionDenied(Message("err_web_author_submits", id=sub.id))
    check_version(sub.id, sub.version, expected_version, required=require_version)
    if sub.status not in (Status.DRAFT.value, Status.REJECTED.value):
        raise ConflictError(Message("err_web_not_submittable", id=sub.id, status=sub.status))
    sub.status = Status.SUBMITTED.value
    sub.version += 1
    sub.updated_at = utcnow()
    _record(db, a, sub, "submit")
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
    """The submissions the actor may see, newest first, optionally filtered.

    Each item is what :func:`get_submission` gives. Read with two plain queries (the rows
    with their author's and organisation's names, then their area codes) rather than by
    loading ORM objects: the list is the partners' most read page and API.
    """
    q = (
        select(*_LIST_COLUMNS, Organisation.name.label("organisation"),
               _AUTHOR.name.label("author"))
        .outerjoin(Organisation, Organisation.id == Submission.organisation_id)
        .outerjoin(_AUTHOR, _AUTHOR.id == Submission.author_id)
        .where(_visible(actor))
    )  # fmt: skip
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
    rows = db.execute(q.limit(_limit(limit)).offset(max(0, offset))).all()
    areas: dict[int, list[str]] = {}
    if rows:
        found = db.execute(
            select(SubmissionArea.submission_id, SubmissionArea.area_code)
            .where(SubmissionArea.submission_id.in_([r.id for r in rows]))
            .order_by(SubmissionArea.submission_id, SubmissionArea.area_code)
        )
        for sid, code in found:
            areas.setdefault(sid, []).append(code)
    return [_row_view(r, areas.get(r.id, []), actor) for r in rows]


#: The author of a listed submission (made once: aliasing costs more than the query).
_AUTHOR = aliased(User)

#: The columns of a submission that :func:`_view` shows.
_LIST_COLUMNS = (
    Submission.id, Submission.kind, Submission.title, Submission.body, Submission.theme,
    Submission.period, Submission.visibility, Submission.status, Submission.author_id,
    Submission.organisation_id, Submission.moderation_note, Submission.moderated_by_id,
    Submission.version, Submission.created_at, Submission.updated_at,
)  # fmt: skip


def _row_view(row: Any, area_codes: list[str], actor: Actor | None) -> dict[str, Any]:
    """:func:`_view` of a row of :data:`_LIST_COLUMNS` (same keys, same order)."""
    out = {
        "id": row.id, "kind": row.kind, "title": row.title, "body": row.body,
        "theme": row.theme, "period": row.period, "visibility": row.visibility,
        "status": row.status, "area_codes": area_codes,
        "author_id": row.author_id, "organisation_id": row.organisation_id,
        "moderation_note": row.moderation_note, "moderated_by_id": row.moderated_by_id,
        "version": row.version, "updated_at": row.updated_at.isoformat(),
        "created_at": row.created_at.isoformat(), "organisation": row.organisation,
        "author": row.author if actor is not None else None,
    }  # fmt: skip
    return _with_rights(out, row, actor)


def count_submissions(db: Session, actor: Actor | None) -> int:
    """How many submissions the actor may see."""
    return int(db.execute(select(func.count()).select_from(Submission)
                          .where(_visible(actor))).scalar_one())  # fmt: skip


def submission_versions(
    db: Session, actor: Actor | None, submission_id: int
) -> list[dict[str, Any]]:
    """Every version of a submission (its author, analysts and admins)."""
    a = _require(actor, Role.CONTRIBUTOR, "read_history")
    sub = _load(db, a, submission_id)
    if not (can_edit(a, sub) or a.at_least(Role.ANALYST)):
        raise PermissionDenied(Message("err_web_history", id=sub.id))
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
        raise InputError(Message("err_web_not_export_format", value=repr(fmt)), field="format",
                         expected="csv | json")  # fmt: skip
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(EXPORT_COLUMNS), lineterminator="\n")
    w.writeheader()
    for r in out:
        r["area_codes"] = ";".join(r["area_codes"] or [])
        w.writerow({k: _csv_cell(v) for k, v in r.items()})
    return buf.getvalue()
