"""Helpers of the web pages' text (the wording itself is in :mod:`omradesbild.wording`)."""

from __future__ import annotations

import re

_URL = re.compile(r"https?://")


def no_scheme(text: object) -> str:
    """Text with ``http(s)://`` removed: references are cited, never fetched or linked."""
    return _URL.sub("", str(text or ""))
