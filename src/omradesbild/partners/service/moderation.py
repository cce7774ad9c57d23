"""Moderation by analysts and admins: approve or reject a submitted submission (and set its
visibility at the same time), change the visibility of a moderated one."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy.orm import Session

from omradesbild.errors import InputError
from omradesbild.partners.errors import ConflictError, PermissionDenied
from omradesbild.partners.models import Role, Status, Visibility, utcnow
from omradesbild.partners.security import MAX_BODY
from omradesbild.partners.service._common import Actor, _choice, _require, _text, check_version
from omradesbild.partners.service.submissions import _load, _record, _view, is_public
from omradesbild.wording import Message


def moderate_submission(
    db: Session,
    actor: Actor | None,
    submission_id: int,
    *,
    decision: Literal["approve", "reject"] | str,
    note: str | None = None,
    visibility: str | None = None,
    expected_version: int | None = None,
    require_version: bool = False,
) -> dict[str, Any]:
    """Approve or reject a submitted submission (analysts and admins, not their own).

    ``visibility`` (``public``, ``internal`` or ``restricted``), when given, is who sees the
    submission once approved; else the author's choice stands. The version row and the audit
    entry record the decision with the visibility before and after.

    ``expected_version`` is the version the moderator reviewed: when the submission has
    changed since (e.g. its author edited the text), nothing is decided and
    :class:`~omradesbild.partners.errors.VersionConflict` (HTTP 409) is raised, so that a
    text no moderator has read is never published.
    """
    a = _require(actor, Role.ANALYST, "moderate")
    if decision not in ("approve", "reject"):
        raise InputError(Message("err_web_not_decision", value=repr(decision)), field="decision",
                         expected="approve | reject")  # fmt: skip
    sub = _load(db, a, submission_id, lock=True)
    if sub.author_id == a.id:
        raise PermissionDenied(Message("err_web_own_submission", id=sub.id))
    check_version(sub.id, sub.version, expected_version, required=require_version)
    if sub.status != Status.SUBMITTED.value:
        raise ConflictError(Message("err_web_not_moderatable", id=sub.id, status=sub.status))
    was_public = is_public(sub)
    before = sub.visibility
    if visibility is not None:
        sub.visibility = _choice(visibility, "visibility", Visibility)
    sub.status = (Status.APPROVED if decision == "approve" else Status.REJECTED).value
    sub.moderation_note = _text(note, "note", max_len=MAX_BODY, required=False)
    sub.moderated_by_id = a.id
    sub.version += 1
    sub.updated_at = utcnow()
    _record(db, a, sub, decision, public_before=was_public,
            visibility_before=before, visibility=sub.visibility)  # fmt: skip
    return _view(sub, a)


def set_visibility(
    db: Session,
    actor: Actor | None,
    submission_id: int,
    *,
    visibility: str,
    expected_version: int | None = None,
    require_version: bool = False,
) -> dict[str, Any]:
    """Change who sees a moderated (approved or rejected) submission: analysts and admins,
    not for their own submission (that would publish it without a second reader).

    Nothing changes (no version, no audit entry) when the visibility is already
    ``visibility``. ``expected_version`` as in :func:`moderate_submission`.

    Raises
    ------
    PermissionDenied
        The actor is the author, or below analyst.
    ConflictError
        The submission is a draft or waits for moderation (decide it first).
    VersionConflict
        It changed since ``expected_version``.
    InputError
        Not a visibility.
    """
    a = _require(actor, Role.ANALYST, "change_visibility")
    wanted = _choice(visibility, "visibility", Visibility)
    sub = _load(db, a, submission_id, lock=True)
    if sub.author_id == a.id:
        raise PermissionDenied(Message("err_web_own_submission", id=sub.id))
    check_version(sub.id, sub.version, expected_version, required=require_version)
    if sub.status not in (Status.APPROVED.value, Status.REJECTED.value):
        raise ConflictError(Message("err_web_not_moderated", id=sub.id, status=sub.status))
    if sub.visibility == wanted:
        return _view(sub, a)
    was_public = is_public(sub)
    before = sub.visibility
    sub.visibility = wanted
    sub.moderated_by_id = a.id
    sub.version += 1
    sub.updated_at = utcnow()
    _record(db, a, sub, "visibility", public_before=was_public,
            visibility_before=before, visibility=wanted)  # fmt: skip
    return _view(sub, a)
