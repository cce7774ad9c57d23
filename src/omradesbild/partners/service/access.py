"""Who may see, edit and moderate a submission."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, true

from omradesbild.partners.models import Role, Status, Submission, Visibility
from omradesbild.partners.service._common import Actor


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
