"""Reading the first sheet of an xlsx workbook into a grid of normalised cells."""

from __future__ import annotations

from pathlib import Path

from omradesbild.errors import InputError
from omradesbild.sources.scb_xlsx._common import _cell
from omradesbild.wording import Message


def _describe_non_xlsx(head: bytes) -> str:
    """The catalogue key of what a file that is not an xlsx workbook is."""
    if not head:
        return "err_src_file_empty"
    if head.startswith(b"\x89PNG"):
        return "err_src_file_png"
    if head.startswith(b"\xff\xd8\xff"):
        return "err_src_file_jpeg"
    if head.startswith(b"%PDF"):
        return "err_src_file_pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "err_src_file_xls"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            head.decode("cp1252")
        except UnicodeDecodeError:
            return "err_src_file_not_zip"
    return "err_src_file_text"


def _not_xlsx(key: str, path: Path) -> InputError:
    return InputError(Message(key), file=path, expected=Message("exp_src_xlsx_file"))


def _read_grid(path: Path) -> list[list[str | float | None]]:
    """All cells of the first sheet, row/column indices as in the spreadsheet (0-based)."""
    if not path.exists():
        raise _not_xlsx("err_src_file_not_found", path)
    if not path.is_file():
        raise _not_xlsx("err_src_not_a_file", path)
    with path.open("rb") as fh:
        head = fh.read(512)
    if not head.startswith(b"PK\x03\x04"):
        raise _not_xlsx(_describe_non_xlsx(head), path)
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        if not workbook.sheet_names:
            raise _not_xlsx("err_src_xlsx_no_sheets", path)
        raw = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except InputError:
        raise
    except BaseException as exc:  # calamine raises its own errors and pyo3 panics
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        raise InputError(
            Message("err_src_xlsx_unreadable", error=str(exc)),
            file=path,
            expected=Message("exp_src_xlsx_complete"),
        ) from exc
    # floats and text (nearly every cell) inline, the rare other types through _cell
    return [
        [
            v if type(v) is float else (v.strip() or None) if type(v) is str else _cell(v)
            for v in row
        ]
        for row in raw
    ]
