"""Shared fixtures: the real data folder, and a fresh store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """Where the real data lies: $OMRADESBILD_SHARED_DATA or ../shared/data."""
    env = os.environ.get("OMRADESBILD_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real SCB, police, city and crime files; skip (or fail in CI) when absent."""
    path = shared_data_dir()
    if not (path / "README.md").exists():
        if os.environ.get("OMRADESBILD_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(f"real data folder missing: {path} (set OMRADESBILD_SHARED_DATA)")
        pytest.skip(f"real data folder not found at {path}")
    return path
