"""Frames as JSON-safe rows: one area's rows at a time for the pages and the API."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

import numpy as np
import pandas as pd


def clean(x: Any) -> Any:
    """A JSON-safe scalar: NaN/NA -> None, numpy -> Python."""
    if x is None or x is pd.NA or x is pd.NaT:
        return None
    if isinstance(x, np.bool_ | bool):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        f = float(x)
        return None if math.isnan(f) or math.isinf(f) else f
    return x


def records(df: pd.DataFrame, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts (each value as :func:`clean` gives it)."""
    cols = list(columns) if columns is not None else list(df.columns)
    cols = [c for c in cols if c in df.columns]
    values = [clean_column(df[c]) for c in cols]
    return [dict(zip(cols, row, strict=True)) for row in zip(*values, strict=True)]


def clean_column(col: pd.Series) -> list[Any]:
    """``[clean(v) for v in col]``, whole columns at once where the dtype allows it."""
    dtype = col.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biu":
        return list(col.to_numpy().tolist())
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        arr = col.to_numpy()
        out = arr.astype(object)
        out[~np.isfinite(arr)] = None
        return list(out.tolist())
    if isinstance(dtype, pd.StringDtype):
        text = col.to_numpy(dtype=object)
        text[col.isna().to_numpy()] = None
        return list(text.tolist())
    if isinstance(col.array, pd.arrays.IntegerArray | pd.arrays.BooleanArray):
        # nullable integers and booleans (a level's classes, ranks, flags): Python values
        as_type = {"b": np.bool_, "u": np.uint64}.get(dtype.kind, np.int64)
        values: list[Any] = col.to_numpy(dtype=as_type, na_value=0).tolist()
        for i in np.flatnonzero(col.isna().to_numpy()):
            values[i] = None
        return values
    if isinstance(col.array, pd.arrays.FloatingArray):
        return clean_column(pd.Series(col.to_numpy(dtype=np.float64, na_value=np.nan)))
    # text and None are JSON-safe as they are (what ``clean`` returns for them)
    return [v if v is None or type(v) is str else clean(v) for v in col]


def records_by_area(df: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """:func:`records` grouped by ``area_code``, in row order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in records(df):
        out.setdefault(str(r["area_code"]), []).append(r)
    return out


V = TypeVar("V")


class _ByArea(Mapping[str, V], Generic[V]):
    """A mapping of area code to what is made of the area's rows, over ``_rows`` (each
    area's row positions, areas in the order they first appear); subclasses make it."""

    _rows: Mapping[str, Any]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, code: object) -> bool:
        return code in self._rows


class ColumnRecords(_ByArea[list[dict[str, Any]]]):
    """:func:`records_by_area` of a frame, its columns cleaned whole once
    (:func:`clean_column`) and each area's rows made when it is first asked for (and kept).

    For a frame of every area of a level of which a run reads a few: the same rows as
    :func:`records_by_area` gives, without a dict per row of the areas never asked for.
    Shared by the callers: treat the rows as read-only, as every cached value.
    """

    def __init__(self, df: pd.DataFrame) -> None:
        self._cols = list(df.columns)
        self._values = [clean_column(df[c]) for c in self._cols]
        rows: dict[str, list[int]] = {}
        for i, code in enumerate(self._values[self._cols.index("area_code")]):
            rows.setdefault(str(code), []).append(i)
        self._rows = rows
        self._made: dict[str, list[dict[str, Any]]] = {}

    def __getitem__(self, code: str) -> list[dict[str, Any]]:
        found = self._made.get(code)
        if found is None:
            cols, values = self._cols, self._values
            found = [dict(zip(cols, [v[i] for v in values], strict=True)) for i in self._rows[code]]
            found = self._made.setdefault(code, found)
        return found


class RowByArea(_ByArea[dict[str, Any]]):
    """``{str(r["area_code"]): r for r in records(df)}`` (an area's last row, for a frame of
    one row per area), each area's row made when it is first asked for
    (:class:`ColumnRecords`): a table of every area of a level of which a run reads a few.
    Shared by the callers: treat the rows as read-only."""

    def __init__(self, df: pd.DataFrame) -> None:
        self._records = ColumnRecords(df)
        self._rows = self._records._rows

    def __getitem__(self, code: str) -> dict[str, Any]:
        return self._records[code][-1]


class AreaRecords(_ByArea[list[dict[str, Any]]]):
    """:func:`records_by_area` of a frame, each area's rows made when it is asked for.

    Keeps the frame and each area's row positions (areas in the order they first appear,
    rows in frame order) instead of a dict per row: a level of the whole country over
    several years has about a million rows, and a page reads one area's. The last
    :data:`RECENT` areas asked for are kept, shared by the callers (treat them as
    read-only, as every cached value).
    """

    RECENT = 16

    def __init__(self, df: pd.DataFrame) -> None:
        self._df = df
        codes = df["area_code"].astype(str).to_numpy()
        first, inverse = pd.factorize(codes, sort=False)
        order = np.argsort(first, kind="stable")  # positions grouped by area, in row order
        bounds = np.searchsorted(first[order], np.arange(len(inverse) + 1))
        self._rows = {str(code): order[bounds[i] : bounds[i + 1]] for i, code in enumerate(inverse)}
        self._recent: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def __getitem__(self, code: str) -> list[dict[str, Any]]:
        with self._lock:
            found = self._recent.get(code)
        if found is not None:
            return found
        rows = records(self._df.iloc[self._rows[code]])
        with self._lock:
            if len(self._recent) >= self.RECENT:
                self._recent.pop(next(iter(self._recent)))
            self._recent[code] = rows
        return rows
