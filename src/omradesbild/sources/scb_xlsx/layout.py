"""Layout detection: the region column, the data block, the stub and the value columns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from omradesbild.errors import InputError
from omradesbild.sources.base import SCB_MISSING_MARKERS
from omradesbild.sources.scb_xlsx._common import (
    _NUMBER_RE,
    _col_letter,
    _is_yearlike_code,
    _parse_area,
    _parse_area_text,
    _parse_period,
)
from omradesbild.wording import Message


@dataclass
class _Layout:
    region_col: int
    first: int  # first data row (0-based)
    last: int  # last data row (0-based)
    stub: list[int]  # stub columns (region, year, categories), left of the values
    value_cols: list[int]
    year_col: int | None
    category_cols: list[int]
    name_cols: list[int]
    title: str
    title_row: int | None
    last_filled: list[int]


def _last_filled(grid: list[list[str | float | None]]) -> list[int]:
    """Per row, the index of its last non-empty cell (-1 for an empty row)."""
    return [len(row) - 1 if row and row[-1] is not None else _last_index(row) for row in grid]


def _last_index(row: list[str | float | None]) -> int:
    j = len(row) - 1
    while j >= 0 and row[j] is None:
        j -= 1
    return j


def _find_region_column(
    grid: list[list[str | float | None]], last_filled: list[int], file: Path
) -> int:
    ncols = max(map(len, grid), default=0)
    best: tuple[int, int, int] | None = None
    for c in range(min(ncols, 4)):
        # each distinct text once: a column holds thousands of codes, or none
        texts = {
            row[c]
            for row, lf in zip(grid, last_filled, strict=True)
            if lf > c and type(row[c]) is str
        }
        codes = {a[0] for a in map(_parse_area_text, texts) if a is not None}
        yearlike = sum(1 for x in codes if len(x) == 4 and _is_yearlike_code(x))
        score = (len(codes) - yearlike, len(codes), -c)
        if codes and (best is None or score > best):
            best = score
    if best is None:
        raise InputError(
            Message("err_src_xlsx_no_data"),
            file=file,
            expected=Message("exp_src_xlsx_area"),
        )
    return -best[2]


def _is_value_cell(cell: str | float | None) -> bool:
    if isinstance(cell, float):
        return True
    return isinstance(cell, str) and (cell in SCB_MISSING_MARKERS or bool(_NUMBER_RE.match(cell)))


def _is_stub_column(cells: Iterable[str | float | None]) -> bool:
    """Whether a column right of the region column is part of the stub, not a value column.

    Stub columns hold text only (years are text in PX-Web exports): no numbers, no missing
    markers, and no numeric text other than periods.
    """
    filled = {x for x in cells if x is not None}  # each distinct cell once
    if not filled:
        return False
    for x in filled:
        if not isinstance(x, str) or x in SCB_MISSING_MARKERS:
            return False
        if _NUMBER_RE.match(x) and _parse_period(x) is None:
            return False
    return True


def _detect_layout(grid: list[list[str | float | None]], file: Path) -> _Layout:
    last_filled = _last_filled(grid)
    region_col = _find_region_column(grid, last_filled, file)

    def is_data_row(i: int) -> bool:
        return last_filled[i] > region_col and _parse_area(grid[i][region_col]) is not None

    # the first and the last row with an area code (the region column has one)
    first = next(i for i in range(len(grid)) if is_data_row(i))
    last = next(i for i in reversed(range(len(grid))) if is_data_row(i))
    # Rows below the last code that continue its group (region blank, forward-filled).
    while (
        last + 1 < len(grid)
        and grid[last + 1][region_col] is None
        and last_filled[last + 1] > region_col
    ):
        last += 1
    block = [grid[i] for i in range(first, last + 1)]
    ncols = max(map(len, grid))

    # Stub = every column up to the region column, then further leading columns that hold no
    # numbers (a year column, a name column, another category).
    stub = list(range(region_col + 1))
    c = region_col + 1
    while c < ncols and _is_stub_column(r[c] for r in block if c < len(r)):
        stub.append(c)
        c += 1
    above = grid[:last]
    value_cols = [
        vc for vc in range(c, ncols) if any(r[vc] is not None for r in above if vc < len(r))
    ]
    if not value_cols:
        raise InputError(
            Message(
                "err_src_xlsx_no_values",
                first=first + 1,
                last=last + 1,
                column=_col_letter(region_col),
            ),
            file=file,
            expected=Message("exp_src_xlsx_value_columns"),
        )

    year_col, category_cols, name_cols = _classify_stub(block, stub, region_col, file)
    title, title_row = _find_title(grid, first, min(value_cols))
    return _Layout(
        region_col=region_col,
        first=first,
        last=last,
        stub=stub,
        value_cols=value_cols,
        year_col=year_col,
        category_cols=category_cols,
        name_cols=name_cols,
        title=title,
        title_row=title_row,
        last_filled=last_filled,
    )


def _classify_stub(
    block: list[list[str | float | None]], stub: list[int], region_col: int, file: Path
) -> tuple[int | None, list[int], list[int]]:
    """Sort the stub columns right of the region column into year, category and name columns."""
    year_col: int | None = None
    category_cols: list[int] = []
    name_cols: list[int] = []
    for sc in stub:
        if sc == region_col:
            continue
        cells = [r[sc] for r in block if sc < len(r) and r[sc] is not None]
        if not cells:
            continue
        if all(_parse_period(x) is not None for x in set(cells)):
            if year_col is not None:
                raise InputError(
                    Message(
                        "err_src_xlsx_two_year_columns",
                        first=_col_letter(year_col),
                        second=_col_letter(sc),
                    ),
                    file=file,
                    expected=Message("exp_src_xlsx_one_year_column"),
                )
            year_col = sc
        elif _is_name_column(block, region_col, sc):
            name_cols.append(sc)
        else:
            category_cols.append(sc)
    return year_col, category_cols, name_cols


def _find_title(
    grid: list[list[str | float | None]], first: int, first_value_col: int
) -> tuple[str, int | None]:
    """The title row above the data block: its first filled row, when that holds one text cell
    left of the value columns."""
    title, title_row = "", None
    for i in range(first):
        cells = [x for x in grid[i] if x is not None]
        if cells:
            if (
                len(cells) == 1
                and isinstance(cells[0], str)
                and grid[i].index(cells[0]) < first_value_col
            ):
                title, title_row = cells[0], i
            break
    return title, title_row


def _is_name_column(block: list[list[str | float | None]], region_col: int, col: int) -> bool:
    """Whether a text stub column just repeats one name per area (e.g. the DeSO's name)."""
    names: dict[object, set[object]] = {}
    region: object = None
    for row in block:
        if row[region_col] is not None:
            region = row[region_col]
        if row[col] is not None:
            names.setdefault(region, set()).add(row[col])
    distinct = {n for s in names.values() for n in s}
    return all(len(s) == 1 for s in names.values()) and len(distinct) > 1
