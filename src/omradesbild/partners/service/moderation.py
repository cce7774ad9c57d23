"""Moderation of submitted submissions by analysts and admins."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy.orm import Session

from omradesbild.errors import InputError
from omradesbild.partners.errors import ConflictError, PermissionDenied
from omradesbild.partners.models import Role, Status, utcnow
from omradesbild.partners.security import MAX_BODY
from omradesbild.partners.service._common import Actor, _require, _text, check_version
from omradesbild.partners.service.submissions import _load, _record, _view, is_public


def moderate_submission(
    db: Session,
    actor: Actor | None,
    submission_id: int,
    *,
    decision: Literal["approve", "reject"] | str,
    note: str | None = None,
    expected_version: int | None = None,
    require_version: bool = False,
) -> dict[str, Any]:
    """Approve or reject a submitted submission (analysts and admins, not their own).

    ``expected_version`` is the version the moderator reviewed: when the submission has
    changed since (e.g. its author edited the text), nothing is decided and
    :class:`~omradesbild.partners.errors.VersionConflict` (HTTP 409) is raised, so that a
    text no moderator has read is never published.
    """
    a = _require(actor, Role.ANALYST, "moderate submissions")
    if decision not in ("approve", "reject"):
        raise InputError(f"{decision!r} is not a decision", field="decision",
                         expected="approve | reject")  # fmt: skip
    sub = _load(db, a, submission_id, lock=True)
    if sub.author_id == a.id:
        raise PermissionDenied(f"submission {sub.id}: no one moderates their own submission")
    check_version(sub.id, sub.version, expected_version, required=require_version)
    if sub.status != Status.SUBMITTED.value:
        raise ConflictError(f"submission {sub.id} is {sub.status}; only submitted ones can "
                            "be moderated")  # fmt: skip
    was_public = is_public(sub)
    sub.status = (Status.APPROVED if decision == "approve" else Status.REJECTED).value
    sub.moderation_note = _text(note, "note", max_len=MAX_BODY, required=False)
    sub.moderated_by_id = a.id
    sub.version += 1
    sub.updated_at = utcnow()
    _record(db, a, sub, decision, public_before=was_public)
    return _view(sub, a)
