"""The shipped SCB table catalogue: validated here, read without pydantic by the reader."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from omradesbild.errors import ConfigError
from omradesbild.sources.scb_xlsx import load_catalogue
from omradesbild.sources.scb_xlsx.catalogue import (
    _catalogue_of,
    _default_catalogue,
    _default_text,
    _keys_as_text,
)
from omradesbild.sources.scb_xlsx.catalogue_schema import ScbTableCatalogueModel


def test_shipped_catalogue_follows_the_schema_and_reads_alike() -> None:
    """The reader's unvalidated reading equals the schema's (pure-Python YAML parser)."""
    raw = _keys_as_text(yaml.safe_load(_default_text()), "scb_tables.yaml")
    validated = ScbTableCatalogueModel.model_validate(raw)
    assert _default_catalogue() == _catalogue_of(validated.model_dump())
    assert len(_default_catalogue().tables) == len(raw["tables"])


def test_shipped_catalogue_as_a_user_file(tmp_path: Path) -> None:
    path = tmp_path / "scb_tables.yaml"
    path.write_text(_default_text(), encoding="utf-8")
    assert load_catalogue(path) == load_catalogue()


def test_bad_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cat.yaml"
    path.write_text("tables:\n  X: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cat\.yaml: invalid YAML"):
        load_catalogue(path)
