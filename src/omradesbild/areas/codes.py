"""Code patterns of Swedish area levels and the DeSO 2018 -> 2025 code rule."""

from __future__ import annotations

import re
from functools import cache

from omradesbild.config import KNOWN_VERSIONS
from omradesbild.wording import Message

#: Area levels the store knows (their names: ``level_<level>`` in the wording catalogue).
#: deso/regso: SCB's statistical areas; district: the kommun's own division (stadsdel,
#: stadsdelsområde, primärområde); police_area: the Police's areas; custom: any other.
LEVELS: tuple[str, ...] = (
    "deso",
    "regso",
    "kommun",
    "lan",
    "district",
    "police_area",
    "custom",
    "country",
)

#: Known boundary versions per level (others may be added by users: free text is allowed).
VERSIONS: dict[str, tuple[str, ...]] = KNOWN_VERSIONS

DESO_RE = re.compile(r"^\d{4}[ABC]\d{4}$")
REGSO_RE = re.compile(r"^\d{4}R\d{3}$")
KOMMUN_RE = re.compile(r"^\d{4}$")
LAN_RE = re.compile(r"^\d{2}$")

#: The code pattern of each level with a national one, and the wording catalogue's key of
#: what such a code looks like (``exp_code_<level>``).
_PATTERNS: dict[str, re.Pattern[str]] = {
    "deso": DESO_RE,
    "regso": REGSO_RE,
    "kommun": KOMMUN_RE,
    "lan": LAN_RE,
    "country": re.compile(r"^SE$"),
}


def is_deso(code: str) -> bool:
    """Whether ``code`` has the shape of a DeSO code."""
    return bool(DESO_RE.match(code))


def is_regso(code: str) -> bool:
    """Whether ``code`` has the shape of a RegSO code."""
    return bool(REGSO_RE.match(code))


def kommun_of(code: str) -> str:
    """The 4-digit kommun code a DeSO or RegSO code starts with."""
    return code[:4]


def validate_code(code: str, level: str) -> Message | None:
    """Return ``None`` if ``code`` is valid for ``level``, else what was expected (a
    catalogue :class:`~omradesbild.wording.Message`, worded in Swedish and English:
    "4 digits, e.g. 0180").

    Levels without a national pattern (districts, police areas, custom) accept any
    non-empty code.
    """
    if not code:
        return _expected("nonempty")
    pat = _PATTERNS.get(level)
    if pat is None or pat.match(code):
        return None
    return _expected(level)


@cache
def _expected(what: str) -> Message:
    """What a code of ``what`` (a level, or ``nonempty``) looks like, made once."""
    return Message(f"exp_code_{what}")


def deso_2018_to_2025_stem(code: str) -> str:
    """The first 8 characters, shared by a DeSO 2018 code and its 2025 successors.

    SCB's 2025 revision kept the first 8 characters and changed the reserve digit where an
    area was split, so 2018 code ``1480C1030`` maps to every 2025 code starting ``1480C103``.
    """
    return code[:8]
