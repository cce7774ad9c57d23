"""SCB's DeSO 2025 files: the key DeSO 2025 -> RegSO 2025 and the change log.

Both are CSV (UTF-8, optionally with BOM, comma-separated)::

    deso_2025,regso_2025_code,regso_2025_name,kommun
    0114A0010,0114R010,Upplands Väsby omland,0114

    deso_old,deso_new,change_type,date
    0114C1060,0114C1061,Upphör; till nybildad,2025-01-01

:func:`detect_scb_key_kind` tells SCB's three key files apart by their header, so one command
(``omradesbild ingest scb-key``) reads them all.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from omradesbild.areas.codes import validate_code
from omradesbild.errors import InputError
from omradesbild.sources.base import (
    AREA_COLUMNS,
    LINK_COLUMNS,
    Areas,
    SourceMeta,
    file_checksum,
    now_utc,
)
from omradesbild.sources.scb_key import KEY_COLUMNS, KOMMUN_VERSION

#: Header of SCB's key DeSO 2025 -> RegSO 2025.
KEY2025_COLUMNS: tuple[str, ...] = ("deso_2025", "regso_2025_code", "regso_2025_name", "kommun")
#: Header of SCB's change log "Historiska förändringar i DeSO".
CHANGE_COLUMNS: tuple[str, ...] = ("deso_old", "deso_new", "change_type", "date")

DESO2025_VERSION = "deso2025"
REGSO2025_VERSION = "regso2025"

KeyKind = Literal["deso2018_regso2020", "deso2025_regso2025", "deso_changes"]


@dataclass(frozen=True)
class ChangeLog:
    """SCB's change log as read: one row per (old DeSO, new DeSO, change type, date).

    Attributes
    ----------
    source
        Provenance of the file.
    changes
        :data:`CHANGE_COLUMNS`; ``date`` is ISO text ``YYYY-MM-DD``.
    """

    source: SourceMeta
    changes: pd.DataFrame


def _rows(p: Path) -> list[list[str]]:
    if not p.is_file():
        raise InputError("file not found", file=p, expected="an existing file")
    try:
        with open(p, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", file=p, expected="SCB's file as UTF-8 CSV") from exc
    except csv.Error as exc:
        raise InputError(f"not a readable CSV ({exc})", file=p, expected="a CSV file") from exc
    if not rows:
        raise InputError("empty file", file=p, expected="a header row")
    return rows


_KINDS: dict[tuple[str, ...], KeyKind] = {
    KEY_COLUMNS: "deso2018_regso2020",
    KEY2025_COLUMNS: "deso2025_regso2025",
    CHANGE_COLUMNS: "deso_changes",
}


def detect_scb_key_kind(path: str | Path) -> KeyKind:
    """Which of SCB's key files ``path`` is, from its header.

    Raises
    ------
    InputError
        The header is none of :data:`~omradesbild.sources.scb_key.KEY_COLUMNS`,
        :data:`KEY2025_COLUMNS` or :data:`CHANGE_COLUMNS`.
    """
    p = Path(path)
    header = tuple(h.strip() for h in _rows(p)[0])
    kind = _KINDS.get(header)
    if kind is None:
        raise InputError(
            f"unexpected header {','.join(header)!r}",
            file=p,
            row=1,
            expected="one of SCB's key files, header "
            + " or ".join(repr(",".join(h)) for h in _KINDS),
        )
    return kind


def _check_code(value: str, level: str, p: Path, row: int, field: str) -> None:
    problem = validate_code(value, level)
    if problem is not None:
        raise InputError(
            f"{value!r} is not a {level} code", file=p, row=row, field=field, expected=problem
        )


def _area(
    code: str, level: str, version: str, name: str | None, parent: tuple[str, str, str] | None
) -> dict[str, object]:
    return {
        "area_code": code,
        "level": level,
        "version": version,
        "name": name or None,
        "parent_code": parent[0] if parent else None,
        "parent_level": parent[1] if parent else None,
        "parent_version": parent[2] if parent else None,
        "geometry": None,
        "attributes": None,
    }


def _link(fc: str, fl: str, fv: str, tc: str, tl: str, tv: str) -> dict[str, object]:
    return {
        "from_code": fc,
        "from_level": fl,
        "from_version": fv,
        "to_code": tc,
        "to_level": tl,
        "to_version": tv,
        "weight": 1.0,
        "method": "scb_key",
    }


def read_deso2025_key(path: str | Path) -> Areas:
    """Read SCB's key DeSO 2025 -> RegSO 2025 (``deso_regso_2025.csv``).

    Returns
    -------
    Areas
        DeSO (``deso2025``, parent its RegSO) and RegSO (``regso2025``, named, parent its
        kommun in ``kommun2025``) areas without geometry; links DeSO 2025 -> RegSO 2025 and
        RegSO 2025 -> kommun, method ``scb_key``, weight 1. Kommuner are not created here
        (their names come with the DeSO 2018 key or the kommun boundaries).

    Raises
    ------
    InputError
        Wrong header or column count, malformed codes, a code outside the row's kommun, a
        DeSO listed twice, or a RegSO given two names.
    """
    p = Path(path)
    rows = _rows(p)
    header = [h.strip() for h in rows[0]]
    if tuple(header) != KEY2025_COLUMNS:
        raise InputError(
            f"unexpected header {','.join(header)!r}",
            file=p,
            row=1,
            expected="header " + ",".join(KEY2025_COLUMNS),
        )
    regso, deso = _key_rows(rows, p)
    if not deso:
        raise InputError("holds no rows", file=p, expected="one row per DeSO 2025")
    records = [
        _area(r, "regso", REGSO2025_VERSION, n, (k, "kommun", KOMMUN_VERSION))
        for r, (n, k, _) in regso.items()
    ]
    records += [
        _area(d, "deso", DESO2025_VERSION, None, (r, "regso", REGSO2025_VERSION))
        for d, (r, _) in deso.items()
    ]
    links = [
        _link(d, "deso", DESO2025_VERSION, r, "regso", REGSO2025_VERSION)
        for d, (r, _) in deso.items()
    ]
    links += [
        _link(r, "regso", REGSO2025_VERSION, k, "kommun", KOMMUN_VERSION)
        for r, (_, k, _) in regso.items()
    ]
    kommuner = {k for _, k, _ in regso.values()}
    meta = SourceMeta(
        publisher="SCB",
        table_id="koppling-deso2025-regso2025",
        title="Koppling DeSO 2025 - RegSO 2025",
        reference=p.name,
        checksum=file_checksum(p),
        retrieved_at=now_utc(),
        notes=f"{len(deso)} DeSO, {len(regso)} RegSO, {len(kommuner)} kommuner",
    )
    return Areas(
        source=meta,
        areas=pd.DataFrame(records, columns=list(AREA_COLUMNS)),
        links=pd.DataFrame(links, columns=list(LINK_COLUMNS)),
    )


def _key_rows(
    rows: list[list[str]], p: Path
) -> tuple[dict[str, tuple[str, str, int]], dict[str, tuple[str, int]]]:
    """``{regso: (name, kommun, row)}`` and ``{deso: (regso, row)}`` of the key's rows, checked."""
    regso: dict[str, tuple[str, str, int]] = {}
    deso: dict[str, tuple[str, int]] = {}
    for i, raw in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        if len(raw) != len(KEY2025_COLUMNS):
            raise InputError(f"{len(raw)} columns", file=p, row=i, expected="4 columns")
        dc, rc, rname, kn = (c.strip() for c in raw)
        _check_code(dc, "deso", p, i, "deso_2025")
        _check_code(rc, "regso", p, i, "regso_2025_code")
        _check_code(kn, "kommun", p, i, "kommun")
        for value, fld in ((dc, "deso_2025"), (rc, "regso_2025_code")):
            if value[:4] != kn:
                raise InputError(
                    f"{value} does not lie in kommun {kn}",
                    file=p,
                    row=i,
                    field=fld,
                    expected=f"a code starting with {kn}",
                )
        if dc in deso:
            raise InputError(
                f"DeSO {dc} is listed twice (rows {deso[dc][1]} and {i})",
                file=p,
                row=i,
                field="deso_2025",
                expected="each DeSO once",
            )
        deso[dc] = (rc, i)
        if rc in regso and regso[rc][0] != rname:
            raise InputError(
                f"RegSO {rc} is named {rname!r} here and {regso[rc][0]!r} in row {regso[rc][2]}",
                file=p,
                row=i,
                field="regso_2025_name",
                expected="one name per RegSO code",
            )
        regso.setdefault(rc, (rname, kn, i))
    return regso, deso


def read_change_log(path: str | Path) -> ChangeLog:
    """Read SCB's change log "Historiska förändringar i DeSO" (``deso_forandringar.csv``).

    The change types are kept as SCB writes them; :mod:`omradesbild.harmonize.scb_changes`
    interprets them (and rejects a type it does not know).

    Raises
    ------
    InputError
        Wrong header or column count, a malformed code or date, an empty change type, or the
        same row twice.
    """
    p = Path(path)
    rows = _rows(p)
    header = [h.strip() for h in rows[0]]
    if tuple(header) != CHANGE_COLUMNS:
        raise InputError(
            f"unexpected header {','.join(header)!r}",
            file=p,
            row=1,
            expected="header " + ",".join(CHANGE_COLUMNS),
        )
    out: list[tuple[str, str, str, str]] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for i, raw in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        if len(raw) != len(CHANGE_COLUMNS):
            raise InputError(f"{len(raw)} columns", file=p, row=i, expected="4 columns")
        old, new, typ, date = (c.strip() for c in raw)
        _check_code(old, "deso", p, i, "deso_old")
        _check_code(new, "deso", p, i, "deso_new")
        if not typ:
            raise InputError("empty change type", file=p, row=i, field="change_type")
        try:
            dt.date.fromisoformat(date)
        except ValueError as exc:
            raise InputError(
                f"{date!r} is not a date", file=p, row=i, field="date", expected="YYYY-MM-DD"
            ) from exc
        key = (old, new, typ, date)
        if key in seen:
            raise InputError(
                f"the same change is listed twice (rows {seen[key]} and {i})",
                file=p,
                row=i,
                expected="each change once",
            )
        seen[key] = i
        out.append(key)
    if not out:
        raise InputError("holds no rows", file=p, expected="one row per change")
    meta = SourceMeta(
        publisher="SCB",
        table_id="deso-historiska-forandringar",
        title="Historiska förändringar i DeSO",
        reference=p.name,
        checksum=file_checksum(p),
        retrieved_at=now_utc(),
        notes=f"{len(out)} rows",
    )
    return ChangeLog(source=meta, changes=pd.DataFrame(out, columns=list(CHANGE_COLUMNS)))
