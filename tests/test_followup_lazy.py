"""``omradesbild.followup`` loads its submodules on first use and exports functions."""

from __future__ import annotations

import subprocess
import sys

import pytest

import omradesbild.followup as followup

_CHECK = """
import inspect
{first}
import omradesbild.followup as f
for name in f.__all__:
    value = getattr(f, name)
    assert not inspect.ismodule(value), name
"""


@pytest.mark.parametrize(
    "first",
    [
        "import omradesbild.followup.crime_coverage",
        "import omradesbild.followup.goals",
        "from omradesbild.followup.goal_history import goal_history",
        "from omradesbild.followup import anchored_classes, goal_history",
    ],
)
def test_every_export_is_the_function_whatever_was_imported_first(first: str) -> None:
    """A fresh interpreter: import one submodule first, then every exported name."""
    code = _CHECK.format(first=first)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_crime_coverage_needs_no_scipy() -> None:
    code = "import sys, omradesbild.followup.crime_coverage; print('scipy.stats' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        followup.no_such_name  # noqa: B018
