"""Benchmark of the web app under mixed load: 20 readers and 5 writers at the same time.

Run: ``python -m benchmarks.bench_web_mixed`` (options ``--clients`` (readers),
``--writers``, ``--seconds``, ``--db``, ``--workers``, ``--think``, ``--writer-think``,
``--partners-url``; the shared ones in :mod:`benchmarks.web_common`). Builds the synthetic
city's store (or uses ``--db``) and a partners' database (SQLite in a temporary folder, or
``--partners-url``, e.g. PostgreSQL: it is emptied), with one login session per client made
directly in the database. Starts the app with uvicorn on a free loopback port, warms it,
then for ``--seconds`` runs at once:

- readers, half anonymous and half logged in, each request one of: an area page, the
  submissions API, the submissions page;
- writers: contributors who save private drafts, edit them and send some public ones to
  moderation, and one analyst who approves what is waiting (with the version read).

Every client waits ``--think`` seconds on average (exponential) between requests, a person
reading (default 1 s; writers ``--writer-think``, default the same); ``--think 0`` is the
closed loop that measures saturation (see :mod:`benchmarks.web_common`). Prints p50/p95/max
per kind of read (anonymous and logged in) and of write, each read's p95 and the p95 of all
reads with the target < 100 ms, the requests per second achieved and the machine's load.
Loopback only; httpx threads in this process.
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from collections import defaultdict
from typing import Any

import httpx

from benchmarks.web_common import (
    add_server_options,
    bench_store,
    figure,
    machine_watch,
    served,
    server_config,
    summary,
    think,
)

SECRET = "benchmark-secret"
COOKIE = "omradesbild_session"
#: Reads: name -> URL (``{code}``: a random area).
READS = {
    "area page": "/omrade/{code}",
    "api submissions": "/api/submissions?limit=20",
    "submissions page": "/bidrag",
}


def seed(url: str, *, readers: int, writers: int) -> dict[str, list[tuple[str, str]]]:
    """Users with a session each: ``{"reader": [(token, csrf)], "contributor": …,
    "analyst": …}`` (the partners' database emptied first)."""
    from omradesbild.partners import security
    from omradesbild.partners.db import drop_db, init_db, make_engine, session_factory
    from omradesbild.partners.models import Organisation, User

    engine = make_engine(url)
    drop_db(engine)
    init_db(engine)
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    counts = {"reader": readers, "contributor": max(0, writers - 1), "analyst": min(1, writers)}
    with session_factory(engine).begin() as db:
        org = Organisation(name="Benchmark", kind="other", synthetic=True)
        db.add(org)
        db.flush()
        for role, n in counts.items():
            for i in range(n):
                user = User(email=f"{role}{i}@bench.example", name=f"{role} {i}",
                            password_hash="-", role=role, organisation_id=org.id)  # fmt: skip
                db.add(user)
                db.flush()
                token = security.create_session(db, user)
                out[role].append((token, security.csrf_token(SECRET, token)))
    engine.dispose()
    return out


class Load:
    """Reader and writer threads recording (kind, seconds, ok) until the deadline."""

    def __init__(
        self, base: str, codes: list[str], deadline: float, *, think_s: float, writer_s: float
    ) -> None:
        self.base, self.codes, self.deadline = base, codes, deadline
        self.think_s, self.writer_s = think_s, writer_s
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.lock = threading.Lock()

    def _client(self, session: tuple[str, str] | None) -> httpx.Client:
        cookies = {COOKIE: session[0]} if session else {}
        headers = {"X-CSRF-Token": session[1]} if session else {}
        return httpx.Client(base_url=self.base, cookies=cookies, headers=headers, timeout=60)

    def _timed(
        self, kind: str, c: httpx.Client, method: str, url: str, **kwargs: Any
    ) -> httpx.Response | None:
        t = time.perf_counter()
        try:
            r: httpx.Response | None = c.request(method, url, **kwargs)
        except httpx.HTTPError:
            r = None
        dt = time.perf_counter() - t
        with self.lock:
            self.times[kind].append(dt)
            if r is None or r.status_code >= 400:
                self.errors[kind] += 1
        return r

    def reader(self, i: int, session: tuple[str, str] | None) -> None:
        rng = random.Random(i)
        who = "logged in" if session else "anonymous"
        with self._client(session) as c:
            think(rng, self.think_s)  # the readers do not all start at once
            while time.monotonic() < self.deadline:
                name = rng.choice(list(READS))
                url = READS[name].format(code=rng.choice(self.codes))
                accept = "application/json" if name.startswith("api") else "text/html"
                self._timed(f"read {name} ({who})", c, "GET", url, headers={"accept": accept})
                think(rng, self.think_s)

    def contributor(self, i: int, session: tuple[str, str]) -> None:
        rng = random.Random(100 + i)
        with self._client(session) as c:
            n = 0
            while time.monotonic() < self.deadline:
                n += 1
                public = n % 4 == 0
                body = {"kind": "observation", "title": f"Iakttagelse {i}-{n}",
                        "body": "Belysningen vid gångtunneln är trasig. " * 3,
                        "area_codes": [rng.choice(self.codes)], "submit": public,
                        "visibility": "public" if public else "internal"}  # fmt: skip
                r = self._timed("write draft/submit", c, "POST", "/api/submissions", json=body)
                think(rng, self.writer_s)
                if r is not None and r.status_code == 201 and not public:
                    sub = r.json()
                    patch = {"body": "Uppdaterad: lampan är lagad.", "version": sub["version"]}
                    url = f"/api/submissions/{sub['id']}"
                    self._timed("write edit", c, "PATCH", url, json=patch)
                    think(rng, self.writer_s)

    def analyst(self, session: tuple[str, str]) -> None:
        rng = random.Random(7)
        with self._client(session) as c:
            while time.monotonic() < self.deadline:
                r = c.get("/api/submissions?status=submitted&limit=20")
                waiting = r.json() if r.status_code == 200 else []
                for sub in waiting[:5]:
                    body = {"decision": "approve", "version": sub["version"]}
                    url = f"/api/submissions/{sub['id']}/moderate"
                    self._timed("write approve", c, "POST", url, json=body)
                    think(rng, self.writer_s)
                time.sleep(0.2)


def report(load: Load, seconds: float) -> float:
    print(f"{'':<40} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>7}")
    reads: list[float] = []
    p95s: dict[str, float] = {}
    for kind in sorted(load.times):
        n, p50, p95, mx, _ = summary(load.times[kind])
        if kind.startswith("read"):
            reads.extend(load.times[kind])
            p95s[kind] = p95
        print(f"{kind:<40} {n:>6} {p50 * 1e3:>8.1f} {p95 * 1e3:>8.1f} {mx * 1e3:>8.1f} "
              f"{load.errors[kind]:>7}")  # fmt: skip
    for kind, p95 in p95s.items():
        print(figure(f"{kind} p95", p95))
    n, _, p95, _, _ = summary(reads)
    writes = sum(len(v) for k, v in load.times.items() if not k.startswith("read"))
    print(f"throughput: {n / seconds:.1f} reads/s, {writes / seconds:.1f} writes/s")
    print(figure(f"all reads (n {n}) p95", p95))
    return p95


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_server_options(ap, think=1.0, store="the synthetic city")
    ap.add_argument("--writers", type=int, default=5)
    ap.add_argument("--writer-think", type=float, default=None,
                    help="Mean think time of the writers, seconds (default: --think)")  # fmt: skip
    ap.add_argument("--partners-url", help="Partners' database (emptied!); default SQLite")
    args = ap.parse_args(argv)
    writer_s = args.think if args.writer_think is None else args.writer_think
    with bench_store(args, demo=True) as (db, tmp):
        url = args.partners_url or f"sqlite:///{tmp / 'partners.sqlite'}"
        sessions = seed(url, readers=args.clients // 2, writers=args.writers)
        env = {"OMRADESBILD_PARTNERS_URL": url, "OMRADESBILD_SECRET_KEY": SECRET}
        with served(db, workers=args.workers, env=env) as (base, codes):
            for code in codes[:3]:
                httpx.get(f"{base}/omrade/{code}", timeout=300).raise_for_status()
            print(f"server: {server_config(args.workers)}")
            print(f"{len(codes)} RegSO; partners' database {url.split(':')[0]}; "
                  f"{args.clients} readers (half logged in, think time {args.think:g} s) and "
                  f"{args.writers} writers (think time {writer_s:g} s) for {args.seconds:g} s; "
                  "think times exponential around the mean, 0: closed loop")  # fmt: skip
            load = Load(base, codes, time.monotonic() + args.seconds,
                        think_s=args.think, writer_s=writer_s)  # fmt: skip
            threads = [
                threading.Thread(target=load.reader, args=(i, sessions["reader"][i // 2]
                                                           if i % 2 else None))
                for i in range(args.clients)
            ]  # fmt: skip
            threads += [threading.Thread(target=load.contributor, args=(i, s))
                        for i, s in enumerate(sessions["contributor"])]  # fmt: skip
            threads += [threading.Thread(target=load.analyst, args=(s,))
                        for s in sessions["analyst"]]  # fmt: skip
            with machine_watch():
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
            report(load, args.seconds)


if __name__ == "__main__":
    main()
