"""The folder of results kept between commands: the setting and its default."""

from __future__ import annotations

from pathlib import Path

import pytest

from omradesbild.config import CACHE_DIR_ENV, cache_dir


@pytest.mark.parametrize("off", ["off", "OFF", "0", "none", " no "])
def test_off_keeps_nothing(monkeypatch: pytest.MonkeyPatch, off: str) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, off)
    assert cache_dir() is None


def test_a_folder_is_taken_as_given(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "kept"))
    assert cache_dir() == tmp_path / "kept"


def test_default_is_the_users_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    got = cache_dir()
    assert got is not None
    assert got.name == "omradesbild"
    assert got.parent == tmp_path / "xdg"


def test_tests_keep_nothing_by_default() -> None:
    """conftest turns the cache off for every test that does not set it itself."""
    assert cache_dir() is None
