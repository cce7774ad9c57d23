"""Rows as JSON-safe dicts: whole columns at once give what cleaning each cell gives."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.services.level import clean, records, records_by_area


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


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(texts, floats, st.integers(-5, 5), st.booleans(), st.one_of(st.none(), floats)),
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
