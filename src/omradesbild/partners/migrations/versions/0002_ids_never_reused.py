"""Ids are never reused: SQLite tables with an integer id get ``AUTOINCREMENT``.

Without it SQLite gives a new row ``max(id) + 1``, so the id of a deleted newest row is
handed out again and a link or an audit entry that named it would point at another row.
PostgreSQL's ``SERIAL`` columns take ids from sequences, which never hand one out twice:
nothing changes there.

SQLite cannot add ``AUTOINCREMENT`` to a table, so each table is copied into a new one
(Alembic's batch mode), with foreign keys switched off by
:func:`omradesbild.partners.db.init_db` for the copy and checked afterwards. The next id
of each table continues after its largest id.

Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"

#: The tables whose primary key is an integer id handed out by the database.
TABLES = (
    "organisations",
    "users",
    "submissions",
    "submission_versions",
    "audit_log",
    "interventions",
    "intervention_goals",
    "login_attempts",
)


def _recreate(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TABLES:
        with op.batch_alter_table(
            name, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    """Copy each SQLite table with an integer id into one declared ``AUTOINCREMENT``."""
    _recreate(True)


def downgrade() -> None:
    """Copy the tables back without ``AUTOINCREMENT``."""
    _recreate(False)
