"""Acknowledged means durable: a 2xx answer to a write is sent only after its commit, ids
are never handed out twice, and a server killed with SIGKILL while 40 clients write has
every acknowledged write stored, unchanged and exactly once (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("fastapi")

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from omradesbild.partners import service
from omradesbild.partners.db import init_db, make_engine, migration_config
from omradesbild.partners.models import Role
from partners_live import (
    Launcher,
    Server,
    fresh_postgres,
    partners_engine,
    seed_users,
    sqlite_url,
    web_app,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty partners' database of each kind (PostgreSQL when configured)."""
    with partners_engine(request.param, tmp_path) as eng:
        yield eng


@pytest.fixture(scope="module")
def launcher() -> Iterator[Launcher]:
    """One process that has imported the server's modules, forking each server of the
    module (four: started, killed with SIGKILL and started again, on each database)."""
    made = Launcher()
    try:
        yield made
    finally:
        made.close()


def _create(engine: Engine, author_id: int, title: str) -> int:
    from omradesbild.partners.db import session_factory

    with session_factory(engine).begin() as db:
        actor = service.Actor(author_id, Role.CONTRIBUTOR, "C")
        sub = service.create_submission(db, actor, kind="observation", title=title,
                                        body="text", area_codes=["A1"])  # fmt: skip
        return int(sub["id"])


_ROWS_OF_A_SUBMISSION = (
    ("audit_log", "object_id"),
    ("submission_versions", "submission_id"),
    ("submission_areas", "submission_id"),
    ("submissions", "id"),
)


def _delete(engine: Engine, submission_id: int) -> None:
    with engine.begin() as conn:
        for table, col in _ROWS_OF_A_SUBMISSION:
            value: Any = str(submission_id) if col == "object_id" else submission_id
            conn.execute(text(f"DELETE FROM {table} WHERE {col} = :v"), {"v": value})


def test_the_id_of_a_deleted_newest_row_is_not_given_again(engine: Engine) -> None:
    # The database is new: init_db (in seed_users) made it from the models and stamped it,
    # so this checks the AUTOINCREMENT of create_all; the chain's: the test below.
    writer = seed_users(engine, 1)[0]
    first = _create(engine, writer.user_id, "first")
    _delete(engine, first)
    second = _create(engine, writer.user_id, "second")
    assert second > first


def test_upgrade_of_an_existing_sqlite_database_keeps_rows_and_ids(tmp_path: Path) -> None:
    eng = make_engine(sqlite_url(tmp_path))
    with eng.begin() as conn:
        command.upgrade(migration_config(conn), "0001")
        conn.execute(text("INSERT INTO organisations (id, name, kind, synthetic, created_at) "
                          "VALUES (7, 'Org', 'other', 0, '2026-01-01')"))  # fmt: skip
        conn.execute(text("INSERT INTO users (id, email, name, password_hash, role, "
                          "organisation_id, active, created_at) VALUES (3, 'a@x.se', 'A', "
                          "'h', 'contributor', 7, 1, '2026-01-01')"))  # fmt: skip
    init_db(eng)
    first = _create(eng, 3, "kept")
    _delete(eng, first)
    assert _create(eng, 3, "after") > first
    with eng.connect() as conn:
        assert conn.execute(text("SELECT id, organisation_id FROM users")).all() == [(3, 7)]
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
    eng.dispose()


def test_a_write_is_acknowledged_only_after_its_commit(tmp_path: Path) -> None:
    """At the moment the 201 leaves the server, another connection sees the row."""
    url = sqlite_url(tmp_path)
    engine = make_engine(url)
    writer = seed_users(engine, 1)[0]
    app = web_app(tmp_path, url)
    seen: list[int] = []

    async def watching(scope: Any, receive: Any, send: Any) -> None:
        async def watched_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and scope["method"] == "POST":
                # Another connection, reading without a transaction: only committed rows.
                raw = engine.raw_connection()
                try:
                    cur = raw.cursor()
                    cur.execute("SELECT count(*) FROM submissions")
                    seen.append(int(cur.fetchone()[0]))
                finally:
                    raw.close()
            await send(message)

        await app(scope, receive, watched_send)

    with TestClient(watching) as client:  # type: ignore[arg-type]
        for i in range(3):
            r = client.post(
                "/api/submissions",
                cookies={"omradesbild_session": writer.token},
                headers={"X-CSRF-Token": writer.csrf},
                json={"kind": "observation", "title": f"t{i}", "body": "b", "area_codes": "A1"},
            )
            assert r.status_code == 201, r.text
    assert seen == [1, 2, 3]
    engine.dispose()


# -- kill -9 while 40 clients write -----------------------------------------------------
CLIENTS = 40
#: Acknowledged writes before the kill (not a fixed time: the same amount of writing on a
#: fast or a busy machine). All clients keep writing up to the kill, so some of their writes
#: are in flight then: sent, perhaps committed, not yet answered.
BEFORE_KILL = 3 * CLIENTS
#: Seconds a client waits before trying again while the server is down (it does not start
#: any sooner for 40 clients knocking every few milliseconds).
RETRY_S = 0.25


class _Load:
    """``CLIENTS`` threads writing new submissions until stopped; every attempt has its own
    text, so a write that was stored but never acknowledged is not sent again."""

    def __init__(self, base: str, writers: list[Any]) -> None:
        self.acked: list[tuple[int, str, str]] = []
        self.statuses: list[int] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._run = uuid.uuid4().hex[:8]
        self._base = base
        self._threads = [
            threading.Thread(target=self._client, args=(i, w), daemon=True)
            for i, w in enumerate(writers)
        ]
        for t in self._threads:
            t.start()

    def _client(self, i: int, writer: Any) -> None:
        with writer.client(self._base) as c:
            seq = 0
            while not self._stop.is_set():
                seq += 1
                title, body = f"w{i}-{seq}", f"{self._run} writer {i} attempt {seq}"
                try:
                    r = c.post("/api/submissions", json={"kind": "observation", "title": title,
                               "body": body, "area_codes": [f"A{i}"]})  # fmt: skip
                except httpx.HTTPError:
                    time.sleep(RETRY_S)  # killed or restarting: go on with a new text
                    continue
                with self._lock:
                    if r.status_code == 201:
                        self.acked.append((int(r.json()["id"]), title, body))
                    else:
                        self.statuses.append(r.status_code)

    def wait_for(self, n: int, timeout: float = 60.0) -> None:
        """Wait until ``n`` writes have been acknowledged in all."""
        deadline = time.monotonic() + timeout
        while len(self.acked) < n and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=30)


def _kill_while_writing(tmp_path: Path, url: str, engine: Engine, launcher: Launcher) -> None:
    """``CLIENTS`` clients write; after ``BEFORE_KILL`` answered writes the server is killed
    with SIGKILL and started again, and the clients go on until ``CLIENTS`` more writes are
    answered. Then every acknowledged write must be stored once, unchanged, under an id that
    was handed out once, and no write may have been refused."""
    from omradesbild.store import Store

    writers = seed_users(engine, CLIENTS)
    store = tmp_path / "store.duckdb"
    Store(store).close()
    server = Server(store, url, tmp_path / "server.log", launcher)
    server.start()
    load = _Load(server.base, writers)
    try:
        load.wait_for(BEFORE_KILL)
        server.kill()
        before_kill = len(load.acked)
        server.start()
        load.wait_for(before_kill + CLIENTS)
    finally:
        load.stop()
        server.stop()
    acked, statuses = load.acked, load.statuses
    assert before_kill > 0 and len(acked) > before_kill, (before_kill, len(acked))
    assert statuses == [], sorted(set(statuses))
    ids = [a[0] for a in acked]
    assert len(set(ids)) == len(ids), "an acknowledged id was given twice"
    with engine.connect() as conn:
        stored = {row.id: (row.title, row.body) for row in conn.execute(
            text("SELECT id, title, body FROM submissions"))}  # fmt: skip
        bodies = [b for _, b in stored.values()]
        versions = dict(conn.execute(text(
            "SELECT submission_id, count(*) FROM submission_versions GROUP BY submission_id")
        ).all())  # fmt: skip
    missing = [a for a in acked if a[0] not in stored]
    assert missing == [], f"{len(missing)} acknowledged writes are missing: {missing[:5]}"
    changed = [a for a in acked if stored[a[0]] != (a[1], a[2])]
    assert changed == [], f"acknowledged writes stored otherwise: {changed[:5]}"
    assert all(bodies.count(a[2]) == 1 for a in acked), "an acknowledged write is stored twice"
    assert all(versions.get(a[0]) == 1 for a in acked)


def test_kill_9_while_40_clients_write_loses_no_acknowledged_write_sqlite(
    tmp_path: Path, launcher: Launcher
) -> None:
    url = sqlite_url(tmp_path)
    engine = make_engine(url)
    try:
        _kill_while_writing(tmp_path, url, engine, launcher)
    finally:
        engine.dispose()


def test_kill_9_while_40_clients_write_loses_no_acknowledged_write_postgresql(
    tmp_path: Path, launcher: Launcher
) -> None:
    with fresh_postgres() as engine:
        url = engine.url.render_as_string(hide_password=False)
        _kill_while_writing(tmp_path, url, engine, launcher)
