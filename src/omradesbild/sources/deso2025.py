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

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from omradesbild.errors import InputError
from omradesbild.sources.base import Areas, SourceMeta, data_rows
from omradesbild.sources.nested_key import (
    NestedKey,
    check_code,
    check_in_kommun,
    key_areas,
    read_key_rows,
)
from omradesbild.sources.scb_key import KEY_COLUMNS, KOMMUN_VERSION
from omradesbild.wording import Message

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
    header = tuple(h.strip() for h in read_key_rows(p)[0])
    kind = _KINDS.get(header)
    if kind is None:
        shown = [repr(",".join(h)) for h in _KINDS]
        raise InputError(
            Message("err_src_unexpected_header", header=repr(",".join(header))),
            file=p,
            row=1,
            expected=Message(
                "exp_src_deso2025_header",
                headers=", ".join(shown[:-1]),
                last=shown[-1],
            ),
        )
    return kind


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
    rows = read_key_rows(p, KEY2025_COLUMNS)
    key = NestedKey()
    for i, (dc, rc, rname, kn) in data_rows(rows, KEY2025_COLUMNS, file=p):
        check_code(dc, "deso", file=p, row=i, field="deso_2025")
        check_code(rc, "regso", file=p, row=i, field="regso_2025_code")
        check_code(kn, "kommun", file=p, row=i, field="kommun")
        check_in_kommun(kn, ((dc, "deso_2025"), (rc, "regso_2025_code")), file=p, row=i)
        key.add_deso(dc, rc, file=p, row=i, field="deso_2025")
        key.add_regso(rc, rname, kn, file=p, row=i, field="regso_2025_name")
    if not key.deso:
        raise InputError(
            Message("err_src_no_rows"), file=p, expected=Message("exp_src_one_row_per_deso2025")
        )
    kommuner = {k for _, k, _ in key.regso.values()}
    return key_areas(
        p,
        table_id="koppling-deso2025-regso2025",
        title="Koppling DeSO 2025 - RegSO 2025",
        notes=f"{len(key.deso)} DeSO, {len(key.regso)} RegSO, {len(kommuner)} kommuner",
        records=key.areas(DESO2025_VERSION, REGSO2025_VERSION, KOMMUN_VERSION),
        links=key.links(DESO2025_VERSION, REGSO2025_VERSION, KOMMUN_VERSION),
    )


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
    rows = read_key_rows(p, CHANGE_COLUMNS)
    out: list[tuple[str, str, str, str]] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for i, (old, new, typ, date) in data_rows(rows, CHANGE_COLUMNS, file=p):
        check_code(old, "deso", file=p, row=i, field="deso_old")
        check_code(new, "deso", file=p, row=i, field="deso_new")
        if not typ:
            raise InputError(
                Message("err_src_empty_change_type"), file=p, row=i, field="change_type"
            )
        try:
            dt.date.fromisoformat(date)
        except ValueError as exc:
            raise InputError(
                Message("err_src_not_a_date", value=repr(date)),
                file=p,
                row=i,
                field="date",
                expected="YYYY-MM-DD",
            ) from exc
        key = (old, new, typ, date)
        if key in seen:
            raise InputError(
                Message("err_src_change_twice", first=seen[key], second=i),
                file=p,
                row=i,
                expected=Message("exp_src_each_change_once"),
            )
        seen[key] = i
        out.append(key)
    if not out:
        raise InputError(
            Message("err_src_no_rows"), file=p, expected=Message("exp_src_one_row_per_change")
        )
    meta = SourceMeta.of_file(
        p,
        table_id="deso-historiska-forandringar",
        title="Historiska förändringar i DeSO",
        notes=f"{len(out)} rows",
    )
    return ChangeLog(source=meta, changes=pd.DataFrame(out, columns=list(CHANGE_COLUMNS)))
