"""Tables of the partners' database (SQLAlchemy 2.0 typed ORM).

The database is separate from the statistics store: it holds organisations, users, login
sessions, partners' submissions (observations, analyses, proposals for measures) with every
version, the audit log, the register of interventions and the login attempts used for rate
limiting. It runs on SQLite (one file beside the store) or PostgreSQL.

Times are stored as naive UTC (:func:`utcnow`), the same on both databases.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def _owned_by(table: str, **kw: Any) -> Mapped[int]:
    """The id of the ``table`` row this row belongs to and is deleted with."""
    return mapped_column(ForeignKey(f"{table}.id", ondelete="CASCADE"), **kw)


def utcnow() -> datetime:
    """The current time in UTC without time zone (how every time is stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Role(StrEnum):
    """Roles, from least to most rights (see :mod:`omradesbild.partners.service`)."""

    READER = "reader"
    CONTRIBUTOR = "contributor"
    ANALYST = "analyst"
    ADMIN = "admin"


class OrganisationKind(StrEnum):
    CITY_DISTRICT = "city_district"
    POLICE = "police"
    CIVIL_SOCIETY = "civil_society"
    ACADEMIA = "academia"
    CRIME_PREVENTION = "crime_prevention"
    OTHER = "other"


class SubmissionKind(StrEnum):
    OBSERVATION = "observation"
    ANALYSIS = "analysis"
    PROPOSAL = "proposal"


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    RESTRICTED = "restricted"


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


def _check(column: str, enum: type[StrEnum]) -> CheckConstraint:
    values = ", ".join(f"'{v.value}'" for v in enum)
    return CheckConstraint(f"{column} IN ({values})", name=f"ck_{column}")


#: Tables with an integer id: on SQLite an id is never handed out again, not even the id of a
#: deleted newest row (``AUTOINCREMENT``; PostgreSQL's sequences never reuse one anyway).
_AUTOINCREMENT: dict[str, Any] = {"sqlite_autoincrement": True}


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012


class _IntegerId:
    """A table keyed by an integer ``id`` that the database hands out (first column); the
    table declares :data:`_AUTOINCREMENT` in its ``__table_args__``."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-1)


class Organisation(_IntegerId, Base):
    __tablename__ = "organisations"
    __table_args__ = (_check("kind", OrganisationKind), _AUTOINCREMENT)

    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class User(_IntegerId, Base):
    __tablename__ = "users"
    __table_args__ = (_check("role", Role), _AUTOINCREMENT)

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: Raised by every change of role or activation (optimistic concurrency, HTTP 409).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")


class LoginSession(Base):
    """A server-side login session; the cookie holds the token, the table its SHA-256."""

    __tablename__ = "sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = _owned_by("users", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    ip: Mapped[str | None] = mapped_column(String(64))


class Submission(_IntegerId, Base):
    __tablename__ = "submissions"
    __table_args__ = (
        _check("kind", SubmissionKind),
        _check("visibility", Visibility),
        _check("status", Status),
        Index("ix_submissions_status_visibility", "status", "visibility"),
        _AUTOINCREMENT,
    )

    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    theme: Mapped[str | None] = mapped_column(String(100))
    period: Mapped[str | None] = mapped_column(String(20))
    visibility: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    moderation_note: Mapped[str | None] = mapped_column(Text)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    areas: Mapped[list[SubmissionArea]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="SubmissionArea.area_code"
    )
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")


class _AreaCodes:
    """A link table: the area codes (``area_code``) a row of its owner table concerns; the
    table declares the owner's key (before ``area_code`` in the primary key)."""

    area_code: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class SubmissionArea(_AreaCodes, Base):
    __tablename__ = "submission_areas"

    submission_id: Mapped[int] = _owned_by("submissions", primary_key=True)


class SubmissionVersion(_IntegerId, Base):
    """A full snapshot of a submission after each change, with who and when."""

    __tablename__ = "submission_versions"
    __table_args__ = (UniqueConstraint("submission_id", "version"), _AUTOINCREMENT)

    submission_id: Mapped[int] = _owned_by("submissions", index=True)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuditEntry(_IntegerId, Base):
    __tablename__ = "audit_log"
    __table_args__ = _AUTOINCREMENT

    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Intervention(_IntegerId, Base):
    """A programme or measure in an area (the register of interventions)."""

    __tablename__ = "interventions"
    __table_args__ = _AUTOINCREMENT

    type: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    start_period: Mapped[str] = mapped_column(String(20))
    end_period: Mapped[str | None] = mapped_column(String(20))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    areas: Mapped[list[InterventionArea]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="InterventionArea.area_code"
    )
    organisations: Mapped[list[InterventionOrganisation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    goals: Mapped[list[InterventionGoal]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="InterventionGoal.id"
    )


class InterventionArea(_AreaCodes, Base):
    __tablename__ = "intervention_areas"

    intervention_id: Mapped[int] = _owned_by("interventions", primary_key=True)


class InterventionOrganisation(Base):
    __tablename__ = "intervention_organisations"

    intervention_id: Mapped[int] = _owned_by("interventions", primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class InterventionGoal(_IntegerId, Base):
    """An indicator the intervention aims to move (ids from the indicator catalogue)."""

    __tablename__ = "intervention_goals"
    __table_args__ = _AUTOINCREMENT

    intervention_id: Mapped[int] = _owned_by("interventions", index=True)
    indicator: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(200))


class LoginAttempt(_IntegerId, Base):
    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_email_ip_at", "email", "ip", "at"), _AUTOINCREMENT)

    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    success: Mapped[bool] = mapped_column(Boolean)


class PublicRevision(Base):
    """One row: a number raised by every change to what anonymous visitors can see.

    The web app caches anonymous pages per revision (see
    :func:`omradesbild.partners.service.public_revision`).
    """

    __tablename__ = "public_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    revision: Mapped[int] = mapped_column(Integer, default=0)


class PasswordReset(Base):
    """A single-use link to choose a new password, issued by an admin; the link holds the
    token, the table its SHA-256, with an expiry and the time it was used."""

    __tablename__ = "password_resets"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = _owned_by("users", index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
