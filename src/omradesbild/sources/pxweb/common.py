"""Shared pieces of the PX-Web readers: code and period rules, variable naming, frames."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, Protocol, TypeAlias, runtime_checkable

import pandas as pd

from omradesbild.areas.codes import DESO_RE, KOMMUN_RE, LAN_RE, REGSO_RE
from omradesbild.areas.registry import COUNTRY_CODE, is_country, normalize_area_code
from omradesbild.config import DEFAULT_VERSION
from omradesbild.errors import InputError
from omradesbild.sources.base import (
    OBS_COLUMNS,
    SCB_MISSING_MARKERS,
    VARIABLE_COLUMNS,
    bytes_checksum,
    empty_frame,
)
from omradesbild.wording import Message

#: A selection: variable code -> list of value codes (or selection expressions), or ``"*"``.
Selection: TypeAlias = Mapping[str, Sequence[str] | Literal["*"]]


@runtime_checkable
class DimensionMap(Protocol):
    """A variable map that needs the names of the dimensions (a table catalogue)."""

    def for_dimensions(
        self, dims: Sequence[str]
    ) -> Callable[[tuple[str, ...], tuple[str, ...]], str | None]:
        """The namer of cells whose other dimensions are ``dims``, in this order."""
        ...

    def readable(self, labels: Sequence[str]) -> str:
        """The id of a cell the map leaves unmapped."""
        ...


#: Maps a combination of the non-region, non-time dimensions to a canonical variable id.
#: Keys are tuples of value codes *or* of value labels (in the dataset's dimension order),
#: or a single code/label for a one-dimensional combination; matching ignores case and
#: repeated whitespace. A callable receives ``(codes, labels)`` and returns an id or None.
#: A :class:`DimensionMap` (the table catalogue) is bound to the answer's dimension names.
VariableMap: TypeAlias = (
    Mapping[str | tuple[str, ...], str]
    | Callable[[tuple[str, ...], tuple[str, ...]], str | None]
    | DimensionMap
)

_SUFFIX_RE = re.compile(r"^(?P<code>.+?)_(?P<kind>deso|regso)(?P<year>\d{4})$", re.IGNORECASE)
_PERIOD_RE = re.compile(r"^(\d{4})(?:([MK])(\d{1,2}))?$")
_PERIOD_TAIL_RE = re.compile(r"(?:^|\s)(\d{4}(?:M\d{2}|K[1-4])?)$")
_REGION_NAMES = {
    "region",
    "deso",
    "regso",
    "område",
    "omrade",
    "region code",
    "kommun",
    "län",
    "lan",
    "riket",
    "geografi",
    "area",
    "stadsdel",
    "stadsdelsområde",
    "stadsdelsnämnd",
    "primärområde",
    "delområde",
    "basområde",
}
_TIME_NAMES = {"tid", "år", "ar", "year", "period", "månad", "manad", "kvartal", "month", "quarter"}
_NULL_REASON = "saknas: cellen har inget värde i svaret"


# ----------------------------------------------------------------------------------------------
# small pure helpers
# ----------------------------------------------------------------------------------------------
def slugify(text: str) -> str:
    """Lower-case ASCII slug: ``"Medianvärde, tkr"`` -> ``"medianvarde_tkr"``."""
    norm = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in norm if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


def split_region_code(code: str) -> tuple[str, str | None]:
    """Split a PX-Web region code into (area code, boundary version or None).

    ``"0114C1010_DeSO2018"`` -> ``("0114C1010", "deso2018")``;
    ``"0114R001_RegSO2020"`` -> ``("0114R001", "regso2020")``; ``"0114"`` -> ``("0114", None)``.
    Sweden (``00``, ``Riket``, ``Sverige`` …) becomes ``("SE", "country")``, and a kommun code
    that ended becomes its successor (SCB's list of kommun changes, e.g. ``1917`` -> ``0331``).
    """
    code = code.strip()
    if is_country(code):
        return COUNTRY_CODE, "country"
    m = _SUFFIX_RE.match(code)
    if m is None:
        return normalize_area_code(code), None
    return m.group("code"), f"{m.group('kind').lower()}{m.group('year')}"


def normalize_period(code: str) -> str:
    """PX-Web time code to a period string: ``2022`` stays, ``2022M06`` -> ``2022-06``,
    ``2022K1`` -> ``2022-Q1``; anything else is returned unchanged (stripped)."""
    code = code.strip()
    m = _PERIOD_RE.match(code)
    if m is None or m.group(2) is None:
        return code
    year, kind, num = m.group(1), m.group(2), int(m.group(3))
    return f"{year}-{num:02d}" if kind == "M" else f"{year}-Q{num}"


def _level_of(code: str) -> str | None:
    if DESO_RE.match(code):
        return "deso"
    if REGSO_RE.match(code):
        return "regso"
    if KOMMUN_RE.match(code):
        return "kommun"
    if code == COUNTRY_CODE or code == "00":
        return "country"
    if LAN_RE.match(code):
        return "lan"
    return None


def _resolve_version(
    code: str, suffix_version: str | None, area_version: str | None, *, file: str, field: str
) -> str:
    """Boundary version of one region code: suffix, else ``area_version``, else by level."""
    if suffix_version is not None:
        return suffix_version
    level = _level_of(code)
    if area_version is not None and (level is None or area_version.startswith(level)):
        return area_version
    if level in ("kommun", "lan"):
        return DEFAULT_VERSION[level]
    if level == "country":
        return "country"
    if area_version is not None and not area_version.startswith(("deso", "regso")):
        return area_version  # a user-defined version name
    raise InputError(
        Message("err_src_region_no_suffix", code=repr(code), version=repr(area_version)),
        file=file,
        field=field,
        expected=Message("exp_src_region_suffix", level=level),
    )


def _norm_key(text: str) -> str:
    return " ".join(text.split()).casefold()


class _VariableResolver:
    """Looks up canonical ids for dimension-value combinations."""

    def __init__(self, variable_map: VariableMap | None, unmapped: str) -> None:
        if unmapped not in ("slug", "drop", "error"):
            raise ValueError("unmapped must be 'slug', 'drop' or 'error'")
        self.unmapped = unmapped
        self.func: Callable[[tuple[str, ...], tuple[str, ...]], str | None] | None = None
        self.table: dict[tuple[str, ...], str] = {}
        if isinstance(variable_map, DimensionMap):
            self.func = variable_map.for_dimensions(())
        elif callable(variable_map):
            self.func = variable_map
        elif variable_map is not None:
            for key, value in variable_map.items():
                parts = (key,) if isinstance(key, str) else tuple(key)
                self.table[tuple(_norm_key(p) for p in parts)] = value

    def lookup(self, codes: tuple[str, ...], labels: tuple[str, ...]) -> str | None:
        """The mapped id, or None."""
        if self.func is not None:
            found = self.func(codes, labels)
            if found:
                return found
        for parts in (codes, labels):
            hit = self.table.get(tuple(_norm_key(p) for p in parts))
            if hit is not None:
                return hit
        return None

    def __call__(self, codes: tuple[str, ...], labels: tuple[str, ...]) -> str | None:
        """Canonical id, slug fallback, or None (drop); InputError when unmapped='error'."""
        hit = self.lookup(codes, labels)
        if hit is not None:
            return hit
        if self.unmapped == "drop":
            return None
        if self.unmapped == "error":
            raise InputError(
                Message("err_src_no_variable_id", codes=repr(codes), labels=repr(labels)),
                field="variable_map",
                expected=Message("exp_src_variable_map"),
            )
        return slugify("_".join(codes)) or "value"


def _missing(marker: str | None) -> str | None:
    if marker is None:
        return None
    marker = marker.strip()
    return SCB_MISSING_MARKERS.get(marker)


def _checksum_of(payload: bytes | str | Mapping[str, Any]) -> tuple[str, bytes]:
    if isinstance(payload, bytes):
        raw = payload
    elif isinstance(payload, str):
        raw = payload.encode("utf-8")
    else:
        raw = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return bytes_checksum(raw), raw


def _variables_frame(rows: dict[str, tuple[str, str | None, str | None]]) -> pd.DataFrame:
    if not rows:
        return empty_frame(VARIABLE_COLUMNS)
    cols = list(zip(*[(v, *rest) for v, rest in rows.items()], strict=True))
    return pd.DataFrame(
        {
            c: pd.Series(list(vals), dtype=object)
            for c, vals in zip(VARIABLE_COLUMNS, cols, strict=True)
        }
    )


def _obs_frame(records: dict[str, list[Any]]) -> pd.DataFrame:
    """Observation columns as object dtype (None stays None), value as float64."""
    return pd.DataFrame(
        {c: pd.Series(records[c], dtype="float64" if c == "value" else object) for c in OBS_COLUMNS}
    )


def _looks_like_time(name: str, codes: Sequence[str]) -> bool:
    if _norm_key(name) in _TIME_NAMES:
        return True
    return bool(codes) and all(
        (m := _PERIOD_RE.match(c.strip())) is not None and 1800 <= int(m.group(1)) <= 2200
        for c in codes
    )


def find_time_dimension(names: Sequence[str], codes: Mapping[str, Sequence[str]]) -> str | None:
    """The time dimension: one named like time (``Tid``, ``år``, ``month`` …), else the
    only one whose codes are all periods (``2022``, ``2022M06``, ``2022K1``)."""
    for name in names:
        if _norm_key(name) in _TIME_NAMES:
            return name
    timelike = [n for n in names if _looks_like_time(n, codes.get(n, ()))]
    return timelike[0] if len(timelike) == 1 else None


def find_region_dimension(
    names: Sequence[str],
    codes: Mapping[str, Sequence[str]],
    labels: Mapping[str, str] | None = None,
    *,
    exclude: Sequence[str] = (),
) -> str | None:
    """The region dimension, whatever it is called (``Region``, ``Område``, ``Kommun``, ``DeSO``).

    A dimension whose name or label is a known region word wins; else the first whose codes
    are all area codes (DeSO, RegSO, kommun, län or the country), with at least one that is
    not a bare 2-digit code (so that e.g. a sex or age code list is not taken for län).
    """
    labels = labels or {}
    candidates = [n for n in names if n not in exclude]
    for name in candidates:
        words = {_norm_key(name), _norm_key(labels.get(name, ""))}
        if words & _REGION_NAMES:
            return name
    for name in candidates:
        cs = [c for c in codes.get(name, ()) if c.strip()]
        if not cs or _looks_like_time(name, cs):
            continue  # years such as 2023 have the shape of kommun codes
        levels = [_level_of(split_region_code(c.split()[0])[0]) for c in cs]
        if all(levels) and (
            any(lv != "lan" for lv in levels) or "län" in _norm_key(labels.get(name, ""))
        ):
            return name
    return None
