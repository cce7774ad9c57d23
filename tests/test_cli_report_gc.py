"""``omradesbild report`` exempts its long-lived objects from the collector's full passes
while it runs (:func:`gc.freeze`), and hands every object back when it ends."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest


def _run_report(db: Path, out: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from omradesbild.cli.report import report

    app = typer.Typer()
    app.callback()(lambda: None)
    app.command("report")(report)
    args = ["report", "--level", "regso", "--draws", "5", "--areas", "9999R001", "--no-pdf"]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The calls of gc.freeze, gc.unfreeze, gc.disable and gc.enable, and of build_site, in
    order."""
    from omradesbild.reports import site

    seen: list[str] = []
    build = site.build_site

    def recording(*args: Any, **kwargs: Any) -> Any:
        seen.append("build_site")
        return build(*args, **kwargs)

    monkeypatch.setattr(site, "build_site", recording)
    monkeypatch.setattr(gc, "freeze", lambda: seen.append("freeze"))
    monkeypatch.setattr(gc, "unfreeze", lambda: seen.append("unfreeze"))
    monkeypatch.setattr(gc, "disable", lambda: seen.append("disable"))
    monkeypatch.setattr(gc, "enable", lambda: seen.append("enable"))
    return seen


def test_report_freezes_while_it_builds_and_unfreezes_after(
    demo_store: Path, tmp_path: Path, calls: list[str]
) -> None:
    assert gc.get_freeze_count() == 0
    _run_report(demo_store, tmp_path / "site")
    # the imports, with the collector paused, are frozen before it resumes; then the level
    # too, before the pages; all handed back after
    assert calls == ["disable", "freeze", "enable", "freeze", "build_site", "unfreeze"]


def test_report_leaves_a_process_that_froze_its_own_objects_alone(
    demo_store: Path, tmp_path: Path, calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gc, "get_freeze_count", lambda: 1000)
    _run_report(demo_store, tmp_path / "site")
    assert calls == ["disable", "enable", "build_site"]


def test_report_leaves_a_paused_collector_paused(
    demo_store: Path, tmp_path: Path, calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gc, "isenabled", lambda: False)
    _run_report(demo_store, tmp_path / "site")
    assert calls == ["disable", "freeze", "freeze", "build_site", "unfreeze"]
