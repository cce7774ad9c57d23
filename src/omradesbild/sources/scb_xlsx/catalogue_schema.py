"""The schema of ``scb_tables.yaml`` (pydantic), which validates a user-given catalogue.

The reader works on the plain objects of :mod:`.catalogue`; this schema is imported only to
validate a catalogue file (the shipped one is validated by the tests).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, model_validator


class ColumnRuleModel(BaseModel):
    """How one data column (identified by its header labels) maps to a variable id."""

    model_config = ConfigDict(extra="forbid")

    variable: str
    labels: list[str] | None = None
    pattern: str | None = None
    other_labels: list[str] = []
    unit: str | None = None

    @model_validator(mode="after")
    def _check(self) -> ColumnRuleModel:
        if (self.labels is None) == (self.pattern is None):
            raise ValueError("give exactly one of 'labels' or 'pattern'")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {self.pattern!r}: {exc}") from exc
        return self


class TableEntryModel(BaseModel):
    """Catalogue entry of one SCB table."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    unit: str | None = None
    columns: list[ColumnRuleModel]


class ScbTableCatalogueModel(BaseModel):
    """All catalogued SCB tables, keyed by SCB's "Intern referenskod" (e.g. ``000005F8``)."""

    model_config = ConfigDict(extra="forbid")

    tables: dict[str, TableEntryModel]
