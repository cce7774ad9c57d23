"""Constants and cell-level helpers shared by the SCB xlsx reader's modules."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from omradesbild.areas.codes import DESO_RE, REGSO_RE
from omradesbild.config import DEFAULT_VERSION
from omradesbild.sources.base import SCB_MISSING_MARKERS

#: Boundary version given to each area level when the caller does not override it.
DEFAULT_AREA_VERSIONS: dict[str, str] = dict(DEFAULT_VERSION)

#: SCB's missing-value markers as an error message shows them.
_MARKERS_SHOWN = ", ".join(repr(m) for m in SCB_MISSING_MARKERS)

_AREA_RE = re.compile(
    r"^(?P<code>\d{4}[ABC]\d{4}|\d{4}R\d{3}|\d{4}|\d{2})(?:\s+(?P<name>\D.*))?$", re.DOTALL
)
_RIKET_RE = re.compile(r"^(?:00\s+)?riket$", re.IGNORECASE)
_PERIOD_RE = re.compile(r"^(\d{4})(?:M(0[1-9]|1[0-2])|K([1-4])|H([12]))?$")
_NUMBER_RE = re.compile(r"^[+-]?\d[\d \u00a0\u202f]*(?:[.,]\d+)?$")
_TABLE_ID_RE = re.compile(r"^([0-9A-Z]{8})(?:_|$)")
_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " "})

# Footer section headings of the PX-Web export (lower case, without the colon).
_SECTIONS = (
    "senaste uppdatering",
    "källa",
    "kontaktperson",
    "sort",
    "datatyp",
    "referenstid",
    "databas",
    "intern referenskod",
)
_NOTE_SECTIONS = (
    ("sort", "Sort"),
    ("datatyp", "Datatyp"),
    ("referenstid", "Referenstid"),
    ("senaste uppdatering", "Senaste uppdatering"),
    ("källa", "Källa"),
)
_UNIT_WORDS = {"tusentals kronor": "tkr", "kronor": "kr"}


def _norm(label: str) -> str:
    """Normalise a header label for matching: NFC, one dash style, single spaces, casefold."""
    text = unicodedata.normalize("NFC", label).translate(_DASHES)
    text = " ".join(text.split()).strip().rstrip(":").strip()
    return text.casefold()


def _col_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell(value: Any) -> str | float | None:
    """Normalise a calamine cell: stripped text, float, or ``None`` for empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime | date | time | timedelta):
        return value.isoformat() if not isinstance(value, timedelta) else str(value)
    text = str(value).strip()
    return text or None


def _parse_area(cell: str | float | None) -> tuple[str, str] | None:
    """``(code, level)`` if the cell holds an area code (optionally followed by a name)."""
    return _parse_area_text(cell) if type(cell) is str else None


@lru_cache(maxsize=65536)
def _parse_area_text(cell: str) -> tuple[str, str] | None:
    if _RIKET_RE.match(cell):
        return "SE", "country"
    m = _AREA_RE.match(cell)
    if m is None:
        return None
    code = m.group("code")
    if DESO_RE.match(code):
        return code, "deso"
    if REGSO_RE.match(code):
        return code, "regso"
    if len(code) == 4:
        return code, "kommun"
    return ("SE", "country") if code == "00" else (code, "lan")


def _parse_period(cell: str | float | None) -> str | None:
    """Normalised period (``2022``, ``2022-01``, ``2022-Q1``, ``2022-H1``) or ``None``."""
    if isinstance(cell, float):
        if cell.is_integer() and 1800 <= cell <= 2200:
            return str(int(cell))
        return None
    if cell is None:
        return None
    m = _PERIOD_RE.match(cell.replace(" ", ""))
    if m is None:
        return None
    year, month, quarter, half = m.groups()
    if month:
        return f"{year}-{month}"
    if quarter:
        return f"{year}-Q{quarter}"
    if half:
        return f"{year}-H{half}"
    return year


def _is_yearlike_code(code: str) -> bool:
    return len(code) == 4 and 1800 <= int(code) <= 2200


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_DASHES))
    ascii_text = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")
