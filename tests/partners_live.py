"""A real ``omradesbild serve`` process on a partners' database, for the durability and
concurrency tests: writers with sessions made directly in the database (no password
hashing), a free loopback port, start, kill -9 and restart."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from conftest import free_port
from omradesbild.partners import security
from omradesbild.partners.db import init_db, make_engine, session_factory
from omradesbild.partners.models import Organisation, Role, User

SECRET = "live-test-secret"
COOKIE = "omradesbild_session"


@dataclass(frozen=True)
class Writer:
    """A logged-in contributor: the session cookie and its CSRF token."""

    user_id: int
    token: str
    csrf: str

    def client(self, base: str, *, timeout: float = 10.0) -> httpx.Client:
        return httpx.Client(
            base_url=base,
            cookies={COOKIE: self.token},
            headers={"X-CSRF-Token": self.csrf},
            timeout=timeout,
            verify=False,  # plain HTTP on loopback: no certificates to load per client
        )


def seed_users(engine: Engine, n: int, *, role: Role = Role.CONTRIBUTOR) -> list[Writer]:
    """``n`` users of ``role`` with a login session each (schema created first)."""
    init_db(engine)
    out: list[Writer] = []
    with session_factory(engine).begin() as db:
        org = Organisation(name=f"Org {role.value}", kind="other")
        db.add(org)
        db.flush()
        for i in range(n):
            user = User(email=f"{role.value}{i}@x.se", name=f"{role.value} {i}",
                        password_hash="not-a-hash", role=role.value,
                        organisation_id=org.id, active=True)  # fmt: skip
            db.add(user)
            db.flush()
            token = security.create_session(db, user)
            out.append(Writer(user.id, token, security.csrf_token(SECRET, token)))
    return out


def sqlite_url(folder: Path) -> str:
    """The URL of a partners' SQLite database in ``folder``."""
    return f"sqlite:///{folder / 'partners.sqlite'}"


def migrated_sqlite(folder: Path) -> Path:
    """A new partners' SQLite database in ``folder`` at the latest revision (``init_db``),
    closed: made once, it is copied for each test (:func:`copy_sqlite`) instead of making a
    database again each time."""
    path = folder / "partners.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    init_db(engine)
    engine.dispose()
    return path


def copy_sqlite(template: Path, folder: Path) -> str:
    """A copy in ``folder`` of the closed SQLite database ``template`` (with its write-ahead
    log, if one is left): the copy's URL."""
    target = folder / template.name
    for suffix in ("", "-wal", "-shm"):
        src = template.with_name(template.name + suffix)
        if src.exists():
            shutil.copyfile(src, target.with_name(target.name + suffix))
    return f"sqlite:///{target}"


def web_app(folder: Path, partners_url: str) -> Any:
    """The web app on an empty store in ``folder`` and the partners' database at the URL."""
    from omradesbild.store import Store
    from omradesbild.web.app import create_app
    from omradesbild.web.settings import WebSettings

    store = folder / "store.duckdb"
    Store(store).close()
    settings = WebSettings(store_path=store, partners_url=partners_url, secret_key=SECRET)
    return create_app(settings, warm=False)


@contextmanager
def started_app(folder: Path, *roles: Role) -> Iterator[tuple[Any, Engine, list[Writer]]]:
    """The web app, started, on a new SQLite partners' database in ``folder`` with one
    logged-in user of each of ``roles`` (in that order; users of one role share an
    organisation). Yields the app, the database's engine and the users."""
    from collections import Counter

    from fastapi.testclient import TestClient

    url = sqlite_url(folder)
    engine = make_engine(url)
    made = {role: iter(seed_users(engine, n, role=role)) for role, n in Counter(roles).items()}
    users = [next(made[role]) for role in roles]
    app = web_app(folder, url)
    try:
        with TestClient(app):  # start-up: the partners' engine
            yield app, engine, users
    finally:
        engine.dispose()


def client_as(app: Any, who: Writer) -> Any:
    """A test client of ``app`` logged in as ``who`` (session cookie and CSRF header)."""
    from fastapi.testclient import TestClient

    c = TestClient(app)
    c.cookies.set(COOKIE, who.token)
    c.headers["X-CSRF-Token"] = who.csrf
    return c


class Server:
    """``omradesbild serve`` in a subprocess (a new process group, killed with SIGKILL)."""

    def __init__(self, store: Path, partners_url: str, log: Path) -> None:
        self.store = store
        self.partners_url = partners_url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        env = {**os.environ, "OMRADESBILD_SECRET_KEY": SECRET,
               "OMRADESBILD_PARTNERS_URL": self.partners_url}  # fmt: skip
        cmd = [sys.executable, "-m", "omradesbild.cli.main", "serve", "--db", str(self.store),
               "--port", str(self.port)]  # fmt: skip
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        # one client for every try (no certificates loaded per try: the server starting on
        # the same cores is not slowed, and its readiness is seen as soon as it answers)
        with httpx.Client(base_url=self.base, timeout=1.0, verify=False) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the server stopped: {self.log.read_text()[-2000:]}")
                try:
                    if client.get("/api/me").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
        raise RuntimeError(f"the server did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL (kill -9) the server: no shutdown, no cleanup."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def fresh_postgres() -> Iterator[Engine]:
    """An engine on a new, empty PostgreSQL database of its own (dropped afterwards).

    The server is the one of ``OMRADESBILD_TEST_POSTGRES_URL`` (its role needs CREATEDB); a
    database of its own keeps these tests apart from others running at the same time. Skips
    without a configured server, or fails with ``OMRADESBILD_REQUIRE_POSTGRES=1``.
    """
    from conftest import postgres_unreachable, postgres_url

    url = postgres_url()
    admin = make_engine(url)
    try:
        with admin.connect():
            pass
    except Exception as exc:
        admin.dispose()
        postgres_unreachable(url, exc)
    name = f"omradesbild_t_{uuid.uuid4().hex[:12]}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(url).set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def partners_engine(kind: str, folder: Path) -> Iterator[Engine]:
    """An empty partners' database: ``"sqlite"`` in ``folder`` or a fresh ``"postgresql"``."""
    if kind == "postgresql":
        with fresh_postgres() as eng:
            yield eng
        return
    eng = make_engine(sqlite_url(folder))
    try:
        yield eng
    finally:
        eng.dispose()
