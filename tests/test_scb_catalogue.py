"""The SCB table catalogue read from a user-given file."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from omradesbild.errors import ConfigError
from omradesbild.sources.scb_xlsx import load_catalogue


def test_shipped_catalogue_as_a_user_file(tmp_path: Path) -> None:
    path = tmp_path / "scb_tables.yaml"
    shipped = resources.files("omradesbild.sources").joinpath("scb_tables.yaml")
    path.write_text(shipped.read_text("utf-8"), encoding="utf-8")
    assert load_catalogue(path) == load_catalogue()


def test_bad_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cat.yaml"
    path.write_text("tables:\n  X: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cat\.yaml: invalid YAML"):
        load_catalogue(path)
