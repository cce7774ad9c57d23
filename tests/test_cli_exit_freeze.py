"""The ``omradesbild`` process leaves its objects frozen at exit (:func:`gc.freeze`), which
spares the interpreter's last full collections; a caller in the same process (a test) keeps
its collector as it was."""

from __future__ import annotations

import atexit
import gc
import subprocess
import sys
from pathlib import Path

import pytest

from omradesbild.cli import main as cli_main

#: Runs the command line as its entry point does (``main()`` reading ``sys.argv``), with a
#: probe registered before it: exit handlers run last-registered first, so the probe runs
#: after the command line's own and prints the freeze count the interpreter ends with.
_PROBE = """
import atexit, gc, sys
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count()))
from omradesbild.cli.main import main
sys.argv = ["omradesbild", *sys.argv[1:]]
main()
"""


def _frozen_at_exit(*args: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, check=False
    )
    line = done.stdout.strip().splitlines()[-1]
    assert line.startswith("frozen at exit:"), done.stdout + done.stderr
    return int(line.split(":")[1])


def test_the_entry_point_leaves_objects_frozen_at_exit() -> None:
    assert _frozen_at_exit("--help") > 0


def test_the_entry_point_freezes_at_exit_after_an_error_too(tmp_path: Path) -> None:
    # a store that does not exist: exit code 3, and still frozen
    assert _frozen_at_exit("summary", "--db", f"{tmp_path}/none/no.duckdb") > 0


def test_a_caller_in_the_same_process_keeps_its_collector(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registered: list[object] = []
    monkeypatch.setattr(atexit, "register", registered.append)
    with pytest.raises(SystemExit) as exc:
        cli_main.main(["--help"])
    assert exc.value.code == 0
    assert registered == []
    assert gc.get_freeze_count() == 0


def test_the_exit_hook_freezes(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    monkeypatch.setattr(gc, "freeze", lambda: seen.append("freeze"))
    cli_main._freeze_at_exit()
    assert seen == ["freeze"]


def test_a_report_run_as_the_entry_point_writes_whole_files(
    demo_store: Path, tmp_path: Path
) -> None:
    # the pages are written and closed before the exit leaves anything unfreed
    out = tmp_path / "site"
    args = ["report", "--level", "regso", "--draws", "5", "--no-pdf", "-q"]
    frozen = _frozen_at_exit(*args, "--out", str(out), "--db", str(demo_store))
    assert frozen > 0
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 1
    for page in pages:
        assert page.read_text(encoding="utf-8").rstrip().endswith("</html>"), page
