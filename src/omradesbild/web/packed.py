"""Finished pages and page views kept compressed in the response cache.

At national scale the web app prepares the page of every area at start-up (some 3 400
RegSO): kept as Python objects and plain HTML they took most of the server's memory. Here

- a finished page is kept gzip-compressed (:class:`Gzipped`, about a seventh of its size)
  and sent as it is to a client that accepts gzip, decompressed for one that does not
  (:func:`page_response`): the page's bytes are the same either way;
- an area page's view (the :class:`~omradesbild.services.models.AreaProfile` and its
  figures, needed only to render a page again: another language, period or set of partner
  entries) is kept pickled and zlib-compressed (:class:`Pickled`, about a twentieth of its
  size as objects) and unpacked when a page has to be rendered (milliseconds, in the thread
  pool, against tens of milliseconds to compute it again).

Pickles are made and read only by this process, from its own objects.
"""

from __future__ import annotations

import gzip
import pickle
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from omradesbild.web.assets import GZIP_LEVEL, accepts_gzip
from omradesbild.web.cache import MISS, WebData, cached, memo

#: zlib level of kept views (fast: a view is packed each time one is computed).
ZLIB_LEVEL = 1


@dataclass(frozen=True, slots=True)
class Gzipped:
    """A finished page, gzip-compressed (no file name or time in the header)."""

    data: bytes

    @classmethod
    def of(cls, body: bytes) -> Gzipped:
        return cls(gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0))

    def body(self) -> bytes:
        """The page's bytes."""
        return gzip.decompress(self.data)


@dataclass(frozen=True, slots=True)
class Pickled:
    """An object kept pickled and zlib-compressed."""

    blob: bytes

    @classmethod
    def of(cls, value: Any) -> Pickled:
        return cls(zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL),
                                 ZLIB_LEVEL))  # fmt: skip

    def load(self) -> Any:
        """A copy of the object kept."""
        return pickle.loads(zlib.decompress(self.blob))  # our own pickles only


def memo_page(data: WebData, key: tuple[Any, ...], render: Callable[[], bytes]) -> Gzipped:
    """The page ``render()`` makes, kept gzip-compressed per store version and ``key``."""
    found: Gzipped = memo(data, key, lambda: Gzipped.of(render()))
    return found


def cached_page(data: WebData, key: tuple[Any, ...]) -> Gzipped | None:
    """The page :func:`memo_page` keeps under ``key``, or None (never renders)."""
    found = cached(data, key)
    return None if found is MISS else found  # type: ignore[no-any-return]


def memo_view(data: WebData, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    """``build()`` kept pickled and compressed per store version and ``key``: a copy of
    the object is returned on a hit (unpacked, milliseconds; call it in the thread pool)."""
    found = cached(data, key)
    if found is not MISS:
        return found.load()
    value = build()
    memo(data, key, lambda: Pickled.of(value))
    return value


def page_response(request: Request, page: Gzipped) -> HTMLResponse:
    """``page`` as an HTML answer: as kept (``Content-Encoding: gzip``) when the request
    accepts gzip, else decompressed."""
    vary = {"Vary": "Accept-Encoding"}
    if accepts_gzip(request.headers.get("accept-encoding", "").encode("latin-1")):
        return HTMLResponse(page.data, headers={"Content-Encoding": "gzip", **vary})
    return HTMLResponse(page.body(), headers=vary)


__all__ = [
    "Gzipped",
    "Pickled",
    "cached_page",
    "memo_page",
    "memo_view",
    "page_response",
]
