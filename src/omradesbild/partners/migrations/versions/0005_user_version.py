"""Users carry a version, so that two admins cannot overwrite each other's change.

Every change of a user's role or activation raises it; a change made on another version than
the stored one is refused (HTTP 409). Existing users start at version 1.

Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"


def upgrade() -> None:
    """Add ``users.version`` (NOT NULL, 1 for the existing rows)."""
    with op.batch_alter_table("users", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )


def downgrade() -> None:
    """Drop the column (SQLite copies the table, keeping ``AUTOINCREMENT``)."""
    with op.batch_alter_table("users", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("version")
