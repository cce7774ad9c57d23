"""The store: transactional, idempotent ingest with revisions; clear errors."""

from __future__ import annotations

import itertools
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.errors import InputError, StoreError, UnknownAreaError
from omradesbild.sources.base import Areas, Observations, SourceMeta
from omradesbild.store import Store
from omradesbild.store.ingest import ingest_parsed, ingest_stream

CODES = [f"0114C1{i:02d}0" for i in range(20)]


def _areas() -> Areas:
    src = SourceMeta("SCB", "key", "Nyckel", "key.csv", "k" * 64)
    df = pd.DataFrame({"area_code": CODES, "level": "deso", "version": "deso2018"})
    links = pd.DataFrame(
        {
            "from_code": CODES,
            "from_level": "deso",
            "from_version": "deso2018",
            "to_code": "0114R001",
            "to_level": "regso",
            "to_version": "regso2020",
            "weight": 1.0,
            "method": "scb_key",
        }
    )
    return Areas(src, df, links)


def _obs(values: list[float], *, checksum: str = "a", variable: str = "pop_total") -> Observations:
    src = SourceMeta("SCB", "T", "Tabell", f"t-{checksum}.xlsx", checksum * 64)
    df = pd.DataFrame(
        {
            "area_code": CODES[: len(values)],
            "area_version": "deso2018",
            "variable": variable,
            "period": "2022",
            "value": values,
            "unit": "antal",
            "missing_reason": [None if not np.isnan(v) else ".." for v in values],
        }
    )
    return Observations(src, df)


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "s.duckdb")
    s.ingest(_areas())
    return s


def _snapshot(store: Store) -> dict[str, pd.DataFrame]:
    return {
        t: store.con.execute(f"SELECT * EXCLUDE (ingested_at) FROM {t} ORDER BY ALL").df()
        if t == "observations"
        else store.con.execute(f"SELECT * FROM {t} ORDER BY ALL").df()
        for t in ("areas", "links", "observations", "sources", "variables", "ingest_log")
    }


def _assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for k in a:
        pd.testing.assert_frame_equal(a[k], b[k], obj=k)


def test_ingest_twice_changes_nothing(store: Store) -> None:
    first = store.ingest(_obs([1.0, 2.0, 3.0]))
    assert (first.rows_new, first.rows_revised) == (3, 0)
    before = _snapshot(store)
    again = store.ingest(_obs([1.0, 2.0, 3.0]))
    assert (again.rows_new, again.rows_revised, again.rows_unchanged) == (0, 0, 3)
    again_areas = store.ingest(_areas())
    assert again_areas.rows_new == 0
    _assert_same(before, _snapshot(store))


def test_changed_value_adds_revision_and_keeps_old(store: Store) -> None:
    store.ingest(_obs([1.0, 2.0, 3.0], checksum="a"))
    rep = store.ingest(_obs([1.0, 5.0, 3.0], checksum="b"))
    assert (rep.rows_new, rep.rows_revised, rep.rows_unchanged) == (0, 1, 2)
    revs = store.revisions(CODES[1], "pop_total", "2022")
    assert list(revs["revision"]) == [1, 2]
    assert list(revs["value"]) == [2.0, 5.0]
    assert list(revs["reference"]) == ["t-a.xlsx", "t-b.xlsx"]
    cur = store.variable_values("pop_total", "2022", area_version="deso2018")
    assert list(cur["value"]) == [1.0, 5.0, 3.0]
    assert len(store.observations(all_revisions=True)) == 4


def test_missing_is_stored_as_missing_not_zero(store: Store) -> None:
    store.ingest(_obs([1.0, float("nan")]))
    cur = store.variable_values("pop_total", "2022", area_version="deso2018")
    assert np.isnan(cur["value"].iloc[1])
    assert cur["missing_reason"].iloc[1] == ".."


def test_unknown_area_code_is_rejected_and_store_unchanged(store: Store) -> None:
    store.ingest(_obs([1.0]))
    before = _snapshot(store)
    bad = _obs([1.0, 2.0], checksum="c")
    bad.data.loc[1, "area_code"] = "0114C9900"
    with pytest.raises(UnknownAreaError, match=r"t-c\.xlsx.*0114C9900"):
        store.ingest(bad)
    _assert_same(before, _snapshot(store))


def test_unknown_version_hints_what_to_ingest_first(tmp_path: Path) -> None:
    s = Store(tmp_path / "empty.duckdb")
    with pytest.raises(UnknownAreaError, match="ingest SCB's DeSO–RegSO key or the boundaries"):
        s.ingest(_obs([1.0]))


def test_duplicate_keys_are_rejected(store: Store) -> None:
    dup = _obs([1.0, 2.0])
    dup.data.loc[1, "area_code"] = CODES[0]
    with pytest.raises(InputError, match="share the same key"):
        store.ingest(dup)


def test_one_command_is_all_or_nothing(store: Store) -> None:
    before = _snapshot(store)
    good = _obs([1.0, 2.0], checksum="a")
    bad = _obs([1.0, 2.0], checksum="b", variable="other")
    bad.data.loc[0, "area_code"] = "0114C9900"
    with pytest.raises(UnknownAreaError):
        ingest_parsed(store, [good, bad], kind="test")
    _assert_same(before, _snapshot(store))


def _bad_file(reference: str) -> Observations:
    raise InputError("row 3: not a number", file=reference, field="value")


def _files(n_good: int, *, bad: bool) -> Iterator[Observations]:
    """``n_good`` parsed files of different variables (parsed lazily), then a bad file."""
    for i in range(n_good):
        yield _obs([float(i), 2.0], checksum="abcdef"[i], variable=f"v{i}")
    if bad:
        yield _bad_file("bad.xlsx")


def test_a_stream_in_one_transaction_is_all_or_nothing(store: Store) -> None:
    before = _snapshot(store)
    with pytest.raises(InputError, match=r"bad\.xlsx"):
        ingest_stream(store, _files(2, bad=True), kind="test")
    _assert_same(before, _snapshot(store))


@pytest.mark.parametrize("commit_rows", [1, 3, 100])
def test_a_stream_committed_in_chunks_never_half_writes_a_file(
    store: Store, commit_rows: int
) -> None:
    """Files of 2 rows: every transaction holds whole files; after a failure a second run
    of the same ingest is idempotent for what was written and adds exactly the rest."""
    with pytest.raises(InputError, match=r"bad\.xlsx"):
        ingest_stream(store, _files(3, bad=True), kind="test", commit_rows=commit_rows)
    written = store.con.execute(
        "SELECT variable, count(*) FROM observations GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    # commit_rows 1: every file; 3: the first two files in one transaction, the third
    # rolled back with the bad one; 100: nothing committed.
    expected = {1: ["v0", "v1", "v2"], 3: ["v0", "v1"], 100: []}[commit_rows]
    assert written == [(v, 2) for v in expected]
    logged = store.con.execute("SELECT count(*) FROM ingest_log WHERE kind = 'test'").fetchone()
    assert logged == (len(expected),)
    reports = ingest_stream(store, _files(3, bad=False), kind="test", commit_rows=commit_rows)
    assert [r.rows_new for r in reports] == [0 if f"v{i}" in expected else 2 for i in range(3)]
    assert sum(r.rows_unchanged for r in reports) == 2 * len(expected)
    assert len(store.observations()) == 6


def test_invalid_area_code_for_level_is_named(tmp_path: Path) -> None:
    s = Store(tmp_path / "s.duckdb")
    src = SourceMeta("SCB", "key", "Nyckel", "key.csv", "k" * 64)
    df = pd.DataFrame({"area_code": ["0114X1010"], "level": "deso", "version": "deso2018"})
    with pytest.raises(InputError, match=r"key\.csv.*'0114X1010'.*expected 9 characters"):
        s.ingest(Areas(src, df))


def test_read_only_store_must_exist(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store here"):
        Store(tmp_path / "nope.duckdb", read_only=True)


def test_summary_counts(store: Store) -> None:
    store.ingest(_obs([1.0, 2.0]))
    info = store.summary()
    assert info["areas"] == [
        {"level": "country", "version": "country", "n": 1, "with_geometry": 0},
        {"level": "deso", "version": "deso2018", "n": 20, "with_geometry": 0},
    ]
    assert info["observations"] == 2 and info["periods"] == ["2022"]
    assert info["links"][0]["n"] == 20


@pytest.fixture(scope="module")
def keyed_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file holding only :func:`_areas`, made once for the module: each example of
    a property test starts from a copy of it (opening a copy costs half of creating the
    schema and ingesting the key again)."""
    path = tmp_path_factory.mktemp("keyed") / "keyed.duckdb"
    with Store(path) as s:
        s.ingest(_areas())
    return path


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from([1.0, 2.0, 3.0, float("nan")]), min_size=5, max_size=5),
        min_size=1,
        max_size=5,
    )
)
def test_current_is_last_ingested_and_revisions_count_changes(
    keyed_file: Path, batches: list[list[float]]
) -> None:
    path = keyed_file.with_name(f"example-{uuid.uuid4().hex}.duckdb")
    shutil.copyfile(keyed_file, path)
    try:
        with Store(path) as s:
            for i, values in enumerate(batches):
                s.ingest(_obs(values, checksum=chr(ord("a") + i)))
            cur = s.variable_values("pop_total", "2022", area_version="deso2018")
            allrev = s.observations(all_revisions=True)
    finally:
        path.unlink()
    np.testing.assert_array_equal(cur["value"].to_numpy(), np.array(batches[-1]))
    for j, code in enumerate(CODES[:5]):
        seq = [b[j] for b in batches]
        changes = 1 + sum(
            1 for a, b in itertools.pairwise(seq) if not (a == b or (np.isnan(a) and np.isnan(b)))
        )
        assert (allrev["area_code"] == code).sum() == changes


def test_areas_with_some_geometries_missing(tmp_path: Path) -> None:
    import shapely
    from shapely.geometry import box

    s = Store(tmp_path / "g.duckdb")
    src = SourceMeta("X", "geo", "Gränser", "g.gpkg", "g" * 64)
    df = pd.DataFrame(
        {
            "area_code": CODES[:2],
            "level": "deso",
            "version": "deso2018",
            "geometry": [shapely.to_wkb(box(0, 0, 1, 1)), None],
        }
    )
    s.ingest(Areas(src, df))
    gdf = s.areas(level="deso", geometry=True)
    assert gdf.crs.to_epsg() == 3006
    assert list(gdf.geometry.isna()) == [False, True]
    assert gdf.geometry.iloc[0].area == 1.0


# ---- schema versions ------------------------------------------------------------------------


def _meta(path: Path) -> dict[str, str]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        return dict(con.execute("SELECT key, value FROM meta").fetchall())


def _set_version(path: Path, version: str, *, drop_created: bool = False) -> None:
    import duckdb

    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [version])
        if drop_created:
            con.execute("DELETE FROM meta WHERE key = 'created_at'")


def test_new_store_records_its_schema_version(tmp_path: Path) -> None:
    from omradesbild.store.schema import SCHEMA_VERSION

    path = tmp_path / "s.duckdb"
    Store(path).close()
    meta = _meta(path)
    assert meta["schema_version"] == str(SCHEMA_VERSION)
    assert meta["created_at"].endswith("Z") and meta["created_at"][:2] == "20"


@pytest.mark.parametrize("read_only", [False, True])
def test_older_store_is_upgraded_on_open(tmp_path: Path, read_only: bool) -> None:
    from omradesbild.store.schema import SCHEMA_VERSION

    path = tmp_path / "old.duckdb"
    with Store(path) as s:
        s.ingest(_areas())
        s.ingest(_obs([float(i) for i in range(20)]))
    created = _meta(path)["created_at"]
    _set_version(path, "1", drop_created=True)  # what a version-1 store holds
    assert "created_at" not in _meta(path)
    with Store(path, read_only=read_only) as s:
        assert len(s.variable_values("pop_total", "2022", area_version="deso2018")) == 20
    meta = _meta(path)
    assert meta["schema_version"] == str(SCHEMA_VERSION)
    # Version 2's created_at is recovered from the built-in source written at creation.
    assert meta["created_at"] == created


@pytest.mark.parametrize("read_only", [False, True])
def test_newer_store_is_refused_untouched(tmp_path: Path, read_only: bool) -> None:
    from omradesbild.store.schema import SCHEMA_VERSION

    path = tmp_path / "new.duckdb"
    Store(path).close()
    _set_version(path, str(SCHEMA_VERSION + 1))
    before = path.read_bytes()
    with pytest.raises(StoreError, match=f"schema version {SCHEMA_VERSION + 1} is newer"):
        Store(path, read_only=read_only)
    assert path.read_bytes() == before


def test_database_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "other.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(StoreError, match="not an Områdesbild store"):
        Store(path)


def test_upgrade_registry_runs_every_step_in_order_or_nothing(tmp_path: Path) -> None:
    import duckdb

    from omradesbild.store.schema import upgrade_schema

    path = tmp_path / "s.duckdb"
    Store(path).close()
    _set_version(path, "1")
    steps: list[int] = []

    def step(v: int) -> Callable[[duckdb.DuckDBPyConnection], None]:
        def run(con: duckdb.DuckDBPyConnection) -> None:
            steps.append(v)
            con.execute("INSERT INTO meta VALUES (?, 'x')", [f"step{v}"])

        return run

    def broken(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("INSERT INTO meta VALUES ('half', 'x')")
        con.execute("SELECT * FROM no_such_table")

    with duckdb.connect(str(path)) as con:
        reg = {1: step(1), 2: step(2), 3: broken}
        with pytest.raises(StoreError, match="from schema version 1 to 4"):
            upgrade_schema(con, 1, path=str(path), upgrades=reg, target=4)
        assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("1",)
        assert con.execute(
            "SELECT count(*) FROM meta WHERE key LIKE 'step%' OR key = 'half'"
        ).fetchone() == (0,)
        with pytest.raises(StoreError, match="no upgrade from store schema version 3"):
            upgrade_schema(con, 1, path=str(path), upgrades={1: step(1), 2: step(2)}, target=4)
        steps.clear()
        assert upgrade_schema(con, 1, path=str(path), upgrades=reg | {3: step(3)}, target=4) == 4
        assert steps == [1, 2, 3]
        assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("4",)


def test_read_only_store_reads_areas_links_and_classes_once_and_hands_out_copies(
    store: Store, tmp_path: Path
) -> None:
    """A read-only connection sees content that cannot change: every area of a level and the
    links are read once per connection, each caller getting its own copy (equal to a fresh
    read), and so are a scheme's classifications and one variable's values; reads by code or
    with geometry, and a writable store, read afresh."""
    expected_areas = store.areas(level="deso", version="deso2018")
    expected_links = store.links()
    expected_classes = store.classifications(scheme="police")
    store.ingest(_obs([float(i) for i in range(len(CODES))]))
    expected_values = store.variable_values("pop_total", "2022", area_version="deso2018")
    store.close()
    path = tmp_path / "s.duckdb"
    with Store(path, read_only=True) as ro:
        queries: list[str] = []
        real = ro.con

        class Counting:
            def __getattr__(self, name: str) -> object:
                return getattr(real, name)

            def execute(self, sql: str, *args: object) -> object:
                queries.append(sql)
                return real.execute(sql, *args)

        ro.con = Counting()  # type: ignore[assignment]
        first = ro.areas(level="deso", version="deso2018")
        first["name"] = "changed by a caller"
        pd.testing.assert_frame_equal(ro.areas(level="deso", version="deso2018"), expected_areas)
        assert sum("FROM areas" in q for q in queries) == 1
        links = ro.links()
        links["weight"] = 0.0
        pd.testing.assert_frame_equal(ro.links(), expected_links)
        assert sum("FROM links" in q for q in queries) == 1
        classes = ro.classifications(scheme="police")
        classes["category"] = "changed by a caller"
        pd.testing.assert_frame_equal(ro.classifications(scheme="police"), expected_classes)
        assert sum("FROM classifications" in q for q in queries) == 1
        values = ro.variable_values("pop_total", "2022", area_version="deso2018")
        values["value"] = -1.0
        pd.testing.assert_frame_equal(
            ro.variable_values("pop_total", "2022", area_version="deso2018"), expected_values
        )
        assert sum("FROM current_observations" in q for q in queries) == 1
        ro.areas(codes=CODES[:2])
        ro.areas(codes=CODES[:2])
        ro.areas(level="deso", geometry=True)
        assert sum("FROM areas" in q for q in queries) == 4
    with Store(path) as rw:
        assert rw.areas(level="deso")["area_code"].tolist() == CODES
        rw.con.execute("DELETE FROM links")
        assert rw.links().empty  # a writable store reads afresh


def test_long_lists_of_codes_select_what_short_ones_do(store: Store) -> None:
    """A filter on many values (passed as one list parameter) selects the same rows, in the
    same order, as the values one by one."""
    store.ingest(_obs([1.0] * len(CODES)))
    unknown = [f"0114C9{i:03d}" for i in range(200)]
    many = [*unknown[:100], *reversed(CODES), *unknown[100:]]
    pd.testing.assert_frame_equal(store.areas(codes=many), store.areas(level="deso"))
    some = store.areas(codes=[*CODES[3:5], *unknown])
    assert some["area_code"].tolist() == CODES[3:5]
    pd.testing.assert_frame_equal(
        store.observations(area_codes=many, periods=["2022"] * 70), store.observations()
    )
    assert store.areas(codes=[]).empty
