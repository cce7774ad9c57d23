"""The partners' database as first released: organisations, users, sessions, submissions
with versions, the audit log, interventions and login attempts.

Databases created before migrations (by ``create_all``) hold exactly this schema and are
stamped with this revision by :func:`omradesbild.partners.db.init_db`.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


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
        sa.Column(key, sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(length=32), nullable=False),
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
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_login_attempts_email_ip_at", "login_attempts", ["email", "ip", "at"], unique=False
    )
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
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
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("role IN ('reader', 'contributor', 'analyst', 'admin')", name="ck_role"),
        sa.UniqueConstraint("email"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=True),
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
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("start_period", sa.String(length=20), nullable=False),
        sa.Column("end_period", sa.String(length=20), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    _index("sessions", "expires_at")
    _index("sessions", "user_id")
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("theme", sa.String(length=100), nullable=True),
        sa.Column("period", sa.String(length=20), nullable=True),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("moderation_note", sa.Text(), nullable=True),
        sa.Column("moderated_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
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
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["intervention_id"], ["interventions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("intervention_goals", "intervention_id")
    op.create_table(
        "intervention_organisations",
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
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
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
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
