"""The test modules' asserts rewritten once for every xdist worker (tests/rewritten.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewritten import is_xdist_controller, rewrite_once


def test_a_module_is_rewritten_once_and_again_when_it_changes(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    from _pytest.assertion.rewrite import PYC_TAIL, _read_pyc

    module = tmp_path / "test_sample.py"
    module.write_text("def test_x():\n    x = 1\n    assert x == 2\n", encoding="utf-8")
    (tmp_path / "helper.py").write_text("X = 1\n", encoding="utf-8")
    assert rewrite_once(request.config, tmp_path) == 1
    kept = tmp_path / "__pycache__" / f"test_sample{PYC_TAIL}"
    code = _read_pyc(module, kept)
    assert code is not None  # what a worker's import reads instead of rewriting
    assert "@pytest_ar" in code.co_names  # its asserts rewritten (pytest's helpers imported)
    assert sorted(p.name for p in (tmp_path / "__pycache__").iterdir()) == [kept.name]
    assert rewrite_once(request.config, tmp_path) == 0  # kept: nothing to do
    module.write_text("def test_x():\n    assert 1 == 3\n", encoding="utf-8")
    assert rewrite_once(request.config, tmp_path) == 1  # its source changed


def test_a_module_that_does_not_parse_is_left_to_the_worker(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    (tmp_path / "test_broken.py").write_text("def test_x(:\n", encoding="utf-8")
    assert rewrite_once(request.config, tmp_path) == 0


def test_a_process_that_runs_tests_is_not_the_controller(request: pytest.FixtureRequest) -> None:
    assert is_xdist_controller(request.config) is False  # a worker, or pytest without xdist
