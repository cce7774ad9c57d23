"""``omradesbild partners backup/restore`` (SQLite) and ``partners reset-link``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")

from sqlalchemy import text
from typer.testing import CliRunner

from omradesbild.cli.main import app
from omradesbild.partners.db import make_engine
from partners_live import seed_users


def _titles(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT name FROM organisations ORDER BY id")).scalars())
    finally:
        engine.dispose()


def _add(url: str, name: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisations (name, kind, synthetic, created_at) "
                          "VALUES (:n, 'other', false, '2026-01-01')"), {"n": name})  # fmt: skip
    engine.dispose()


def test_backup_then_restore_brings_back_the_content(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'partners.sqlite'}"
    engine = make_engine(url)
    seed_users(engine, 2)
    engine.dispose()
    _add(url, "Före backupen")
    copy = tmp_path / "backup.sqlite"
    run = CliRunner().invoke(app, ["partners", "backup", str(copy), "--partners-url", url])
    assert run.exit_code == 0, run.output
    assert copy.is_file() and "schema" in run.output
    again = CliRunner().invoke(app, ["partners", "backup", str(copy), "--partners-url", url])
    assert again.exit_code != 0  # never overwrites a file
    _add(url, "Efter backupen")
    assert _titles(url)[-1] == "Efter backupen"
    run = CliRunner().invoke(app, ["partners", "restore", str(copy), "--partners-url", url])
    assert run.exit_code == 0, run.output
    assert _titles(url)[-1] == "Före backupen"
    kept = re.search(r"kept in (\S+)\)", run.output)
    assert kept and _titles(f"sqlite:///{kept.group(1)}")[-1] == "Efter backupen"


def test_restore_refuses_a_file_that_is_no_backup(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'partners.sqlite'}"
    engine = make_engine(url)
    seed_users(engine, 1)
    engine.dispose()
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    run = CliRunner().invoke(app, ["partners", "restore", str(junk), "--partners-url", url])
    assert run.exit_code != 0
    assert len(_titles(url)) == 1  # unchanged


def test_postgresql_points_to_pg_dump(tmp_path: Path) -> None:
    url = "postgresql+psycopg://u:p@127.0.0.1:1/db"
    run = CliRunner().invoke(
        app, ["partners", "backup", str(tmp_path / "b"), "--partners-url", url]
    )
    assert run.exit_code != 0 and "pg_dump" in str(run.exception)


def test_reset_link_is_printed_for_a_user(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'partners.sqlite'}"
    engine = make_engine(url)
    seed_users(engine, 1)
    engine.dispose()
    args = ["partners", "reset-link", "Contributor0@x.se", "--partners-url", url,
            "--base-url", "https://omradesbild.example/"]  # fmt: skip
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 0, run.output
    assert re.search(r"https://omradesbild\.example/losenord/aterstall\?token=\S{40,}", run.output)
    missing = CliRunner().invoke(app, [*args[:2], "nobody@x.se", *args[3:]])
    assert missing.exit_code != 0
