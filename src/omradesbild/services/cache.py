"""Computations kept in memory per store content: a level's indicators are computed once.

Building every area's indicators of a level (:func:`omradesbild.services.level.level_indicators`)
is most of the work of a report, a city picture or a web page, and the same level is asked
for again and again (the report site and its PDF, every area profile, the web app's pages).
:func:`store_cached` keeps such results in memory, keyed by the function, its arguments and a
fingerprint of everything the store holds (:func:`store_fingerprint`). Any write to the store
(an ingest, a crosswalk, a crime-coverage update) changes the fingerprint, so the next call
computes afresh: a cached answer is always the one the store's current content gives.

The cache is bounded in entries, least recently used first (``OMRADESBILD_SERVICE_CACHE``,
default :data:`omradesbild.config.SERVICE_CACHE_ENTRIES`; ``0`` turns it off), and
:func:`clear` empties it. A cached value is shared by every caller: callers must treat it as
read-only, as they already do with the web app's cached objects. Intermediate results that
several of those are built from (the base areas' indicator counts,
:mod:`omradesbild.services.base_counts`) are kept the same way in a pool of their own
(:func:`store_cached_intermediate`), so they never push a finished result out. Results that
many commands share (a one-kommun report's national parts) are kept on disk as well, under
the same key (:func:`store_cached_on_disk`, :mod:`omradesbild.services.disk_cache`).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, ParamSpec, TypeVar

import duckdb

from omradesbild.config import SERVICE_CACHE_ENTRIES, SERVICE_CACHE_ENV
from omradesbild.errors import InputError
from omradesbild.store import Store
from omradesbild.wording import Message

P = ParamSpec("P")
R = TypeVar("R")


def max_entries() -> int:
    """How many results the cache keeps: ``$OMRADESBILD_SERVICE_CACHE`` or the default."""
    text = os.environ.get(SERVICE_CACHE_ENV)
    if text is None or not text.strip():
        return SERVICE_CACHE_ENTRIES
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise InputError(
            Message("err_svc_cache_entries", name=SERVICE_CACHE_ENV, value=repr(text)),
            field=SERVICE_CACHE_ENV,
            expected=Message("exp_svc_int_min", min=0),
        )
    return n


def store_fingerprint(store: Store) -> str:
    """A digest of everything ``store`` holds, as its connection sees it now.

    Notes
    -----
    For every table ``t`` of the store (in name order) the digest takes its row count
    ``n_t`` and the order-free sum ``Σ_rows hash(row)`` of DuckDB's 64-bit hash of each
    whole row, geometry included; the result is ``blake2b`` of those figures. Adding,
    removing or changing any row changes ``n_t`` or the sum (up to a hash collision,
    about 2⁻⁶⁴). Reading the store this way costs a few tens of milliseconds for a city
    and about a second for several years of the whole country. A connection opened
    read-only sees content that cannot change while it is open (DuckDB lets no process
    write a file that a read-only connection holds), so its fingerprint is computed once
    per connection (and the connection asked whether it is read-only once).
    """
    con = store.con
    with _PRINTS_LOCK:  # kept only for a connection found read-only
        known = _READ_ONLY_PRINTS.get(con)
    if known is not None:
        return known
    read_only = _read_only(con)
    tables = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_catalog = current_database() AND table_type = 'BASE TABLE' "
        "ORDER BY table_name"
    ).fetchall()
    parts = []
    for (name,) in tables:
        quoted = '"' + str(name).replace('"', '""') + '"'
        row = con.execute(f"SELECT count(*), sum(hash(_row)) FROM {quoted} AS _row").fetchone()
        parts.append(f"{name}:{row[0] if row else 0}:{row[1] if row else 0}")
    digest = hashlib.blake2b("|".join(parts).encode(), digest_size=16).hexdigest()
    if read_only:
        with _PRINTS_LOCK:
            _READ_ONLY_PRINTS[con] = digest
    return digest


#: Fingerprints of read-only connections: what they see cannot change while they are open.
_READ_ONLY_PRINTS: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, str] = (
    weakref.WeakKeyDictionary()
)
_PRINTS_LOCK = threading.Lock()


def _read_only(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``con`` was opened read-only."""
    row = con.execute("SELECT current_setting('access_mode')").fetchone()
    return row is not None and str(row[0]).lower() == "read_only"


def _hashable(value: Any) -> Hashable:
    """``value`` as part of a key: lists and sets become tuples."""
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, set | frozenset):
        return tuple(sorted(value))
    return value  # type: ignore[no-any-return]


class _Pool:
    """Cached results, least recently used first, with their own bound."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()


_DEFAULT = _Pool()
#: Intermediate results (e.g. the base areas' indicator counts) that several cached results
#: are built from: kept apart so that they never push those results out.
_INTERMEDIATE = _Pool()


def _key(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, ...]:
    """The cache key of ``func(*args, **kwargs)``: its name, the store's fingerprint and the
    other arguments (defaults filled in)."""
    bound = inspect.signature(func).bind(*args, **kwargs)
    bound.apply_defaults()
    store, *rest = bound.arguments.values()
    name = f"{func.__module__}.{func.__qualname__}"
    return (name, store_fingerprint(store), *(_hashable(v) for v in rest))


def _cached_in(pool: _Pool, func: Callable[P, R], *, disk: bool = False) -> Callable[P, R]:
    if disk:
        from omradesbild.services.disk_cache import kept_on_disk

        compute = kept_on_disk(func)
    else:
        compute = func

    @functools.wraps(func)
    def cached(*args: P.args, **kwargs: P.kwargs) -> R:
        size = max_entries()
        if size == 0:
            return compute(*args, **kwargs)
        key = _key(func, args, kwargs)
        with pool.lock:
            if key in pool.entries:
                pool.entries.move_to_end(key)
                return pool.entries[key]  # type: ignore[no-any-return]
        value = compute(*args, **kwargs)
        with pool.lock:
            pool.entries[key] = value
            while len(pool.entries) > size:
                pool.entries.popitem(last=False)
        return value

    return cached


def store_cached(func: Callable[P, R]) -> Callable[P, R]:
    """Keep ``func``'s results per store content and arguments (see the module's notes).

    ``func`` takes the :class:`~omradesbild.store.Store` as its first argument; the other
    arguments (defaults filled in) must be hashable or lists of such. Exceptions are not
    cached. Two threads missing the same key at once may both compute it.
    """
    return _cached_in(_DEFAULT, func)


def store_cached_on_disk(func: Callable[P, R]) -> Callable[P, R]:
    """:func:`store_cached`, with results also kept between commands: on a miss in memory
    the folder of :mod:`omradesbild.services.disk_cache` is read first (and written after a
    computation). For results that are costly, not too large, and the same for many
    commands (e.g. the national parts of a one-kommun report); every argument must be
    digestible (:func:`omradesbild.services.disk_cache.digest`), else nothing is kept on
    disk."""
    return _cached_in(_DEFAULT, func, disk=True)


def store_cached_intermediate(func: Callable[P, R]) -> Callable[P, R]:
    """:func:`store_cached` for intermediate results, kept in a pool of their own (same
    bound) and not counted by :func:`cached_count`."""
    return _cached_in(_INTERMEDIATE, func)


def peek(func: Callable[..., R], *args: Any, **kwargs: Any) -> R | None:
    """The result kept for ``func(*args, **kwargs)`` (``func`` made by :func:`store_cached`
    or :func:`store_cached_intermediate`), or None when none is kept (or the cache is off):
    never computes it."""
    if max_entries() == 0:
        return None
    inner = getattr(func, "__wrapped__", func)
    key = _key(inner, args, kwargs)
    for pool in (_DEFAULT, _INTERMEDIATE):
        with pool.lock:
            if key in pool.entries:
                return pool.entries[key]  # type: ignore[no-any-return]
    return None


def clear() -> None:
    """Forget every cached result (intermediate ones too)."""
    for pool in (_DEFAULT, _INTERMEDIATE):
        with pool.lock:
            pool.entries.clear()


def cached_count() -> int:
    """How many results the cache holds now (intermediate ones not counted)."""
    with _DEFAULT.lock:
        return len(_DEFAULT.entries)


__all__ = [
    "cached_count",
    "clear",
    "max_entries",
    "peek",
    "store_cached",
    "store_cached_intermediate",
    "store_cached_on_disk",
    "store_fingerprint",
]
