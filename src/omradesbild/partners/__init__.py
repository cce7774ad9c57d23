"""Partners' input: organisations, users, submissions, interventions, security.

- :mod:`~omradesbild.partners.db`: :func:`make_engine`, :func:`init_db`,
  :func:`session_factory` (SQLite or PostgreSQL);
- :mod:`~omradesbild.partners.models`: the tables;
- :mod:`~omradesbild.partners.service`: submissions, interventions, users and the audit log,
  with the authorization matrix;
- :mod:`~omradesbild.partners.security`: passwords, sessions, CSRF, rate limiting, limits;
- :mod:`~omradesbild.partners.seed`: the synthetic demo content.

See ``docs/partners.md``.
"""

from omradesbild.partners.db import default_partners_url, init_db, make_engine, session_factory
from omradesbild.partners.errors import (
    ConflictError,
    CsrfError,
    NotAuthenticated,
    PermissionDenied,
    RateLimited,
)
from omradesbild.partners.models import Role
from omradesbild.partners.service import Actor

__all__ = [
    "Actor",
    "ConflictError",
    "CsrfError",
    "NotAuthenticated",
    "PermissionDenied",
    "RateLimited",
    "Role",
    "default_partners_url",
    "init_db",
    "make_engine",
    "session_factory",
]
