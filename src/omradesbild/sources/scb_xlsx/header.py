"""Header rows above the data block (labels, periods) and the footer's metadata."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from omradesbild.errors import InputError
from omradesbild.sources.scb_xlsx._common import (
    _SECTIONS,
    _col_letter,
    _norm,
    _parse_period,
)
from omradesbild.sources.scb_xlsx.layout import _Layout
from omradesbild.wording import Message


@dataclass
class _Header:
    labels: dict[int, list[str]]  # value column -> non-period labels, top to bottom
    periods: dict[int, str]  # value column -> period (when a header row holds years)
    year_row: int | None


def _parse_header(grid: list[list[str | float | None]], lay: _Layout, file: Path) -> _Header:
    start = 0 if lay.title_row is None else lay.title_row + 1
    rows = [
        i
        for i in range(start, lay.first)
        if any(c < len(grid[i]) and grid[i][c] is not None for c in lay.value_cols)
    ]
    # Fill labels rightwards: a label spans the columns to its right until a new label starts
    # in this row or in a row above (PX-Web writes a spanning label once, at its first column).
    filled: dict[int, dict[int, str | None]] = {}
    for k, i in enumerate(rows):
        current: str | None = None
        filled[i] = {}
        for c in lay.value_cols:
            raw = grid[i][c] if c < len(grid[i]) else None
            if raw is not None:
                current = raw if isinstance(raw, str) else _float_label(raw)
            elif any(c < len(grid[j]) and grid[j][c] is not None for j in rows[:k]):
                current = None
            filled[i][c] = current

    year_rows = [
        i
        for i in rows
        if all(v is not None and _parse_period(v) is not None for v in filled[i].values())
    ]
    if len(year_rows) > 1:
        raise InputError(
            Message("err_src_xlsx_header_years", rows=", ".join(str(i + 1) for i in year_rows)),
            file=file,
            row=year_rows[1] + 1,
            expected=Message("exp_src_xlsx_one_year_row"),
        )
    year_row = year_rows[0] if year_rows else None
    periods: dict[int, str] = {}
    if year_row is not None:
        for c, v in filled[year_row].items():
            periods[c] = str(_parse_period(v))
    labels = {
        c: [lab for i in rows if i != year_row and (lab := filled[i][c]) is not None]
        for c in lay.value_cols
    }
    for c, labs in labels.items():
        if not labs and not lay.category_cols:
            raise InputError(
                Message("err_src_xlsx_no_label"),
                file=file,
                row=lay.first,
                field=_col_letter(c),
                expected=Message("exp_src_xlsx_labels"),
            )

    if year_row is None and lay.year_col is None:
        mixed = [i for i in rows if any(_parse_period(v) is not None for v in filled[i].values())]
        message = (
            Message(
                "err_src_xlsx_no_period_mixed",
                row=mixed[0] + 1,
                labels=", ".join(repr(v) for v in filled[mixed[0]].values()),
            )
            if mixed
            else Message("err_src_xlsx_no_period")
        )
        raise InputError(
            message,
            file=file,
            row=(mixed[0] + 1) if mixed else (rows[0] + 1 if rows else None),
            expected=Message("exp_src_period"),
        )
    if year_row is not None and lay.year_col is not None:
        raise InputError(
            Message("err_src_xlsx_two_periods", row=year_row + 1, column=_col_letter(lay.year_col)),
            file=file,
            expected=Message("exp_src_xlsx_one_period"),
        )
    return _Header(labels=labels, periods=periods, year_row=year_row)


def _float_label(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


@dataclass
class _Footer:
    table_id: str | None = None
    official: bool = False
    footnotes: list[str] = field(default_factory=list)
    # section -> list of (sub-key or None, value)
    sections: dict[str, list[tuple[str | None, str]]] = field(default_factory=dict)

    def get(self, section: str, labels: Sequence[str] = ()) -> str | None:
        """The section's value for a column with ``labels`` (or its only/first value)."""
        entries = self.sections.get(section, [])
        if not entries:
            return None
        wanted = {_norm(x) for x in labels}
        for key, value in entries:
            if key is not None and _norm(key) in wanted:
                return value
        plain = [v for k, v in entries if k is None]
        return plain[0] if plain else None

    def render(self, section: str) -> str | None:
        entries = self.sections.get(section, [])
        if not entries:
            return None
        return "; ".join(f"{k.rstrip(':')}: {v}" if k else v for k, v in entries)


def _parse_footer(grid: list[list[str | float | None]], lay: _Layout, header: _Header) -> _Footer:
    known_labels = {_norm(x) for labs in header.labels.values() for x in labs}
    out = _Footer()
    section: str | None = None
    key: str | None = None
    for row in grid[lay.last + 1 :]:
        parts = [x if isinstance(x, str) else _float_label(x) for x in row if x is not None]
        if not parts:
            continue
        line = " ".join(parts)
        low = _norm(line)
        if line.rstrip().endswith(":") and low in _SECTIONS:
            section, key = low, None
            out.sections.setdefault(section, [])
            continue
        if low == "officiell statistik":
            out.official, section, key = True, None, None
            continue
        if section is None:
            out.footnotes.append(line)
        elif section == "intern referenskod":
            if out.table_id is None:
                out.table_id = line.strip()
        elif line.rstrip().endswith(":") or low in known_labels:
            key = line.strip()
        else:
            out.sections[section].append((key, line.strip()))
    return out
