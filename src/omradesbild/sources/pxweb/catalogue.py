"""The PX-Web table catalogue: stored variable ids for SCB tables' dimension values.

Two shipped catalogues are read:

* ``pxweb/tables.yaml``: per table (v2 id or v1 path), rules naming dimension value codes or
  texts, e.g. ``TAB6471`` with ``Alder=tot, Kon=TotSa`` -> ``pop_total``;
* ``scb_tables.yaml`` (the xlsx exports' catalogue): per content code (``000005FE`` …), the
  value texts of a cell's other dimensions.

Unmapped cells get a readable id from the table and the value texts
(``tab6471_0_9_ar_totalt``), never a string of codes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from omradesbild.sources.pxweb.common import slugify
from omradesbild.sources.yaml_catalogue import load_yaml_model, parse_yaml_model

__all__ = [
    "CatalogueMap",
    "PxCatalogue",
    "PxRule",
    "PxTable",
    "catalogue_map",
    "load_tables",
    "table_id_of",
]

Namer = Callable[[tuple[str, ...], tuple[str, ...]], str | None]


def _key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


class PxRule(BaseModel):
    """Cells whose dimensions hold these codes and/or value texts are ``variable``."""

    model_config = ConfigDict(extra="forbid")

    variable: str
    codes: dict[str, str] = {}
    labels: dict[str, str] = {}
    unit: str | None = None

    def matches(self, codes: dict[str, str], labels: dict[str, str]) -> bool:
        """Whether every dimension the rule names has the rule's code and text."""
        if not self.codes and not self.labels:
            return False
        return all(codes.get(_key(d)) == _key(c) for d, c in self.codes.items()) and all(
            labels.get(_key(d)) == _key(t) for d, t in self.labels.items()
        )


class PxTable(BaseModel):
    """Catalogue entry of one PX-Web table."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    v1_path: str | None = None
    v2_id: str | None = None
    #: The value code a dimension stands for when a query eliminates it (its total).
    totals: dict[str, str] = {}
    rules: list[PxRule]


class PxCatalogue(BaseModel):
    """Every catalogued PX-Web table, by v2 id or v1 path."""

    model_config = ConfigDict(extra="forbid")

    tables: dict[str, PxTable]

    def entry(self, table_id: str) -> PxTable | None:
        """The entry of a table by id or path (either API's), or ``None``."""
        wanted = _key(table_id.strip("/"))
        for tid, table in self.tables.items():
            names = {_key(tid), _key(table.v1_path or ""), _key(table.v2_id or "")}
            if wanted in names:
                return table
        return None


def load_tables(path: str | Path | None = None) -> PxCatalogue:
    """Load and validate a PX-Web table catalogue (default: the shipped ``tables.yaml``)."""
    if path is None:
        return _default()
    return load_yaml_model(PxCatalogue, path, what=_WHAT)


_WHAT = "err_src_what_px_catalogue"  # the wording catalogue's "PX-Web table catalogue"


@lru_cache(maxsize=1)
def _default() -> PxCatalogue:
    res = resources.files("omradesbild.sources.pxweb").joinpath("tables.yaml")
    text = res.read_text(encoding="utf-8")
    return parse_yaml_model(PxCatalogue, text, where="pxweb/tables.yaml", what=_WHAT)


class CatalogueMap:
    """A variable map for one table, bound to the dimension names of each answer.

    Parameters
    ----------
    table_id
        The table (v2 id, v1 path or a PX file's ``MATRIX``).
    catalogue
        Default: the shipped catalogue.
    content_dimension
        Name of the content dimension whose codes are looked up in ``scb_tables.yaml``.
    """

    def __init__(
        self,
        table_id: str,
        catalogue: PxCatalogue | None = None,
        *,
        content_dimension: str = "ContentsCode",
    ) -> None:
        self.table_id = table_id
        self.entry = (catalogue or load_tables()).entry(table_id)
        self.content_dimension = content_dimension
        #: Units the matched rules give, by variable id.
        self.units: dict[str, str] = {}

    def for_dimensions(self, dims: Sequence[str]) -> Namer:
        """The namer of cells whose other dimensions are ``dims`` (in this order)."""
        keys = [_key(d) for d in dims]
        wanted = _key(self.content_dimension)
        content_at = next(
            (
                i
                for i, k in enumerate(keys)
                if k == wanted or "content" in k or k.startswith("tabellinneh")
            ),
            -1,
        )

        def name(codes: tuple[str, ...], labels: tuple[str, ...]) -> str | None:
            by_code = dict(zip(keys, (_key(c) for c in codes), strict=True))
            by_label = dict(zip(keys, (_key(t) for t in labels), strict=True))
            if self.entry is not None:  # an eliminated dimension is at its total
                for dim, total in self.entry.totals.items():
                    by_code.setdefault(_key(dim), _key(total))
            if self.entry is not None:
                for rule in self.entry.rules:
                    if rule.matches(by_code, by_label):
                        if rule.unit:
                            self.units[rule.variable] = rule.unit
                        return rule.variable
            if content_at >= 0:
                hit = _xlsx_rule(codes[content_at], labels, content_at)
                if hit is not None:
                    if hit[1]:
                        self.units[hit[0]] = hit[1]
                    return hit[0]
            return None

        return name

    def readable(self, labels: Sequence[str]) -> str:
        """The id of an unmapped cell: the table and the value texts."""
        return slugify("_".join([self.table_id.split("/")[-1], *labels])) or "value"


def _xlsx_rule(
    content: str, labels: tuple[str, ...], content_at: int
) -> tuple[str, str | None] | None:
    from omradesbild.sources.scb_xlsx import load_catalogue

    entry = load_catalogue().tables.get(content.strip().upper())
    if entry is None:
        return None
    others = [t for i, t in enumerate(labels) if i != content_at]
    return entry.lookup(labels) or entry.lookup(others)


def table_id_of(raw: bytes, fmt: str) -> str | None:
    """The table id a saved answer names: JSON-stat's ``extension.px.tableid``, PX ``MATRIX``."""
    import json
    import re

    if fmt == "px":
        m = re.search(rb'MATRIX\s*=\s*"([^"]+)"', raw[:20000])
        return m.group(1).decode("latin-1") if m else None
    if fmt == "json-stat2":
        try:
            data = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        ext = data.get("extension") if isinstance(data, dict) else None
        px = ext.get("px") if isinstance(ext, dict) else None
        tid = px.get("tableid") if isinstance(px, dict) else None
        return str(tid) if tid else None
    return None


def catalogue_map(table_id: str) -> CatalogueMap:
    """The shipped catalogue's variable map of one table."""
    return CatalogueMap(table_id)
