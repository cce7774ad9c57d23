"""Alembic environment of the partners' database.

Run programmatically by :func:`omradesbild.partners.db.init_db` (no ``alembic.ini``): the
caller passes an open connection in ``config.attributes["connection"]``. Without one (the
``alembic`` command line with ``sqlalchemy.url`` set), an engine is made from the URL.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from omradesbild.partners.models import Base

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things: later revisions use batch mode there.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    """Run the migrations on the given connection, or on ``sqlalchemy.url``."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from omradesbild.partners.db import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


main()
