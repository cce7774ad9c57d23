"""The codes of a text column, computed once per column's data.

Every level's indicators are summed from the same base counts (one frame, shared and
read-only; :func:`omradesbild.services.base_counts.base_counts`), and each sum numbers the
same text columns again (area code, version, period, indicator): millions of texts hashed
once per level. :func:`factorize` keeps the codes of a column of pandas' Arrow-backed text
per the column's Arrow data, which cannot change: writing to the column gives it new Arrow
data, and codes are kept only while the data they were computed from is alive.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

#: Columns shorter than this are numbered afresh (cheaper than keeping their codes).
MIN_KEPT_ROWS = 10_000

_KEPT: dict[int, tuple[weakref.ref[pa.ChunkedArray], npt.NDArray[np.intp], Any]] = {}
_LOCK = threading.Lock()


def factorize(column: pd.Series) -> tuple[npt.NDArray[np.intp], Any]:
    """``pd.factorize(column)``, kept for the column's Arrow data when it has any.

    Parameters
    ----------
    column
        A column (any dtype).

    Returns
    -------
    tuple
        The codes and uniques ``pd.factorize(column)`` gives. For a long column of pandas'
        Arrow-backed text they are shared by every caller of the same data: the codes are
        read-only, and neither may be changed.
    """
    data = _arrow_data(column)
    if data is None:
        return pd.factorize(column)  # type: ignore[no-any-return]
    key = id(data)
    with _LOCK:
        kept = _KEPT.get(key)
    if kept is not None and kept[0]() is data:
        return kept[1], kept[2]
    codes, uniques = pd.factorize(column)
    codes.flags.writeable = False

    def forget(_: object, key: int = key) -> None:
        with _LOCK:
            entry = _KEPT.get(key)
            if entry is not None and entry[0]() is None:
                del _KEPT[key]

    with _LOCK:
        _KEPT[key] = (weakref.ref(data, forget), codes, uniques)
    return codes, uniques


def distinct(column: pd.Series) -> Any:
    """The distinct values of ``column`` (those of ``column.unique()``, in the same order):
    the uniques of :func:`factorize` when no value is missing."""
    codes, uniques = factorize(column)
    if len(codes) and int(codes.min()) < 0:
        return column.unique()
    return uniques


def _arrow_data(column: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow data of a long column of pandas' Arrow-backed text, else None."""
    array = column.array
    if len(array) < MIN_KEPT_ROWS or not isinstance(array, pd.arrays.ArrowStringArray):
        return None
    data = array.__arrow_array__()
    return data if isinstance(data, pa.ChunkedArray) else None


def kept_count() -> int:
    """How many columns' codes are kept now."""
    with _LOCK:
        return len(_KEPT)
