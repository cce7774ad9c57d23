"""Read scaling: reads take no write lock (SQLite WAL, deferred transactions) and only
changes to public content change the key of the anonymous pages' cache."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from omradesbild.partners import service
from omradesbild.partners.db import session_factory
from omradesbild.partners.models import Role
from omradesbild.web.entries import public_generation
from partners_live import COOKIE, partners_engine, seed_users, web_app


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty partners' database of each kind (PostgreSQL when configured)."""
    with partners_engine(request.param, tmp_path) as eng:
        yield eng


def _actor(user_id: int, role: Role) -> service.Actor:
    return service.Actor(user_id, role, role.value)


def test_only_changes_to_public_content_change_the_anonymous_cache_key(engine: Engine) -> None:
    author = _actor(seed_users(engine, 1)[0].user_id, Role.CONTRIBUTOR)
    analyst = _actor(seed_users(engine, 1, role=Role.ANALYST)[0].user_id, Role.ANALYST)
    admin = _actor(seed_users(engine, 1, role=Role.ADMIN)[0].user_id, Role.ADMIN)
    request: Any = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(
        partners_engine=engine)))  # fmt: skip
    factory = session_factory(engine)

    def key() -> Any:
        return public_generation(request, max_age=0)

    def change(fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        with factory.begin() as db:
            out: dict[str, Any] = fn(db, *args, **kwargs)
            return out

    start = key()
    fields = {"kind": "observation", "body": "text", "area_codes": ["A1"]}
    draft = change(service.create_submission, author, title="draft", visibility="public", **fields)
    change(service.update_submission, author, draft["id"], {"body": "private edit"})
    internal = change(service.create_submission, author, title="internal", submit=True,
                      visibility="internal", **fields)  # fmt: skip
    change(service.moderate_submission, analyst, internal["id"], decision="approve")
    change(service.update_submission, admin, internal["id"], {"body": "internal edit"})
    assert key() == start, "a private change emptied the anonymous pages' cache"

    public = change(service.create_submission, author, title="public", submit=True,
                    visibility="public", **fields)  # fmt: skip
    assert key() == start
    change(service.moderate_submission, analyst, public["id"], decision="approve")
    approved = key()
    assert approved != start
    change(service.update_submission, admin, public["id"], {"body": "public edit"})
    edited = key()
    assert edited != approved
    change(service.update_submission, admin, internal["id"], {"visibility": "public"})
    assert key() != edited
    shown = key()
    change(service.update_submission, author, public["id"], {"body": "back to moderation"})
    assert key() != shown  # the author's edit takes it off the public pages


READERS = 8


def test_reads_run_beside_a_writers_open_transaction(engine: Engine, tmp_path: Path) -> None:
    """Concurrent readers (logged in and anonymous) all answer while a writer holds its
    transaction open; on SQLite a read that took the write lock would wait for it."""
    reader = seed_users(engine, 1, role=Role.READER)[0]
    url = engine.url.render_as_string(hide_password=False)
    done: list[tuple[int, bool]] = []
    writer_open = threading.Event()
    lock = threading.Lock()

    def read(client: TestClient, i: int) -> None:
        path = "/api/submissions" if i % 2 else "/api/me"
        cookies = {COOKIE: reader.token} if i % 3 else {}
        client.cookies.clear()
        client.cookies.update(cookies)
        status = client.get(path).status_code
        with lock:
            done.append((status, writer_open.is_set()))

    with TestClient(web_app(tmp_path, url)) as client:
        client.get("/api/me")  # start-up done, pool warm
        with engine.connect() as writer:
            writer.begin()
            writer.execute(text("INSERT INTO organisations (name, kind, synthetic, created_at) "
                                "VALUES ('Pending', 'other', false, '2026-01-01')"))  # fmt: skip
            writer_open.set()
            threads = [
                threading.Thread(target=read, args=(TestClient(client.app), i), daemon=True)
                for i in range(READERS)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)  # a safety net only: a blocked read ends after the commit
            writer_open_during_reads = [open_ for _, open_ in done]
            writer.rollback()
        writer_open.clear()
        for t in threads:
            t.join(timeout=60)
    assert len(done) == READERS
    assert all(status == 200 for status, _ in done), done
    assert len(writer_open_during_reads) == READERS, "reads waited for the writer's commit"
