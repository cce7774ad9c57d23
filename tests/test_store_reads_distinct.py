"""The distinct periods and variables of a version: read once per read-only connection,
afresh on a writable one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omradesbild.store import Store
from omradesbild.store.reads import stored_periods, stored_variables


class _Counting:
    """A connection that counts the queries run through ``execute``."""

    def __init__(self, con: Any) -> None:
        self.con, self.queries = con, 0

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        self.queries += 1
        return self.con.execute(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.con, name)


def _version(store: Store) -> str:
    row = store.con.execute("SELECT min(area_version) FROM observations").fetchone()
    assert row is not None
    return str(row[0])


def test_a_read_only_store_reads_them_once(demo_store: Path) -> None:
    with Store(demo_store, read_only=True) as store:
        version = _version(store)
        want = (
            stored_periods(store, area_version=version),
            stored_variables(store, area_version=version),
        )
        counting = _Counting(store.con)
        store.con = counting  # type: ignore[assignment]
        try:
            for _ in range(3):
                got = (
                    stored_periods(store, area_version=version),
                    stored_variables(store, area_version=version),
                )
                assert got == want
        finally:
            store.con = counting.con
        assert counting.queries == 0
        assert want[0] and want[1] and all(isinstance(p, str) for p in want[0])


def test_a_writable_store_reads_them_afresh(store_copy: Store) -> None:
    version = _version(store_copy)
    before = stored_periods(store_copy, area_version=version)
    store_copy.con.execute(
        "INSERT INTO observations SELECT * REPLACE ('2999' AS period) FROM observations "
        "WHERE area_version = ? LIMIT 1",
        [version],
    )
    assert stored_periods(store_copy, area_version=version) == sorted([*before, "2999"])
