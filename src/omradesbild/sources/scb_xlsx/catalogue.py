"""The catalogue ``scb_tables.yaml`` mapping SCB tables' header labels to variable ids."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from omradesbild.errors import ConfigError
from omradesbild.sources.scb_xlsx._common import _norm
from omradesbild.sources.yaml_catalogue import load_yaml_model, parse_yaml_model
from omradesbild.wording import both


class ColumnRule(BaseModel):
    """How one data column (identified by its header labels) maps to a variable id."""

    model_config = ConfigDict(extra="forbid")

    variable: str
    labels: list[str] | None = None
    pattern: str | None = None
    other_labels: list[str] = []
    unit: str | None = None

    @model_validator(mode="after")
    def _check(self) -> ColumnRule:
        if (self.labels is None) == (self.pattern is None):
            raise ValueError("give exactly one of 'labels' or 'pattern'")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {self.pattern!r}: {exc}") from exc
        return self

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


class TableEntry(BaseModel):
    """Catalogue entry of one SCB table."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    unit: str | None = None
    columns: list[ColumnRule]

    def lookup(self, labels: Sequence[str]) -> tuple[str, str | None] | None:
        """``(variable, unit)`` for a column with these labels, or ``None``."""
        for rule in self.columns:
            var = rule.match(labels)
            if var is not None:
                return var, rule.unit or self.unit
        return None


class ScbTableCatalogue(BaseModel):
    """All catalogued SCB tables, keyed by SCB's "Intern referenskod" (e.g. ``000005F8``)."""

    model_config = ConfigDict(extra="forbid")

    tables: dict[str, TableEntry]


def load_catalogue(path: str | Path | None = None) -> ScbTableCatalogue:
    """Load and validate a table catalogue (default: the packaged ``scb_tables.yaml``).

    Raises
    ------
    ConfigError
        When the file cannot be read or does not follow the catalogue schema.
    """
    if path is None:
        return _default_catalogue()
    return load_yaml_model(ScbTableCatalogue, path, what=_WHAT, prepare=_keys_as_text)


_WHAT = "err_src_what_scb_catalogue"  # the wording catalogue's "SCB table catalogue"


@lru_cache(maxsize=1)
def _default_catalogue() -> ScbTableCatalogue:
    text = resources.files("omradesbild.sources").joinpath("scb_tables.yaml").read_text("utf-8")
    return parse_yaml_model(
        ScbTableCatalogue, text, where="scb_tables.yaml", what=_WHAT, prepare=_keys_as_text
    )


def _keys_as_text(raw: Any, where: str) -> dict[str, Any]:
    """The catalogue with its table ids as text (YAML reads an id of digits as a number)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("tables"), dict):
        raise ConfigError(both("err_src_catalogue_not_tables", path=where))
    return {**raw, "tables": {str(k): v for k, v in raw["tables"].items()}}
