"""Least-recently-used caches bounded in bytes as well as entries.

Every cache of the web app is one :class:`ByteLRU`: the finished pages and JSON bodies
(:mod:`omradesbild.web.cache`), the computations behind them (:func:`bounded_cache`) and the
rate limiter's buckets. An entry count alone does not bound memory (one national table
weighs megabytes, one area page kilobytes), so each entry's size is estimated once when it
is stored (:func:`approx_bytes`) and the least recently used entries are dropped until both
bounds hold. An entry larger than the whole byte bound is returned but not kept.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import fields, is_dataclass
from typing import Any, Generic, ParamSpec, TypeVar

import numpy as np
import pandas as pd

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
P = ParamSpec("P")
R = TypeVar("R")

#: Items of a list, tuple, set or dict measured one by one; larger containers are
#: estimated from an evenly spread sample of this many items.
SAMPLE = 64


_LEAF, _FRAME, _ARRAY, _DICT, _SEQ, _DATACLASS, _VARS, _OTHER = range(8)

#: Type -> (kind, dataclass field names): how :func:`approx_bytes` measures its instances
#: (worked out once per type; most values are of a few types).
_KINDS: dict[type, tuple[int, tuple[str, ...]]] = {}


def _kind(tp: type) -> tuple[int, tuple[str, ...]]:
    found = _KINDS.get(tp)
    if found is not None:
        return found
    names: tuple[str, ...] = ()
    if issubclass(tp, bytes | bytearray | memoryview | str):
        kind = _LEAF
    elif issubclass(tp, pd.DataFrame | pd.Series):
        kind = _FRAME
    elif issubclass(tp, np.ndarray):
        kind = _ARRAY
    elif issubclass(tp, dict):
        kind = _DICT
    elif issubclass(tp, list | tuple | set | frozenset):
        kind = _SEQ
    elif issubclass(tp, type):
        kind = _OTHER
    elif is_dataclass(tp):
        kind, names = _DATACLASS, tuple(f.name for f in fields(tp))
    else:
        kind = _VARS  # measured by its ``__dict__`` when it has one
    if len(_KINDS) > 4096:  # types made on the fly: keep the table small
        _KINDS.clear()
    _KINDS[tp] = (kind, names)
    return kind, names


def approx_bytes(obj: Any, *, _seen: set[int] | None = None, _depth: int = 0) -> int:
    """An estimate of the memory held by ``obj`` and what it references, in bytes.

    Bytes and strings count their length, DataFrames and arrays their buffers
    (:func:`frame_bytes`), containers and dataclasses their items. Objects reached
    twice count once; containers longer than :data:`SAMPLE` are extrapolated from a sample.

    Notes
    -----
    For a container of ``n > S`` items the estimate is
    ``getsizeof(container) + n / S · Σ_{sampled} size(item)`` with ``S`` = :data:`SAMPLE`
    items taken at the stride ``n // S``. How a type is measured is worked out once per
    type (:data:`_KINDS`): the estimate runs on every value put in a cache.
    """
    seen = set() if _seen is None else _seen
    if id(obj) in seen or _depth > 12:
        return 0
    seen.add(id(obj))
    kind, names = _KINDS.get(type(obj)) or _kind(type(obj))
    if kind == _LEAF:
        return sys.getsizeof(obj)
    if kind == _FRAME:
        return frame_bytes(obj)
    if kind == _ARRAY:
        return int(obj.nbytes) + 112
    items: list[Any]
    if kind == _DICT:
        items = list(obj.items())
    elif kind == _SEQ:
        items = list(obj)
    elif kind == _DATACLASS:
        items = [getattr(obj, name, None) for name in names]
    elif kind == _VARS and hasattr(obj, "__dict__"):
        items = list(vars(obj).values())
    else:
        return sys.getsizeof(obj)
    total = sys.getsizeof(obj)
    n = len(items)
    if not n:
        return total
    step = max(1, n // SAMPLE)
    sample = items[::step] if step > 1 else items
    depth = _depth + 1
    measured = 0
    for x in sample:
        measured += approx_bytes(x, _seen=seen, _depth=depth)
    return total + int(measured * n / len(sample))


#: Bytes counted per value of an object column of a DataFrame (the pointer and a short
#: Python object, often shared) and of a string column (Arrow buffers: offsets and text).
OBJECT_CELL_BYTES = 40
STRING_CELL_BYTES = 24


def frame_bytes(frame: pd.DataFrame | pd.Series) -> int:
    """A fast estimate of a DataFrame's or Series' memory, in bytes.

    Notes
    -----
    ``rows · (Σ itemsize + 8) + 200``, where a column's itemsize is its dtype's, or
    :data:`OBJECT_CELL_BYTES` (object) or :data:`STRING_CELL_BYTES` (string) per value;
    ``memory_usage(deep=True)`` is exact but reads every string and costs milliseconds per
    frame.
    """
    dtypes = [frame.dtype] if isinstance(frame, pd.Series) else list(frame.dtypes)
    per_row = 0
    for d in dtypes:
        if d == np.dtype(object):
            per_row += OBJECT_CELL_BYTES
        elif isinstance(d, np.dtype):
            per_row += d.itemsize
        else:  # string, categorical, nullable extension dtypes
            per_row += STRING_CELL_BYTES
    return len(frame) * (per_row + 8) + 200


class ByteLRU(Generic[K, V]):
    """A thread-safe LRU mapping bounded by entry count and by estimated bytes.

    Parameters
    ----------
    max_entries
        Most entries kept.
    max_bytes
        Most bytes kept (sum of :func:`approx_bytes` of the values at insertion).
    sizeof
        How a value is measured (default :func:`approx_bytes`).
    """

    def __init__(
        self,
        max_entries: int,
        max_bytes: int,
        *,
        sizeof: Callable[[Any], int] = approx_bytes,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._sizeof = sizeof
        self._data: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: K, default: Any = None) -> Any:
        """The value of ``key`` (now the most recently used), else ``default``."""
        with self._lock:
            hit = self._data.get(key)
            if hit is None:
                return default
            self._data.move_to_end(key)
            return hit[0]

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._data

    def put(self, key: K, value: V, size: int | None = None) -> None:
        """Keep ``value`` under ``key``, dropping the least recently used beyond the bounds."""
        n = self._sizeof(value) if size is None else size
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if n > self.max_bytes:
                return
            self._data[key] = (value, n)
            self._bytes += n
            while self._data and (
                len(self._data) > self.max_entries or self._bytes > self.max_bytes
            ):
                _, (_, dropped) = self._data.popitem(last=False)
                self._bytes -= dropped

    def resize(self, *, max_entries: int | None = None, max_bytes: int | None = None) -> None:
        """Change the bounds (dropping entries at once if they no longer fit)."""
        with self._lock:
            self.max_entries = max_entries or self.max_entries
            self.max_bytes = max_bytes or self.max_bytes
        self._shrink()

    def _shrink(self) -> None:
        with self._lock:
            while self._data and (
                len(self._data) > self.max_entries or self._bytes > self.max_bytes
            ):
                _, (_, dropped) = self._data.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._data)

    @property
    def nbytes(self) -> int:
        """Estimated bytes held."""
        return self._bytes


#: The one cache of every :func:`bounded_cache` function (computations): entries of all
#: functions share the byte bound set by :func:`set_compute_budget`.
COMPUTE: ByteLRU[Any, Any] = ByteLRU(128, 4 * 1024**3)


def bounded_cache(func: Callable[P, R]) -> Callable[P, R]:
    """:func:`functools.lru_cache` in :data:`COMPUTE`: bounded in entries and bytes together
    with every other decorated function.

    The decorated function gains ``cache_clear()`` (clearing :data:`COMPUTE`) and
    ``peek(*args)`` (the cached value or None, never computing); exceptions
    are not cached; two threads missing the same key at once may both compute it.
    """
    missing = object()

    @functools.wraps(func)
    def cached(*args: P.args, **kwargs: P.kwargs) -> R:
        key = (func.__qualname__, args, tuple(sorted(kwargs.items())))
        value = COMPUTE.get(key, missing)
        if value is missing:
            value = func(*args, **kwargs)
            COMPUTE.put(key, value)
        return value  # type: ignore[no-any-return]

    def peek(*args: Any) -> Any:
        """The cached value of ``func(*args)``, or None (never computes)."""
        return COMPUTE.get((func.__qualname__, args, ()), None)

    cached.cache_clear = COMPUTE.clear  # type: ignore[attr-defined]
    cached.peek = peek  # type: ignore[attr-defined]
    return cached


def set_compute_budget(max_bytes: int) -> None:
    """Set the byte bound of the computations' cache :data:`COMPUTE`."""
    COMPUTE.resize(max_bytes=max_bytes)


__all__ = [
    "COMPUTE",
    "ByteLRU",
    "approx_bytes",
    "bounded_cache",
    "frame_bytes",
    "set_compute_budget",
]
