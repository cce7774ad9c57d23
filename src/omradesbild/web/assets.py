"""The app's static files: compressed once, cached by the browser, versioned URLs.

:class:`StaticAssets` is a plain ASGI middleware answering ``GET``/``HEAD`` under
``/static/`` from an :class:`AssetRegistry`:

- each file is read once (re-read when its modification time or size changes) and kept in
  memory with its gzip-compressed form; a client sending ``Accept-Encoding: gzip`` gets
  the compressed bytes (``Content-Encoding: gzip``, ``Vary: Accept-Encoding``);
- the ``ETag`` is a hash of the content; ``If-None-Match`` with it is answered ``304``;
- a URL carrying the content's version (``?v=<version>``, as :func:`static_url` writes
  it in the pages) is ``Cache-Control: public, max-age=31536000, immutable``: a new
  content has a new URL. Any other URL is ``public, no-cache``: the browser keeps it but
  asks (with the ETag) before using it again.

Sources: the app's ``web/static`` folder, Swagger UI's files from the installed
``swagger-ui-py`` (``/static/swagger/…``), plotly.js from the installed ``plotly``
(``/static/vendor/plotly.min.js``) and plotly's empty base maps
(``/static/vendor/plotly-geo-assets.js``). Nothing is fetched from another host.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from omradesbild.reports.palette import AREA_TYPE_CSS, area_type_css

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: URL prefix of every static file.
PREFIX = "/static/"
#: Cache-Control of a versioned URL (its content never changes).
IMMUTABLE = b"public, max-age=31536000, immutable"
#: Cache-Control of an unversioned URL: kept, but revalidated with the ETag before use.
REVALIDATE = b"public, no-cache"
#: gzip level of every body kept compressed (static files, pages).
GZIP_LEVEL = 6
#: Files smaller than this are sent as they are (gzip would not pay).
MIN_GZIP_BYTES = 512

_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".png": "image/png",
}


@dataclass(frozen=True)
class Asset:
    """One static file in memory: its bytes, gzip form (None when it does not pay), type,
    version (a content hash) and the source's ``(mtime_ns, size)`` it was read at."""

    body: bytes
    gzipped: bytes | None
    media_type: str
    version: str
    stamp: tuple[int, int] | None

    @property
    def etag(self) -> bytes:
        """The strong ETag, quoted."""
        return b'"' + self.version.encode("ascii") + b'"'


def make_asset(body: bytes, name: str, stamp: tuple[int, int] | None = None) -> Asset:
    """An :class:`Asset` of ``body`` named ``name`` (its suffix gives the media type)."""
    suffix = Path(name).suffix.lower()
    media = _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    packed: bytes | None = None
    if len(body) >= MIN_GZIP_BYTES and media != "image/png":
        packed = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        if len(packed) >= len(body):
            packed = None
    version = hashlib.blake2b(body, digest_size=8).hexdigest()
    return Asset(body, packed, media, version, stamp)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


class AssetRegistry:
    """Static files by URL path: folders mounted under a prefix, single files, and
    generated contents. Files are read on first use and kept (re-read when changed)."""

    def __init__(self) -> None:
        self._dirs: list[tuple[str, Path]] = []
        self._files: dict[str, Path] = {}
        self._made: dict[str, Callable[[], bytes]] = {}
        self._cache: dict[str, Asset] = {}
        self._lock = threading.Lock()

    def add_dir(self, prefix: str, folder: Path) -> None:
        """Serve the files of ``folder`` under ``prefix`` (e.g. ``/static/swagger/``);
        longer prefixes are looked at first."""
        self._dirs.append((prefix, folder.resolve()))
        self._dirs.sort(key=lambda d: -len(d[0]))

    def add_file(self, url: str, path: Path) -> None:
        """Serve ``path`` at ``url``."""
        self._files[url] = path

    def add_generated(self, url: str, make: Callable[[], bytes]) -> None:
        """Serve what ``make()`` returns at ``url`` (called once)."""
        self._made[url] = make

    def _source(self, url: str) -> Path | None:
        if url in self._files:
            return self._files[url]
        for prefix, folder in self._dirs:
            if url.startswith(prefix):
                rel = url[len(prefix) :]
                if not rel or rel.startswith("/") or "\\" in rel or "\x00" in rel:
                    return None
                path = (folder / rel).resolve()
                if path.is_relative_to(folder) and path.is_file():
                    return path
                return None
        return None

    def get(self, url: str) -> Asset | None:
        """The asset at ``url``, or None when there is none."""
        if url in self._made:
            cached = self._cache.get(url)
            if cached is None:
                with self._lock:
                    cached = self._cache.get(url) or make_asset(self._made[url](), url)
                    self._cache[url] = cached
            return cached
        path = self._source(url)
        if path is None:
            return None
        stamp = _stamp(path)
        cached = self._cache.get(url)
        if cached is not None and cached.stamp == stamp:
            return cached
        with self._lock:
            cached = self._cache.get(url)
            if cached is None or cached.stamp != stamp:
                cached = make_asset(path.read_bytes(), path.name, stamp)
                self._cache[url] = cached
        return cached

    def version(self, url: str) -> str | None:
        """The version (content hash) of the asset at ``url``, None when there is none."""
        asset = self.get(url)
        return asset.version if asset is not None else None


def static_url(registry: AssetRegistry, name: str) -> str:
    """The versioned URL of the static file ``name`` (``"web.css"``, ``"vendor/…"``):
    ``/static/<name>?v=<version>``; without ``?v=`` when there is no such file."""
    url = PREFIX + name.lstrip("/")
    version = registry.version(url)
    return f"{url}?v={version}" if version else url


class StaticAssets:
    """Answer ``GET``/``HEAD`` under ``/static/`` from ``registry`` (see the module);
    anything else, and unknown files, go on to the app."""

    def __init__(self, app: ASGIApp, registry: AssetRegistry) -> None:
        self.app = app
        self.registry = registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(PREFIX) or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        asset = self.registry.get(path)
        if asset is None:
            await self.app(scope, receive, send)
            return
        await self._answer(scope, send, asset)

    async def _answer(self, scope: Scope, send: Send, asset: Asset) -> None:
        headers = {k.lower(): v for k, v in scope.get("headers", ())}
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        versioned = query.get("v", [None])[-1] == asset.version
        common = [
            (b"etag", asset.etag),
            (b"cache-control", IMMUTABLE if versioned else REVALIDATE),
            (b"vary", b"Accept-Encoding"),
        ]
        wanted = headers.get(b"if-none-match", b"")
        if wanted and (wanted.strip() == b"*" or asset.etag in _etags(wanted)):
            await send({"type": "http.response.start", "status": 304, "headers": common})
            await send({"type": "http.response.body", "body": b""})
            return
        body = asset.body
        extra = []
        if asset.gzipped is not None and accepts_gzip(headers.get(b"accept-encoding", b"")):
            body = asset.gzipped
            extra.append((b"content-encoding", b"gzip"))
        raw = [
            (b"content-type", asset.media_type.encode("latin-1")),
            (b"content-length", str(len(body)).encode("ascii")),
            *extra,
            *common,
        ]
        await send({"type": "http.response.start", "status": 200, "headers": raw})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )


def _etags(value: bytes) -> list[bytes]:
    """The entity tags of an ``If-None-Match`` value (weak ones compared by their tag)."""
    out = []
    for part in value.split(b","):
        tag = part.strip()
        out.append(tag[2:] if tag.startswith(b"W/") else tag)
    return out


def accepts_gzip(value: bytes) -> bool:
    """Whether an ``Accept-Encoding`` value accepts gzip (``q=0`` refuses it)."""
    for part in value.lower().split(b","):
        coding, _, params = part.strip().partition(b";")
        if coding.strip() in (b"gzip", b"*"):
            q = params.strip()
            return not (q.startswith(b"q=") and q[2:].strip(b" 0.") == b"")
    return False


def default_registry(static_dir: Path, swagger_dir: Path | None) -> AssetRegistry:
    """The app's static files: ``static_dir`` under ``/static/``, Swagger UI under
    ``/static/swagger/`` (when given), plotly.js and its empty base maps under
    ``/static/vendor/``, the area types' colours at ``/static/area-types.css``
    (:func:`~omradesbild.reports.palette.area_type_css`)."""
    from importlib import resources

    registry = AssetRegistry()
    registry.add_dir(PREFIX, static_dir)
    if swagger_dir is not None:
        registry.add_dir(PREFIX + "swagger/", swagger_dir)
    plotly = resources.files("plotly") / "package_data" / "plotly.min.js"
    if isinstance(plotly, Path):
        registry.add_file(PREFIX + "vendor/plotly.min.js", plotly)
    else:  # pragma: no cover - zipped installs
        registry.add_generated(PREFIX + "vendor/plotly.min.js", plotly.read_bytes)

    def geo() -> bytes:
        from omradesbild.reports.plotly_assets import geo_assets_js

        return geo_assets_js().encode()

    registry.add_generated(PREFIX + "vendor/plotly-geo-assets.js", geo)
    registry.add_generated(PREFIX + AREA_TYPE_CSS, lambda: area_type_css().encode())
    registry.add_generated(PREFIX + "vendor/plotly-locale-sv.js", plotly_locale_sv)
    return registry


def plotly_locale_sv() -> bytes:
    """plotly.js's Swedish locale from the wording catalogue (see
    :func:`omradesbild.reports.plotly_assets.plotly_locale_js`)."""
    from omradesbild.reports.plotly_assets import plotly_locale_js

    return plotly_locale_js("sv").encode("utf-8")


__all__ = [
    "IMMUTABLE",
    "REVALIDATE",
    "Asset",
    "AssetRegistry",
    "StaticAssets",
    "accepts_gzip",
    "default_registry",
    "make_asset",
    "static_url",
]
