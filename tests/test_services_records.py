"""Rows as JSON-safe dicts: whole columns at once give what cleaning each cell gives."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.services.level import level_indicators
from omradesbild.services.records import (
    AreaRecords,
    ColumnRecords,
    RowByArea,
    clean,
    records,
    records_by_area,
)
from omradesbild.store import Store


def one_by_one(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The reference: :func:`clean` on every cell, row by row."""
    cols = list(df.columns)
    return [
        {c: clean(v) for c, v in zip(cols, row, strict=True)}
        for row in df.itertuples(index=False, name=None)
    ]


def same(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    """Equal values of equal Python types (NaN never appears: both give None)."""
    return len(a) == len(b) and all(
        list(x) == list(y) and all(type(x[k]) is type(y[k]) and x[k] == y[k] for k in x)
        for x, y in zip(a, b, strict=True)
    )


floats = st.floats(allow_nan=True, allow_infinity=True)
texts = st.one_of(st.none(), st.text(max_size=3))
objects = st.one_of(texts, floats, st.integers())


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(texts, floats, st.integers(-5, 5), st.booleans(), objects),
        max_size=8,
    )
)
def test_columns_at_once_equal_cell_by_cell(rows: list[tuple[Any, ...]]) -> None:
    codes, values, counts, flags, mixed = (
        (list(c) for c in zip(*rows, strict=True)) if rows else ([],) * 5
    )
    df = pd.DataFrame(
        {
            "area_code": pd.Series(codes, dtype="str"),
            "value": pd.Series(values, dtype="float64"),
            "n": pd.Series(counts, dtype="int64"),
            "masked": pd.Series(flags, dtype="bool"),
            "object": pd.Series(mixed, dtype=object),
            "nullable": pd.Series(counts, dtype="Int64").where(pd.Series(flags, dtype=bool)),
            "flag": pd.Series(flags, dtype="boolean").where(pd.Series(counts, dtype=int) > 0),
            "share": pd.Series(values, dtype="Float64").where(pd.Series(flags, dtype=bool)),
        }
    )
    got = records(df)
    assert same(got, one_by_one(df))
    assert all(
        v is None or not isinstance(v, float) or math.isfinite(v) for r in got for v in r.values()
    )


def test_columns_picked_and_grouped() -> None:
    df = pd.DataFrame(
        {"area_code": ["a", "b", "a"], "value": [1.0, np.nan, np.inf], "x": [1, 2, 3]}
    )
    assert records(df, ["value", "missing", "area_code"]) == [
        {"value": 1.0, "area_code": "a"},
        {"value": None, "area_code": "b"},
        {"value": None, "area_code": "a"},
    ]
    assert list(records_by_area(df)) == ["a", "b"]
    assert [r["x"] for r in records_by_area(df)["a"]] == [1, 3]


def _assert_same_records(got: Any, want: dict[str, list[dict[str, Any]]]) -> None:
    assert list(got) == list(want) and len(got) == len(want)
    for code, rows in want.items():
        assert code in got
        have = got[code]
        assert have == rows
        assert [[type(v) for v in r.values()] for r in have] == [
            [type(v) for v in r.values()] for r in rows
        ]
        assert [list(r) for r in have] == [list(r) for r in rows]  # same key order
    assert "no such area" not in got and got.get("no such area") is None


@pytest.mark.parametrize("made_per_area", [AreaRecords, ColumnRecords])
def test_area_records_equal_records_by_area(made_per_area: Any) -> None:
    rng = np.random.default_rng(7)
    n = 2000
    df = pd.DataFrame(
        {
            "area_code": rng.choice([f"A{i}" for i in range(40)], n),
            "period": pd.array(rng.choice(["2020", "2021", None], n), dtype="string"),
            "value": np.where(rng.random(n) < 0.1, np.nan, rng.random(n)),
            "n": rng.integers(0, 100, n),
            "masked": rng.random(n) < 0.2,
            "note": rng.choice(["x", None], n).astype(object),
        }
    )
    df.index = rng.permutation(n) + 10  # not a plain range
    want = records_by_area(df)
    got = made_per_area(df)
    _assert_same_records(got, want)
    _assert_same_records(got, want)  # again, from the areas kept
    assert list(got)[:3] == list(dict.fromkeys(df["area_code"]))[:3]


def test_row_by_area_equals_the_rows_by_code() -> None:
    """One row per area (an area's last where it has several), as a dict of them gives."""
    rng = np.random.default_rng(3)
    n = 500
    df = pd.DataFrame(
        {
            "area_code": pd.array([f"A{i}" for i in rng.permutation(n)], dtype="str"),
            "rank": pd.array(np.where(rng.random(n) < 0.1, None, rng.integers(1, n, n)), "Int64"),
            "score": np.where(rng.random(n) < 0.1, np.nan, rng.random(n)),
            "label": rng.choice(["typ 1", None], n).astype(object),
        }
    )
    df.loc[7, "area_code"] = df.loc[3, "area_code"]  # one area twice: its last row
    want = {str(r["area_code"]): r for r in records(df)}
    got = RowByArea(df)
    assert list(got) == list(want) and len(got) == len(want)
    for code, row in want.items():
        assert code in got and got[code] == row and list(got[code]) == list(row)
        assert [type(v) for v in got[code].values()] == [type(v) for v in row.values()]
    assert "no such area" not in got and got.get("no such area") is None


def test_level_by_area_equals_records_by_area(demo_store: Path) -> None:
    with Store(demo_store, read_only=True) as store:
        lv = level_indicators(store, level="regso", version="regso2020")
    assert isinstance(lv.by_area, AreaRecords) and len(lv.by_area) > 10
    _assert_same_records(lv.by_area, records_by_area(lv.indicators))


def test_contributions_by_area_equal_records_by_area(demo_store: Path) -> None:
    """The level's contributions, each area's rows made when read: the same rows."""
    from omradesbild.measures.contributions import index_contributions
    from omradesbild.services.city import load_city

    with Store(demo_store, read_only=True) as store:
        data = load_city(store, level="regso")
    ix = data.pic.index
    assert ix is not None
    contrib = index_contributions(ix.results[data.period], ix.method, period=data.period)
    want = records_by_area(contrib)
    assert len(want) > 10
    _assert_same_records(data.pic.contributions(data.period), want)


def test_rows_at_once_equal_the_rows_made_per_area(demo_store: Path) -> None:
    """A report over many areas makes every area's rows at once: the same rows."""
    with Store(demo_store, read_only=True) as store:
        lv = level_indicators(store, level="regso", version="regso2020")
    at_once = lv.rows_at_once()
    assert not isinstance(at_once.by_area, AreaRecords)
    _assert_same_records(lv.by_area, at_once.by_area)
    assert at_once.rows_at_once() is at_once
    assert at_once.indicators is lv.indicators and at_once.raw is lv.raw


def test_a_report_of_many_areas_reads_rows_made_at_once(demo_store: Path) -> None:
    from omradesbild.services.city import load_city

    with Store(demo_store, read_only=True) as store:
        data = load_city(store, level="regso")
    assert len(data.profile_codes) > AreaRecords.RECENT
    assert not isinstance(data.pic.indicators.by_area, AreaRecords)


def test_nullable_columns_keep_large_and_unsigned_integers() -> None:
    df = pd.DataFrame(
        {
            "big": pd.Series([2**40, None], dtype="Int64"),
            "unsigned": pd.Series([2**63 + 5, None], dtype="UInt64"),
            "flag": pd.Series([None, True], dtype="boolean"),
        }
    )
    got = records(df)
    assert got == [
        {"big": 2**40, "unsigned": 2**63 + 5, "flag": None},
        {"big": None, "unsigned": None, "flag": True},
    ]
    assert same(got, one_by_one(df))
