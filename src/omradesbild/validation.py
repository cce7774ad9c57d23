"""The problems of a validated file (a method, goal or indicator catalogue file), worded in
Swedish and English.

A validator of a file's pydantic model raises ``ValueError(Message(...))``: the message is a
text of the wording catalogue, and :func:`problem` gives it back from pydantic's error so that
the file's error reads in both languages. Of pydantic's own messages, a missing key ("Field
required") and an unknown one ("Extra inputs are not permitted") are worded by the catalogue;
the others ("Input should be a valid number") are English only and shown as they are in
both languages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from omradesbild.wording import Message, both, label_message, say

#: Pydantic's most common errors in a file an analyst writes, by error type: the catalogue
#: key whose English is pydantic's own text.
_PYDANTIC = {"missing": "err_ana_field_required", "extra_forbidden": "err_ana_extra_key"}


def problem(err: Any) -> Message | str:
    """What one error of a pydantic ``ValidationError.errors()`` says: the catalogue's
    :class:`~omradesbild.wording.Message` a validator raised, else pydantic's (English) text.

    Parameters
    ----------
    err
        One item of ``ValidationError.errors()``.

    Returns
    -------
    Message or str
        The message, worded in each language by :func:`~omradesbild.wording.say`.
    """
    error = (err.get("ctx") or {}).get("error")
    if isinstance(error, ValueError) and error.args and isinstance(error.args[0], Message):
        return error.args[0]
    msg = str(err["msg"])
    key = _PYDANTIC.get(err.get("type", ""))
    if key is not None:
        worded = Message(key)
        if worded == msg:  # pydantic's text as the catalogue knows it
            return worded
    return msg.removeprefix("Value error, ")


class Joined(Message):
    """Parts of a message joined by ``sep``, each worded in the language of the message
    it is a value of (a :class:`~omradesbild.wording.Message` part is worded; the rest is
    shown as it is); the string itself is the English."""

    items: tuple[object, ...]
    sep: str

    def __new__(cls, items: Sequence[object], sep: str = "; ") -> Joined:
        obj = str.__new__(cls, sep.join(say(i, "en") for i in items))
        obj.key, obj.params, obj.items, obj.sep = "", {}, tuple(items), sep
        return obj

    def text(self, lang: str) -> str:
        """The parts in ``lang``, joined."""
        return self.sep.join(say(i, lang) for i in self.items)

    def __reduce__(self) -> tuple[object, tuple[list[object], str]]:  # type: ignore[override]
        return Joined, (list(self.items), self.sep)


def both_joined(key: str, items: Sequence[object], **fmt: object) -> str:
    """``key`` in Swedish then English (``"svenska / English"``) with ``{items}`` the items
    worded in each language and joined by ``"; "``.

    Parameters
    ----------
    key
        A catalogue key with an ``{items}`` placeholder.
    items
        The parts (a :class:`~omradesbild.wording.Message` is worded per language).
    **fmt
        The other values of the text (a ``Message`` or ``Num`` is worded per language).

    Returns
    -------
    str
        ``"<svenska> / <English>"``.
    """
    return both(key, items=Joined(items), **fmt)


def what(name: str) -> Message | str:
    """The name of a table or layer an error is about (``"indicator table"``) worded by
    the catalogue's ``exp_ana_what_<name>`` (spaces as ``_``), else the name as it is.

    Parameters
    ----------
    name
        The English name the caller gave (``what=``).

    Returns
    -------
    Message or str
        The name in each language, or ``name`` when the catalogue has no entry.
    """
    return label_message("exp_ana_what", re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_"))
