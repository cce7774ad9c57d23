"""Errors of the partners' part (login, submissions, interventions).

They derive from :class:`omradesbild.errors.OmradesbildError`; the web layer maps them to
HTTP status codes with :data:`HTTP_STATUS` (not found is the package's
:class:`~omradesbild.errors.NotFoundError` → 404, validation is
:class:`~omradesbild.errors.InputError` → 422).
"""

from __future__ import annotations

from omradesbild.errors import OmradesbildError


class PermissionDenied(OmradesbildError):
    """The acting user may not do this (HTTP 403)."""

    exit_code = 6


class NotAuthenticated(PermissionDenied):
    """The action needs a logged-in user, or the login failed (HTTP 401)."""


class CsrfError(PermissionDenied):
    """A form or API write without a valid CSRF token (HTTP 403)."""


class RateLimited(OmradesbildError):
    """Too many failed logins for this e-mail address and IP address (HTTP 429).

    Parameters
    ----------
    message
        What happened, in plain words.
    retry_after
        Seconds until a new attempt is allowed.
    """

    exit_code = 6

    def __init__(self, message: str, *, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class ConflictError(OmradesbildError):
    """The object is not in a state that allows the action (HTTP 409)."""

    exit_code = 6


class VersionConflict(ConflictError):
    """The object changed since the version the user read (HTTP 409): the edit or decision
    is not applied, so that no one approves or overwrites a text they have not seen."""


#: HTTP status of each error class, most specific first (used by the web layer).
HTTP_STATUS: tuple[tuple[type[OmradesbildError], int], ...] = (
    (NotAuthenticated, 401),
    (CsrfError, 403),
    (PermissionDenied, 403),
    (RateLimited, 429),
    (ConflictError, 409),
)
