"""The indicator catalogue: what each indicator means and how it is computed from counts.

The shipped catalogue lies beside this module in ``catalogue.yaml``; users may load their own
with :func:`load_catalogue`. Each entry names a numerator and a denominator in terms of the
store's canonical variable ids. A numerator or denominator is one of

- a variable id, e.g. ``unemployed_16_64``;
- a list of variable ids, summed, e.g. ``[hh_couple_children, hh_single_children, …]``;
- an arithmetic expression over variable ids with ``+ - * /``, numbers and parentheses, e.g.
  ``low_econ_standard_pct * persons_econ_standard / 100``;
- an age-band selector ``{age_min: 65, age_max: null}``: the sum of the ``pop_age_<a>_<b>``
  (and ``pop_age_<a>_plus``) variables that lie inside the range; if the available bands do not
  cover the range exactly the value is missing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from omradesbild.config import DEFAULT_DECIMALS, UNIT_DECIMALS
from omradesbild.errors import ConfigError
from omradesbild.validation import Joined, problem
from omradesbild.wording import Message, both
from omradesbild.yamlfile import refuse_repeated_ids

CATALOGUE_PATH = Path(__file__).with_name("catalogue.yaml")

#: Domains an indicator may belong to (Swedish, as shown to users).
DOMAINS: tuple[str, ...] = (
    "inkomst",
    "utbildning",
    "arbete",
    "boende",
    "befolkning",
    "hushåll",
    "brott och trygghet",
    "hälsa",
    "övrigt",
)

Kind = Literal["proportion", "rate", "median", "ratio"]

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_AGE_RE = re.compile(r"^pop_age_(\d+)_(\d+|plus)$")

_ALLOWED_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)
_ALLOWED_UNARY = (ast.UAdd, ast.USub)


def parse_expression(text: str) -> ast.Expression:
    """Parse and check an arithmetic expression over variable ids.

    Raises
    ------
    ConfigError
        If the text is not an expression made of variable ids, numbers, ``+ - * /`` and
        parentheses.
    """
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ConfigError(both("err_ana_expr_syntax", expr=repr(text), error=exc.msg)) from exc
    wrong = _wrong_node(tree, text)
    if wrong is not None:
        raise ConfigError(both(wrong.key, **wrong.params))
    return tree


def _wrong_node(tree: ast.Expression, text: str) -> Message | None:
    """What is wrong with a parsed expression: a node other than variable ids, numbers,
    ``+ - * /`` and parentheses (``None`` when there is none)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Expression | ast.Load):
            continue
        if isinstance(node, ast.BinOp) and isinstance(node.op, _ALLOWED_BINOPS):
            continue
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, _ALLOWED_UNARY):
            continue
        if isinstance(node, ast.Name) and _ID_RE.match(node.id):
            continue
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int | float)
            and not isinstance(node.value, bool)
        ):
            continue
        if isinstance(node, _ALLOWED_BINOPS + _ALLOWED_UNARY):
            continue
        return Message("err_ana_expr_node", expr=repr(text), node=type(node).__name__)
    return None


def expression_variables(text: str) -> list[str]:
    """Variable ids used in an expression, in order of first appearance."""
    names = [n for n in ast.walk(parse_expression(text)) if isinstance(n, ast.Name)]
    names.sort(key=lambda n: n.col_offset)
    return list(dict.fromkeys(n.id for n in names))


def parse_age_band(variable: str) -> tuple[int, int | None] | None:
    """``(lower, upper)`` of a ``pop_age_<a>_<b>`` variable (upper ``None`` for ``_plus``)."""
    m = _AGE_RE.match(variable)
    if m is None:
        return None
    hi = None if m.group(2) == "plus" else int(m.group(2))
    return int(m.group(1)), hi


class AgeBands(BaseModel):
    """Sum of the ``pop_age_*`` bands inside ``[age_min, age_max]`` (``None`` = open-ended)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    age_min: int = Field(ge=0)
    age_max: int | None = None

    @model_validator(mode="after")
    def _check(self) -> AgeBands:
        if self.age_max is not None and self.age_max < self.age_min:
            raise ValueError(Message("err_ana_age_range"))
        return self

    def select(self, available: Iterable[str]) -> list[str] | None:
        """The bands that exactly tile the range, or ``None`` if they do not cover it."""
        bands = sorted(
            (b, v) for v in available if (b := parse_age_band(v)) is not None and b[0] >= 0
        )
        chosen: list[str] = []
        expect = self.age_min
        for (lo, hi), var in bands:
            if lo < expect:
                continue
            if lo > expect:
                return None
            if self.age_max is not None and (hi is None or hi > self.age_max):
                return None
            chosen.append(var)
            if hi is None:
                return chosen if self.age_max is None else None
            expect = hi + 1
            if self.age_max is not None and hi == self.age_max:
                return chosen
        return None

    def describe(self) -> str:
        """Human-readable range, e.g. ``pop_age_* 65+``."""
        top = "+" if self.age_max is None else f"–{self.age_max}"
        return f"sum of pop_age_* bands {self.age_min}{top}"


Term = str | list[str] | AgeBands


def _term_variables(term: Term) -> list[str]:
    if isinstance(term, AgeBands):
        return []
    if isinstance(term, list):
        return list(dict.fromkeys(term))
    return expression_variables(term)


def term_text(term: Term) -> str:
    """The term as one line of text, for documentation and ``indicators show``."""
    if isinstance(term, AgeBands):
        return term.describe()
    if isinstance(term, list):
        return " + ".join(term)
    return term


class Indicator(BaseModel):
    """One catalogue entry.

    Attributes
    ----------
    id
        Stable identifier, lower-case with underscores.
    kind
        ``proportion`` (numerator is a subset of the denominator; Wilson interval),
        ``rate`` (events per population; Poisson interval), ``median`` (a published median,
        with the denominator as its weight; not additive) or ``ratio`` (no interval).
    numerator, denominator
        Variable id, list of ids (summed), expression or :class:`AgeBands`.
    multiplier
        100 for percent, 1000 for "per 1 000 residents", 1 for medians.
    direction
        +1: a higher value means more vulnerable; -1: lower means more vulnerable; 0:
        descriptive only (no normative direction; the index must not use it without an
        explicit choice).
    min_denominator
        Reliability threshold: values with a smaller denominator are flagged unreliable.
    denominator_period
        ``same``: numerator and denominator must share the period; ``nearest``: if the
        denominator is missing for the numerator's period, use the nearest period that has it
        (and flag the value approximate).
    numerator_absent_is_zero
        Whether an area without any numerator row (but with a denominator) has a count of zero
        (true for offence counts built from individual reports).
    derived_from_percentage
        The numerator is a count derived from a published, rounded percentage; aggregated
        values are flagged approximate.
    decimals
        Decimals the value and its interval are published with (pages and downloads);
        unset: by the unit (:data:`~omradesbild.config.UNIT_DECIMALS`), see
        :attr:`precision`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name_sv: str
    name_en: str
    domain: str
    kind: Kind
    numerator: Term
    denominator: Term
    multiplier: float = Field(gt=0)
    unit: str
    direction: Literal[-1, 0, 1]
    population_base: str
    min_denominator: float = Field(ge=0)
    source_tables: list[str] = Field(min_length=1)
    caveats: list[str] = Field(default_factory=list)
    denominator_period: Literal["same", "nearest"] = "same"
    numerator_absent_is_zero: bool = False
    derived_from_percentage: bool = False
    decimals: int | None = Field(default=None, ge=0, le=6)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID_RE.match(v):
            raise ValueError(Message("err_ana_bad_id"))
        return v

    @field_validator("domain")
    @classmethod
    def _domain(cls, v: str) -> str:
        if v not in DOMAINS:
            domains = ", ".join(DOMAINS)
            raise ValueError(Message("err_ana_unknown_domain", domain=repr(v), domains=domains))
        return v

    @field_validator("numerator", "denominator")
    @classmethod
    def _term(cls, v: Term) -> Term:
        if isinstance(v, list):
            if not v:
                raise ValueError(Message("err_ana_empty_variables"))
            for item in v:
                if not _ID_RE.match(item):
                    raise ValueError(Message("err_ana_not_variable_id", item=repr(item)))
        elif isinstance(v, str):
            try:
                tree = ast.parse(v, mode="eval")
            except SyntaxError as exc:
                raise ValueError(
                    Message("err_ana_expr_syntax", expr=repr(v), error=exc.msg)
                ) from exc
            wrong = _wrong_node(tree, v)
            if wrong is not None:
                raise ValueError(wrong)
        return v

    @model_validator(mode="after")
    def _median(self) -> Indicator:
        if self.kind == "median" and not (
            isinstance(self.numerator, str) and _ID_RE.match(self.numerator)
        ):
            raise ValueError(Message("err_ana_median_numerator"))
        return self

    @property
    def precision(self) -> int:
        """Decimals of the value and its interval: ``decimals``, else by the unit."""
        if self.decimals is not None:
            return self.decimals
        return UNIT_DECIMALS.get(self.unit, DEFAULT_DECIMALS)

    @property
    def numerator_variables(self) -> list[str]:
        """Variable ids the numerator needs (empty for an age-band selector)."""
        return _term_variables(self.numerator)

    @property
    def denominator_variables(self) -> list[str]:
        """Variable ids the denominator needs (empty for an age-band selector)."""
        return _term_variables(self.denominator)

    @property
    def numerator_text(self) -> str:
        """The numerator as text."""
        return term_text(self.numerator)

    @property
    def denominator_text(self) -> str:
        """The denominator as text."""
        return term_text(self.denominator)


class Catalogue(BaseModel):
    """A set of indicators with unique ids."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    indicators: list[Indicator]

    @model_validator(mode="after")
    def _unique(self) -> Catalogue:
        refuse_repeated_ids(self.ids, what="indicator")
        return self

    @property
    def ids(self) -> list[str]:
        """Indicator ids in catalogue order."""
        return [i.id for i in self.indicators]

    def get(self, indicator_id: str) -> Indicator:
        """The indicator with this id.

        Raises
        ------
        ConfigError
            If there is no such indicator.
        """
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        known = ", ".join(self.ids)
        raise ConfigError(both("err_unknown_indicator", indicator=repr(indicator_id), known=known))

    def select(self, ids: Iterable[str] | None) -> list[Indicator]:
        """The indicators with these ids (all when ``ids`` is ``None``)."""
        if ids is None:
            return list(self.indicators)
        return [self.get(i) for i in ids]

    def records(self) -> list[dict[str, Any]]:
        """One dict per indicator: its definition as the API and the tables list it.

        Terms are given as text (``numerator``, ``denominator``); ``source_tables`` and
        ``caveats`` stay lists.
        """
        return [
            {
                "id": i.id,
                "name_sv": i.name_sv,
                "name_en": i.name_en,
                "domain": i.domain,
                "kind": i.kind,
                "numerator": i.numerator_text,
                "denominator": i.denominator_text,
                "multiplier": i.multiplier,
                "unit": i.unit,
                "direction": i.direction,
                "population_base": i.population_base,
                "min_denominator": i.min_denominator,
                "source_tables": list(i.source_tables),
                "caveats": list(i.caveats),
            }
            for i in self.indicators
        ]

    def to_frame_records(self) -> list[dict[str, Any]]:
        """:meth:`records` flattened for a CLI or web table (lists joined to text)."""
        return [
            r | {"source_tables": ", ".join(r["source_tables"]), "caveats": " ".join(r["caveats"])}
            for r in self.records()
        ]


def _format_validation_error(exc: ValidationError, raw: Mapping[str, Any]) -> Joined:
    """The problems of a catalogue file, each naming the indicator and its field."""
    parts: list[Message] = []
    items = raw.get("indicators") if isinstance(raw, Mapping) else None
    for err in exc.errors():
        loc = list(err["loc"])
        where: Message | str = ".".join(str(x) for x in loc)
        if len(loc) >= 2 and loc[0] == "indicators" and isinstance(loc[1], int):
            ident = None
            if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
                ident = items[loc[1]].get("id")
            field = ".".join(str(x) for x in loc[2:3])
            values: dict[str, object] = {"n": loc[1] + 1}
            if ident:
                values["id"] = ident
            if field:
                values["field"] = repr(field)
            key = "exp_ana_indicator" + ("_id" if ident else "") + ("_field" if field else "")
            where = Message(key, **values)
        parts.append(Message("err_ana_catalogue_problem", where=where, problem=problem(err)))
    return Joined(parts)


def catalogue_from_dict(raw: Mapping[str, Any], *, file: str | Path | None = None) -> Catalogue:
    """Validate a parsed catalogue mapping.

    Raises
    ------
    ConfigError
        Naming the file, the indicator and the field that is wrong.
    """
    where = {"path": str(file)} if file is not None else {}
    tail = "" if file is not None else "_nopath"
    if not isinstance(raw, Mapping) or "indicators" not in raw:
        raise ConfigError(both("err_ana_catalogue_not_mapping" + tail, **where))
    try:
        return Catalogue.model_validate(dict(raw))
    except ValidationError as exc:
        items = _format_validation_error(exc, raw)
        raise ConfigError(both("err_ana_catalogue_invalid" + tail, items=items, **where)) from exc


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate a catalogue YAML file (the shipped one when ``path`` is ``None``).

    Raises
    ------
    ConfigError
        If the file cannot be read or parsed or does not validate.
    """
    if path is None:
        return default_catalogue()
    return _load(Path(path))


def _load(path: Path) -> Catalogue:
    from omradesbild.yamlfile import read_yaml

    what = Message("exp_ana_what_indicator_catalogue")
    return catalogue_from_dict(read_yaml(path, what=what), file=path)


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The catalogue shipped with the package (cached)."""
    return _load(CATALOGUE_PATH)
