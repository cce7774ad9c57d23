"""Packages whose modules load on first use (PEP 562): a caller of one part does not load
the others, and every public name is still there."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

_PROBE = """
import json, sys
import {module}
print(json.dumps(sorted(m for m in sys.modules if m.startswith("omradesbild."))))
"""


def _loaded_after(module: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(done.stdout))


def test_the_police_service_does_not_load_the_other_follow_up_services() -> None:
    loaded = _loaded_after("omradesbild.services.followup.police")
    others = ("demo", "goals", "crime", "change", "area_types")
    assert not {f"omradesbild.services.followup.{m}" for m in others} & loaded


def test_the_publishable_index_does_not_load_the_file_writers() -> None:
    loaded = _loaded_after("omradesbild.reports.exports.tables")
    writers = ("bundle", "excel", "gpkg")
    assert not {f"omradesbild.reports.exports.{m}" for m in writers} & loaded


def test_a_method_does_not_load_the_index_engine() -> None:
    """Reading a method (``omradesbild.index.method``, ``load_method``) leaves the engine and
    the Monte-Carlo draws unloaded; ``compute_index`` loads the engine on first use."""
    loaded = _loaded_after("omradesbild.index.method")
    engine = ("engine", "uncertainty", "_draws", "normalise", "aggregate")
    assert not {f"omradesbild.index.{m}" for m in engine} & loaded


@pytest.mark.parametrize(
    "package",
    [
        "omradesbild.followup",
        "omradesbild.services.followup",
        "omradesbild.reports.exports",
        "omradesbild.index",
    ],
)
def test_every_public_name_is_found(package: str) -> None:
    mod = importlib.import_module(package)
    for name in mod.__all__:
        assert getattr(mod, name) is not None, name
    with pytest.raises(AttributeError):
        _ = mod.no_such_name
