"""Engine and schema of the partners' database (SQLite or PostgreSQL).

``sqlite:///path/partners.sqlite`` gives a file with write-ahead logging, a busy timeout and
foreign keys on. A transaction that may write starts with ``BEGIN IMMEDIATE`` so that
concurrent writers queue on the busy timeout instead of failing when a read lock cannot be
upgraded; a read-only one (:func:`read_only`, the sessions of ``GET`` requests) starts with
``BEGIN DEFERRED`` and, thanks to the write-ahead log, never waits for a writer: it reads the
last committed state.
``postgresql+psycopg://user:pw@host/db`` (psycopg 3; plain ``postgresql://`` is rewritten to
it) gives a pooled PostgreSQL engine.

The schema is kept by Alembic migrations (``partners/migrations``); :func:`init_db` creates a
new database from the models and stamps it with the latest revision, and upgrades an existing
one to it, at start-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from omradesbild.config import default_partners_url as default_partners_url
from omradesbild.errors import ConfigError, StoreError
from omradesbild.wording import both

if TYPE_CHECKING:
    from alembic.config import Config

#: Seconds a SQLite writer waits for the lock before giving up.
SQLITE_BUSY_TIMEOUT_S = 30.0


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url`` (SQLite file or memory, or PostgreSQL through psycopg 3).

    Raises
    ------
    ConfigError
        If the URL cannot be read or names another database.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(both("err_web_bad_db_url", url=repr(url))) from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed.render_as_string(hide_password=False), echo=echo)
    if backend == "postgresql":
        if parsed.drivername != "postgresql+psycopg":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, echo=echo, pool_pre_ping=True, pool_size=10)
    raise ConfigError(both("err_web_db_not_supported", backend=repr(backend)))


def _sqlite_engine(url: str, *, echo: bool) -> Engine:
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_con: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_con.isolation_level = None
        cur = dbapi_con.cursor()
        if ":memory:" not in url and url.rstrip("/") != "sqlite:":
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(con: Any) -> None:
        mode = con.get_execution_options().get(_SQLITE_BEGIN, "IMMEDIATE")
        con.exec_driver_sql(f"BEGIN {mode}")

    return engine


#: Execution option naming how a SQLite transaction begins (``IMMEDIATE`` or ``DEFERRED``).
_SQLITE_BEGIN = "omradesbild_sqlite_begin"


def read_only(engine: Engine) -> Engine:
    """The same engine (same pool) for transactions that only read.

    On SQLite they begin ``DEFERRED``: no write lock is taken, so reads run beside a writer's
    open transaction. A write in such a transaction may fail with "database is locked"
    when another writer got there first: write with the engine itself. On PostgreSQL this
    is the engine unchanged (reads never wait for writers there).
    """
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{_SQLITE_BEGIN: "DEFERRED"})


#: Folder of the Alembic migrations (shipped with the package; no alembic.ini needed).
MIGRATIONS = Path(__file__).parent / "migrations"

#: The first revision: the schema that ``create_all`` made before there were migrations.
BASELINE_REVISION = "0001"

#: The tables of the baseline revision.
BASELINE_TABLES = frozenset(
    {
        "organisations",
        "users",
        "sessions",
        "submissions",
        "submission_areas",
        "submission_versions",
        "audit_log",
        "interventions",
        "intervention_areas",
        "intervention_organisations",
        "intervention_goals",
        "login_attempts",
    }
)

# Any constant: PostgreSQL's advisory lock that serialises migrations of concurrent starts.
_PG_MIGRATION_LOCK = 0x6F6D7261


def migration_config(connection: Connection | None = None) -> Config:
    """The Alembic configuration of the partners' database, built in code.

    Parameters
    ----------
    connection
        An open connection the migrations run on (``env.py`` reads it from
        ``config.attributes["connection"]``).
    """
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def schema_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at (None: not under migrations, or empty)."""
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def init_db(engine: Engine) -> None:
    """Bring the database to the latest schema.

    A new, empty database (no revision and none of the models' tables) is created from the
    models with ``create_all`` and stamped with the head revision, in one transaction: the
    way Alembic's cookbook builds an up-to-date database from scratch ("Building an Up to
    Date Database from Scratch",
    https://alembic.sqlalchemy.org/en/latest/cookbook.html#building-an-up-to-date-database-from-scratch),
    several times cheaper than running every revision. The tests check that the models and
    the chain of revisions give the same schema. A database with a revision is upgraded to
    head by the migrations; one made before migrations existed (the baseline tables but no
    revision) is stamped with the baseline revision first, then upgraded. Idempotent;
    concurrent starts on PostgreSQL wait for each other.

    Raises
    ------
    StoreError
        If the database cannot be reached or written, or holds only part of the baseline
        tables without a recorded revision.
    """
    url = engine.url.render_as_string(hide_password=True)
    try:
        with _migrating(engine) as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            _to_head(conn, url)
    except SQLAlchemyError as exc:
        raise StoreError(both("err_web_db_upgrade", url=url, error=str(exc))) from exc


def _to_head(conn: Connection, url: str) -> None:
    """Create (empty database), or stamp and upgrade, the schema on ``conn`` (see init_db)."""
    from alembic import command
    from alembic.migration import MigrationContext

    from omradesbild.partners.models import Base

    cfg = migration_config(conn)
    if MigrationContext.configure(conn).get_current_revision() is None:
        tables = set(inspect(conn).get_table_names())
        if not tables & set(Base.metadata.tables):
            Base.metadata.create_all(conn)
            command.stamp(cfg, "head")
            return
        present = BASELINE_TABLES & tables
        if present == BASELINE_TABLES:
            command.stamp(cfg, BASELINE_REVISION)
        elif present:
            raise StoreError(both("err_web_db_partial", url=url, tables=", ".join(sorted(present))))
    command.upgrade(cfg, "head")


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction for schema changes.

    On SQLite, foreign keys are off during the transaction (a migration that copies a table
    drops the old one, which with foreign keys on would delete or refuse the rows that
    point at it) and checked before the commit; the switch works only outside a
    transaction, hence on the driver's connection before ``BEGIN``.
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                yield conn
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise StoreError(
                            both("err_web_db_broken_rows", url=str(engine.url), rows=broken[:5])
                        )
        finally:
            if sqlite:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def drop_db(engine: Engine) -> None:
    """Drop every table of the partners' database and its revision table (tests, resets).

    Runs the migrations down to the empty schema, then drops what is left of the tables the
    models know (e.g. of a database made before migrations) and the revision table.
    """
    from alembic import command

    from omradesbild.partners.models import Base

    with _migrating(engine) as conn:
        command.downgrade(migration_config(conn), "base")
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits at the end of the block, or rolls back on an exception."""
    with factory() as session, session.begin():
        yield session
