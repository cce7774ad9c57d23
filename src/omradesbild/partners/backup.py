"""Backup and restore of a SQLite partners' database (SQLite's online backup API).

:func:`backup` copies a consistent snapshot while the web app runs (readers and writers go
on; the copy holds every transaction committed when it ends) into a new file, written
beside it and renamed into place only when complete and checked. :func:`restore` copies a
backup back into the database through the same API (safe with the write-ahead log), after
keeping the database as it was in ``<file>.before-restore-<time>``, then upgrades the
schema if the backup is older. Stop the web app before a restore.

PostgreSQL has its own tools: ``pg_dump --format=custom`` and ``pg_restore --clean``
(``docs/security.md``).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from omradesbild.errors import ConfigError, InputError, StoreError

PG_HINT = (
    "back up PostgreSQL with pg_dump --format=custom --file=FILE DBNAME and restore it with "
    "pg_restore --clean --if-exists --dbname=DBNAME FILE (see docs/security.md)"
)


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite:///`` URL (a :class:`ConfigError` for any other database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise ConfigError(f"partners_url is a {parsed.get_backend_name()} database: {PG_HINT}")
    if not parsed.database or parsed.database == ":memory:":
        raise ConfigError("partners_url: an in-memory SQLite database has nothing to back up")
    return Path(parsed.database)


_MADE_BY = "a file made by 'omradesbild partners backup'"


def _check(con: sqlite3.Connection, what: str) -> str:
    """The schema revision of a partners' database, after an integrity check."""
    try:
        ok = con.execute("PRAGMA integrity_check").fetchone()
        revision = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{what}: not a partners' database ({exc})", expected=_MADE_BY) from exc
    if not ok or ok[0] != "ok":
        raise InputError(f"{what}: the integrity check failed: {ok}",
                         expected="an undamaged SQLite file")  # fmt: skip
    if not revision:
        raise InputError(f"{what}: no schema revision (alembic_version)", expected=_MADE_BY)
    return str(revision[0])


def backup(url: str, target: Path, *, overwrite: bool = False) -> str:
    """Copy the SQLite partners' database of ``url`` to ``target``; returns its revision.

    Raises
    ------
    ConfigError
        ``url`` is not a SQLite file (PostgreSQL: use ``pg_dump``).
    StoreError
        No database at ``url``, or ``target`` exists (without ``overwrite``).
    """
    source = sqlite_path(url)
    if not source.is_file():
        raise StoreError(f"{source}: no partners' database here")
    if target.exists() and not overwrite:
        raise StoreError(f"{target}: exists already; choose a new file name")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        revision = _check(dst, str(partial))
    finally:
        dst.close()
        src.close()
    partial.replace(target)
    return revision


def restore(url: str, source: Path) -> Path:
    """Replace the SQLite partners' database of ``url`` by the backup ``source``.

    The database as it was is kept first (the returned path); the schema is then upgraded
    to this version's latest revision. Stop the web app first.

    Raises
    ------
    ConfigError
        ``url`` is not a SQLite file (PostgreSQL: use ``pg_restore``).
    InputError
        ``source`` is not an undamaged partners' database.
    """
    from omradesbild.partners.db import init_db, make_engine

    target = sqlite_path(url)
    if not source.is_file():
        raise InputError(f"{source}: no such file", expected="a backup file")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        _check(src, str(source))
        kept = target.with_name(f"{target.name}.before-restore-{datetime.now(UTC):%Y%m%dT%H%M%S}")
        if target.exists():
            backup(f"sqlite:///{target}", kept)
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    engine = make_engine(f"sqlite:///{target}")
    try:
        init_db(engine)
    finally:
        engine.dispose()
    return kept
