"""What reading an SCB xlsx export costs the process: no cyclic collector passes."""

from __future__ import annotations

import gc
from pathlib import Path

import openpyxl
import pytest

from omradesbild.errors import InputError
from omradesbild.sources.scb_xlsx import read_scb_xlsx


def _small_export(tmp_path: Path, n: int = 2) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    rows: list[tuple[object, ...]] = [
        ("Folkmängd",),
        (),
        (None, "2022"),
        (None, "totalt"),
        *[(f"0114A{i + 10:04d}", i + 5) for i in range(n)],
        (),
        ("Intern referenskod:",),
        ("000005FC",),
    ]
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)
    wb.save(tmp_path / "t.xlsx")
    return tmp_path / "t.xlsx"


def test_no_cyclic_collection_while_reading(tmp_path: Path) -> None:
    """The reader pauses the cyclic collector (the sheet's objects hold no cycles) and
    starts it again after the read, also after a failed one."""
    path = _small_export(tmp_path, 3000)
    bad = tmp_path / "bad.xlsx"
    bad.write_text("area;value\n", encoding="utf-8")
    passes: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            passes.append(info["generation"])

    gc.collect()
    gc.callbacks.append(seen)
    try:
        obs = read_scb_xlsx(path)
    finally:
        gc.callbacks.remove(seen)
    # at most the pass over the young objects when the collector starts again (reading the
    # 3000 rows with the collector running makes several)
    assert passes in ([], [0])
    assert list(obs.data["value"]) == [float(i + 5) for i in range(3000)]
    assert gc.isenabled()
    with pytest.raises(InputError):
        read_scb_xlsx(bad)
    assert gc.isenabled()


def test_collector_left_off_when_it_was_off(tmp_path: Path) -> None:
    path = _small_export(tmp_path)
    gc.disable()
    try:
        read_scb_xlsx(path)
        assert not gc.isenabled()
    finally:
        gc.enable()
