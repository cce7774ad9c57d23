"""The revision number of the public partners' content.

One row, raised by every change that a visitor without login can see (a submission that is
or was approved and public: its approval, an edit, a change of visibility); the web app's
anonymous pages are cached per revision, so a private draft no longer empties that cache.

Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"


def upgrade() -> None:
    """Create the one-row table at revision 0."""
    table = op.create_table(
        "public_revision",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(table, [{"id": 1, "revision": 0}])


def downgrade() -> None:
    """Drop the table."""
    op.drop_table("public_revision")
