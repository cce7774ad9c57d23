"""Reading the first sheet of an xlsx workbook into a grid of normalised cells."""

from __future__ import annotations

from pathlib import Path

from omradesbild.errors import InputError
from omradesbild.sources.scb_xlsx._common import _EXPECTED_FILE, _cell


def _describe_non_xlsx(head: bytes) -> str:
    if not head:
        return "the file is empty"
    if head.startswith(b"\x89PNG"):
        return "the file is a PNG image"
    if head.startswith(b"\xff\xd8\xff"):
        return "the file is a JPEG image"
    if head.startswith(b"%PDF"):
        return "the file is a PDF document"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "the file is an old binary Excel (.xls) workbook; export or save it as .xlsx"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            head.decode("cp1252")
        except UnicodeDecodeError:
            return "the file is not an xlsx workbook (no ZIP container)"
    return "the file is text (e.g. CSV), not an xlsx workbook"


def _read_grid(path: Path) -> list[list[str | float | None]]:
    """All cells of the first sheet, row/column indices as in the spreadsheet (0-based)."""
    if not path.exists():
        raise InputError("file not found", file=path, expected=_EXPECTED_FILE)
    if not path.is_file():
        raise InputError("not a file", file=path, expected=_EXPECTED_FILE)
    with path.open("rb") as fh:
        head = fh.read(512)
    if not head.startswith(b"PK\x03\x04"):
        raise InputError(_describe_non_xlsx(head), file=path, expected=_EXPECTED_FILE)
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        if not workbook.sheet_names:
            raise InputError("the workbook has no sheets", file=path, expected=_EXPECTED_FILE)
        raw = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except InputError:
        raise
    except BaseException as exc:  # calamine raises its own errors and pyo3 panics
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        raise InputError(
            f"cannot read the workbook, it may be truncated or corrupt ({exc})",
            file=path,
            expected="a complete xlsx workbook as written by SCB's web export",
        ) from exc
    # floats and text (nearly every cell) inline, the rare other types through _cell
    return [
        [
            v if type(v) is float else (v.strip() or None) if type(v) is str else _cell(v)
            for v in row
        ]
        for row in raw
    ]
