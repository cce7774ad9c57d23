"""The public reader: observations, variables and source metadata from one export."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from omradesbild._gc import collector_paused
from omradesbild.areas.codes import VERSIONS
from omradesbild.errors import ConfigError, InputError
from omradesbild.sources.base import (
    OBS_COLUMNS,
    SCB_MISSING_MARKERS,
    VARIABLE_COLUMNS,
    Observations,
    SourceMeta,
    file_checksum,
)
from omradesbild.sources.scb_xlsx._common import (
    _MARKERS_SHOWN,
    _NOTE_SECTIONS,
    _NUMBER_RE,
    _TABLE_ID_RE,
    _UNIT_WORDS,
    DEFAULT_AREA_VERSIONS,
    _col_letter,
    _norm,
    _parse_area,
    _parse_area_text,
    _parse_period,
    _slug,
)
from omradesbild.sources.scb_xlsx.catalogue import TableEntry, _default_catalogue
from omradesbild.sources.scb_xlsx.grid import _read_grid
from omradesbild.sources.scb_xlsx.header import _Footer, _Header, _parse_footer, _parse_header
from omradesbild.sources.scb_xlsx.layout import _detect_layout, _Layout
from omradesbild.wording import Message, both


@dataclass
class _VarSpec:
    variable: str
    label: str
    unit: str
    in_catalogue: bool
    labels: list[str]


def _resolve_versions(levels: set[str], area_version: str | None, file: Path) -> dict[str, str]:
    versions = dict(DEFAULT_AREA_VERSIONS)
    if area_version is None:
        return versions
    if not area_version.strip():
        raise ConfigError(both("err_src_xlsx_version_empty", path=str(file)))
    level = next((lv for lv, vs in VERSIONS.items() if area_version in vs), None)
    if level is None:
        level = next(
            (lv for lv in ("regso", "deso", "kommun", "lan") if area_version.startswith(lv)), None
        )
    if level is None:
        return dict.fromkeys(versions, area_version)
    if level not in levels:
        raise ConfigError(
            both(
                "err_src_xlsx_version_level",
                path=str(file),
                version=repr(area_version),
                level=level,
                levels=", ".join(sorted(levels)),
            )
        )
    versions[level] = area_version
    return versions


def _variable_specs(
    header: _Header,
    lay: _Layout,
    categories: list[tuple[str, ...]],
    table_id: str,
    entry: TableEntry | None,
    footer: _Footer,
) -> dict[tuple[int, tuple[str, ...]], _VarSpec]:
    specs: dict[tuple[int, tuple[str, ...]], _VarSpec] = {}
    fallback: dict[tuple[str, ...], str] = {}
    for c in lay.value_cols:
        for cat in categories:
            labels = [*header.labels[c], *cat]
            hit = entry.lookup(labels) if entry is not None else None
            footer_unit = footer.get("sort", labels)
            if footer_unit is not None:
                footer_unit = _UNIT_WORDS.get(footer_unit.strip().lower(), footer_unit.strip())
            if hit is not None:
                variable, unit = hit
                specs[(c, cat)] = _VarSpec(
                    variable, " / ".join(labels), unit or footer_unit or "antal", True, labels
                )
                continue
            key = tuple(sorted({_norm(x) for x in labels}))
            if key in fallback:
                variable = fallback[key]
            else:
                base = f"scb_{_slug(table_id)}_" + (
                    _slug("_".join(labels)) or _col_letter(c).lower()
                )
                variable, n = base, 2
                while variable in fallback.values():
                    variable, n = f"{base}_{n}", n + 1
                fallback[key] = variable
            specs[(c, cat)] = _VarSpec(
                variable, " / ".join(labels), footer_unit or "antal", False, labels
            )
    return specs


def _describe(spec: _VarSpec, table_id: str, title: str, footer: _Footer) -> str:
    parts = [f"SCB {table_id}: {title}" if title else f"SCB {table_id}"]
    ref = footer.get("referenstid", spec.labels)
    if ref:
        parts.append(f"Referenstid: {ref}")
    if not spec.in_catalogue:
        parts.append(
            f"Not in the catalogue scb_tables.yaml: id derived from the header labels "
            f"({spec.label!r}); add the table to the catalogue for a canonical id"
        )
    return ". ".join(parts)


def read_scb_xlsx(
    path: str | Path, *, area_version: str | None = None, table_id: str | None = None
) -> Observations:
    """Read one xlsx export from SCB's Statistikdatabasen into long observations.

    Parameters
    ----------
    path
        The ``.xlsx`` file as downloaded from the PX-Web interface.
    area_version
        Boundary version of the areas. Default: inferred per level (DeSO codes ->
        ``deso2018``, RegSO -> ``regso2020``, kommun -> ``kommun2025``, län -> ``lan2025``).
        A known version of one level (e.g. ``"deso2025"``) overrides that level only; any
        other text is used for every row.
    table_id
        SCB's table id; default: the footer's "Intern referenskod", else the file name's
        8-character prefix (``000005F8_20240813-152932.xlsx`` -> ``000005F8``).

    Returns
    -------
    Observations
        ``data`` in :data:`~omradesbild.sources.base.OBS_COLUMNS` (one row per area, variable
        and period; SCB's markers ``..``, ``.``, ``-`` become NaN with ``missing_reason``),
        ``variables`` with label, unit and description per variable, and ``source`` with
        the title row, the file name, its SHA-256 and the footer metadata in ``notes``.

    Raises
    ------
    InputError
        Wrong or damaged file, no data rows, no period, a non-numeric value, or an area
        that occurs twice for the same variable and period; the message names the file, the
        row and/or column, and what was expected.
    ConfigError
        When ``area_version`` names a level the file does not hold.

    Notes
    -----
    Variable ids come from ``scb_tables.yaml``: a column matches a rule when the set of its
    header labels (all header rows except the period row, plus any category stub labels)
    equals the rule's set, compared case- and whitespace-insensitively. Unmatched columns
    get ``scb_<table id>_<slug of labels>``.
    """
    with collector_paused():  # the sheet's many Python objects hold no cycles
        return _read(Path(path), area_version, table_id)


def _read(file: Path, area_version: str | None, table_id: str | None) -> Observations:
    """:func:`read_scb_xlsx`."""
    grid = _read_grid(file)
    lay = _detect_layout(grid, file)
    header = _parse_header(grid, lay, file)
    footer = _parse_footer(grid, lay, header)

    m = _TABLE_ID_RE.match(file.name)
    tid = table_id or footer.table_id or (m.group(1) if m else file.stem)
    catalogue = _default_catalogue()
    entry = catalogue.tables.get(tid)

    rows = _walk_block(grid, lay, file)
    categories: list[tuple[str, ...]] = sorted(set(rows.category)) if rows.category else [()]
    specs = _variable_specs(header, lay, categories, tid, entry, footer)
    versions = _resolve_versions(set(rows.level), area_version, file)
    data, where = _build_data(grid, rows, lay, header, specs, versions, file)
    if not _keys_unique(rows, header, specs):
        _check_duplicates(data, where, file)

    var_frame = _variable_frame(specs, tid, lay.title, footer)

    notes = _notes(tid, footer, table_id, file, specs)
    title = lay.title or (entry.title if entry is not None and entry.title else file.stem)
    source = SourceMeta(
        publisher="SCB",
        table_id=tid,
        title=title,
        reference=file.name,
        checksum=file_checksum(file),
        licence="CC0 1.0",
        notes=notes,
    )
    return Observations(source=source, data=data, variables=var_frame)


@dataclass
class _Rows:
    """The data rows, column by column: spreadsheet row index, area code and level, period
    (None without a year column) and category labels (None without category columns)."""

    index: list[int]
    code: list[str]
    level: list[str]
    period: list[str | None] | None
    category: list[tuple[str, ...]] | None


def _walk_block(grid: list[list[str | float | None]], lay: _Layout, file: Path) -> _Rows:
    """Each data row's index, area, period and category labels."""
    filled = [i for i in range(lay.first, lay.last + 1) if lay.last_filled[i] >= 0]
    stub = [lay.region_col, *([lay.year_col] if lay.year_col is not None else [])]
    stub_cells = [[grid[i][c] for i in filled] for c in [*stub, *lay.category_cols]]
    if not any(None in cells for cells in stub_cells):
        # every row names its area, period and categories (the usual export): nothing to
        # carry down from the rows above
        region = stub_cells[0]
        text_only = set(map(type, region)) == {str}  # then parsed without a call per row
        areas = list(map(_parse_area_text if text_only else _parse_area, region))
        periods = None
        if lay.year_col is not None:
            parsed = {x: _parse_period(x) for x in set(stub_cells[1])}
            periods = list(map(parsed.__getitem__, stub_cells[1]))
        if None not in areas and (periods is None or None not in periods):
            categories = None
            if lay.category_cols:
                texts = [list(map(str, cells)) for cells in stub_cells[len(stub) :]]
                categories = list(zip(*texts, strict=True))
            return _Rows(
                filled,
                [a[0] for a in areas],  # type: ignore[index]
                [a[1] for a in areas],  # type: ignore[index]
                periods,
                categories,
            )
    return _walk_stub(grid, lay, file, filled)


def _walk_stub(
    grid: list[list[str | float | None]], lay: _Layout, file: Path, filled: list[int]
) -> _Rows:
    """:func:`_walk_block` row by row: forward-fill the stub (PX-Web blanks repeated outer
    labels) and name the first row whose region cell is not an area code."""
    ncat = len(lay.category_cols)
    region: tuple[str, str] | None = None
    period_cell: str | None = None
    cat_state: list[str | None] = [None] * ncat
    codes: list[str] = []
    levels: list[str] = []
    periods: list[str | None] = []
    categories: list[tuple[str, ...]] = []
    for i in filled:
        row = grid[i]
        rc = row[lay.region_col]
        if rc is not None:
            area = _parse_area(rc)
            if area is None:
                raise InputError(
                    Message("err_src_xlsx_region_cell", cell=repr(rc)),
                    file=file,
                    row=i + 1,
                    field=_col_letter(lay.region_col),
                    expected=Message("exp_src_xlsx_area"),
                )
            region = area
        if lay.year_col is not None and row[lay.year_col] is not None:
            period_cell = _parse_period(row[lay.year_col])
        for k, cc in enumerate(lay.category_cols):
            if row[cc] is not None:
                cat_state[k] = str(row[cc])
        if region is None or (lay.year_col is not None and period_cell is None):
            raise InputError(
                Message("err_src_xlsx_no_region"),
                file=file,
                row=i + 1,
                expected=Message("exp_src_xlsx_area"),
            )
        codes.append(region[0])
        levels.append(region[1])
        periods.append(period_cell)
        categories.append(tuple(x or "" for x in cat_state))
    return _Rows(
        filled,
        codes,
        levels,
        periods if lay.year_col is not None else None,
        categories if ncat else None,
    )


def _variable_frame(
    specs: dict[tuple[int, tuple[str, ...]], _VarSpec], tid: str, title: str, footer: _Footer
) -> pd.DataFrame:
    """One row per variable (label, unit, description), in the order of first appearance."""
    var_rows: dict[str, dict[str, object]] = {}
    for spec in specs.values():
        var_rows.setdefault(
            spec.variable,
            {
                "variable": spec.variable,
                "label": spec.label,
                "unit": spec.unit,
                "description": _describe(spec, tid, title, footer),
            },
        )
    return pd.DataFrame(list(var_rows.values()), columns=list(VARIABLE_COLUMNS))


def _text_column(names: list[str], index: np.ndarray) -> pa.Array:
    """``names[index]`` as an Arrow text array, without a Python string per row."""
    return pc.take(pa.array(names, type=pa.large_string()), pa.array(index, type=pa.int32()))


def _column_values(
    cells: Sequence[str | float | None],
    row_idx: np.ndarray,
    c: int,
    label: Callable[[int], str],
    file: Path,
) -> tuple[np.ndarray, dict[int, str]]:
    """One value column as floats, and SCB's missing-value reasons by position.

    ``label(j)`` gives the variable label of row ``j`` for the error message.
    """
    if set(map(type, cells)) == {float}:
        return np.array(cells, dtype="float64"), {}
    markers = SCB_MISSING_MARKERS
    values = np.empty(len(cells), dtype="float64")
    reasons: dict[int, str] = {}
    for j, cell in enumerate(cells):
        if isinstance(cell, float):
            values[j] = cell
        elif isinstance(cell, str) and cell in markers:
            values[j], reasons[j] = np.nan, markers[cell]
        elif isinstance(cell, str) and _NUMBER_RE.match(cell):
            values[j] = float(re.sub(r"[ \u00a0\u202f]", "", cell).replace(",", "."))
        else:
            raise InputError(
                Message("err_src_xlsx_empty_not_value")
                if cell is None
                else Message("err_src_xlsx_not_value", shown=repr(cell)),
                file=file,
                row=int(row_idx[j]) + 1,
                field=f"{_col_letter(c)} ({label(j)})",
                expected=Message("exp_src_scb_value", markers=_MARKERS_SHOWN),
            )
    return values, reasons


def _build_data(
    grid: list[list[str | float | None]],
    rows: _Rows,
    lay: _Layout,
    header: _Header,
    specs: dict[tuple[int, tuple[str, ...]], _VarSpec],
    versions: dict[str, str],
    file: Path,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Long observations, column by column; also each observation's (row, column) cell.

    The text columns are built as Arrow arrays: the area codes once for all value columns,
    and variables, units and periods as positions in their few distinct values.
    """
    n = len(rows.index)
    row_idx = np.array(rows.index, dtype=np.int64)
    codes = pa.array(rows.code, type=pa.large_string())
    vers = pa.array(list(map(versions.__getitem__, rows.level)), type=pa.large_string())
    categories = sorted({cat for _, cat in specs})
    if len(categories) > 1 and rows.category is not None:
        position = {cat: g for g, cat in enumerate(categories)}
        row_cat = np.fromiter(map(position.__getitem__, rows.category), dtype=np.int32, count=n)
    else:
        row_cat = np.zeros(n, dtype=np.int32)
    names: dict[str, int] = {}  # every variable, unit and period text -> its position
    if header.periods:
        row_period = None
    else:
        periods = rows.period if rows.period is not None else [None] * n
        row_period = np.fromiter(
            (names.setdefault(str(p), len(names)) for p in periods), dtype=np.int32, count=n
        )
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("variable", "period", "unit")}
    values: list[np.ndarray] = []
    reasons = np.full(n * len(lay.value_cols), None, dtype=object)
    # the block's rows padded to the last value column, then read column by column
    width = max(lay.value_cols) + 1
    block = [
        grid[i] if len(grid[i]) >= width else [*grid[i], *[None] * (width - len(grid[i]))]
        for i in rows.index
    ]
    columns_of_block = list(zip(*block, strict=False)) if block else []
    for k, c in enumerate(lay.value_cols):
        col_specs = [specs[(c, cat)] for cat in categories]
        v, missing = _column_values(
            columns_of_block[c] if block else (),
            row_idx,
            c,
            lambda j, col_specs=col_specs: col_specs[int(row_cat[j])].label,  # type: ignore[misc]
            file,
        )
        values.append(v)
        for j, reason in missing.items():
            reasons[k * n + j] = reason
        for key in ("variable", "unit"):
            ids = np.array(
                [names.setdefault(getattr(sp, key), len(names)) for sp in col_specs],
                dtype=np.int32,
            )
            parts[key].append(ids[row_cat])
        if row_period is None:
            parts["period"].append(
                np.full(n, names.setdefault(header.periods[c], len(names)), dtype=np.int32)
            )
        else:
            parts["period"].append(row_period)
    texts = list(names)
    k = len(lay.value_cols)
    columns: dict[str, Any] = {
        "area_code": pa.chunked_array([codes] * k).to_pandas(),
        "area_version": pa.chunked_array([vers] * k).to_pandas(),
        **{
            key: _text_column(texts, np.concatenate(arrays)).to_pandas()
            for key, arrays in parts.items()
        },
        "value": np.concatenate(values),
        "missing_reason": pd.Series(reasons, dtype="object"),
    }
    data = pd.DataFrame(columns, columns=list(OBS_COLUMNS))
    where = np.column_stack([np.tile(row_idx, k), np.repeat(np.array(lay.value_cols), n)])
    return data, where


def _keys_unique(
    rows: _Rows, header: _Header, specs: dict[tuple[int, tuple[str, ...]], _VarSpec]
) -> bool:
    """Whether every observation's key (area, version, variable, period) is surely unique,
    told from the rows and the columns rather than from every observation: no two rows share
    an area, period and category, and no two (column, category) pairs share a variable (and
    the column's period, when periods head the columns). False: maybe not; look closer."""
    n = len(rows.index)
    row_keys: list[Any] = [rows.code]
    if not header.periods and rows.period is not None:
        row_keys.append(rows.period)
    if rows.category is not None:
        row_keys.append(rows.category)
    distinct_rows = (
        len(set(rows.code)) if len(row_keys) == 1 else len(set(zip(*row_keys, strict=True)))
    )
    if distinct_rows != n:
        return False
    column_keys = {
        (spec.variable, header.periods[c] if header.periods else None)
        for (c, _), spec in specs.items()
    }
    return len(column_keys) == len(specs)


def _check_duplicates(data: pd.DataFrame, where: np.ndarray, file: Path) -> None:
    """Raise when an area occurs twice for the same variable and period."""
    keys = ["area_code", "area_version", "variable", "period"]
    dup = data.duplicated(keys, keep=False).to_numpy()
    if not dup.any():
        return
    idx = np.flatnonzero(dup)
    first = data.iloc[idx[0]]
    key_values = data[keys].to_numpy()
    same = [j for j in idx if tuple(key_values[j]) == tuple(key_values[idx[0]])]
    cells = [f"{_col_letter(int(where[j][1]))}{int(where[j][0]) + 1}" for j in same]
    raise InputError(
        Message(
            "err_src_xlsx_duplicate",
            area=first["area_code"],
            variable=repr(first["variable"]),
            period=first["period"],
            cells=", ".join(cells),
        ),
        file=file,
        row=int(where[same[1]][0]) + 1,
        field=_col_letter(int(where[same[1]][1])),
        expected=Message("exp_src_once_per_variable_period"),
    )


def _notes(
    tid: str,
    footer: _Footer,
    table_id_arg: str | None,
    file: Path,
    specs: dict[tuple[int, tuple[str, ...]], _VarSpec],
) -> str:
    lines = [f"Intern referenskod: {footer.table_id or '(saknas i filen)'}"]
    if table_id_arg and footer.table_id and table_id_arg != footer.table_id:
        lines.append(f"table_id {table_id_arg!r} given by the caller overrides the footer's")
    for key, name in _NOTE_SECTIONS:
        text = footer.render(key)
        if text:
            lines.append(f"{name}: {text}")
    lines.append(f"Officiell statistik: {'ja' if footer.official else 'nej'}")
    fallback = sorted({s.variable for s in specs.values() if not s.in_catalogue})
    if fallback:
        lines.append(
            f"Table {tid} (file {file.name}): {len(fallback)} column(s) not in the catalogue "
            f"scb_tables.yaml; ids derived from header labels: {', '.join(fallback)}"
        )
    if footer.footnotes:
        lines.append("Fotnoter:")
        lines.extend(f"- {note}" for note in footer.footnotes)
    return "\n".join(lines)
