"""Engine and schema of the partners' database (SQLite or PostgreSQL).

``sqlite:///path/partners.sqlite`` gives a file with write-ahead logging, a busy timeout and
foreign keys on; every transaction starts with ``BEGIN IMMEDIATE`` so that concurrent
writers queue on the busy timeout instead of failing when a read lock cannot be upgraded.
``postgresql+psycopg://user:pw@host/db`` (psycopg 3; plain ``postgresql://`` is rewritten to
it) gives a pooled PostgreSQL engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from omradesbild.errors import ConfigError, StoreError
from omradesbild.partners.models import Base

#: Seconds a SQLite writer waits for the lock before giving up.
SQLITE_BUSY_TIMEOUT_S = 30.0


def default_partners_url(store_path: str | Path) -> str:
    """The default database: ``<store stem>-partners.sqlite`` beside the store file."""
    p = Path(store_path)
    return f"sqlite:///{p.with_name(p.stem + '-partners.sqlite')}"


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
        raise ConfigError(
            f"partners_url: cannot read {url!r} as a database URL "
            "(expected sqlite:///file.sqlite or postgresql+psycopg://user:pw@host/db)"
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed.render_as_string(hide_password=False), echo=echo)
    if backend == "postgresql":
        if parsed.drivername != "postgresql+psycopg":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, echo=echo, pool_pre_ping=True, pool_size=10)
    raise ConfigError(
        f"partners_url: database {backend!r} is not supported "
        "(expected sqlite:///file.sqlite or postgresql+psycopg://user:pw@host/db)"
    )


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
        con.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def init_db(engine: Engine) -> None:
    """Create the tables that do not exist yet (idempotent).

    Raises
    ------
    StoreError
        If the database cannot be reached or written.
    """
    try:
        Base.metadata.create_all(engine)
    except SQLAlchemyError as exc:
        url = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"{url}: cannot create the partners' tables: {exc}") from exc


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits at the end of the block, or rolls back on an exception."""
    with factory() as session, session.begin():
        yield session
