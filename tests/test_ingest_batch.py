"""Several files' observations written together leave the store as writing them one after
the other does: the same observations and revisions (in the same physical order), sources,
variables, ingest log, reports and errors."""

from __future__ import annotations

import hashlib
import math
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from omradesbild import config
from omradesbild.errors import InputError, UnknownAreaError
from omradesbild.sources.base import Observations, SourceMeta
from omradesbild.store import Store
from omradesbild.store import batch as batch_module
from omradesbild.store.ingest import (
    FLUSH,
    Source,
    ingest_files,
    ingest_parsed,
    ingest_stream,
    parse_scb_key,
    parse_scb_xlsx,
)
from omradesbild.store.writes import IngestReport


def _state(store: Store, *, arrow: bool = False) -> dict[str, Any]:
    """Everything an ingest writes, without the times: observations and the log in the
    order they were written, sources in the order of their times (as the store lists them;
    an upsert keeps no order). Lists of rows, or with ``arrow`` Arrow tables (compared as
    exactly, without a Python object per value)."""
    queries = {
        "observations": "SELECT * EXCLUDE (ingested_at) FROM observations ORDER BY rowid",
        "sources": "SELECT * EXCLUDE (ingested_at, retrieved_at) FROM sources "
        "ORDER BY ingested_at, source_id",
        "variables": "SELECT * FROM variables ORDER BY ALL",
        "log": "SELECT * EXCLUDE (ingested_at) FROM ingest_log ORDER BY rowid",
        "areas": "SELECT area_code, version, source_id FROM areas ORDER BY ALL",
    }
    if arrow:
        return {k: store.con.sql(q).to_arrow_table() for k, q in queries.items()}
    return {k: store.con.execute(q).fetchall() for k, q in queries.items()}


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[list[IngestReport] | None]:
    """What each batch write returned (None: written one file at a time)."""
    seen: list[list[IngestReport] | None] = []
    write = batch_module.write_observation_batch

    def spy(*args: Any, **kwargs: Any) -> list[IngestReport] | None:
        seen.append(write(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(batch_module, "write_observation_batch", spy)
    return seen


def _one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "INGEST_BATCH_ROWS", 1)


def _both(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run: Callable[[Store], object],
    prepare: Callable[[Store], object] | None = None,
    *,
    arrow: bool = False,
) -> tuple[Any, Any]:
    """``run`` on a fresh store (a copy of one store after ``prepare``) with the default
    batches and with one file at a time: (result, state) of each (:func:`_state`)."""
    if prepare is not None:
        with Store(tmp_path / "prepared.duckdb") as store:
            prepare(store)
    out = []
    for name in ("batched", "single"):
        if name == "single":
            _one_at_a_time(monkeypatch)
        if prepare is not None:
            shutil.copyfile(tmp_path / "prepared.duckdb", tmp_path / f"{name}.duckdb")
        with Store(tmp_path / f"{name}.duckdb") as store:
            try:
                result: object = run(store)
            except Exception as exc:  # the error is compared
                result = (type(exc), str(exc))
            out.append((result, _state(store, arrow=arrow)))
    return out[0], out[1]


def _obs(name: str, rows: list[tuple[str, str, float | None, str | None]]) -> Observations:
    """One small file: (variable, period, value, missing reason) of the country."""
    data = pd.DataFrame(
        [("SE", "country", v, p, x, "antal", m) for v, p, x, m in rows],
        columns=[
            "area_code",
            "area_version",
            "variable",
            "period",
            "value",
            "unit",
            "missing_reason",
        ],
    )
    variables = pd.DataFrame(
        {
            "variable": sorted({r[0] for r in rows}),
            "label": f"label {name}",
            "unit": None,
            "description": None,
        }
    )
    checksum = hashlib.sha256(name.encode()).hexdigest()
    source = SourceMeta(publisher="T", table_id=name, title=name, reference=name, checksum=checksum)
    return Observations(source=source, data=data, variables=variables)


def test_the_real_tables_are_stored_as_one_at_a_time(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batches: list[Any]
) -> None:
    key = shared_data / "scb/koppling-deso2018-regso2020.csv"
    files = sorted((shared_data / "scb/deso2018_tables_2022").glob("*.xlsx"))
    parsed = [parse_scb_xlsx(f) for f in files]
    # each file is parsed once: ingest_files is given the parsed file of its path (the
    # writes compared here are the same; parsing is pure and tested with the readers)
    parsed_of = dict(zip(files, parsed, strict=True))
    # corrected values: a later run revises some of them, and sets others missing
    corrected = []
    for p in parsed[:4]:
        data = p.data.copy()
        data.loc[data.index[::7], "value"] = data["value"].iloc[::7] + 1
        data.loc[data.index[3::11], ["value", "missing_reason"]] = (math.nan, "..")
        corrected.append(Observations(source=p.source, data=data, variables=p.variables))
    for p in corrected:
        object.__setattr__(p, "source", SourceMeta(**{**vars(p.source), "checksum": "f" * 64}))

    def run(store: Store) -> object:
        first = ingest_files(store, files, parsed_of.__getitem__, kind="scb-xlsx")
        again = ingest_stream(store, parsed, kind="scb-xlsx")
        fixed = ingest_stream(store, [*corrected, *parsed[4:]], kind="scb-xlsx")
        return first, again, fixed

    def prepare(store: Store) -> object:
        return ingest_files(store, [key], parse_scb_key, kind="scb-key")

    (result, state), (single_result, single_state) = _both(
        tmp_path, monkeypatch, run, prepare, arrow=True
    )
    assert result == single_result
    assert state == single_state
    first, again, fixed = result
    assert sum(r.rows_new for r in first) == len(state["observations"]) - sum(
        r.rows_revised for r in fixed
    )
    assert not any(r.changed for r in again)
    assert sum(r.rows_revised for r in fixed) > 1000
    # three batches, each written together (the same pop_total in three tables)
    assert len(batches) == 3 and all(b is not None for b in batches)


def test_keys_repeated_across_files_of_a_new_store_become_revisions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batches: list[Any]
) -> None:
    files = [
        _obs("f1", [("a", "2020", 1.0, None), ("b", "2020", 5.0, None)]),
        _obs("f2", [("a", "2020", 3.0, None), ("c", "2020", None, "..")]),
        _obs("f3", [("a", "2020", 3.0, None), ("c", "2020", None, ".."), ("d", "2021", 4.0, None)]),
        _obs("f4", [("a", "2020", 1.0, None), ("c", "2020", 0.0, None), ("b", "2021", 0.0, None)]),
    ]

    def run(store: Store) -> object:
        return ingest_stream(store, files, kind="t")

    (result, state), (single_result, single_state) = _both(tmp_path, monkeypatch, run)
    assert (result, state) == (single_result, single_state)
    assert [(r.rows_new, r.rows_revised, r.rows_unchanged) for r in result] == [
        (2, 0, 0),
        (1, 1, 0),
        (1, 0, 2),
        (1, 2, 0),
    ]
    assert [o[2:6] for o in state["observations"] if o[2] == "a"] == [
        ("a", "2020", 1, 1.0),
        ("a", "2020", 2, 3.0),
        ("a", "2020", 3, 1.0),
    ]
    assert len(batches) == 1 and batches[0] is not None


def test_keys_repeated_across_files_become_revisions_in_file_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batches: list[Any]
) -> None:
    stored = _obs("stored", [("a", "2020", 1.0, None), ("b", "2020", 2.0, None)])
    files = [
        _obs("f1", [("a", "2020", 1.0, None), ("b", "2020", 5.0, None), ("c", "2020", 1.0, None)]),
        _obs("f2", [("a", "2020", 3.0, None), ("c", "2020", 1.0, None), ("d", "2021", None, "..")]),
        _obs("f3", [("a", "2020", 3.0, None), ("c", "2020", None, ".."), ("d", "2021", 4.0, None)]),
        _obs("f4", [("a", "2020", 1.0, None), ("c", "2020", None, ".."), ("e", "2021", 0.0, None)]),
    ]

    def run(store: Store) -> object:
        return ingest_stream(store, [stored, FLUSH, *files], kind="t")

    (result, state), (single_result, single_state) = _both(tmp_path, monkeypatch, run)
    assert (result, state) == (single_result, single_state)
    revisions = {(o[2], o[4]): o[5] for o in state["observations"]}
    assert revisions[("a", 2)] == 3.0 and revisions[("a", 3)] == 1.0
    assert ("a", 4) not in revisions and revisions[("c", 2)] is None
    assert [(r.rows_new, r.rows_revised, r.rows_unchanged) for r in result[1:]] == [
        (1, 1, 1),
        (1, 1, 1),
        (0, 2, 1),
        (1, 1, 1),
    ]
    assert len(batches) == 1 and batches[0] is not None


@pytest.mark.parametrize("problem", ["repeated key", "unknown area"])
def test_a_bad_file_in_a_batch_fails_as_one_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batches: list[Any], problem: str
) -> None:
    good = _obs("good", [("a", "2020", 1.0, None)])
    bad = _obs("bad", [("b", "2020", 1.0, None), ("b", "2020", 2.0, None)])
    if problem == "unknown area":
        bad.data["area_code"], bad.data["area_version"] = "0114A0010", "deso2018"
        bad.data.loc[1, "variable"] = "c"

    def run(store: Store) -> object:
        return ingest_stream(store, [good, bad, good], kind="t")

    (result, state), (single_result, single_state) = _both(tmp_path, monkeypatch, run)
    assert result == single_result and state == single_state
    assert result[0] is (InputError if problem == "repeated key" else UnknownAreaError)
    assert "bad" in result[1]
    assert state["observations"] == []
    assert batches == [None]  # the batch left it to one file at a time


def test_flush_writes_what_came_before_in_one_process(tmp_path: Path, batches: list[Any]) -> None:
    seen: list[int] = []
    with Store(tmp_path / "s.duckdb") as store:

        def sources() -> Iterator[Source]:
            yield _obs("f1", [("a", "2020", 1.0, None)])
            yield _obs("f2", [("b", "2020", 1.0, None)])
            yield FLUSH
            rows = store.con.execute("SELECT count(*) FROM observations").fetchall()
            seen.append(int(rows[0][0]))
            yield _obs("f3", [("c", "2020", 1.0, None)])

        reports = ingest_stream(store, sources(), kind="t")
    assert seen == [2]
    assert [r.reference for r in reports] == ["f1", "f2", "f3"]


#: 65 files: the least that crosses the 64 a file's bit can take (``1 << 64`` is out of
#: range); the batch of the failing ingest then holds 66.
@pytest.mark.parametrize("n_files", [3, 65])
def test_many_files_repeating_one_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batches: list[Any], n_files: int
) -> None:
    """More files than the bits of one number (64) are checked for repeated keys too: a key
    in every file, then a key repeated within one file."""
    files = [_obs(f"f{i}", [("x", "2020", float(i // 2), None)]) for i in range(n_files)]
    dup = _obs("dup", [("y", "2020", 1.0, None), ("y", "2020", 2.0, None)])

    def run(store: Store) -> object:
        ingest_stream(store, files, kind="t")
        # fails on the third file, after two written one at a time (rolled back); the
        # files after it are in the batch (found by the batch), not written
        return ingest_stream(store, [*files[:2], dup, *files[2:]], kind="t")

    (result, state), (single_result, single_state) = _both(tmp_path, monkeypatch, run)
    assert (result, state) == (single_result, single_state)
    assert [o[4] for o in state["observations"]] == list(range(1, (n_files + 1) // 2 + 1))
    assert result[0] is InputError and "dup" in result[1]
    assert len(batches) == 2 and batches[0] is not None and batches[1] is None


def _threads(store: Store) -> int:
    ((n,),) = store.con.execute("SELECT current_setting('threads')").fetchall()
    return int(n)


@pytest.mark.parametrize(("setting", "fail"), [(1, False), (1, True), (None, False)])
def test_an_ingest_writes_with_the_configured_threads_then_sets_them_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: int | None, fail: bool
) -> None:
    """DuckDB runs the ingest's writes on INGEST_DUCKDB_THREADS threads (None: as set), and
    the store has its own number again afterwards, also after a failed file."""
    monkeypatch.setattr(config, "INGEST_DUCKDB_THREADS", setting)
    seen: list[int] = []
    with Store(tmp_path / "s.duckdb") as store:
        store.con.execute("SET threads = 3")

        def sources() -> Iterator[Source]:
            yield _obs("f1", [("a", "2020", 1.0, None)])
            yield FLUSH
            seen.append(_threads(store))
            rows = [("b", "2020", 1.0, None), ("b", "2020", 2.0, None)]
            yield _obs("f2", rows if fail else rows[:1])

        if fail:
            with pytest.raises(InputError):
                ingest_stream(store, sources(), kind="t")
        else:
            ingest_stream(store, sources(), kind="t")
        assert seen == [3 if setting is None else setting]
        assert _threads(store) == 3


def test_an_ingest_inside_a_callers_transaction_keeps_its_threads_and_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Joining the caller's transaction, an ingest leaves DuckDB's threads alone, and a
    failed statement's error is the one raised (the aborted transaction refuses a SET)."""
    monkeypatch.setattr(config, "INGEST_DUCKDB_THREADS", 1)
    bad = _obs("bad", [("a", "2020", 1.0, None)])
    bad.variables["variable"] = None  # a variable without a name breaks a NOT NULL
    with Store(tmp_path / "s.duckdb") as store:
        store.con.execute("SET threads = 3")
        with pytest.raises(duckdb.ConstraintException), store.transaction():
            ingest_parsed(store, [bad], kind="t")
        assert _threads(store) == 3
        assert store.con.execute("SELECT count(*) FROM observations").fetchall() == [(0,)]
