"""Sweden, its län and kommuner: the codes every reader knows without any file ingested.

SCB writes the country as ``00`` ("Riket"); the store keeps it as :data:`COUNTRY_CODE`
(``SE``). The current län and kommun codes ship with the package (``data/lan.csv``,
``data/kommuner.csv``, built by :mod:`omradesbild.areas.build_codes` from SCB's published
lists), and so does SCB's list of kommun changes since 1971 that older tables need
(``data/kommun_changes.csv``): a code that ended is read as its successor.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pandas as pd

from omradesbild.config import DEFAULT_VERSION
from omradesbild.sources.base import AREA_COLUMNS, Areas, SourceMeta, bytes_checksum

__all__ = [
    "COUNTRY_ALIASES",
    "COUNTRY_CODE",
    "is_country",
    "kommun_changes",
    "kommun_successor",
    "kommuner",
    "lan",
    "normalize_area_code",
    "reference_areas",
]

_DATA = Path(__file__).with_name("data")

#: How the store writes Sweden.
COUNTRY_CODE = "SE"
#: What sources write for Sweden (compared case-insensitively, whitespace collapsed).
COUNTRY_ALIASES: frozenset[str] = frozenset(
    {"00", "se", "riket", "sverige", "hela riket", "whole sweden", "sweden", "00 riket"}
)


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(_DATA / name, comment="#", dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def kommuner() -> pd.DataFrame:
    """SCB's current kommun codes: ``code, name, lan, valid_from, valid_to``."""
    return _read("kommuner.csv")


@lru_cache(maxsize=1)
def lan() -> pd.DataFrame:
    """SCB's current län codes: ``code, name, valid_from, valid_to``."""
    return _read("lan.csv")


@lru_cache(maxsize=1)
def kommun_changes() -> pd.DataFrame:
    """Kommun code changes since 1971 (SCB, Kommunala förändringar)."""
    return _read("kommun_changes.csv")


def is_country(text: str) -> bool:
    """Whether ``text`` names Sweden as a whole (``00``, ``SE``, ``Riket``, ``Sverige`` …)."""
    return " ".join(str(text).split()).casefold() in COUNTRY_ALIASES


def kommun_successor(code: str) -> str | None:
    """The current code of a kommun whose code ended (e.g. ``1917`` Heby -> ``0331``)."""
    ch = kommun_changes()
    hit = ch[(ch["change"] == "code") & (ch["old_code"] == code)]
    return None if hit.empty else str(hit["new_code"].iloc[-1])


def normalize_area_code(code: str) -> str:
    """The code the store uses: Sweden as ``SE``, an ended kommun code as its successor."""
    text = str(code).strip()
    if is_country(text):
        return COUNTRY_CODE
    if len(text) == 4 and text.isdigit():
        return kommun_successor(text) or text
    return text


def reference_areas(codes: Iterable[tuple[str, str]]) -> Areas | None:
    """The shipped län/kommun areas among ``(code, version)`` pairs, with their parents.

    Only codes of SCB's current lists in the default kommun/län versions are returned (the
    country is in every store from the start); ``None`` when there are none.
    """
    kom_v, lan_v = DEFAULT_VERSION["kommun"], DEFAULT_VERSION["lan"]
    kom = kommuner().set_index("code")
    ln = lan().set_index("code")
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for code, version in codes:
        if version == kom_v and code in kom.index:
            parent = str(kom.at[code, "lan"])
            rows[(code, version)] = _row(code, "kommun", version, str(kom.at[code, "name"]))
            rows[(code, version)].update(
                parent_code=parent, parent_level="lan", parent_version=lan_v
            )
            rows.setdefault((parent, lan_v), _lan_row(parent, ln))
        elif version == lan_v and code in ln.index:
            rows.setdefault((code, version), _lan_row(code, ln))
    if not rows:
        return None
    frame = pd.DataFrame(list(rows.values()), columns=list(AREA_COLUMNS))
    raw = json.dumps(sorted(rows), ensure_ascii=False).encode()
    source = SourceMeta(
        publisher="SCB",
        table_id="kommun-lansindelning",
        title="Kommun- och länsindelning (SCB), levererad med programmet",
        reference="omradesbild: SCB Kommun- och länsindelning 2025",
        checksum=bytes_checksum(raw),
        licence="CC0 1.0",
    )
    return Areas(source=source, areas=frame.astype(object))


def _row(code: str, level: str, version: str, name: str) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(AREA_COLUMNS)
    row.update(area_code=code, level=level, version=version, name=name)
    return row


def _lan_row(code: str, ln: pd.DataFrame) -> dict[str, object]:
    row = _row(code, "lan", DEFAULT_VERSION["lan"], str(ln.at[code, "name"]))
    row.update(parent_code=COUNTRY_CODE, parent_level="country", parent_version="country")
    return row
