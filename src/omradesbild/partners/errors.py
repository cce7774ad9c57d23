"""Errors of the partners' part (login, submissions, interventions).

They derive from :class:`omradesbild.errors.OmradesbildError`; the web layer maps them to
HTTP status codes with :data:`HTTP_STATUS` (not found is the package's
:class:`~omradesbild.errors.NotFoundError` → 404, validation is
:class:`~omradesbild.errors.InputError` → 422).
"""

from __future__ import annotations

from omradesbild.errors import OmradesbildError


def _bilingual(message: str) -> str:
    """A catalogue :class:`~omradesbild.wording.Message` as "svenska / English"; any other
    text as it is."""
    from omradesbild.wording import LANGUAGES, Message

    if isinstance(message, Message):
        return " / ".join(message.text(lang) for lang in LANGUAGES)
    return message


class _Worded(OmradesbildError):
    """An error whose message may be a catalogue :class:`~omradesbild.wording.Message`: it
    then reads "svenska / English" (as :func:`~omradesbild.wording.both` words it), and a
    page that knows its language shows :meth:`worded` of that language alone.

    Parameters
    ----------
    message
        What happened: a ``Message``, or a plain text.
    """

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(_bilingual(message))

    def worded(self, lang: str) -> str:
        """The message in ``lang`` (``"sv"`` or ``"en"``); a plain text as it is."""
        from omradesbild.wording import Message

        return self.message.text(lang) if isinstance(self.message, Message) else str(self)


class PermissionDenied(_Worded):
    """The acting user may not do this (HTTP 403)."""

    exit_code = 6


class NotAuthenticated(PermissionDenied):
    """The action needs a logged-in user, or the login failed (HTTP 401)."""


class CsrfError(PermissionDenied):
    """A form or API write without a valid CSRF token (HTTP 403)."""


class RateLimited(_Worded):
    """Too many failed logins for this e-mail address and IP address (HTTP 429).

    Parameters
    ----------
    message
        What happened, in plain words (a catalogue ``Message``: Swedish and English).
    retry_after
        Seconds until a new attempt is allowed.
    """

    exit_code = 6

    def __init__(self, message: str, *, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class ConflictError(_Worded):
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
