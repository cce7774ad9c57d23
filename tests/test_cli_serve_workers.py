"""``omradesbild serve --workers N``: N processes built from the same settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from typer.testing import CliRunner

from omradesbild.cli.main import app


def _calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    import uvicorn

    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: calls.append((target, kw)))
    # serve sets some of these for its worker processes: restored after the test.
    for var in ("SECRET_KEY", "PARTNERS_URL", "WORKERS", "DB", "LANG", "PRODUCTION"):
        monkeypatch.setenv(f"OMRADESBILD_{var}", "")
        monkeypatch.delenv(f"OMRADESBILD_{var}")
    return calls


def test_workers_share_one_secret_key_and_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    store = tmp_path / "stad.duckdb"
    store.write_bytes(b"")
    calls = _calls(monkeypatch)
    run = CliRunner().invoke(app, ["serve", "--db", str(store), "--workers", "2", "--lang", "en"])
    assert run.exit_code == 0, run.output
    ((target, kw),) = calls
    assert target == "omradesbild.web.app:create_app"
    assert kw["factory"] is True and kw["workers"] == 2
    assert kw["proxy_headers"] is False  # no trusted proxies configured
    key = os.environ["OMRADESBILD_SECRET_KEY"]
    assert len(key) >= 32
    assert os.environ["OMRADESBILD_DB"] == str(store)
    assert os.environ["OMRADESBILD_LANG"] == "en"
    assert os.environ["OMRADESBILD_PARTNERS_URL"].endswith("stad-partners.sqlite")
    from omradesbild.web.settings import WebSettings

    assert WebSettings.from_env().secret_key == key  # what every worker reads


def test_one_worker_serves_the_app_object(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi import FastAPI

    store = tmp_path / "stad.duckdb"
    store.write_bytes(b"")
    calls = _calls(monkeypatch)
    run = CliRunner().invoke(app, ["serve", "--db", str(store)])
    assert run.exit_code == 0, run.output
    ((target, kw),) = calls
    assert isinstance(target, FastAPI) and "workers" not in kw


def test_help_names_workers() -> None:
    run = CliRunner().invoke(app, ["serve", "--help"])
    assert "--workers" in run.output and "OMRADESBILD_WORKERS" in run.output
