"""The audit log: writing entries and reading them back (analysts and admins)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from omradesbild.partners.models import AuditEntry, Role, User, utcnow
from omradesbild.partners.service._common import Actor, _limit, _require

#: What an audit-log entry can be about (its ``object_type``).
AUDIT_OBJECT_TYPES = ("intervention", "organisation", "submission", "user")


# -- audit ------------------------------------------------------------------------------
def audit(
    db: Session,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: object = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Write one audit-log entry (part of the caller's transaction); ``object_type`` is
    one of :data:`AUDIT_OBJECT_TYPES`."""
    if object_type not in AUDIT_OBJECT_TYPES:
        raise ValueError(f"object type {object_type!r} is not in AUDIT_OBJECT_TYPES")
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
    _require(actor, Role.ANALYST, "read_audit")
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
