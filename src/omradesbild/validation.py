"""The problems of a validated file (a method, goal or indicator catalogue file), worded in
Swedish and English.

A validator of a file's pydantic model raises ``ValueError(Message(...))``: the message is a
text of the wording catalogue, and :func:`problem` gives it back from pydantic's error so that
the file's error reads in both languages. Pydantic's own messages ("Field required", "Input
should be a valid number") are English only and are shown as they are in both languages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from omradesbild.wording import LANGUAGES, Message, Num, label_message, say, text


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
    return str(err["msg"]).removeprefix("Value error, ")


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

    def worded(lang: str) -> str:
        values = {k: v.text(lang) if isinstance(v, Message | Num) else v for k, v in fmt.items()}
        return text(key, lang, items="; ".join(say(i, lang) for i in items), **values)

    return " / ".join(worded(lang) for lang in LANGUAGES)


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
