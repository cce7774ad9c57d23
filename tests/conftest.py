"""Shared fixtures: the real data folder, and a fresh store."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import pandas as pd
import pytest
from hypothesis import settings

if TYPE_CHECKING:
    from omradesbild.store import Store

REPO = Path(__file__).resolve().parents[1]

#: Tests keep nothing between commands on disk (not in the user's cache folder either): a
#: result kept by one test must not decide what another computes. The tests of that cache
#: set the folder themselves.
os.environ["OMRADESBILD_CACHE_DIR"] = "off"

#: Hypothesis's examples have no time limit: its default deadline (200 ms an example) is a
#: wall-clock assertion that fails on a busy machine.
settings.register_profile("omradesbild", deadline=None)
settings.load_profile("omradesbild")

T = TypeVar("T")

#: The product's password hasher and its hash for unknown e-mail addresses, as
#: ``omradesbild.partners.security`` made them (None without the ``[web]`` extra).
PRODUCT_HASHING: tuple[Any, str] | None = None


@pytest.fixture(scope="session", autouse=True)
def _quick_password_hashing() -> Iterator[None]:
    """Hash and verify passwords with Argon2id at its least cost in every test.

    The product's parameters (argon2-cffi's defaults) take about 0.25 s of CPU a hash or a
    login; the suite logs in and seeds accounts hundreds of times, and what those tests check
    (roles, throttling, sessions, pages) does not depend on the cost of a hash. The unknown
    address's hash is made with the same quick parameters, so that a login with an unknown
    address is verified as before. ``tests/test_partners_security.py`` checks the product's
    own parameters (:data:`PRODUCT_HASHING`, fixture ``product_password_hashing``).
    """
    global PRODUCT_HASHING
    try:
        from argon2 import PasswordHasher

        from omradesbild.partners import security
    except ImportError:  # no [web] extra: no accounts to log in to
        yield
        return
    PRODUCT_HASHING = (security._HASHER, security._DUMMY_HASH)
    quick = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(security, "_HASHER", quick)
        mp.setattr(security, "_DUMMY_HASH", quick.hash("not a real password"))
        yield


@pytest.fixture()
def product_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The product's own password hasher for this test (not :func:`_quick_password_hashing`'s)."""
    from omradesbild.partners import security

    assert PRODUCT_HASHING is not None
    monkeypatch.setattr(security, "_HASHER", PRODUCT_HASHING[0])
    monkeypatch.setattr(security, "_DUMMY_HASH", PRODUCT_HASHING[1])


#: The test modules that take longest (their set-up included), slowest first. ``make test``
#: runs ``pytest -n auto --dist loadscope --no-loadscope-reorder``: each worker takes whole
#: modules in collection order, so these go first and the short modules fill in at the end
#: (by default xdist would order modules by their number of tests, leaving a long module with
#: few tests to run alone at the end). The first three need different stores (the real one,
#: the facts' own, the synthetic city), so the workers do not wait on each other's build. A
#: module missing here only runs later; no test depends on the order.
SLOW_FIRST = (
    "test_reports_realdata.py",
    "test_real_facts.py",
    "test_reports_browser.py",
    "test_web_roles.py",
    "test_demo.py",
    "test_profile_consistency.py",
    "test_city_scope_realdata.py",
    "test_reports_site.py",
    "test_cli_followup.py",
    "test_area_names.py",
    "test_web_explore.py",
    "test_web_security_guards.py",
    "test_cli_harmonize.py",
    "test_police_list_wording.py",
    "test_partners_durability.py",
    "test_standins.py",
    "test_reports_disclosure.py",
    "test_indicators_compute.py",
    "test_reports_exports.py",
    "test_crime.py",
    "test_index_realdata.py",
    "test_followup_police_links.py",
    "test_store.py",
    "test_partners_service.py",
    "test_synthetic.py",
    "test_services_area.py",
    "test_reports_partners.py",
    "test_scb_csv.py",
    "test_realdata_ingest.py",
    "test_web_browser.py",
)


#: Modules that run in one worker, one after the other in the order given, as one unit of
#: ``--dist loadscope`` (at the place of the first of them in :data:`SLOW_FIRST`; the module
#: that ingests into the store again comes last). They read the real store; a
#: level's indicators computed from it are kept in memory per store content
#: (:mod:`omradesbild.services.cache`), so the modules after the first find them computed,
#: where on two workers each worker would compute them again.
SAME_WORKER: dict[str, tuple[str, ...]] = {
    "real store": (
        "test_reports_realdata.py",
        "test_profile_consistency.py",
        "test_city_scope_realdata.py",
        "test_index_realdata.py",
        "test_cli_harmonize.py",
        "test_index_official_realdata.py",
        # These use the synthetic city's store too, which the other worker builds meanwhile.
        "test_reference.py",
        "test_area_names.py",
        "test_cli_followup.py",
        "test_realdata_ingest.py",
    ),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the modules of :data:`SLOW_FIRST` first, in that order (a stable sort); a group
    of :data:`SAME_WORKER` goes at the place of its first module, in its own order."""
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    for modules in SAME_WORKER.values():
        first = min(rank.get(name, len(rank)) for name in modules)
        rank.update({name: first + i / len(modules) for i, name in enumerate(modules)})
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than the cores this process may run on. A good part of
    the suite waits rather than computes (browsers, servers started in their own process,
    PostgreSQL, files): with one worker a core, a core stands idle while its worker waits.
    On two cores (``make test``'s pytest, mypy beside it) three workers took 7 min 22 s and
    8 min 12 s on two fresh clones and 7 min 49 s run again in one, two workers 8 min 25 s."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) + 1


def pytest_configure(config: pytest.Config) -> None:
    """In xdist's controller, the test modules' asserts are rewritten once for every worker
    (:mod:`rewritten`)."""
    from rewritten import is_xdist_controller, rewrite_once

    if is_xdist_controller(config):
        rewrite_once(config, Path(__file__).parent)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadscope`` with the modules of each :data:`SAME_WORKER` group as one scope."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    group = {module: name for name, modules in SAME_WORKER.items() for module in modules}

    class GroupedScopes(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
            return group.get(module) or super()._split_scope(nodeid)

    return GroupedScopes(config, log)


def shared_data_dir() -> Path:
    """Where the real data lies: $OMRADESBILD_SHARED_DATA or ../shared/data."""
    env = os.environ.get("OMRADESBILD_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real SCB, police, city and crime files; skip (or fail in CI) when absent."""
    path = shared_data_dir()
    if not (path / "README.md").exists():
        if os.environ.get("OMRADESBILD_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(f"real data folder missing: {path} (set OMRADESBILD_SHARED_DATA)")
        pytest.skip(f"real data folder not found at {path}")
    return path


def run_cli(args: list[str]) -> None:
    """Run the command line in-process; fail the test if it exits non-zero."""
    from omradesbild.cli.main import main

    try:
        main(args)
    except SystemExit as exc:  # pragma: no cover - only on failure
        assert exc.code in (0, None), f"omradesbild {' '.join(args)} exited {exc.code}"


def ingest_commands(data: Path, db: Path) -> list[list[str]]:
    """The commands that ingest every real file in ``data`` into ``db``."""
    d = ["--db", str(db)]
    geo = [str(p) for p in sorted((data / "geo").iterdir())]
    tables = [str(p) for p in sorted((data / "scb/deso2018_tables_2022").glob("*.xlsx"))]
    crime = [str(p) for p in sorted((data / "crime").glob("*.csv"))]
    return [
        ["ingest", "scb-key", str(data / "scb/koppling-deso2018-regso2020.csv"), *d],
        ["ingest", "scb-xlsx", *tables, *d],
        ["ingest", "boundaries", *geo, *d],
        [
            "ingest",
            "police-areas",
            str(data / "police/uso_2023/uso_2023.shp"),
            "--year",
            "2023",
            *d,
        ],
        ["ingest", "police-list", str(data / "police/utsatta_omraden_2025_list.csv"), *d],
        ["ingest", "crime", *crime, *d],
        ["harmonize", "code-rule", *d],
    ]


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], Path]
) -> Path:
    """Build a file once per test run and give this process its own copy of it.

    ``build(folder)`` writes into an empty folder and returns the file to keep. Under
    pytest-xdist every worker would otherwise build the same store again; here the first
    worker builds it under a file lock in the run's shared temporary folder, and each worker
    copies the result, so tests that write to their store never see another worker's writes.
    """
    from filelock import FileLock

    own = tmp_path_factory.mktemp(name)
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return build(own)
    shared = tmp_path_factory.getbasetemp().parent / f"shared-{name}"
    with FileLock(f"{shared}.lock"):
        done = shared / "built.txt"
        if not done.exists():
            if shared.exists():
                shutil.rmtree(shared)
            shared.mkdir()
            made = build(shared)
            done.write_text(str(made.relative_to(shared)), encoding="utf-8")
    copy = own / "copy"
    shutil.copytree(shared, copy, ignore=shutil.ignore_patterns("built.txt"))
    return copy / done.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def real_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with every real file ingested through the command line (built once)."""

    def build(folder: Path) -> Path:
        db = folder / "real.duckdb"
        for cmd in ingest_commands(shared_data, db):
            run_cli(cmd)
        return db

    return built_once(tmp_path_factory, "real", build)


@pytest.fixture()
def rerun_ingest(shared_data: Path) -> Callable[[Path], None]:
    """Run every real ingest command again against a store."""

    def rerun(db: Path) -> None:
        for cmd in ingest_commands(shared_data, db):
            run_cli(cmd)

    return rerun


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_in_thread(app: Any, **config: Any) -> Iterator[str]:
    """Run an ASGI ``app`` under uvicorn on 127.0.0.1 in a thread; yield its base URL.

    ``config`` goes to :class:`uvicorn.Config`. The server is asked to stop on exit.
    """
    import threading
    import time

    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **config)
    )
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    t0 = time.monotonic()
    while not server.started:
        assert thread.is_alive(), "uvicorn exited at start-up"
        assert time.monotonic() - t0 < 30, "uvicorn did not start within 30 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def deso_change_links(
    pairs: list[tuple[str, str, float]], method: str = "scb_changes"
) -> pd.DataFrame:
    """Links DeSO 2018 -> DeSO 2025 (``from_code, to_code, weight`` per pair) in the store's
    link columns, as SCB's change log (``scb_changes``) or another ``method`` gives them."""
    from omradesbild.sources.base import LINK_COLUMNS

    return pd.DataFrame(
        {
            "from_code": [p[0] for p in pairs],
            "from_level": "deso",
            "from_version": "deso2018",
            "to_code": [p[1] for p in pairs],
            "to_level": "deso",
            "to_version": "deso2025",
            "weight": [p[2] for p in pairs],
            "method": method,
        }
    ).loc[:, list(LINK_COLUMNS)]


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)`` in a thread of its own.

    Playwright's sync API keeps an event loop running in the main thread of a worker that has
    used the session's browser, where ``asyncio.run`` would refuse to start.
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """Debian's Chromium (``$OMRADESBILD_CHROMIUM`` or on PATH)."""
    import shutil

    return os.environ.get("OMRADESBILD_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium driven by Playwright; skip (fail in CI) when it is not installed."""
    exe = chromium_path()
    if exe is None:
        if os.environ.get("OMRADESBILD_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium not found: install Debian's chromium (see .ci/run)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture()
def offline_page(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """A page whose requests may only go to file:// or loopback; others are recorded and
    refused, so a test can assert that no request left the machine
    (:func:`browser_helpers.offline_context`)."""
    from browser_helpers import offline_context

    context, outside = offline_context(browser)
    page = context.new_page()
    yield page, outside
    context.close()


CliRun = Callable[[list[str]], tuple[int, str, str]]


@pytest.fixture()
def cli(capsys: pytest.CaptureFixture[str]) -> CliRun:
    """Run the command line in-process as the installed entry point would.

    Returns ``(exit code, stdout, stderr)``.
    """

    def run(args: list[str]) -> tuple[int, str, str]:
        capsys.readouterr()
        code = _exit_code(args)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _exit_code(args: list[str]) -> int:
    """Run the command line in-process; its exit code."""
    from omradesbild.cli.main import main

    try:
        main(args)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def cli_output(args: list[str]) -> tuple[int, str, str]:
    """:func:`cli` where a test's ``capsys`` is not at hand (a module's or the session's
    fixture): ``(exit code, stdout, stderr)``, caught by redirecting the streams."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = _exit_code(args)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any attempt to open a network connection."""
    import socket

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"a test tried to open a network connection: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


#: What ``omradesbild demo`` printed while building :func:`demo_store`, beside the store.
DEMO_STDOUT = "demo-stdout.txt"


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic city's store, built once per test session (open it read-only).

    It is built by the ``demo`` command itself, so its folder also holds everything the
    command writes (source files, index and follow-up CSVs, the report site) and, in
    :data:`DEMO_STDOUT`, what it printed (``tests/test_demo.py`` checks those).
    """

    def build(folder: Path) -> Path:
        code, out, err = cli_output(["demo", "--out", str(folder)])
        assert code == 0, err
        (folder / DEMO_STDOUT).write_text(out, encoding="utf-8")
        return folder / "exempelstad.duckdb"

    return built_once(tmp_path_factory, "demo_store", build)


@pytest.fixture()
def store_copy(demo_store: Path, tmp_path: Path) -> Iterator[Store]:
    """A writable copy of the synthetic city's store, open."""
    from omradesbild.store import Store

    db = tmp_path / "copy.duckdb"
    shutil.copyfile(demo_store, db)
    with Store(db) as store:
        yield store


def postgres_url() -> str:
    """``OMRADESBILD_TEST_POSTGRES_URL``, else skip the test (fail it with
    ``OMRADESBILD_REQUIRE_POSTGRES=1``)."""
    url = os.environ.get("OMRADESBILD_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("OMRADESBILD_REQUIRE_POSTGRES") == "1":
            pytest.fail("OMRADESBILD_REQUIRE_POSTGRES=1 but OMRADESBILD_TEST_POSTGRES_URL is unset")
        pytest.skip("set OMRADESBILD_TEST_POSTGRES_URL to test on PostgreSQL")
    return url


def postgres_unreachable(url: str, exc: Exception) -> NoReturn:
    """Skip the test because PostgreSQL at ``url`` did not answer (fail it when required)."""
    if os.environ.get("OMRADESBILD_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL at {url} is not reachable: {exc}")
    pytest.skip(f"PostgreSQL not reachable: {exc}")


def postgres_test_engine() -> Any:
    """An emptied PostgreSQL engine for the partners' tests, else skip the test.

    The database is ``OMRADESBILD_TEST_POSTGRES_URL`` (see :func:`postgres_url`); under
    pytest-xdist each worker has a database of its own next to it.
    """
    from omradesbild.partners.db import drop_db, make_engine

    url = postgres_url()
    try:
        engine = make_engine(worker_database(url))
        with engine.connect():
            pass
    except Exception as exc:
        postgres_unreachable(url, exc)
    drop_db(engine)
    return engine


def worker_database(url: str) -> str:
    """``url`` itself, or under pytest-xdist a database of this worker's own next to it.

    Workers run at the same time; sharing one database, one worker's ``drop_db`` would empty
    the tables another worker's test is using.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return url
    import sqlalchemy as sa

    base = sa.make_url(url)
    name = f"{base.database}_{worker}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).scalar()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def jsonstat_dimension(label: str, labels: dict[str, str], **extra: Any) -> dict[str, Any]:
    """One JSON-stat2 dimension: the codes (keys of ``labels``) indexed in order, labelled.

    ``extra`` adds further category entries, e.g. ``unit``.
    """
    index = {c: i for i, c in enumerate(labels)}
    return {"label": label, "category": {"index": index, "label": labels, **extra}}


def jsonstat_dataset(
    label: str, dimensions: dict[str, Any], values: Any, **extra: Any
) -> dict[str, Any]:
    """A JSON-stat2 dataset as SCB sends it: Region (geo), ContentsCode (metric), Tid (time).

    ``dimensions`` are given in the dataset's order; ``extra`` adds top-level entries.
    """
    return {
        "version": "2.0",
        "class": "dataset",
        "label": label,
        "source": "SCB",
        "id": list(dimensions),
        "size": [len(d["category"]["index"]) for d in dimensions.values()],
        "role": {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["Region"]},
        "dimension": dimensions,
        "value": values,
        **extra,
    }


def page_text(markup: str) -> str:
    """Visible text of an HTML page, whitespace collapsed (scripts and styles dropped)."""
    import html
    import re

    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup))).strip()


def squeeze(s: str) -> str:
    """``s`` without any whitespace."""
    import re

    return re.sub(r"\s+", "", s)


def pdf_text(document: Any) -> str:
    """The text laid out on every page of a WeasyPrint document, whitespace collapsed."""
    import re

    from weasyprint.formatting_structure import boxes

    out: list[str] = []

    def walk(box: Any) -> None:
        if isinstance(box, boxes.TextBox):
            out.append(box.text)
        for child in getattr(box, "children", None) or ():
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return re.sub(r"\s+", " ", " ".join(out))


@pytest.fixture
def area_index_calls(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The calls of the police list's own index computation
    (``services.followup.police.area_index``), counted while the test runs (undone with
    ``monkeypatch.undo()``)."""
    from omradesbild.services.followup import police

    calls: list[Any] = []
    area_index = police.area_index

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return area_index(*args, **kwargs)

    monkeypatch.setattr(police, "area_index", counting)
    return calls
