"""The web application factory: ``create_app(settings) -> FastAPI``.

Run it with ``omradesbild serve`` or any ASGI server::

    uvicorn --factory omradesbild.web.app:create_app

Shared state (for the partners' routes too):

- ``app.state.settings`` — :class:`~omradesbild.web.settings.WebSettings`;
- ``app.state.store_path`` — the store file (opened read-only, per computation);
- ``app.state.data`` — :class:`~omradesbild.web.cache.WebData`, the cached computations;
- ``app.state.templates`` — the Jinja2 templates (``web/templates``; ``base.html`` is the
  layout every page extends);
- ``app.state.partners_engine`` — the partners' SQLAlchemy engine, created and migrated
  to the latest schema (``init_db``) at start-up.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from omradesbild.precision import indicator_decimals, score_decimals
from omradesbild.web.errors import install_error_handlers
from omradesbild.web.settings import WebSettings
from omradesbild.wording import Message, fmt_num, translator

if TYPE_CHECKING:
    from omradesbild.web.assets import AssetRegistry

log = logging.getLogger("omradesbild.web")

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def make_templates(lang_default: str = "sv") -> Jinja2Templates:
    """The Jinja2 templates of the web app (autoescaped)."""
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.globals["default_lang"] = lang_default
    env.globals["translator"] = translator
    env.globals["fmt_num"] = fmt_num
    # Decimals of an indicator's values and of an index method's scores (the downloads'
    # precision, so that a figure reads the same on a page and in a download).
    env.globals["dec"] = indicator_decimals
    env.globals["score_dec"] = score_decimals
    env.globals["static_url"] = lambda name: "/static/" + name  # create_app: versioned
    return templates


def _partners_startup(app: FastAPI) -> None:
    from omradesbild.partners.db import init_db, make_engine

    engine = make_engine(app.state.settings.partners_url)
    init_db(engine)
    app.state.partners_engine = engine
    # Names this database in the process-wide page cache: apps (and engines) in one process
    # never share cached partner input, even if an engine's id() is reused.
    app.state.partners_id = uuid.uuid4().hex


class _RefreshPublicPagesOnWrite:
    """A write in this process (e.g. a moderation) shows on public pages at once; writes in
    other processes within ``PUBLIC_GENERATION_TTL`` seconds.

    Plain ASGI (not ``BaseHTTPMiddleware``, whose re-streamed bodies cost a TCP delayed-ACK
    wait of ~40 ms per response).
    """

    def __init__(self, app: Any, forget: Any) -> None:
        self.app = app
        self.forget = forget

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)
        if scope.get("type") == "http" and scope.get("method") not in ("GET", "HEAD", "OPTIONS"):
            self.forget()


def _warm(app: FastAPI) -> None:
    """Precompute (background thread) the static files' compressed forms, the default level's
    indicators, references and index and the start page (``ready``), then every area page
    and every ``/api/areas/{code}`` answer of that level (``warm``)."""
    from omradesbild.web.routes.api import warm_area_api
    from omradesbild.web.routes.pages import prepare_area_pages, prepare_start_page

    settings = app.state.settings
    try:
        names = ("web.css", "area-types.css", "web.js", "metod.js", "favicon.svg")
        for name in (*names, "vendor/plotly.min.js"):
            app.state.assets.get("/static/" + name)  # read and gzip-compressed once, now
        app.state.data.warm(settings.level, settings.method)
        prepare_start_page(app)
        app.state.ready = True
        prepare_area_pages(app, settings.level, settings.method, settings.lang)
        warm_area_api(app.state, settings.level)
    except Exception as exc:
        log.warning("could not precompute %s/%s: %s", settings.level, settings.method, exc)
    finally:
        # The precomputed pages are long-lived: keep the cyclic garbage collector from
        # re-scanning them on every full collection.
        import gc

        gc.collect()
        gc.freeze()
        app.state.ready = True
        app.state.warm_done = True


def create_app(settings: WebSettings | None = None, *, warm: bool = True) -> FastAPI:
    """Build the web application (titiler-style factory).

    Parameters
    ----------
    settings
        Settings; default :meth:`WebSettings.from_env` (``OMRADESBILD_*`` variables).
    warm
        Precompute the default level and method in a background thread at start-up.
    """
    from omradesbild import __version__
    from omradesbild.web.assets import StaticAssets, default_registry, static_url
    from omradesbild.web.cache import WebData, configure_caches
    from omradesbild.web.entries import forget_public_generation
    from omradesbild.web.routes import router as explore_router
    from omradesbild.web.routes_admin import router as admin_router
    from omradesbild.web.routes_goals import router as goals_router
    from omradesbild.web.routes_partners import router as partners_router
    from omradesbild.web.validation import check_request

    settings = settings if settings is not None else WebSettings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _partners_startup(app)
        if warm:
            threading.Thread(
                target=_warm, args=(app,), name="omradesbild-warm", daemon=True
            ).start()
        try:
            yield
        finally:
            engine: Any = getattr(app.state, "partners_engine", None)
            if engine is not None:
                engine.dispose()

    app = FastAPI(
        title="Områdesbild",
        version=__version__,
        description=(
            "En gemensam, objektiv och jämförbar bild av varje område. "
            "A shared, objective and comparable picture of every area: indicators with "
            "confidence intervals, composite indices with rank uncertainty, boundaries. "
            "Every figure has passed disclosure control."
        ),
        lifespan=lifespan,
        docs_url=None,  # served below from the installed swagger-ui-py, not a CDN
        redoc_url=None,
        # Unknown method/level/period/lang/area are refused before any cache is touched.
        dependencies=[Depends(check_request)],
    )
    assets = default_registry(STATIC, swagger_ui_dir())
    _offline_docs(app, assets)
    app.state.settings = settings
    app.state.warm_done = not warm
    app.state.ready = not warm
    app.state.pages_prepared = 0
    app.state.store_path = Path(settings.store_path)
    app.state.partners_engine = None
    app.state.templates = make_templates(settings.lang)
    app.state.assets = assets
    app.state.templates.env.globals["static_url"] = partial(static_url, assets)
    configure_caches(
        max_bytes=settings.cache_max_bytes, compute_max_bytes=settings.compute_cache_max_bytes
    )
    app.state.data = WebData(
        settings.store_path,
        base_version=settings.base_version,
        threshold=settings.disclosure_threshold,
        draws=settings.draws,
        simplify_m=settings.simplify_m,
    )
    install_error_handlers(app)
    app.add_middleware(_RefreshPublicPagesOnWrite, forget=forget_public_generation)
    # Static files (compressed, ETag, immutable when versioned) are answered before the
    # routes, inside the guards (so they carry the security headers).
    app.add_middleware(StaticAssets, registry=assets)
    _guards(app, settings)
    app.include_router(explore_router)
    app.include_router(partners_router)
    app.include_router(goals_router)
    app.include_router(admin_router)
    return app


def _guards(app: FastAPI, settings: WebSettings) -> None:
    """The guards around the app, outermost first: security headers, rate limit of the
    expensive endpoints, body size (see :mod:`omradesbild.web.guards`)."""
    from omradesbild.web.guards import BodyLimit, RateLimit, SecurityHeaders

    # add_middleware puts each new one outside the ones before.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        RateLimit, per_minute=settings.rate_limit_per_minute, burst=settings.rate_limit_burst
    )
    cookie = str(getattr(settings, "session_cookie_name", None) or "omradesbild_session")
    app.add_middleware(SecurityHeaders, session_cookie=cookie, hsts=settings.production)


def swagger_ui_dir() -> Path:
    """The Swagger UI (5.x, reads OpenAPI 3.1) distribution files of the installed
    ``swagger-ui-py`` package."""
    from importlib.resources import files

    from omradesbild._compat import import_optional_dependency

    import_optional_dependency("swagger_ui", purpose=Message("purpose_api_docs"))
    return Path(str(files("swagger_ui") / "static"))


def _offline_docs(app: FastAPI, assets: AssetRegistry) -> None:
    """Swagger UI at ``/docs`` with its JS and CSS from the installed swagger-ui-py
    (served by :class:`~omradesbild.web.assets.StaticAssets` under ``/static/swagger/``),
    and the favicon at ``/favicon.ico`` for browsers that ask for it there.

    The page passes the accessibility check (WCAG 2.1 AA): ``docs.css`` of ours, loaded after
    Swagger UI's styles, darkens its low-contrast colours; ``docs.js`` of ours names the
    controls Swagger UI leaves unnamed and lets the keyboard reach its scrolling code boxes;
    without deep links an operation's header (a button) holds its path as text, not a link."""
    from fastapi.openapi.docs import get_swagger_ui_html

    from omradesbild.web.assets import static_url

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="Områdesbild – API",
            swagger_js_url=static_url(assets, "swagger/swagger-ui-bundle.js"),
            swagger_css_url=static_url(assets, "swagger/swagger-ui.css"),
            swagger_favicon_url=static_url(assets, "favicon.svg"),
            swagger_ui_parameters={"deepLinking": False},
        )
        # Swagger UI's wording is English: say so (screen readers pick the voice from it).
        html = bytes(page.body).decode("utf-8").replace("<html>", '<html lang="en">', 1)
        css = f'<link type="text/css" rel="stylesheet" href="{static_url(assets, "docs.css")}">'
        html = html.replace("</head>", f"{css}\n</head>", 1)
        js = f'<script src="{static_url(assets, "docs.js")}"></script>'
        html = html.replace("</body>", f"{js}\n</body>", 1)
        return _allow_inline_scripts(HTMLResponse(html))

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> RedirectResponse:
        return RedirectResponse(static_url(assets, "favicon.svg"), status_code=301)


def _allow_inline_scripts(page: HTMLResponse) -> HTMLResponse:
    """``page`` with a Content-Security-Policy allowing exactly its inline scripts (by
    their SHA-256), else the app's policy (:data:`omradesbild.web.guards.CSP`)."""
    import base64
    import hashlib
    import re

    from omradesbild.web.guards import CSP

    html = bytes(page.body).decode("utf-8")
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(m.encode()).digest()).decode() + "'"
        for m in re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    ]
    policy = CSP.replace("script-src 'self'", "script-src 'self' " + " ".join(hashes))
    page.headers["Content-Security-Policy"] = policy
    return page
