"""The catalogue ``scb_tables.yaml`` mapping SCB tables' header labels to variable ids."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from omradesbild.errors import ConfigError
from omradesbild.sources.scb_xlsx._common import _norm
from omradesbild.sources.yaml_catalogue import load_yaml_model, parse_yaml


@dataclass(frozen=True)
class ColumnRule:
    """How one data column (identified by its header labels) maps to a variable id.

    Exactly one of ``labels`` and ``pattern`` is given (checked by the catalogue's schema,
    :mod:`.catalogue_schema`).
    """

    variable: str
    labels: list[str] | None = None
    pattern: str | None = None
    other_labels: list[str] = field(default_factory=list)
    unit: str | None = None

    def match(self, labels: Sequence[str]) -> str | None:
        """The variable id if this rule matches the column's labels, else ``None``."""
        normed = [_norm(x) for x in labels]
        if self.labels is not None:
            return self.variable if set(normed) == {_norm(x) for x in self.labels} else None
        assert self.pattern is not None
        rx = re.compile(self.pattern, re.IGNORECASE)
        others = {_norm(x) for x in self.other_labels}
        for i, lab in enumerate(normed):
            m = rx.match(lab)
            if m and set(normed[:i] + normed[i + 1 :]) == others:
                return m.expand(self.variable)
        return None


@dataclass(frozen=True)
class TableEntry:
    """Catalogue entry of one SCB table."""

    columns: list[ColumnRule]
    title: str | None = None
    unit: str | None = None

    def lookup(self, labels: Sequence[str]) -> tuple[str, str | None] | None:
        """``(variable, unit)`` for a column with these labels, or ``None``."""
        for rule in self.columns:
            var = rule.match(labels)
            if var is not None:
                return var, rule.unit or self.unit
        return None


@dataclass(frozen=True)
class ScbTableCatalogue:
    """All catalogued SCB tables, keyed by SCB's "Intern referenskod" (e.g. ``000005F8``)."""

    tables: dict[str, TableEntry]


def _catalogue_of(raw: dict[str, Any]) -> ScbTableCatalogue:
    """The catalogue of a mapping that follows the schema (:mod:`.catalogue_schema`)."""
    return ScbTableCatalogue(
        tables={
            tid: TableEntry(
                columns=[
                    ColumnRule(
                        variable=rule["variable"],
                        labels=rule.get("labels"),
                        pattern=rule.get("pattern"),
                        other_labels=rule.get("other_labels") or [],
                        unit=rule.get("unit"),
                    )
                    for rule in entry["columns"]
                ],
                title=entry.get("title"),
                unit=entry.get("unit"),
            )
            for tid, entry in raw["tables"].items()
        }
    )


def load_catalogue(path: str | Path | None = None) -> ScbTableCatalogue:
    """Load and validate a table catalogue (default: the packaged ``scb_tables.yaml``).

    Raises
    ------
    ConfigError
        When the file cannot be read or does not follow the catalogue schema.
    """
    if path is None:
        return _default_catalogue()
    from omradesbild.sources.scb_xlsx.catalogue_schema import ScbTableCatalogueModel

    model = load_yaml_model(ScbTableCatalogueModel, path, what=_WHAT, prepare=_keys_as_text)
    return _catalogue_of(model.model_dump())


_WHAT = "SCB table catalogue"


@lru_cache(maxsize=1)
def _default_catalogue() -> ScbTableCatalogue:
    """The shipped catalogue, read without validating it at run time (the tests validate it
    against :mod:`.catalogue_schema` and compare the two readings)."""
    return _catalogue_of(_keys_as_text(parse_yaml(_default_text(), where=_DEFAULT), _DEFAULT))


_DEFAULT = "scb_tables.yaml"


def _default_text() -> str:
    return resources.files("omradesbild.sources").joinpath(_DEFAULT).read_text("utf-8")


def _keys_as_text(raw: Any, where: str) -> dict[str, Any]:
    """The catalogue with its table ids as text (YAML reads an id of digits as a number)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("tables"), dict):
        raise ConfigError(f"{where}: expected a mapping with a 'tables' mapping")
    return {**raw, "tables": {str(k): v for k, v in raw["tables"].items()}}
