"""Files parsed by worker processes while the store is written: the same store, reports and
errors as parsing them one at a time, in the same order."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from omradesbild.demo import ingest_sweden
from omradesbild.errors import ConfigError, InputError
from omradesbild.sources.base import Observations
from omradesbild.sources.scb_xlsx import read_scb_xlsx
from omradesbild.store import Store
from omradesbild.store.ingest import (
    FLUSH,
    Source,
    ingest_files,
    ingest_parsed,
    ingest_stream,
    ingest_workers,
    parse_scb_xlsx,
    parsed_in_order,
)
from omradesbild.synthetic.national import generate_sweden
from omradesbild.synthetic.national_files import write_sweden_files

#: The observations of the small Sweden below (seed 11, 2023–2024, 3 kommuner) as the
#: ingest stored them before files were parsed in worker processes: sorted rows with the
#: file each came from, hashed.
PINNED_ROWS = 14383
PINNED_DIGEST = "ca56360746a7784ada670c4a2ab9509126bd5a8ace5e50a1e383abddd1cbb53d"


@pytest.fixture(scope="module")
def sweden_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    sweden = generate_sweden(seed=11, years=range(2023, 2025), kommuner=3)
    return write_sweden_files(sweden, tmp_path_factory.mktemp("sweden") / "files")


def _rows(store: Store) -> list[tuple[object, ...]]:
    return store.con.execute(
        """
        SELECT o.area_code, o.area_version, o.variable, o.period, o.revision, o.value,
               o.unit, o.missing_reason, s.reference
        FROM observations o JOIN sources s USING (source_id) ORDER BY ALL
        """
    ).fetchall()


def _log(store: Store) -> list[tuple[object, ...]]:
    """The ingest log in the order it was written (without the times)."""
    return store.con.execute(
        "SELECT source_id, kind, reference, rows_in, rows_new, rows_revised, rows_unchanged "
        "FROM ingest_log ORDER BY rowid"
    ).fetchall()


def test_the_store_is_the_pinned_one_for_any_number_of_workers(
    sweden_files: dict[str, Path], tmp_path: Path
) -> None:
    rows, logs, reports = {}, {}, {}
    for workers in (1, 2):
        with Store(tmp_path / f"s{workers}.duckdb") as store:
            reports[workers] = ingest_sweden(store, sweden_files, workers=workers)
            rows[workers], logs[workers] = _rows(store), _log(store)
    for workers in (1, 2):
        assert len(rows[workers]) == PINNED_ROWS
        assert hashlib.sha256(repr(rows[workers]).encode()).hexdigest() == PINNED_DIGEST
        observations = [r for r in reports[workers] if r.kind == "demo-observations"]
        assert sum(r.rows_new for r in observations) == PINNED_ROWS
    # files are written in the order they are listed: the same reports and log
    assert reports[1] == reports[2]
    assert logs[1] == logs[2]
    assert [row[2] for row in logs[2]] == [r.reference for r in reports[2] if r.changed]
    # a second run, with the other number of workers, changes nothing (on the store the
    # pool wrote, parsed here: the pool's start and parsing are checked by the run above)
    with Store(tmp_path / "s2.duckdb") as store:
        again = ingest_sweden(store, sweden_files, workers=1)
        assert _rows(store) == rows[2]
    assert [r.reference for r in again] == [r.reference for r in reports[2]]
    assert not any(r.rows_new or r.rows_revised for r in again)


def _areas(store: Store, files: dict[str, Path]) -> None:
    """SCB's two keys only."""
    from omradesbild.sources.deso2025 import read_deso2025_key
    from omradesbild.sources.scb_key import read_scb_key

    keys = [read_scb_key(files["scb/key"]), read_deso2025_key(files["scb/key2025"])]
    ingest_parsed(store, keys, kind="test-areas")


def _xlsx(sweden_files: dict[str, Path]) -> list[Path]:
    """The SCB xlsx files of DeSO 2018 (read without an area version)."""
    return [
        p
        for k, p in sorted(sweden_files.items())
        if k.startswith("scb/0") and not k.endswith("/deso2025")
    ]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_bad_file_fails_the_same_way_and_leaves_the_store_as_it_was(
    sweden_files: dict[str, Path], tmp_path: Path, workers: int
) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_text("area_code;value\n0114A0010;1\n", encoding="utf-8")
    paths = [*_xlsx(sweden_files)[:3], bad, *_xlsx(sweden_files)[3:6]]
    with Store(tmp_path / "s.duckdb") as store:
        _areas(store, sweden_files)
        before = store.con.execute("SELECT count(*) FROM observations").fetchone()
        with pytest.raises(InputError) as caught:
            ingest_files(store, paths, parse_scb_xlsx, kind="test", workers=workers)
        after = store.con.execute("SELECT count(*) FROM observations").fetchone()
    assert str(caught.value) == (
        f"{bad}: filen är text (t.ex. CSV), ingen xlsx-arbetsbok "
        "(väntat: en xlsx-export från SCB:s Statistikdatabasen (PX-Web)) / "
        "the file is text (e.g. CSV), not an xlsx workbook "
        "(expected an xlsx export from SCB Statistikdatabasen (PX-Web))"
    )
    assert caught.value.file == str(bad)
    assert before == after == (0,)


def test_a_failed_write_stops_the_workers_and_commits_the_earlier_chunks(
    sweden_files: dict[str, Path], tmp_path: Path
) -> None:
    """Files of an area version the store lacks: the first written file fails, and with
    one file per transaction nothing is written at all."""
    calls: list[Source] = [partial(read_scb_xlsx, p) for p in _xlsx(sweden_files)[:5]]
    with Store(tmp_path / "s.duckdb") as store:
        with pytest.raises(InputError, match="unknown area code"):
            ingest_stream(store, calls, kind="test", commit_rows=1, workers=2)
        assert store.con.execute("SELECT count(*) FROM observations").fetchone() == (0,)


def test_flush_lets_later_sources_see_what_was_written(
    sweden_files: dict[str, Path], tmp_path: Path
) -> None:
    """A generator advanced past FLUSH only once every source before it is written, as
    one-at-a-time parsing would; the calls before it still run ahead in the workers."""
    xlsx = _xlsx(sweden_files)[:4]
    seen: list[int] = []

    with Store(tmp_path / "s.duckdb") as store:
        _areas(store, sweden_files)

        def sources() -> Iterator[Source]:
            yield from (partial(read_scb_xlsx, p) for p in xlsx[:3])
            yield FLUSH
            row = store.con.execute("SELECT count(DISTINCT source_id) FROM observations")
            seen.append(int(row.fetchall()[0][0]))
            yield partial(read_scb_xlsx, xlsx[3])

        reports = ingest_stream(store, sources(), kind="test", workers=2)
    assert seen == [3]
    assert [r.reference for r in reports] == [p.name for p in xlsx]


def test_parsed_in_order_keeps_the_order_of_mixed_sources(
    sweden_files: dict[str, Path],
) -> None:
    xlsx = _xlsx(sweden_files)[:5]
    ready = read_scb_xlsx(xlsx[2])
    sources: list[Source] = [
        partial(read_scb_xlsx, xlsx[0]),
        partial(read_scb_xlsx, xlsx[1]),
        ready,
        FLUSH,
        partial(read_scb_xlsx, xlsx[3]),
        partial(read_scb_xlsx, xlsx[4]),
    ]
    for workers in (1, 2):
        parsed = list(parsed_in_order(sources, workers=workers))
        assert all(isinstance(p, Observations) for p in parsed)
        assert [p.source.reference for p in parsed] == [p.name for p in xlsx]
        assert parsed[2] is ready


def test_the_number_of_workers_comes_from_the_caller_the_environment_or_the_cpus(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OMRADESBILD_INGEST_WORKERS", raising=False)
    assert ingest_workers(3) == 3
    assert ingest_workers() >= 1
    monkeypatch.setenv("OMRADESBILD_INGEST_WORKERS", "1")
    assert ingest_workers() == 1
    assert ingest_workers(2) == 2
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("OMRADESBILD_INGEST_WORKERS", bad)
        with pytest.raises(ConfigError, match="OMRADESBILD_INGEST_WORKERS"):
            ingest_workers()
    with pytest.raises(ConfigError, match="at least 1"):
        ingest_workers(0)


def test_the_command_line_ingest_takes_a_number_of_workers(
    sweden_files: dict[str, Path], tmp_path: Path, cli: Any
) -> None:
    keys = [str(sweden_files["scb/key"])]
    files = [str(p) for p in _xlsx(sweden_files)[:4]]
    stored = []
    for workers in ("1", "2"):
        db = str(tmp_path / f"s{workers}.duckdb")
        assert cli(["ingest", "scb-key", *keys, "--db", db])[0] == 0
        code, out, err = cli(["ingest", "scb-xlsx", *files, "--db", db, "--workers", workers])
        assert code == 0, err
        assert [line.split(":")[0] for line in out.splitlines()] == [Path(f).name for f in files]
        with Store(db, read_only=True) as store:
            stored.append(_rows(store))
    assert stored[0] == stored[1]
    assert len(stored[0]) > 1000
    code, _, err = cli(["ingest", "scb-xlsx", *files, "--db", db, "--workers", "0"])
    assert code == 2


def test_files_of_a_few_megabytes_are_parsed_without_a_pool_unless_asked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from omradesbild import config

    monkeypatch.delenv("OMRADESBILD_INGEST_WORKERS", raising=False)
    monkeypatch.setattr(config, "INGEST_WORKERS", None)
    monkeypatch.setattr(config, "INGEST_POOL_MIN_BYTES", 1000)
    small, large = tmp_path / "small.xlsx", tmp_path / "large.xlsx"
    small.write_bytes(b"x" * 600)
    large.write_bytes(b"x" * 1000)
    cpus = ingest_workers()
    assert ingest_workers(paths=[small]) == 1
    assert ingest_workers(paths=[small, tmp_path / "missing.xlsx", tmp_path]) == 1
    assert ingest_workers(paths=[small, large]) == cpus
    # a number given by the caller, the environment or the settings is kept
    assert ingest_workers(2, paths=[small]) == 2
    monkeypatch.setattr(config, "INGEST_WORKERS", 3)
    assert ingest_workers(paths=[small]) == 3
    monkeypatch.setenv("OMRADESBILD_INGEST_WORKERS", "2")
    assert ingest_workers(paths=[small]) == 2
