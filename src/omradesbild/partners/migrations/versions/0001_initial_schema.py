"""The partners' database as first released: organisations, users, sessions, submissions
with versions, the audit log, interventions and login attempts.

Databases created before migrations (by ``create_all``) hold exactly this schema and are
stamped with this revision by :func:`omradesbild.partners.db.init_db`.

Create Date: 2026-11-30
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None


# The columns of the first schema by type; ``nullable`` as the models declare it.


def _int(name: str, *, nullable: bool = False) -> sa.Column[int]:
    """An ``INTEGER`` column."""
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _str(name: str, length: int, *, nullable: bool = False) -> sa.Column[str]:
    """A ``VARCHAR(length)`` column."""
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _time(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    """A ``DATETIME`` (``TIMESTAMP WITHOUT TIME ZONE``) column."""
    return sa.Column(name, sa.DateTime(), nullable=nullable)


def _index(table: str, column: str) -> None:
    """The index ``ix_<table>_<column>`` (what the models' ``index=True`` makes)."""
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def _drop_index(table: str, column: str) -> None:
    op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)


def _area_links(owner: str) -> None:
    """The table ``<owner>_areas``: the area codes each ``<owner>s`` row concerns."""
    table, key = f"{owner}_areas", f"{owner}_id"
    op.create_table(
        table,
        _int(key),
        _str("area_code", 32),
        sa.ForeignKeyConstraint([key], [f"{owner}s.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(key, "area_code"),
    )
    _index(table, "area_code")


def upgrade() -> None:
    """Create every table, index and constraint of the first schema.

    Why this is long: it is the first schema as one ordered sequence of ``create_table`` and
    ``create_index`` calls, one block per table in foreign-key order, read like the DDL.
    """
    op.create_table(
        "login_attempts",
        _int("id"),
        _str("email", 254),
        _str("ip", 64),
        _time("at"),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_login_attempts_email_ip_at", "login_attempts", ["email", "ip", "at"], unique=False
    )
    op.create_table(
        "organisations",
        _int("id"),
        _str("name", 200),
        _str("kind", 32),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        _time("created_at"),
        sa.CheckConstraint(
            "kind IN ('city_district', 'police', 'civil_society', 'academia', "
            "'crime_prevention', 'other')",
            name="ck_kind",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "users",
        _int("id"),
        _str("email", 254),
        _str("name", 200),
        _str("password_hash", 255),
        _str("role", 16),
        _int("organisation_id", nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("role IN ('reader', 'contributor', 'analyst', 'admin')", name="ck_role"),
        sa.UniqueConstraint("email"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
    )
    op.create_table(
        "audit_log",
        _int("id"),
        _time("at"),
        _int("user_id", nullable=True),
        _str("action", 64),
        _str("object_type", 32),
        _str("object_id", 64, nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("audit_log", "at")
    op.create_table(
        "interventions",
        _int("id"),
        _str("type", 64),
        _str("title", 200),
        sa.Column("description", sa.Text(), nullable=False),
        _str("start_period", 20),
        _str("end_period", 20, nullable=True),
        _int("created_by_id"),
        _time("created_at"),
        _time("updated_at"),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sessions",
        _str("token_hash", 64),
        _int("user_id"),
        _time("created_at"),
        _time("expires_at"),
        _str("ip", 64, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    _index("sessions", "expires_at")
    _index("sessions", "user_id")
    op.create_table(
        "submissions",
        _int("id"),
        _str("kind", 16),
        _str("title", 200),
        sa.Column("body", sa.Text(), nullable=False),
        _str("theme", 100, nullable=True),
        _str("period", 20, nullable=True),
        _str("visibility", 16),
        _str("status", 16),
        _int("author_id"),
        _int("organisation_id", nullable=True),
        sa.Column("moderation_note", sa.Text(), nullable=True),
        _int("moderated_by_id", nullable=True),
        _int("version"),
        _time("created_at"),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("kind IN ('observation', 'analysis', 'proposal')", name="ck_kind"),
        sa.CheckConstraint(
            "visibility IN ('public', 'internal', 'restricted')", name="ck_visibility"
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'approved', 'rejected')", name="ck_status"
        ),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["moderated_by_id"], ["users.id"]),
    )
    _index("submissions", "author_id")
    op.create_index(
        "ix_submissions_status_visibility", "submissions", ["status", "visibility"], unique=False
    )
    _area_links("intervention")
    op.create_table(
        "intervention_goals",
        _int("id"),
        _int("intervention_id"),
        _str("indicator", 64),
        _str("target", 200, nullable=True),
        sa.ForeignKeyConstraint(["intervention_id"], ["interventions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("intervention_goals", "intervention_id")
    op.create_table(
        "intervention_organisations",
        _int("intervention_id"),
        _int("organisation_id"),
        sa.ForeignKeyConstraint(["intervention_id"], ["interventions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
        ),
        sa.PrimaryKeyConstraint("intervention_id", "organisation_id"),
    )
    _area_links("submission")
    op.create_table(
        "submission_versions",
        _int("id"),
        _int("submission_id"),
        _int("version"),
        _str("action", 32),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        _int("changed_by_id"),
        _time("changed_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submission_id", "version"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["changed_by_id"], ["users.id"]),
    )
    _index("submission_versions", "submission_id")


def downgrade() -> None:
    """Drop every table of the first schema."""
    _drop_index("submission_versions", "submission_id")
    op.drop_table("submission_versions")
    _drop_index("submission_areas", "area_code")
    op.drop_table("submission_areas")
    op.drop_table("intervention_organisations")
    _drop_index("intervention_goals", "intervention_id")
    op.drop_table("intervention_goals")
    _drop_index("intervention_areas", "area_code")
    op.drop_table("intervention_areas")
    op.drop_index("ix_submissions_status_visibility", table_name="submissions")
    _drop_index("submissions", "author_id")
    op.drop_table("submissions")
    _drop_index("sessions", "user_id")
    _drop_index("sessions", "expires_at")
    op.drop_table("sessions")
    op.drop_table("interventions")
    _drop_index("audit_log", "at")
    op.drop_table("audit_log")
    op.drop_table("users")
    op.drop_table("organisations")
    op.drop_index("ix_login_attempts_email_ip_at", table_name="login_attempts")
    op.drop_table("login_attempts")
