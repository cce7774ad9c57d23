"""What reading an SCB xlsx export costs the process: no pydantic, no cyclic collector passes."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import pytest

from omradesbild.errors import InputError
from omradesbild.sources.scb_xlsx import read_scb_xlsx


def test_reading_an_export_does_not_import_pydantic(tmp_path: Path) -> None:
    """pydantic (some 0.05 s to import) is not needed to read an xlsx export."""
    path = _small_export(tmp_path)
    code = textwrap.dedent(
        f"""
        import sys
        from omradesbild.store.ingest import parse_scb_xlsx
        obs = parse_scb_xlsx(__import__("pathlib").Path({str(path)!r}))
        assert list(obs.data["variable"]) == ["pop_total"] * 2, obs.data
        print("pydantic" in sys.modules)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


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
