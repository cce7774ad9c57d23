"""What the web app keeps in memory: the service layer's objects and finished answers.

The computations are the service layer's (:mod:`omradesbild.services.level`,
:mod:`omradesbild.services.area`); here they are cached with
:func:`~omradesbild.web.lru.bounded_cache`, keyed on the store file's path and modification
time: ingesting into the store invalidates the cache on the next request. The first request
for a level (or an index method at a level) pays the computation; later requests only look
up prepared objects, so pages and the API answer in milliseconds. Finished pages and JSON
bodies are kept in an LRU response cache (:func:`memo`). Both caches are bounded in entries
and in bytes (``OMRADESBILD_CACHE_MAX_BYTES``, ``OMRADESBILD_COMPUTE_CACHE_MAX_BYTES``; see
:mod:`omradesbild.web.lru`), and the query parameters that make cache keys are checked
against the store before any cache is read (:mod:`omradesbild.web.validation`).
"""

from __future__ import annotations

import functools
import gzip
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import TypeAdapter

from omradesbild import config
from omradesbild.errors import InputError, NotFoundError
from omradesbild.services.geometry import LevelGeometry, level_geometry
from omradesbild.services.level import (
    LevelIndex,
    LevelIndicators,
    References,
    level_index,
    level_indicators,
    method_by_id,
)
from omradesbild.services.level import references as _level_references
from omradesbild.services.level_picture import LevelPicture
from omradesbild.services.level_police import PoliceData
from omradesbild.services.records import records
from omradesbild.web.lru import COMPUTE, ByteLRU, bounded_cache, set_compute_budget
from omradesbild.web.validation import unknown_value
from omradesbild.wording import both

#: Levels that are not offered as pages (they are references or overlays).
HIDDEN_LEVELS = frozenset({"country", "police_area"})

_LOCK = threading.RLock()

T = TypeVar("T")


# ------------------------------------------------------------------------ response cache
#: Finished pages, JSON bodies and view objects: a few per area (page, API, HTML) for every
#: RegSO and more, bounded in entries and in bytes (``OMRADESBILD_CACHE_MAX_BYTES``).
_CACHE: ByteLRU[tuple[Any, ...], Any] = ByteLRU(50_000, 2 * 1024**3)


def configure_caches(*, max_bytes: int, compute_max_bytes: int) -> None:
    """Set the byte bounds of the response cache and of the computations' cache."""
    _CACHE.resize(max_bytes=max_bytes)
    set_compute_budget(compute_max_bytes)


MISS = object()


def cached(data: WebData, key: tuple[Any, ...]) -> Any:
    """The value :func:`memo` holds for ``key``, or :data:`MISS` (never computes, never
    waits for a computation: safe on the event loop)."""
    return _CACHE.get((*data.page_key(), *key), MISS)


def memo(data: WebData, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    """``build()`` cached per store version (path, mtime), the app's settings that change
    what is computed (:meth:`WebData.page_key`) and ``key`` (LRU, in memory)."""
    value = cached(data, key)
    if value is not MISS:
        return value
    full = (*data.page_key(), *key)
    value = build()
    _CACHE.put(full, value)
    return value


# ------------------------------------------------------------------ logged-in pages
#: Stand-ins for the visitor's name and CSRF token in a page rendered once for every
#: logged-in visitor (random per process: no stored text can hold them).
_USER_MARK = "omradesbild-user-" + secrets.token_hex(16)
_CSRF_MARK = "omradesbild-csrf-" + secrets.token_hex(16)


@dataclass(frozen=True)
class _StandIn:
    """What the layout shows of a user (``display_name``), as a stand-in."""

    display_name: str = _USER_MARK


def shown_name(user: Any) -> str:
    """The name the page layout shows for ``user`` (the order of ``base.html``)."""
    for attr in ("display_name", "name", "email", "username"):
        value = getattr(user, attr, None)
        if value:
            return str(value)
    return str(user)


def entries_key(*parts: Any) -> str:
    """A short digest of what a page shows (e.g. the partners' entries a visitor sees)."""
    import hashlib
    import json

    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def personal_is_cached(data: WebData, key: tuple[Any, ...]) -> bool:
    """Whether :func:`personal_page` has the page of ``key`` in memory (no rendering)."""
    return cached(data, ("personal", *key)) is not MISS


def personal_page(
    request: Request, data: WebData, key: tuple[Any, ...], render: Callable[[], bytes]
) -> bytes:
    """A page for the logged-in visitor of ``request``: rendered once per ``key`` with
    stand-ins for their name and CSRF token, which are put in per request (escaped).

    ``key`` must name everything else the page shows (e.g. the partners' entries the
    visitor may see). ``render`` renders with ``request.state.user`` and
    ``request.state.csrf_token`` as they are when it runs.
    """
    from markupsafe import escape

    user = getattr(request.state, "user", None)
    csrf = getattr(request.state, "csrf_token", None)
    if user is None or not csrf:
        return render()

    def with_stand_ins() -> bytes:
        request.state.user, request.state.csrf_token = _StandIn(), _CSRF_MARK
        try:
            return render()
        finally:
            request.state.user, request.state.csrf_token = user, csrf

    body: bytes = memo(data, ("personal", *key), with_stand_ins)
    return body.replace(_USER_MARK.encode(), str(escape(shown_name(user))).encode()).replace(
        _CSRF_MARK.encode(), str(escape(csrf)).encode()
    )


def json_response(
    data: WebData, key: tuple[Any, ...], model: Any, build: Callable[[], Any]
) -> Response:
    """The JSON of ``build()`` validated against ``model`` once, then served from memory."""

    def encode() -> bytes:
        adapter: TypeAdapter[Any] = TypeAdapter(model)
        out: bytes = adapter.dump_json(adapter.validate_python(build()), by_alias=True)
        return out

    return Response(memo(data, key, encode), media_type="application/json")


#: Bodies larger than this are also kept gzip-compressed, for clients that accept it.
GZIP_MIN_BYTES = 8192


async def json_response_async(
    data: WebData,
    key: tuple[Any, ...],
    model: Any,
    build: Callable[[], Any],
    *,
    request: Request | None = None,
) -> Response:
    """:func:`json_response` for ``async`` routes: a cache hit is answered on the event loop
    (no thread hop, no GIL hand-over between threads); a miss is computed in the thread pool.

    Large bodies go out gzip-compressed (compressed once, kept in memory) when the client
    accepts it: the national tables shrink about eightfold.
    """
    body = cached(data, key)
    if body is MISS:
        response = await run_in_threadpool(json_response, data, key, model, build)
        body = response.body
    gzip_ok = request is not None and "gzip" in request.headers.get("accept-encoding", "")
    if gzip_ok and len(body) >= GZIP_MIN_BYTES:
        packed = cached(data, (*key, "gzip"))
        if packed is MISS:
            packed = await run_in_threadpool(
                memo, data, (*key, "gzip"), lambda: gzip.compress(body, compresslevel=6, mtime=0)
            )
        return Response(
            packed,
            media_type="application/json",
            headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
        )
    return Response(body, media_type="application/json", headers={"Vary": "Accept-Encoding"})


# ------------------------------------------------------------------------------- the store
#: Seconds a store's modification time is trusted before the file is looked at again: a
#: rebuilt store shows on the pages within this time (each request asks for the key several
#: times; without this every ask costs two or three ``stat`` calls).
STORE_CHECK_TTL = 1.0
_STORE_KEYS: dict[str, tuple[float, tuple[str, int]]] = {}


def store_key(path: str | Path, *, max_age: float = STORE_CHECK_TTL) -> tuple[str, int]:
    """``(path, mtime_ns)`` of the store (and its WAL file): the cache key.

    The file is looked at again at most every ``max_age`` seconds.
    """
    now = time.monotonic()
    seen = _STORE_KEYS.get(str(path))
    if seen is not None and now - seen[0] < max_age:
        return seen[1]
    p = Path(path)
    try:
        mtime = p.stat().st_mtime_ns
    except OSError as exc:
        from omradesbild.errors import StoreError

        _STORE_KEYS.pop(str(path), None)
        raise StoreError(both("err_web_no_store", path=str(p))) from exc
    wal = Path(f"{p}.wal")
    if wal.exists():
        mtime = max(mtime, wal.stat().st_mtime_ns)
    key = (str(p), mtime)
    _STORE_KEYS[str(path)] = (now, key)
    return key


def _open(path: str) -> Any:
    from omradesbild.store import Store

    return Store(path, read_only=True)


@dataclass(frozen=True)
class StoreInfo:
    """Levels, all areas and the sources of the store."""

    levels: list[dict[str, Any]]
    areas: pd.DataFrame  # area_code, level, version, name, parent_code
    sources: pd.DataFrame
    periods: list[str]
    synthetic: bool
    lookup: dict[str, list[tuple[str, str, str]]]  # code -> [(level, version, name)]

    def level_names(self) -> list[str]:
        return sorted({str(r["level"]) for r in self.levels})

    def version_names(self, level: str | None = None) -> list[str]:
        """The boundary versions of ``level`` (of every level when None), sorted."""
        return sorted({str(r["version"]) for r in self.levels if level in (None, r["level"])})


def area_lookup(areas: pd.DataFrame) -> dict[str, list[tuple[str, str, str]]]:
    """Area code -> ``[(level, version, name)]`` in the rows' order, levels in
    :data:`HIDDEN_LEVELS` left out; an area without a name is named by its code."""
    shown = areas[~areas["level"].isin(HIDDEN_LEVELS)]
    codes = shown["area_code"].astype(str).tolist()
    names = shown["name"].tolist()
    named = [n if isinstance(n, str) and n else c for n, c in zip(names, codes, strict=True)]
    rows = zip(
        shown["level"].astype(str).tolist(), shown["version"].astype(str).tolist(), named,
        strict=True,
    )  # fmt: skip
    lookup: dict[str, list[tuple[str, str, str]]] = {}
    for code, row in zip(codes, rows, strict=True):
        found = lookup.get(code)
        if found is None:
            lookup[code] = [row]
        else:
            found.append(row)
    return lookup


@bounded_cache
def _store_info(path: str, mtime: int) -> StoreInfo:
    with _open(path) as store:
        counts = store.area_counts()
        periods = store.periods()
        areas = store.areas()[["area_code", "level", "version", "name", "parent_code"]]
        sources = store.sources()
    levels = [a for a in counts if a["level"] not in HIDDEN_LEVELS]
    publishers = " ".join(sources["publisher"].astype(str)).lower()
    return StoreInfo(
        lookup=area_lookup(areas),
        levels=levels,
        areas=areas,
        sources=sources,
        periods=periods,
        synthetic="syntetisk" in publishers,
    )


@bounded_cache
def _read(path: str, mtime: int, read: Callable[..., T], /, **params: Any) -> T:
    """``read(store, **params)`` on the store at ``path`` (version ``mtime``), cached."""
    with _open(path) as store:
        return read(store, **params)


def _level(
    path: str, mtime: int, level: str, version: str, base_version: str, threshold: int
) -> LevelIndicators:
    return _read(
        path, mtime, level_indicators,
        level=level, version=version, base_version=base_version, threshold=threshold,
    )  # fmt: skip


@bounded_cache
def _level_or_none(
    path: str, mtime: int, level: str, version: str, base_version: str, threshold: int
) -> LevelIndicators | None:
    """:func:`_level`, or None when no indicator can be computed for the version (no key
    leads there from the base version, say): kept, where an error would be computed again
    on every page that asks."""
    try:
        return _level(path, mtime, level, version, base_version, threshold)
    except (InputError, NotFoundError):
        return None


@bounded_cache
def _index(
    path: str, mtime: int, method_id: str, level: str, version: str, base: str, threshold: int
) -> LevelIndex:
    return level_index(
        _level(path, mtime, level, version, base, threshold), method_by_id(method_id)
    )


@bounded_cache
def _picture(
    path: str,
    mtime: int,
    method_id: str,
    level: str,
    version: str,
    base: str,
    threshold: int,
    draws: int,
) -> LevelPicture:
    lv = _level(path, mtime, level, version, base, threshold)
    ix: LevelIndex | None = _index(path, mtime, method_id, level, version, base, threshold)
    if ix is not None and not ix.results:
        ix = None
    period = ix.latest() if ix is not None else (lv.periods or [""])[-1]
    from omradesbild.services.followup.goals import police_entries

    return LevelPicture(
        indicators=lv,
        references=_read(path, mtime, _level_references, base_version=base, threshold=threshold),
        index=ix,
        police=_police(path, level, version, period, ix, base),
        draws=draws,
        police_entries=_read(path, mtime, police_entries),
    )


def _police(
    path: str, level: str, version: str, period: str, index: LevelIndex | None, base: str
) -> PoliceData:
    """The level's police list (:func:`~omradesbild.services.level_police.police_data`), with
    SCB's area types taken from ``index`` (read from base areas ``base``) when it is theirs
    (:func:`~omradesbild.services.level_scope.police_of_index`), not computed again."""
    from omradesbild.services.level_scope import police_of_index

    with _open(path) as store:
        return police_of_index(
            store, level=level, version=version, period=period, index=index, base_version=base
        )


@dataclass(frozen=True)
class Downloads:
    """One boundary version's downloads: the years with indicators, and those of them the
    index can be computed in (both empty when the version has no indicators)."""

    level: str
    version: str
    periods: tuple[str, ...]
    index_periods: tuple[str, ...]


@bounded_cache
def _downloads(
    path: str, mtime: int, method_id: str, base: str, threshold: int
) -> tuple[Downloads, ...]:
    """:meth:`WebData.downloads`, computed once per store: a version without indicators (an
    error, which the cache does not keep) would otherwise be tried again on every page."""
    out = []
    for r in _store_info(path, mtime).levels:
        level, version = str(r["level"]), str(r["version"])
        lv = _level_or_none(path, mtime, level, version, base, threshold)
        if lv is None:
            out.append(Downloads(level, version, (), ()))
            continue
        try:
            ix: LevelIndex | None = _index(path, mtime, method_id, level, version, base, threshold)
        except (InputError, NotFoundError):
            ix = None
        index_periods = tuple(ix.periods) if ix is not None and ix.results else ()
        out.append(Downloads(level, version, tuple(lv.periods), index_periods))
    return tuple(out)


@functools.cache
def _shipped_methods() -> tuple[str, ...]:
    from omradesbild.index import shipped_methods

    return tuple(shipped_methods())


def shipped_method_ids() -> list[str]:
    """Ids of the shipped index methods (read once)."""
    return list(_shipped_methods())


def clear_caches() -> None:
    """Forget every cached computation (tests)."""
    COMPUTE.clear()
    _CACHE.clear()


# ------------------------------------------------------------------------------ the facade
class WebData:
    """The cached computations for one store, with the web app's settings.

    Parameters
    ----------
    store_path
        The store file.
    base_version, threshold, draws, simplify_m
        As :class:`~omradesbild.web.settings.WebSettings`.
    """

    def __init__(
        self,
        store_path: str | Path,
        *,
        base_version: str = config.BASE_VERSION,
        threshold: int = config.DISCLOSURE_THRESHOLD,
        draws: int = config.PAGE_UNCERTAINTY_DRAWS,
        simplify_m: float = 25.0,
    ) -> None:
        self.path = str(store_path)
        self.base_version = base_version
        self.threshold = threshold
        self.draws = draws
        self.simplify_m = simplify_m

    def key(self) -> tuple[str, int]:
        return store_key(self.path)

    def page_key(self) -> tuple[Any, ...]:
        """:meth:`key` and every setting a page, JSON body or view depends on: two apps in
        one process on the same store with other settings (e.g. Monte-Carlo draws) never
        serve each other's cached pages."""
        return (*self.key(), self.base_version, self.threshold, self.draws, self.simplify_m)

    def info(self) -> StoreInfo:
        with _LOCK:
            return _store_info(*self.key())

    def info_if_cached(self) -> StoreInfo | None:
        """:meth:`info` when it is in memory, else None (safe on the event loop)."""
        found: StoreInfo | None = _store_info.peek(*self.key())  # type: ignore[attr-defined]
        return found

    def check_level(self, level: str) -> str:
        """``level`` if the store has areas of it, else an :class:`InputError` (422)."""
        known = self.info().level_names()
        if level not in known:
            raise InputError(unknown_value("level", level, known), field="level")
        return level

    def resolve_version(self, level: str, version: str | None) -> str:
        """The boundary version of ``level``: as given (checked), the default or the only one."""
        from omradesbild.config import DEFAULT_VERSION

        self.check_level(level)
        versions = self.info().version_names(level)
        if version:
            if version not in versions:
                raise InputError(unknown_value("version", version, versions), field="version")
            return version
        default = DEFAULT_VERSION.get(level)
        if default in versions:
            return str(default)
        if len(versions) == 1:
            return versions[0]
        raise InputError(
            both("web_version_needed", level=level, allowed=", ".join(versions)), field="version"
        )

    def level_and_version(
        self, level: str | None, version: str | None, default_level: str
    ) -> tuple[str, str]:
        """``(level, version)`` a page shows: ``level`` (else the level holding ``version``,
        else ``default_level``) and its version checked by :meth:`resolve_version`. A
        ``version`` without a ``level`` that the store does not have, or that several
        levels have, is an :class:`InputError` (422) naming the allowed values."""
        if not level and version:
            info = self.info()
            if version not in info.version_names():
                allowed = info.version_names()
                raise InputError(unknown_value("version", version, allowed), field="version")
            levels = sorted({str(r["level"]) for r in info.levels if r["version"] == version})
            if len(levels) > 1:
                raise InputError(
                    both("web_level_needed", version=version, allowed=", ".join(levels)),
                    field="level",
                )
            level = levels[0]
        level = level or default_level
        return level, self.resolve_version(level, version)

    def level(self, level: str, version: str | None = None) -> LevelIndicators:
        version = self.resolve_version(level, version)
        with _LOCK:
            return _level(*self.key(), level, version, self.base_version, self.threshold)

    def level_or_none(self, level: str, version: str | None = None) -> LevelIndicators | None:
        """:meth:`level`, or None when no indicator can be computed for the version (known
        once per store: a page asking again computes nothing); an unknown level or version
        is still an :class:`InputError`."""
        version = self.resolve_version(level, version)
        with _LOCK:
            return _level_or_none(*self.key(), level, version, self.base_version, self.threshold)

    def references(self) -> References:
        with _LOCK:
            return _read(
                *self.key(), _level_references,
                base_version=self.base_version, threshold=self.threshold,
            )  # fmt: skip

    def index(self, method_id: str, level: str, version: str | None = None) -> LevelIndex:
        lv = self.level(level, version)
        with _LOCK:
            return _index(
                *self.key(), method_id, level, lv.version, self.base_version, self.threshold
            )

    def try_index(self, method_id: str, lv: LevelIndicators) -> LevelIndex | None:
        """The index, or None when it cannot be computed at the level."""
        try:
            ix = self.index(method_id, lv.level, lv.version)
        except (NotFoundError, InputError):
            return None
        return ix if ix.results else None

    def downloads(self, method_id: str) -> tuple[Downloads, ...]:
        """Every boundary version's own years with indicators and with ``method_id``'s index
        (the downloads page's links: each leads to its version's file, never to another
        version's or to an error), computed once per store."""
        with _LOCK:
            return _downloads(*self.key(), method_id, self.base_version, self.threshold)

    def picture(self, method_id: str, level: str, version: str | None = None) -> LevelPicture:
        """The level's picture under ``method_id`` (indicators, index, police, intervals)."""
        lv = self.level(level, version)
        with _LOCK:
            return _picture(
                *self.key(), method_id, level, lv.version, self.base_version, self.threshold,
                self.draws,
            )  # fmt: skip

    def uncertainty(
        self, method_id: str, level: str, period: str, version: str | None = None
    ) -> Mapping[str, dict[str, Any]]:
        """Area -> Monte-Carlo rank interval and class probabilities in ``period``."""
        pic = self.picture(method_id, level, version)
        return pic.uncertainty(period)[0]

    def geometry(self, level: str, version: str | None = None) -> LevelGeometry:
        """The level's display boundaries: its own polygons, else dissolved from the base
        version's (the reports' rule, see
        :func:`~omradesbild.services.geometry.display_geometry`)."""
        version = self.resolve_version(level, version)
        with _LOCK:
            return _read(
                *self.key(), level_geometry,
                level=level, version=version, base_version=self.base_version,
                tolerance=self.simplify_m,
            )  # fmt: skip

    def geojson(self, level: str, version: str | None = None) -> bytes:
        return self.geometry(level, version).geojson

    def find_area(self, code: str, level: str | None = None) -> tuple[str, str, str]:
        """``(level, version, name)`` of an area code (the default version first)."""
        from omradesbild.config import DEFAULT_VERSION
        from omradesbild.wording import both

        found = self.info().lookup.get(code, [])
        hits = [h for h in found if h[0] == level] if level else found
        if found and not hits:  # the area is stored, at other levels than the one asked for
            levels = sorted({h[0] for h in found})
            raise InputError(
                both("web_area_not_at_level", value=repr(code[:60]), level=repr(level),
                     allowed=", ".join(levels)),
                field="level", expected=", ".join(levels),
            )  # fmt: skip
        if not hits:
            raise NotFoundError(both("web_no_area", value=repr(code[:60])))
        default = [h for h in hits if DEFAULT_VERSION.get(h[0]) == h[1]]
        return (default or hits)[0]

    def warm(self, level: str, method_id: str) -> None:
        """Compute what the pages of ``level`` need (after start-up)."""
        lv = self.level(level)
        self.references()
        ix = self.try_index(method_id, lv)
        if ix is not None:
            self.uncertainty(method_id, level, ix.latest(), lv.version)


__all__ = ["WebData", "cached", "clear_caches", "json_response", "memo", "records"]
