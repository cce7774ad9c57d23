"""A real ``omradesbild serve`` process on a partners' database, for the durability and
concurrency tests: writers with sessions made directly in the database (no password
hashing), a free loopback port, start, kill -9 and restart."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
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


#: The program of a :class:`Launcher`: import what ``omradesbild serve`` imports, then for
#: each line read (JSON: arguments, environment, log file) fork a process that runs the
#: command line's ``main`` with those arguments in a session of its own, and write its id;
#: write the id and status of each child that ends.
_LAUNCHER = r"""
import json, os, selectors, signal, sys
import omradesbild.cli.main, omradesbild.web.app, uvicorn, fastapi, pydantic_settings
import omradesbild.web.routes, omradesbild.web.routes_admin, omradesbild.web.routes_goals
import omradesbild.web.routes_partners, omradesbild.partners.db

wake_r, wake_w = os.pipe()
os.set_blocking(wake_w, False)
signal.set_wakeup_fd(wake_w)
signal.signal(signal.SIGCHLD, lambda *_: None)
sel = selectors.DefaultSelector()
sel.register(sys.stdin, selectors.EVENT_READ)
sel.register(wake_r, selectors.EVENT_READ)
out = os.fdopen(os.dup(1), "w", buffering=1)
while True:
    for key, _ in sel.select():
        if key.fileobj is sys.stdin:
            line = sys.stdin.readline()
            if not line:
                sys.exit(0)
            req = json.loads(line)
            pid = os.fork()
            if pid == 0:
                os.setsid()
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                log = os.open(req["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
                devnull = os.open(os.devnull, os.O_RDONLY)
                os.dup2(devnull, 0), os.dup2(log, 1), os.dup2(log, 2)
                for fd in (log, devnull, wake_r, wake_w, out.fileno()):
                    os.close(fd)
                os.environ.update(req["env"])
                sys.argv = ["omradesbild", *req["args"]]
                code = 0
                try:
                    omradesbild.cli.main.main()
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 1
                except BaseException:
                    import traceback
                    traceback.print_exc()
                    code = 1
                import atexit
                atexit._run_exitfuncs()
                sys.stdout.flush(), sys.stderr.flush()
                os._exit(code)
            out.write(f"pid {pid}\n")
        else:
            os.read(wake_r, 4096)
            while True:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                out.write(f"exit {pid} {os.waitstatus_to_exitcode(status)}\n")
"""


class Launcher:
    """A process that has imported what ``omradesbild serve`` imports and forks a server
    on demand: each server is a process of its own, run by the command line's ``main``
    with the arguments given, but without importing its modules again (about two thirds of
    a server's start). Servers it started are its children: their CPU time is counted with
    it, which is waited for on :meth:`close`."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, bufsize=1,
        )  # fmt: skip
        self._lock = threading.Lock()
        self._pids: queue.Queue[int] = queue.Queue()
        self._ended: dict[int, threading.Event] = {}
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            what, pid, *_ = line.split()
            if what == "pid":
                self._pids.put(int(pid))
            else:
                self._ended_event(int(pid)).set()

    def _ended_event(self, pid: int) -> threading.Event:
        with self._lock:
            return self._ended.setdefault(pid, threading.Event())

    def start(self, args: list[str], env: dict[str, str], log: Path) -> int:
        """Fork a process running ``omradesbild <args>``: its id."""
        assert self.proc.stdin is not None
        with self._lock:
            self.proc.stdin.write(json.dumps({"args": args, "env": env, "log": str(log)}))
            self.proc.stdin.write("\n")
            self.proc.stdin.flush()
        pid = self._pids.get(timeout=60)
        self._ended_event(pid)
        return pid

    def ended(self, pid: int) -> bool:
        return self._ended_event(pid).is_set() or self.proc.poll() is not None

    def wait(self, pid: int, timeout: float) -> None:
        if not self._ended_event(pid).wait(timeout):
            raise subprocess.TimeoutExpired(f"omradesbild serve ({pid})", timeout)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self._reader.join(timeout=5)


class Server:
    """``omradesbild serve`` in a process of its own (a new process group, killed with
    SIGKILL), forked by ``launcher`` (or, without one, started as a new program)."""

    def __init__(
        self, store: Path, partners_url: str, log: Path, launcher: Launcher | None = None
    ) -> None:
        self.store = store
        self.partners_url = partners_url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.launcher = launcher
        self.proc: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None

    def _running(self) -> bool:
        if self.launcher is not None:
            return self.pid is not None and not self.launcher.ended(self.pid)
        return self.proc is not None and self.proc.poll() is None

    def _wait(self, timeout: float) -> None:
        if self.launcher is not None:
            assert self.pid is not None
            self.launcher.wait(self.pid, timeout)
        elif self.proc is not None:
            self.proc.wait(timeout=timeout)

    def start(self, timeout: float = 60.0) -> None:
        env = {"OMRADESBILD_SECRET_KEY": SECRET, "OMRADESBILD_PARTNERS_URL": self.partners_url}
        args = ["serve", "--db", str(self.store), "--port", str(self.port)]
        if self.launcher is not None:
            self.pid = self.launcher.start(args, env, self.log)
        else:
            with self.log.open("ab") as out:
                self.proc = subprocess.Popen(
                    [sys.executable, "-m", "omradesbild.cli.main", *args],
                    env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            self.pid = self.proc.pid
        deadline = time.monotonic() + timeout
        # one client for every try (no certificates loaded per try: the server starting on
        # the same cores is not slowed, and its readiness is seen as soon as it answers)
        with httpx.Client(base_url=self.base, timeout=1.0, verify=False) as client:
            while time.monotonic() < deadline:
                if not self._running():
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
        if self.pid is not None and self._running():
            os.killpg(self.pid, signal.SIGKILL)
            self._wait(30)

    def stop(self) -> None:
        if self.pid is not None and self._running():
            os.killpg(self.pid, signal.SIGTERM)
            try:
                self._wait(15)
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
