"""Settings of the web application, read from ``OMRADESBILD_*`` environment variables.

Every setting has a default that works on a laptop (``omradesbild serve --demo``); a
production deployment sets at least ``OMRADESBILD_PRODUCTION=1`` and
``OMRADESBILD_SECRET_KEY``. See ``docs/web.md`` for the full list.

:class:`WebSettings` is a ``pydantic-settings`` model: the variable of field ``name`` is
``OMRADESBILD_<NAME>``, except the store, which keeps the command line's ``OMRADESBILD_DB``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from omradesbild import config
from omradesbild.config import default_partners_url
from omradesbild.errors import ConfigError
from omradesbild.wording import Bilingual, Message, both, say, text

#: Prefix of every environment variable the web application reads.
ENV_PREFIX = "OMRADESBILD_"

#: Environment variable of the store (shared with the command line's ``--db``).
STORE_ENV = "OMRADESBILD_DB"

_TRUE = {"1", "true", "yes", "on", "ja"}
_FALSE = {"0", "false", "no", "off", "nej", ""}

# The variables ``from_env`` reads when it is given a mapping instead of ``os.environ``.
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("omradesbild_web_environ", default=None)


class _EnvSource(EnvSettingsSource):
    """The environment source, reading the mapping given to ``from_env`` when there is one."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        environ = _ENVIRON.get()
        if environ is None:
            return super()._load_env_vars()
        return {k.lower(): v for k, v in environ.items() if k.upper().startswith(ENV_PREFIX)}


@contextmanager
def _reading(environ: Mapping[str, str] | None) -> Iterator[None]:
    token = _ENVIRON.set(environ)
    try:
        yield
    finally:
        _ENVIRON.reset(token)


class WebSettings(BaseSettings):
    """Settings of one running web application (``OMRADESBILD_*`` variables).

    Attributes
    ----------
    store_path
        ``OMRADESBILD_DB``: the DuckDB store (opened read-only).
    partners_url
        ``OMRADESBILD_PARTNERS_URL``: SQLAlchemy URL of the partners' database (SQLite or
        ``postgresql+psycopg://``); default SQLite beside the store.
    secret_key
        ``OMRADESBILD_SECRET_KEY``: signs session cookies and CSRF tokens; random per
        process unless set (required in production).
    cookie_secure
        ``OMRADESBILD_COOKIE_SECURE``: send cookies only over HTTPS (default: on in
        production).
    lang
        ``OMRADESBILD_LANG``: default language of the pages, ``sv`` or ``en`` (``?lang=``
        overrides per request).
    production
        ``OMRADESBILD_PRODUCTION``: requires a secret key, turns on secure cookies, hides
        details of internal errors.
    level, version
        ``OMRADESBILD_LEVEL``, ``OMRADESBILD_VERSION``: the default area level of the pages
        and its boundary version (default: the store's).
    method
        ``OMRADESBILD_METHOD``: the default index method on the area pages and the map.
    kommun
        ``OMRADESBILD_KOMMUN``: the city whose lägesbild the start page and the goals page
        show by default (a kommun code, e.g. ``0180``); default the kommun with the most
        areas at the default level (``?kommun=`` chooses another per request).
    disclosure_threshold
        ``OMRADESBILD_DISCLOSURE_THRESHOLD``: counts from 1 to ``threshold - 1`` are not
        published (see disclosure control).
    draws
        ``OMRADESBILD_DRAWS``: Monte-Carlo draws of the rank intervals on the area pages
        (the report's default too: the same interval on both).
    base_version
        ``OMRADESBILD_BASE_VERSION``: boundary version of the observations aggregated to
        every level.
    simplify_m
        ``OMRADESBILD_SIMPLIFY_M``: simplification tolerance of the map boundaries, metres.
    cache_max_bytes
        ``OMRADESBILD_CACHE_MAX_BYTES``: size bound of the finished pages and JSON bodies
        kept in memory (approximate bytes; least recently used are dropped first).
    compute_cache_max_bytes
        ``OMRADESBILD_COMPUTE_CACHE_MAX_BYTES``: size bound of the cached computations
        (indicators per level, indices, intervals, boundaries).
    max_body_bytes
        ``OMRADESBILD_MAX_BODY_BYTES``: largest request body, counted as it arrives (also
        chunked bodies); larger requests get 413.
    trusted_proxies
        ``OMRADESBILD_TRUSTED_PROXIES``: comma-separated addresses or networks (CIDR) of the
        reverse proxies whose ``X-Forwarded-For``/``X-Forwarded-Proto`` are believed; empty
        (default): none, the client is the connecting address.
    rate_limit_per_minute, rate_limit_burst
        ``OMRADESBILD_RATE_LIMIT_PER_MINUTE``, ``OMRADESBILD_RATE_LIMIT_BURST``: requests per
        client address to the expensive anonymous endpoints (method explorer, exports), as a
        token bucket; 0 per minute turns the limit off.

    Notes
    -----
    Boolean variables accept ``1/0``, ``true/false``, ``yes/no``, ``on/off`` and ``ja/nej``
    (an empty value is false).
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="forbid",
        frozen=True,
        populate_by_name=True,
    )

    store_path: Path = Field(
        default=Path("omradesbild.duckdb"),
        validation_alias=STORE_ENV,
        description="The DuckDB store (opened read-only).",
    )
    partners_url: str = Field(
        default="", description="SQLAlchemy URL of the partners' database (SQLite or PostgreSQL)."
    )
    secret_key: str = Field(
        default="", description="Signs session cookies and CSRF tokens; required in production."
    )
    cookie_secure: bool | None = Field(
        default=None, description="Cookies only over HTTPS (default: on in production)."
    )
    lang: Literal["sv", "en"] = Field(default="sv", description="Default page language.")
    production: bool = Field(
        default=False,
        description="Requires a secret key, secure cookies, no details of internal errors.",
    )
    level: str = Field(default="regso", description="Default area level of the pages.")
    version: str | None = Field(
        default=None, description="Boundary version of the default level (the store's)."
    )
    method: str = Field(default=config.DEFAULT_METHOD, description="Default index method.")
    kommun: str | None = Field(
        default=None,
        pattern=r"^[0-9]{4}$",
        description="Default city (kommun code) of the start page and the goals page.",
    )
    disclosure_threshold: int = Field(
        default=config.DISCLOSURE_THRESHOLD,
        ge=1,
        description="Counts from 1 to threshold - 1 are not published.",
    )
    draws: int = Field(
        default=config.PAGE_UNCERTAINTY_DRAWS,
        ge=0,
        le=2000,
        description="Monte-Carlo draws of the rank intervals.",
    )
    base_version: str = Field(
        default=config.BASE_VERSION,
        description="Boundary version of the observations aggregated to every level.",
    )
    simplify_m: float = Field(
        default=25.0, ge=0, description="Map boundary simplification tolerance in metres."
    )

    cache_max_bytes: int = Field(
        default=2 * 1024**3,
        ge=1024 * 1024,
        description="Size bound (bytes) of the finished pages and JSON bodies in memory.",
    )
    compute_cache_max_bytes: int = Field(
        default=4 * 1024**3,
        ge=1024 * 1024,
        description="Size bound (bytes) of the cached computations.",
    )
    max_body_bytes: int = Field(
        default=200_000, ge=1024, description="Largest request body in bytes (413 beyond)."
    )
    trusted_proxies: str = Field(
        default="",
        description="Reverse proxies (addresses or CIDR networks, comma-separated) whose "
        "X-Forwarded-For is believed; empty: none.",
    )
    rate_limit_per_minute: float = Field(
        default=60,
        ge=0,
        description="Requests per minute and client to the explorer and exports (0: no limit).",
    )
    rate_limit_burst: int = Field(
        default=20, ge=1, description="Requests a client may make at once before the limit."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments first, then the environment; no ``.env`` or secret files."""
        return (init_settings, _EnvSource(settings_cls))

    @field_validator("production", "cookie_secure", mode="before")
    @classmethod
    def _boolean(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        low = value.strip().lower()
        if low not in _TRUE | _FALSE:
            raise ValueError(Message("err_web_not_boolean", value=repr(value)))
        return low in _TRUE

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        import ipaddress

        items = [v.strip() for v in value.split(",") if v.strip()]
        for item in items:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(Message("err_web_not_network", value=repr(item))) from None
        return ",".join(items)

    def proxy_list(self) -> list[str]:
        """The trusted proxies, one address or network per item (empty: none)."""
        return [v for v in self.trusted_proxies.split(",") if v]

    @field_validator("version", mode="before")
    @classmethod
    def _empty_version(cls, value: object) -> object:
        return value or None

    @model_validator(mode="after")
    def _defaults(self) -> WebSettings:
        if self.production and not self.secret_key:
            raise ValueError(Message("err_web_secret_needed"))
        if self.production and self.cookie_secure is False:
            raise ValueError(Message("err_web_https_only"))
        if not self.partners_url:
            object.__setattr__(self, "partners_url", default_partners_url(self.store_path))
        if not self.secret_key:
            object.__setattr__(self, "secret_key", secrets.token_hex(32))
        if self.cookie_secure is None:
            object.__setattr__(self, "cookie_secure", self.production)
        return self

    def uvicorn_options(self) -> dict[str, Any]:
        """Options for ``uvicorn.run``: proxy headers only from :attr:`trusted_proxies`
        (none by default, where uvicorn would believe 127.0.0.1)."""
        proxies = self.proxy_list()
        return {"proxy_headers": bool(proxies), "forwarded_allow_ips": proxies}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> WebSettings:
        """Settings from ``OMRADESBILD_*`` variables; ``overrides`` (not None) win.

        Parameters
        ----------
        environ
            The variables; default ``os.environ``.
        **overrides
            Field values (e.g. from command-line options) that replace the variables.

        Raises
        ------
        ConfigError
            A variable holds a value that is not valid, naming the variable.
        """
        given = {k: v for k, v in overrides.items() if v is not None}
        try:
            with _reading(environ):
                return cls(**given)
        except ValidationError as exc:
            worded = {lang: _describe(exc, lang) for lang in ("sv", "en")}
            raise ConfigError(
                Bilingual(
                    text("err_web_invalid_settings", "sv", detail=worded["sv"]),
                    text("err_web_invalid_settings", "en", detail=worded["en"]),
                )
            ) from exc


def env_var(field: str) -> str:
    """The environment variable of a setting, e.g. ``"lang"`` → ``OMRADESBILD_LANG``."""
    return STORE_ENV if field in ("store_path", STORE_ENV) else ENV_PREFIX + field.upper()


def _describe(exc: ValidationError, lang: str) -> str:
    """The settings' errors in ``lang``: each variable and what is wrong with it (worded by
    the catalogue where the check is ours, pydantic's English otherwise)."""
    from omradesbild.validation import problem

    parts = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else ""
        msg = say(problem(err), lang)
        parts.append(f"{env_var(field)}: {msg}" if field else msg)
    return "; ".join(parts)


def production_from_env(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``OMRADESBILD_PRODUCTION`` is on (read alone, before the other settings).

    Raises
    ------
    ConfigError
        When the value is not a boolean.
    """
    import os

    value = (os.environ if environ is None else environ).get(ENV_PREFIX + "PRODUCTION", "")
    try:
        return bool(WebSettings._boolean(value))
    except ValueError as exc:
        detail = exc.args[0] if exc.args else str(exc)
        var = f"{ENV_PREFIX}PRODUCTION"
        raise ConfigError(both("err_web_setting", var=var, detail=detail)) from None


__all__ = [
    "ENV_PREFIX",
    "STORE_ENV",
    "WebSettings",
    "default_partners_url",
    "env_var",
    "production_from_env",
]
