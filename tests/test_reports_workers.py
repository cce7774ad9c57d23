"""The report site's profile pages written by several processes: the same files, byte for
byte, as in one process; the same errors; one process where fork is not to be had."""

from __future__ import annotations

import dataclasses
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from omradesbild.errors import ConfigError, NotFoundError, OmradesbildError
from omradesbild.reports import site_workers
from omradesbild.reports.site_workers import chunks, report_workers, write_pages
from omradesbild.wording import both

if TYPE_CHECKING:
    from conftest import CliRun
    from omradesbild.services.city import CityData

needs_fork = pytest.mark.skipif(site_workers.fork_context() is None, reason="no safe fork here")


class _Minute(datetime):
    """The clock of the pages' "generated" line, stopped: two builds a minute apart would
    differ there only."""

    @classmethod
    def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
        return datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _stopped_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("omradesbild.reports.site.datetime", _Minute)


@pytest.fixture(scope="module")
def city(demo_store: Path) -> CityData:
    """Every RegSO of the synthetic city (one kommun, with boundaries); the store is closed
    before any page is written, as the command closes it."""
    from omradesbild.services.city import load_city
    from omradesbild.store import Store

    with Store(demo_store, read_only=True) as store:
        return load_city(store, level="regso", draws=20)


@pytest.fixture(scope="module")
def sweden(tmp_path_factory: pytest.TempPathFactory) -> CityData:
    """Every RegSO of a small synthetic Sweden of three kommuner (no boundaries)."""
    from omradesbild.demo import ingest_sweden
    from omradesbild.services.city import load_city
    from omradesbild.store import Store
    from omradesbild.synthetic.national import generate_sweden
    from omradesbild.synthetic.national_files import write_sweden_files

    folder = tmp_path_factory.mktemp("sweden")
    files = write_sweden_files(
        generate_sweden(seed=11, years=range(2023, 2025), kommuner=3), folder / "files"
    )
    with Store(folder / "s.duckdb") as store:
        ingest_sweden(store, files, workers=1)
        return load_city(store, level="regso", draws=0)


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _build(data: CityData, out: Path, workers: int) -> tuple[dict[str, bytes], list[int]]:
    from omradesbild.reports.site import build_site

    ticks: list[int] = []
    res = build_site(data, out, workers=workers, progress=lambda done, total: ticks.append(done))
    assert res.profiles == [out / "profiles" / f"{c}.html" for c in data.profile_codes]
    return _files(out), ticks


@needs_fork
def test_two_workers_write_the_same_site_as_one(city: CityData, tmp_path: Path) -> None:
    one, ticks_one = _build(city, tmp_path / "one", 1)
    two, ticks_two = _build(city, tmp_path / "two", 2)
    assert len(one) == 45 + 7  # the profiles, the overview and the assets
    assert list(two) == list(one)
    assert [name for name in one if one[name] != two[name]] == []
    assert ticks_one == list(range(1, 46))
    # the first page here, then one tick a chunk, in order, up to every page
    assert ticks_two[0] == 1 and ticks_two[-1] == 45 and ticks_two == sorted(set(ticks_two))
    assert 2 < len(ticks_two) < 45


@needs_fork
def test_workers_write_the_same_site_for_several_kommuner(sweden: CityData, tmp_path: Path) -> None:
    assert sweden.areas["kommun_code"].nunique() == 3
    one, _ = _build(sweden, tmp_path / "one", 1)
    three, _ = _build(sweden, tmp_path / "three", 3)
    assert len(one) == len(sweden.profile_codes) + 6  # no boundaries: no geo.js
    assert [name for name in one if one.get(name) != three.get(name)] == []
    assert list(three) == list(one)


def _pid_pages(tmp_path: Path, workers: int, n: int = 40) -> dict[str, str]:
    codes = [f"A{i:03d}" for i in range(n)]
    tmp_path.mkdir(exist_ok=True)
    paths = write_pages(lambda code: f"{code} {os.getpid()}", codes, tmp_path, workers=workers)
    assert paths == [tmp_path / f"{c}.html" for c in codes]
    return dict(p.read_text(encoding="utf-8").split() for p in paths)


@needs_fork
def test_the_pages_after_the_first_are_written_by_the_workers(tmp_path: Path) -> None:
    pids = _pid_pages(tmp_path, workers=2)
    assert pids["A000"] == str(os.getpid())
    others = {pid for code, pid in pids.items() if code != "A000"}
    # the workers take the chunks as they come free: on a busy machine one may take them all
    assert others and str(os.getpid()) not in others
    assert len(others) <= 2  # no more processes than asked for


def test_without_fork_every_page_is_written_in_this_process(
    city: CityData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(site_workers, "fork_context", lambda: None)
    assert set(_pid_pages(tmp_path / "pids", workers=2).values()) == {str(os.getpid())}
    one, _ = _build(city, tmp_path / "one", 1)
    two, ticks = _build(city, tmp_path / "two", 2)
    assert one == two
    assert ticks == list(range(1, 46))  # one tick a page, as in one process


def test_fork_only_on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(site_workers.sys, "platform", "darwin")
    assert site_workers.fork_context() is None
    monkeypatch.setattr(site_workers.sys, "platform", "win32")
    assert site_workers.fork_context() is None


@pytest.mark.parametrize("workers", [1, 2])
def test_a_page_that_fails_fails_the_site_as_in_one_process(
    city: CityData, tmp_path: Path, workers: int
) -> None:
    from omradesbild.reports.site import build_site

    codes = [*city.profile_codes[:20], "0000R999", *city.profile_codes[20:]]
    with pytest.raises(NotFoundError) as caught:
        build_site(dataclasses.replace(city, profile_codes=codes), tmp_path, workers=workers)
    assert str(caught.value) == both(
        "err_svc_not_in_report", code="0000R999", level="regso", version="regso2020"
    )
    # the pages before it are written (with workers some after it may be too)
    assert all((tmp_path / "profiles" / f"{c}.html").exists() for c in codes[:20])


@needs_fork
def test_a_worker_that_dies_is_one_clear_error(tmp_path: Path) -> None:
    parent = os.getpid()

    def render(code: str) -> str:
        if os.getpid() != parent:
            os._exit(1)
        return code

    with pytest.raises(OmradesbildError) as caught:
        write_pages(render, ["A", "B", "C", "D"], tmp_path, workers=2)
    assert "--workers 1" in str(caught.value)
    assert "stopped without an answer" in str(caught.value)


class _StuckStream:
    """A stream whose lock another thread of the parent held at the fork: a write waits on it
    (and, after a few seconds, fails rather than hangs the test)."""

    def __init__(self) -> None:
        import threading

        self.lock = threading.Lock()

    def write(self, text: str) -> int:
        if not self.lock.acquire(timeout=5):
            raise RuntimeError("a write to a stream whose lock was taken at the fork")
        self.lock.release()
        return len(text)

    def flush(self) -> None:
        pass


@needs_fork
def test_a_worker_writes_to_stderr_although_the_parent_was_writing_at_the_fork(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    stuck = _StuckStream()
    monkeypatch.setattr(sys, "stderr", stuck)
    parent = os.getpid()

    def render(code: str) -> str:
        if os.getpid() != parent:
            print(f"a warning while drawing {code}", file=sys.stderr)
        return code

    with stuck.lock:  # as a progress bar's thread inside a write when the workers fork
        written = write_pages(render, ["A", "B", "C", "D"], tmp_path, workers=2)
    assert [p.read_text(encoding="utf-8") for p in written] == ["A", "B", "C", "D"]


def test_chunks_keep_the_order_and_split_evenly() -> None:
    codes = [str(i) for i in range(10)]
    assert chunks(codes, 4) == [["0", "1", "2"], ["3", "4", "5"], ["6", "7"], ["8", "9"]]
    assert chunks(codes[:2], 8) == [["0"], ["1"]]
    assert chunks([], 3) == []


def test_the_number_of_workers_comes_from_the_caller_the_environment_or_the_cpus(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from omradesbild.config import REPORT_POOL_MIN_PROFILES, REPORT_WORKERS_MAX

    monkeypatch.delenv("OMRADESBILD_REPORT_WORKERS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    assert report_workers(3, profiles=10) == 3  # given: even for a small site
    assert report_workers(profiles=REPORT_POOL_MIN_PROFILES - 1) == 1
    assert report_workers(profiles=REPORT_POOL_MIN_PROFILES) == REPORT_WORKERS_MAX
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert report_workers(profiles=3363) == 2
    monkeypatch.setenv("OMRADESBILD_REPORT_WORKERS", "1")
    assert report_workers(profiles=3363) == 1
    assert report_workers(2, profiles=3363) == 2
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("OMRADESBILD_REPORT_WORKERS", bad)
        with pytest.raises(ConfigError, match="OMRADESBILD_REPORT_WORKERS"):
            report_workers(profiles=10)
    with pytest.raises(ConfigError, match="at least 1"):
        report_workers(0, profiles=10)


@pytest.mark.parametrize("bad", ["0", "two"])
def test_the_command_rejects_a_bad_number_of_workers(
    cli: CliRun, demo_store: Path, tmp_path: Path, bad: str
) -> None:
    code, _, err = cli(
        ["report", "--db", str(demo_store), "--out", str(tmp_path), "--workers", bad]
    )
    assert code == 2
    assert "--workers" in err
    assert not (tmp_path / "index.html").exists()


@needs_fork
def test_the_command_writes_the_same_site_with_two_workers(
    cli: CliRun, demo_store: Path, tmp_path: Path
) -> None:
    args = ["report", "--db", str(demo_store), "--draws", "5", "--no-pdf", "-q"]
    sites = {}
    for workers in ("1", "2"):
        out = tmp_path / workers
        code, stdout, err = cli([*args, "--out", str(out), "--workers", workers])
        assert code == 0, err
        assert "45" in stdout
        sites[workers] = _files(out)
    assert sites["1"] == sites["2"]
