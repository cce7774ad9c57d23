"""Settings of the web application, read from ``OMRADESBILD_*`` environment variables.

Every setting has a default that works on a laptop (``omradesbild serve --demo``); a
production deployment sets at least ``OMRADESBILD_PRODUCTION=1`` and
``OMRADESBILD_SECRET_KEY``. See ``docs/web.md`` for the full list.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from omradesbild.errors import ConfigError

#: Prefix of every environment variable the web application reads.
ENV_PREFIX = "OMRADESBILD_"

#: Field name -> environment variable (the store path keeps the CLI's ``OMRADESBILD_DB``).
ENV_VARS: dict[str, str] = {
    "store_path": "OMRADESBILD_DB",
    "partners_url": "OMRADESBILD_PARTNERS_URL",
    "secret_key": "OMRADESBILD_SECRET_KEY",
    "cookie_secure": "OMRADESBILD_COOKIE_SECURE",
    "lang": "OMRADESBILD_LANG",
    "production": "OMRADESBILD_PRODUCTION",
    "level": "OMRADESBILD_LEVEL",
    "version": "OMRADESBILD_VERSION",
    "method": "OMRADESBILD_METHOD",
    "disclosure_threshold": "OMRADESBILD_DISCLOSURE_THRESHOLD",
    "draws": "OMRADESBILD_DRAWS",
    "base_version": "OMRADESBILD_BASE_VERSION",
    "simplify_m": "OMRADESBILD_SIMPLIFY_M",
}

_TRUE = {"1", "true", "yes", "on", "ja"}
_FALSE = {"0", "false", "no", "off", "nej", ""}


def default_partners_url(store_path: str | Path) -> str:
    """``sqlite:///<folder of the store>/<store stem>-partners.sqlite``."""
    p = Path(store_path)
    return f"sqlite:///{p.with_name(f'{p.stem}-partners.sqlite')}"


class WebSettings(BaseModel):
    """Settings of one running web application.

    Attributes
    ----------
    store_path
        The DuckDB store (opened read-only).
    partners_url
        SQLAlchemy URL of the partners' database (SQLite or ``postgresql+psycopg://``).
    secret_key
        Key that signs session cookies and CSRF tokens; random per process unless set
        (required in production).
    cookie_secure
        Send cookies only over HTTPS (default: on in production).
    lang
        Default language of the pages, ``sv`` or ``en`` (``?lang=`` overrides per request).
    production
        Production mode: requires a secret key, turns on secure cookies, hides details of
        internal errors.
    level, version
        The default area level and boundary version of the pages (version: the store's).
    method
        The default index method on the area pages and the map.
    disclosure_threshold
        Counts from 1 to ``threshold - 1`` are not published (see disclosure control).
    draws
        Monte-Carlo draws of the rank intervals on the area pages.
    base_version
        Boundary version of the observations aggregated to every level.
    simplify_m
        Simplification tolerance of the map boundaries, in metres.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    store_path: Path = Path("omradesbild.duckdb")
    partners_url: str = ""
    secret_key: str = ""
    cookie_secure: bool | None = None
    lang: Literal["sv", "en"] = "sv"
    production: bool = False
    level: str = "regso"
    version: str | None = None
    method: str = "scb-omradestyp"
    disclosure_threshold: int = Field(default=5, ge=1)
    draws: int = Field(default=200, ge=0, le=2000)
    base_version: str = "deso2018"
    simplify_m: float = Field(default=25.0, ge=0)

    @model_validator(mode="after")
    def _defaults(self) -> WebSettings:
        if self.production and not self.secret_key:
            raise ValueError(
                "production mode needs a secret key: set OMRADESBILD_SECRET_KEY to a long "
                "random string (e.g. python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        if not self.partners_url:
            object.__setattr__(self, "partners_url", default_partners_url(self.store_path))
        if not self.secret_key:
            object.__setattr__(self, "secret_key", secrets.token_hex(32))
        if self.cookie_secure is None:
            object.__setattr__(self, "cookie_secure", self.production)
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> WebSettings:
        """Settings from ``OMRADESBILD_*`` variables; ``overrides`` (not None) win.

        Raises
        ------
        ConfigError
            A variable holds a value that is not valid, naming the variable.
        """
        env = os.environ if environ is None else environ
        data: dict[str, Any] = {}
        for name, var in ENV_VARS.items():
            raw = env.get(var)
            if raw is None:
                continue
            if name in ("production", "cookie_secure"):
                low = raw.strip().lower()
                if low not in _TRUE | _FALSE:
                    raise ConfigError(f"{var}={raw!r}: expected 1/0, true/false, yes/no")
                data[name] = low in _TRUE
            elif name == "version":
                data[name] = raw or None
            else:
                data[name] = raw
        data.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**data)
        except ValidationError as exc:
            parts = []
            for err in exc.errors():
                field = str(err["loc"][0]) if err["loc"] else ""
                var = ENV_VARS.get(field, field)
                msg = str(err["msg"]).removeprefix("Value error, ")
                parts.append(f"{var}: {msg}" if var else msg)
            raise ConfigError("invalid web settings: " + "; ".join(parts)) from exc
