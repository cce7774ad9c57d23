"""The follow-up's notes on what could not be computed, worded for a reader.

A note names the project's known cause in the catalogue's words (``fu_reason_*``) and
keeps the raw error only as ``detail`` (English, technical), which a page shows second,
marked as English.
"""

from __future__ import annotations

from omradesbild.errors import InputError, NotFoundError, OmradesbildError, StoreError
from omradesbild.wording import Message

#: Known causes: the field an :class:`InputError` of the follow-up names -> reason key.
_INPUT_REASONS = {
    "value": "fu_reason_no_values",
    "comparison": "fu_reason_overlap",
    "start_period": "fu_reason_period",
    "period": "fu_reason_period",
}


def reason_of(exc: OmradesbildError) -> Message:
    """The catalogue's explanation of ``exc`` (``fu_reason_other`` for an unknown case)."""
    if isinstance(exc, InputError) and exc.field in _INPUT_REASONS:
        return Message(_INPUT_REASONS[exc.field])
    if isinstance(exc, (NotFoundError, StoreError)):
        return Message("fu_reason_no_data")
    return Message("fu_reason_other")


def error_note(key: str, exc: OmradesbildError) -> Message:
    """The note ``key`` (``fu_no_estimate_because`` or ``fu_no_types_because``) explaining
    ``exc``; the raw message is its ``detail``."""
    return Message(key, reason=reason_of(exc), detail=str(exc))
