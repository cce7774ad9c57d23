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
from omradesbild.wording import Message, both


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite:///`` URL (a :class:`ConfigError` for any other database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise ConfigError(both("err_web_backup_not_sqlite", backend=parsed.get_backend_name()))
    if not parsed.database or parsed.database == ":memory:":
        raise ConfigError(both("err_web_backup_in_memory"))
    return Path(parsed.database)


def _check(con: sqlite3.Connection, what: str) -> str:
    """The schema revision of a partners' database, after an integrity check."""
    try:
        ok = con.execute("PRAGMA integrity_check").fetchone()
        revision = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise InputError(Message("err_web_not_partners_db", error=str(exc)), file=what,
                         expected=Message("exp_web_backup_made_by")) from exc  # fmt: skip
    if not ok or ok[0] != "ok":
        raise InputError(Message("err_web_integrity_failed", result=str(ok)), file=what,
                         expected=Message("exp_web_undamaged"))  # fmt: skip
    if not revision:
        raise InputError(Message("err_web_no_revision"), file=what,
                         expected=Message("exp_web_backup_made_by"))  # fmt: skip
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
        raise StoreError(both("err_web_no_partners_db", path=str(source)))
    if target.exists() and not overwrite:
        raise StoreError(both("err_web_file_exists", path=str(target)))
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
        raise InputError(Message("err_web_no_such_file"), file=source,
                         expected=Message("exp_web_backup_file"))  # fmt: skip
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
