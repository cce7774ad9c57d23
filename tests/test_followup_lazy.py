"""``omradesbild.followup`` loads its submodules on first use and exports functions.

One interpreter checks every case (starting it and importing pandas once, not per case): it
forgets every ``omradesbild`` module between cases, so each case imports the package afresh
with its own first import, as a new interpreter would. The crime coverage case runs first,
before anything could have loaded scipy."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import omradesbild.followup as followup

FIRST_IMPORTS = [
    "import omradesbild.followup.crime_coverage",
    "import omradesbild.followup.goals",
    "from omradesbild.followup.goal_history import goal_history",
    "from omradesbild.followup import anchored_classes, goal_history",
]

_CHECK = """
import inspect, json, sys

import omradesbild.followup.crime_coverage
out = {"scipy_after_crime_coverage": "scipy.stats" in sys.modules, "modules": {}}
for first in FIRST_IMPORTS:
    for name in [m for m in sys.modules if m.split(".")[0] == "omradesbild"]:
        del sys.modules[name]
    exec(first, {})
    import omradesbild.followup as f
    out["modules"][first] = [n for n in f.__all__ if inspect.ismodule(getattr(f, n))]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def checked() -> dict[str, object]:
    code = f"FIRST_IMPORTS = {FIRST_IMPORTS!r}\n{_CHECK}"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    out: dict[str, object] = json.loads(done.stdout)
    return out


@pytest.mark.parametrize("first", FIRST_IMPORTS)
def test_every_export_is_the_function_whatever_was_imported_first(
    first: str, checked: dict[str, dict[str, list[str]]]
) -> None:
    """A fresh package: import one submodule first, then every exported name; none may be
    a module (a submodule's import must not replace the exported function)."""
    assert checked["modules"][first] == []


def test_the_crime_coverage_needs_no_scipy(checked: dict[str, object]) -> None:
    assert checked["scipy_after_crime_coverage"] is False


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        followup.no_such_name  # noqa: B018
