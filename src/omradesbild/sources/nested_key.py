"""Shared reading of SCB's nesting keys (DeSO -> RegSO -> kommun).

A key lists one DeSO per row with the RegSO and kommun it lies in. :class:`NestedKey`
collects the rows, checks that no DeSO is listed twice and that a RegSO keeps one name, and
turns what it holds into area rows and weight-1 links.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from omradesbild.areas.codes import validate_code
from omradesbild.errors import InputError
from omradesbild.sources.base import (
    AREA_COLUMNS,
    LINK_COLUMNS,
    Areas,
    SourceMeta,
    read_csv_rows,
)
from omradesbild.wording import Message


def read_key_rows(p: Path, columns: tuple[str, ...] | None = None) -> list[list[str]]:
    """The rows of one of SCB's key CSVs (UTF-8, optionally with BOM, comma-separated).

    With ``columns`` the header (first row, stripped) must be exactly those columns.
    """
    rows = read_csv_rows(p, expected=Message("exp_src_scb_key_csv"))
    if not rows:
        raise InputError(
            Message("err_src_empty_file"), file=p, expected=Message("exp_src_header_row")
        )
    header = [h.strip() for h in rows[0]]
    if columns is not None and tuple(header) != columns:
        raise InputError(
            Message("err_src_unexpected_header", header=repr(",".join(header))),
            file=p,
            row=1,
            expected=Message("exp_src_header", header=",".join(columns)),
        )
    return rows


def check_code(value: str, level: str, *, file: Path, row: int, field: str) -> None:
    """Raise unless ``value`` is a well-formed code of ``level``."""
    problem = validate_code(value, level)
    if problem is not None:
        raise InputError(
            Message("err_src_not_level_code", value=repr(value), level=level),
            file=file,
            row=row,
            field=field,
            expected=problem,
        )


def area_record(
    code: str, level: str, version: str, name: str | None, parent: tuple[str, str, str] | None
) -> dict[str, object]:
    """One row of :data:`~omradesbild.sources.base.AREA_COLUMNS` without geometry."""
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


def link_record(fc: str, fl: str, fv: str, tc: str, tl: str, tv: str) -> dict[str, object]:
    """One row of :data:`~omradesbild.sources.base.LINK_COLUMNS`: full nesting, weight 1."""
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


def check_in_kommun(kommun: str, codes: Iterable[tuple[str, str]], *, file: Path, row: int) -> None:
    """Raise unless every ``(code, field)`` starts with the row's kommun code."""
    for value, fld in codes:
        if value[:4] != kommun:
            raise InputError(
                Message("err_src_not_in_kommun", value=value, kommun=kommun),
                file=file,
                row=row,
                field=fld,
                expected=Message("exp_src_code_starting", kommun=kommun),
            )


@dataclass
class NestedKey:
    """The DeSO and RegSO of a key, each with the row it was first read from."""

    deso: dict[str, tuple[str, int]] = field(default_factory=dict)  # code -> (regso, row)
    regso: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # -> (name, kommun, row)

    def add_deso(self, deso: str, regso: str, *, file: Path, row: int, field: str) -> None:
        """Record a DeSO and its RegSO; a DeSO listed twice is an error."""
        if deso in self.deso:
            raise InputError(
                Message("err_src_deso_twice", deso=deso, first=self.deso[deso][1], second=row),
                file=file,
                row=row,
                field=field,
                expected=Message("exp_src_each_deso_once"),
            )
        self.deso[deso] = (regso, row)

    def add_regso(
        self, regso: str, name: str, kommun: str, *, file: Path, row: int, field: str
    ) -> None:
        """Record a RegSO's name and kommun; a second, different name is an error."""
        if regso in self.regso and self.regso[regso][0] != name:
            raise InputError(
                Message(
                    "err_src_regso_two_names",
                    regso=regso,
                    name=repr(name),
                    other=repr(self.regso[regso][0]),
                    other_row=self.regso[regso][2],
                ),
                file=file,
                row=row,
                field=field,
                expected=Message("exp_src_one_name_per_regso"),
            )
        self.regso.setdefault(regso, (name, kommun, row))

    def areas(
        self, deso_version: str, regso_version: str, kommun_version: str
    ) -> list[dict[str, object]]:
        """Area rows: the RegSO (named, parent their kommun), then the DeSO (parent RegSO)."""
        records = [
            area_record(r, "regso", regso_version, n, (k, "kommun", kommun_version))
            for r, (n, k, _) in self.regso.items()
        ]
        records += [
            area_record(d, "deso", deso_version, None, (r, "regso", regso_version))
            for d, (r, _) in self.deso.items()
        ]
        return records

    def links(
        self, deso_version: str, regso_version: str, kommun_version: str
    ) -> list[dict[str, object]]:
        """Links DeSO -> RegSO, then RegSO -> kommun."""
        links = [
            link_record(d, "deso", deso_version, r, "regso", regso_version)
            for d, (r, _) in self.deso.items()
        ]
        links += [
            link_record(r, "regso", regso_version, k, "kommun", kommun_version)
            for r, (_, k, _) in self.regso.items()
        ]
        return links


def key_areas(
    file: Path,
    *,
    table_id: str,
    title: str,
    notes: str,
    records: list[dict[str, object]],
    links: list[dict[str, object]],
) -> Areas:
    """The areas and links read from one of SCB's keys, with the key file's provenance."""
    meta = SourceMeta.of_file(file, table_id=table_id, title=title, notes=notes)
    return Areas(
        source=meta,
        areas=pd.DataFrame(records, columns=list(AREA_COLUMNS)),
        links=pd.DataFrame(links, columns=list(LINK_COLUMNS)),
    )
