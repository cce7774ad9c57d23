"""A level's indicators computed once per store content, and afresh after any write."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import pandas as pd
import pytest

from omradesbild.config import SERVICE_CACHE_ENV
from omradesbild.errors import InputError
from omradesbild.services import cache
from omradesbild.services.level import LevelIndicators, level_indicators, references
from omradesbild.sources.base import Observations, SourceMeta
from omradesbild.store import Store

LEVEL = {"level": "regso", "version": "regso2020"}


@pytest.fixture(autouse=True)
def empty_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(SERVICE_CACHE_ENV, raising=False)
    cache.clear()
    yield
    cache.clear()


def uncached(monkeypatch: pytest.MonkeyPatch, store: Store, **kw: str) -> LevelIndicators:
    """``level_indicators`` with the cache turned off."""
    with monkeypatch.context() as m:
        m.setenv(SERVICE_CACHE_ENV, "0")
        before = cache.cached_count()
        out = level_indicators(store, **kw)
        assert cache.cached_count() == before
        return out


def assert_same(a: LevelIndicators, b: LevelIndicators) -> None:
    """Every field of two level results is equal (frames cell by cell, dtypes included)."""
    for f in fields(LevelIndicators):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, obj=f.name)
        elif f.name == "by_period_indicator":
            assert list(x) == list(y)
            xs, ys = [x[k] for k in x], [y[k] for k in y]
            # Each group's columns and dtypes, then every group's rows (index labels and
            # values) in one comparison of the groups stacked in key order: what comparing
            # group by group checks, in one call instead of one per group (a few hundred).
            for k, a_k, b_k in zip(x, xs, ys, strict=True):
                pd.testing.assert_series_equal(a_k.dtypes, b_k.dtypes, obj=f"{f.name}[{k}]")
            if xs:
                pd.testing.assert_frame_equal(
                    pd.concat(xs, keys=list(x)), pd.concat(ys, keys=list(y)), obj=f.name
                )
        else:
            assert x == y, f.name


def revise_one_value(store: Store) -> tuple[str, str, str]:
    """Ingest a new revision (value doubled) of one stored DeSO count; returns its key."""
    row = store.con.execute(
        "SELECT area_code, variable, period, value FROM current_observations "
        "WHERE area_version = 'deso2018' AND variable = 'pop_total' AND value > 100 "
        "ORDER BY area_code, period DESC LIMIT 1"
    ).fetchone()
    assert row is not None
    code, variable, period, value = row
    data = pd.DataFrame(
        {
            "area_code": [code],
            "area_version": "deso2018",
            "variable": variable,
            "period": period,
            "value": [2 * value],
            "unit": "antal personer",
            "missing_reason": [None],
        }
    )
    meta = SourceMeta("SCB", "revised", "Reviderad tabell", "revised.csv", "r" * 64)
    report = store.ingest(Observations(meta, data))
    assert report.rows_revised == 1
    return str(code), str(variable), str(period)


def test_cached_result_is_the_computed_one(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(demo_store, read_only=True) as store:
        first = level_indicators(store, **LEVEL)
        assert cache.cached_count() == 1
        # The same arguments spelt differently (a default given) are the same entry.
        again = level_indicators(store, **LEVEL, threshold=5)
        assert again is first and cache.cached_count() == 1
        assert_same(first, uncached(monkeypatch, store, **LEVEL))
        other = level_indicators(store, **LEVEL, threshold=50)
        assert other is not first and cache.cached_count() == 2
        assert other.indicators["masked"].sum() > first.indicators["masked"].sum()


def test_an_ingest_invalidates(store_copy: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    before = level_indicators(store_copy, level="deso", version="deso2018")
    fingerprint = cache.store_fingerprint(store_copy)
    code, variable, period = revise_one_value(store_copy)
    assert cache.store_fingerprint(store_copy) != fingerprint
    after = level_indicators(store_copy, level="deso", version="deso2018")
    assert after is not before
    assert_same(after, uncached(monkeypatch, store_copy, level="deso", version="deso2018"))

    def area_rows(lv: LevelIndicators) -> pd.DataFrame:
        raw = lv.raw
        rows = raw[(raw["area_code"] == code) & (raw["period"] == period)]
        return rows.set_index("indicator")[["numerator", "denominator"]].sort_index()

    # The doubled population is the denominator of the area's shares.
    was, now = area_rows(before), area_rows(after)
    assert (was["denominator"] == now["denominator"]).sum() < len(was)
    assert ((now["denominator"] == 2 * was["denominator"]) & (was["denominator"] > 0)).any()
    assert variable == "pop_total"


def test_any_write_changes_the_fingerprint(store_copy: Store) -> None:
    """Writes that leave no line in the ingest log count as well (crosswalk, coverage)."""
    seen = {cache.store_fingerprint(store_copy)}
    assert cache.store_fingerprint(store_copy) in seen  # reading changes nothing
    writes = (
        "DELETE FROM links WHERE rowid = (SELECT min(rowid) FROM links)",
        "UPDATE areas SET name = name || ' (ny)' WHERE area_code = "
        "(SELECT min(area_code) FROM areas WHERE level = 'regso')",
        "INSERT INTO crime_coverage VALUES "
        "('9999', '2024', 1, 1, 1, 0, 1.0, NULL, NULL, NULL, true, true, NULL, 'test')",
    )
    for sql in writes:
        assert store_copy.con.execute(sql).fetchall()[0][0] == 1, sql
        now = cache.store_fingerprint(store_copy)
        assert now not in seen, sql
        seen.add(now)


def test_same_content_same_fingerprint(demo_store: Path, tmp_path: Path) -> None:
    """Two copies of one store share their results; the file's name is not part of it."""
    db = tmp_path / "twin.duckdb"
    shutil.copyfile(demo_store, db)
    with Store(demo_store, read_only=True) as a, Store(db, read_only=True) as b:
        assert cache.store_fingerprint(a) == cache.store_fingerprint(b)
        assert references(a) is references(b)


def test_bounded_and_can_be_turned_off(demo_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SERVICE_CACHE_ENV, "1")
    with Store(demo_store, read_only=True) as store:
        refs = references(store)
        assert references(store) is refs
        level_indicators(store, **LEVEL)
        assert cache.cached_count() == 1
        assert references(store) is not refs  # dropped for the newer entry
        monkeypatch.setenv(SERVICE_CACHE_ENV, "0")
        assert references(store) is not references(store)


@pytest.mark.parametrize("text", ["-1", "many", "2.5"])
def test_bad_setting_is_named(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SERVICE_CACHE_ENV, text)
    with pytest.raises(InputError, match=SERVICE_CACHE_ENV):
        cache.max_entries()


def test_peek_gives_what_is_kept_and_never_computes(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(demo_store, read_only=True) as store:
        assert cache.peek(level_indicators, store, **LEVEL) is None
        assert cache.cached_count() == 0  # not computed by asking
        lv = level_indicators(store, **LEVEL)
        assert cache.peek(level_indicators, store, **LEVEL) is lv
        assert cache.peek(level_indicators, store, **LEVEL, threshold=3) is None
        monkeypatch.setenv(SERVICE_CACHE_ENV, "0")
        assert cache.peek(level_indicators, store, **LEVEL) is None  # the cache is off
