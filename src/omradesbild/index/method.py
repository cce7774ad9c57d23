"""Versioned index method files: pydantic models for the YAML that declares a composite index.

A method file names its indicators (the table columns), how each is normalised, how the
normalised components are weighted and aggregated (optionally first within themes), and how
the resulting score is classified or flagged. Shipped methods live in
``omradesbild/index/methods/*.yaml``; :func:`load_method` reads one by id or by path.

Every problem with a method file is reported as :class:`~omradesbild.errors.MethodError`
with the file and the field that is wrong, in Swedish then English, e.g.
``scb.yaml: fel i metodfilen: fältet 'weighting': vikterna summerar till 0.9, väntat 1 (inom
1e-09) / scb.yaml: field 'weighting': weights sum to 0.9, expected 1 (within 1e-09)``.
"""

from __future__ import annotations

import functools
import itertools
import math
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from omradesbild.errors import MethodError
from omradesbild.validation import both_joined, problem
from omradesbild.wording import Message, Num, both
from omradesbild.yamlfile import parse_yaml

#: Tolerance for explicit weights summing to one.
WEIGHT_SUM_TOLERANCE = 1e-9

NormalisationKind = Literal[
    "zscore", "minmax", "percentrank_inc", "percent_rank", "rank_exponential", "none"
]
AggregationKind = Literal["arithmetic", "geometric", "sum"]

#: Default number of digits PERCENTRANK.INC keeps (Excel's default).
EXCEL_DEFAULT_SIGNIFICANCE = 3


T = TypeVar("T")


def _in_lang(lang: str, sv: T | None, en: T | None) -> T | None:
    """The text (or list of texts) in ``lang`` (English for ``en``, else Swedish), the other
    language's when only that one is given."""
    first, other = (en, sv) if lang == "en" else (sv, en)
    return first or other


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Named(_Strict):
    """A part of a method with an id and an optional name in Swedish and in English.

    ``_name_fields`` names the two fields (Swedish, English) that hold the name.
    """

    _name_fields: ClassVar[tuple[str, str]]

    id: str = Field(min_length=1)

    def name_in(self, lang: str) -> str:
        """The name in ``lang`` (``sv``: the Swedish field, ``en``: the English one), the
        other language's when a method file has only one, else the id."""
        sv, en = (getattr(self, f) for f in self._name_fields)
        return _in_lang(lang, sv, en) or self.id


class _Labelled(_Strict):
    """A classification's class names: ``labels`` in Swedish, ``labels_en`` in English."""

    def labels_in(self, lang: str) -> list[str] | None:
        """The class names in ``lang`` (``sv``: ``labels``, ``en``: ``labels_en``), the other
        language's when a method file has only one, else None."""
        found = _in_lang(lang, getattr(self, "labels", None), getattr(self, "labels_en", None))
        return list(found) if found is not None else None

    def _check_names(self, n: int, given: Message) -> None:
        """Refuse ``labels`` or ``labels_en`` other than one per class (``n`` classes, as
        ``given`` in the message says: "2 thresholds", "n=10 classes")."""
        for field in ("labels", "labels_en"):
            names = getattr(self, field, None)
            if names is not None and len(names) != n:
                raise ValueError(
                    Message("err_ana_labels_count", field=field, given=given, n=n, got=len(names))
                )


class _ByMethod(_Strict):
    """A setting whose ``method`` may be given alone, as a bare string."""

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"method": data}
        return data


def _check_cuts(
    cuts: list[float], *, name: str, one: str, order: Literal["decreasing", "increasing"]
) -> None:
    """Refuse class cuts that are missing, not finite or not strictly in ``order``
    (``one``: the catalogue key of what one cut is, e.g. ``exp_ana_one_value``)."""
    if not cuts:
        raise ValueError(Message("err_ana_cuts_empty", name=name, one=Message(one)))
    if not all(math.isfinite(v) for v in cuts):
        raise ValueError(Message("err_ana_cuts_not_finite", name=name, cuts=str(cuts)))
    sign = -1.0 if order == "decreasing" else 1.0
    if any(sign * (b - a) <= 0 for a, b in itertools.pairwise(cuts)):
        worded = Message(f"exp_ana_{order}")
        raise ValueError(Message("err_ana_cuts_order", name=name, order=worded, cuts=str(cuts)))


class Normalisation(_ByMethod):
    """How raw indicator values become comparable components.

    ``significance`` applies to ``percentrank_inc`` (digits kept, truncated, default 3 as
    in Excel) and to ``percent_rank`` (digits kept, rounded half away from zero; none =
    not rounded); ``ddof`` applies to ``zscore`` (0 = population sd, 1 = sample sd).
    """

    method: NormalisationKind = "zscore"
    significance: int | None = Field(default=None, ge=1, le=15)
    ddof: Literal[0, 1] = 1

    @property
    def digits(self) -> int:
        """Digits PERCENTRANK.INC keeps (``significance`` or Excel's default 3)."""
        return self.significance if self.significance is not None else EXCEL_DEFAULT_SIGNIFICANCE


class Weighting(_ByMethod):
    """How the units of one aggregation step are weighted.

    ``explicit`` weights are keyed by indicator id (or theme id at the top level when the
    method has themes) and must sum to 1 within :data:`WEIGHT_SUM_TOLERANCE`.
    """

    method: Literal["equal", "explicit", "pca"] = "equal"
    weights: dict[str, float] | None = None
    #: Explicit weights used exactly as their publisher printed them, even when they do not
    #: sum to 1 (IMD 2019: 22.5 + 22.5 + 13.5 + 13.5 + 3 × 9.3 = 99.9 %). No renormalisation;
    #: the output says so.
    as_published: bool = False

    @model_validator(mode="after")
    def _check(self) -> Weighting:
        if self.method == "explicit":
            if not self.weights:
                raise ValueError(Message("err_ana_weights_empty"))
            bad = [k for k, v in self.weights.items() if not math.isfinite(v) or v < 0]
            if bad:
                raise ValueError(Message("err_ana_weights_bad", bad=str(bad)))
            total = math.fsum(self.weights.values())
            if not self.as_published and abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
                tolerance = str(WEIGHT_SUM_TOLERANCE)
                raise ValueError(
                    Message("err_ana_weights_sum", total=repr(total), tolerance=tolerance)
                )
        elif self.weights is not None:
            raise ValueError(Message("err_ana_weights_not_explicit", method=repr(self.method)))
        elif self.as_published:
            raise ValueError(Message("err_ana_as_published_not_explicit"))
        return self


class Indicator(_Named):
    """One indicator: a table column, its direction and where it goes."""

    _name_fields = ("label_sv", "label_en")

    column: str | None = None
    direction: Literal[1, -1] = 1
    theme: str | None = None
    label_sv: str | None = None
    label_en: str | None = None
    output: str | None = None
    flag_output: str | None = None

    @property
    def source_column(self) -> str:
        """The table column that holds the indicator (``column`` or the id)."""
        return self.column or self.id

    @property
    def output_column(self) -> str:
        """Output column for the normalised component."""
        return self.output or f"{self.id}_norm"

    @property
    def flag_column(self) -> str:
        """Output column of the indicator's flag."""
        return self.flag_output or f"F_{self.id}"


class Theme(_Named):
    """A group of indicators aggregated into a theme (domain) before the overall score."""

    _name_fields = ("title_sv", "title_en")

    title_sv: str | None = None
    title_en: str | None = None
    indicators: list[str] = Field(default_factory=list)
    weighting: Weighting = Weighting()
    aggregation: AggregationKind = "arithmetic"
    sum_output: str | None = None
    #: Round the theme's sum to this many decimals before it is output and re-ranked (SVI
    #: sums rounded EPL values; rounding the sum keeps floating-point error from splitting
    #: or creating ties).
    sum_digits: int | None = Field(default=None, ge=0, le=15)
    output: str | None = None
    rerank: Normalisation | None = None
    flag_output: str | None = None

    @property
    def output_column(self) -> str:
        """Output column of the theme's value (after re-ranking when declared)."""
        return self.output or self.id


class Overall(_Strict):
    """How themes (or components) are combined into the overall score."""

    inputs: Literal["theme_scores", "theme_sums"] = "theme_scores"
    sum_output: str | None = None
    #: Round the overall sum to this many decimals before it is output and re-ranked.
    sum_digits: int | None = Field(default=None, ge=0, le=15)
    output: str | None = None
    rerank: Normalisation | None = None


class MeanSdClassification(_Labelled):
    """Classes cut at ``mean + k * sd`` of the reference scores, ``k`` strictly decreasing.

    ``labels[0]`` is the class of scores at or above ``mean + k[0] * sd`` (class 1).
    """

    kind: Literal["mean_sd"]
    k: list[float]
    labels: list[str]
    labels_en: list[str] | None = None
    ddof: Literal[0, 1] = 1
    base_period: str | None = None

    @model_validator(mode="after")
    def _check(self) -> MeanSdClassification:
        _check_cuts(self.k, name="k", one="exp_ana_one_sd", order="decreasing")
        self._check_names(len(self.k) + 1, Message("exp_ana_n_thresholds", n=len(self.k)))
        return self


class QuantileClassification(_Labelled):
    """``n`` equal-count classes by rank, class 1 = the highest scores (e.g. IMD deciles)."""

    kind: Literal["quantiles"]
    n: int = Field(ge=2)
    labels: list[str] | None = None
    labels_en: list[str] | None = None
    base_period: str | None = None

    @model_validator(mode="after")
    def _check(self) -> QuantileClassification:
        self._check_names(self.n, Message("exp_ana_n_classes", n=self.n))
        return self


class FixedClassification(_Labelled):
    """Classes cut at fixed, strictly increasing thresholds; ``labels[0]`` = lowest class."""

    kind: Literal["fixed"]
    thresholds: list[float]
    labels: list[str]
    labels_en: list[str] | None = None

    @model_validator(mode="after")
    def _check(self) -> FixedClassification:
        _check_cuts(self.thresholds, name="thresholds", one="exp_ana_one_value", order="increasing")
        given = Message("exp_ana_n_thresholds", n=len(self.thresholds))
        self._check_names(len(self.thresholds) + 1, given)
        return self


Classification = Annotated[
    MeanSdClassification | QuantileClassification | FixedClassification,
    Field(discriminator="kind"),
]


class Flags(_Strict):
    """SVI-style flags: an indicator is flagged when its component is >= ``threshold``."""

    threshold: float = 0.9
    total_output: str = "F_TOTAL"


class Fallback(_Strict):
    """Use ``column`` for ``indicator`` when the indicator's own column is absent."""

    indicator: str
    column: str
    note: str | None = None


class UncertaintySpec(_Strict):
    """What the Monte-Carlo uncertainty of a method draws by default.

    ``fixed_formula: true`` declares that the method's weights, normalisation and class
    rule are fixed by its publisher (e.g. SCB's area types): the default draws then perturb
    only what is really uncertain, each indicator's sampling error (class thresholds are
    recomputed from each draw's scores). Weight and normalisation sensitivity stay
    available as a separate analysis.
    """

    fixed_formula: bool = False


class IndexMethod(_Strict):
    """A complete, versioned index method (one YAML file)."""

    id: str = Field(min_length=1)
    version: str = Field(min_length=1)
    title_sv: str
    title_en: str
    #: How the method works, in English (``description_sv``: the same in Swedish).
    description: str = ""
    description_sv: str = ""
    reference: str = ""
    #: Which picture the index draws. Socioeconomic vulnerability and crime/insecurity are
    #: kept apart: when computed from the store, every indicator's catalogue domain must
    #: belong to this picture ("generic" = a method for plain tables, e.g. SVI or IMD).
    picture: Literal["socioeconomic", "crime_insecurity", "generic"] = "generic"
    indicators: list[Indicator] = Field(min_length=1)
    normalisation: Normalisation = Normalisation()
    weighting: Weighting = Weighting()
    aggregation: AggregationKind = "arithmetic"
    themes: list[Theme] | None = None
    overall: Overall = Overall()
    classification: Classification | None = None
    flags: Flags | None = None
    fallbacks: list[Fallback] = Field(default_factory=list)
    missing_values: list[float] = Field(default_factory=lambda: [-999.0])
    uncertainty: UncertaintySpec = UncertaintySpec()

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int | float) else v

    def description_in(self, lang: str) -> str:
        """The description in ``lang`` (``sv``: ``description_sv``, the English one when a
        method file has no Swedish text)."""
        return self.description_sv if lang == "sv" and self.description_sv else self.description

    @model_validator(mode="after")
    def _check(self) -> IndexMethod:
        ids = [i.id for i in self.indicators]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(Message("err_ana_dup_indicators", ids=str(dupes)))
        known = set(ids)
        theme_ids = [t.id for t in self.resolved_themes()]
        tdupes = sorted({t for t in theme_ids if theme_ids.count(t) > 1})
        if tdupes:
            raise ValueError(Message("err_ana_dup_themes", ids=str(tdupes)))
        if self.themes is not None:
            declared = {t.id for t in self.themes}
            for ind in self.indicators:
                if ind.theme is not None and ind.theme not in declared:
                    themes = str(sorted(declared))
                    raise ValueError(
                        Message(
                            "err_ana_unknown_theme",
                            indicator=ind.id,
                            theme=repr(ind.theme),
                            themes=themes,
                        )
                    )
            for t in self.themes:
                unknown = [i for i in t.indicators if i not in known]
                if unknown:
                    raise ValueError(
                        Message(
                            "err_ana_theme_unknown_indicators",
                            theme=t.id,
                            unknown=str(unknown),
                            ids=str(ids),
                        )
                    )
        if theme_ids:
            seen: dict[str, str] = {}
            for t in self.resolved_themes():
                for i in t.indicators:
                    if i in seen and seen[i] != t.id:
                        raise ValueError(
                            Message(
                                "err_ana_indicator_in_two_themes",
                                theme=t.id,
                                indicator=repr(i),
                                other=repr(seen[i]),
                            )
                        )
                    seen[i] = t.id
            orphans = [i for i in ids if i not in seen]
            if orphans:
                raise ValueError(Message("err_ana_orphan_indicators", ids=str(orphans)))
            for t in self.resolved_themes():
                if not t.indicators:
                    raise ValueError(Message("err_ana_theme_empty", theme=t.id))
                _check_weight_keys(t.weighting, t.indicators, f"themes.{t.id}.weighting.weights")
        units = theme_ids if theme_ids else ids
        _check_weight_keys(self.weighting, units, "weighting.weights")
        for fb in self.fallbacks:
            if fb.indicator not in known:
                raise ValueError(
                    Message("err_ana_fallback_unknown", indicator=repr(fb.indicator), ids=str(ids))
                )
        outs = self.output_columns()
        odupes = sorted({o for o in outs if outs.count(o) > 1})
        if odupes:
            raise ValueError(Message("err_ana_outputs_collide", columns=str(odupes)))
        return self

    # -- derived structure -------------------------------------------------------------------
    def resolved_themes(self) -> list[Theme]:
        """Themes with members from both ``themes[].indicators`` and ``indicators[].theme``.

        When no ``themes`` list is declared but indicators name a theme, one theme per name
        is created (equal weights, arithmetic mean), in order of first appearance.
        """
        if self.themes is None:
            names: list[str] = []
            for ind in self.indicators:
                if ind.theme is not None and ind.theme not in names:
                    names.append(ind.theme)
            return [
                Theme(id=n, indicators=[i.id for i in self.indicators if i.theme == n])
                for n in names
            ]
        out: list[Theme] = []
        for t in self.themes:
            members = list(t.indicators)
            for ind in self.indicators:
                if ind.theme == t.id and ind.id not in members:
                    members.append(ind.id)
            out.append(t.model_copy(update={"indicators": members}))
        return out

    def indicator(self, indicator_id: str) -> Indicator:
        """The indicator with that id."""
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def weight_notes(self) -> list[str]:
        """A sentence per weighting used exactly as published (not summing to 1)."""
        steps = [("weighting", self.weighting)]
        steps += [(f"themes.{t.id}.weighting", t.weighting) for t in self.resolved_themes()]
        notes: list[str] = []
        for where, w in steps:
            if w.as_published and w.weights:
                total = math.fsum(w.weights.values())
                notes.append(
                    Message("note_weights_as_published", where=where, total=Num(total, 0, 6))
                )
        return notes

    def value_columns(self) -> list[str]:
        """The value columns: indicators, then each theme's (sum and) value, then the
        overall (sum and) output when named."""
        cols = [i.output_column for i in self.indicators]
        for t in self.resolved_themes():
            if t.sum_output:
                cols.append(t.sum_output)
            cols.append(t.output_column)
        if self.overall.sum_output:
            cols.append(self.overall.sum_output)
        if self.overall.output:
            cols.append(self.overall.output)
        return cols

    def output_columns(self) -> list[str]:
        """Every computed column name the method writes (besides id/period)."""
        cols = [*self.value_columns(), "score", "rank"]
        if self.classification is not None:
            cols += ["class", "class_label"]
        return cols + self.flag_columns()

    def flag_columns(self) -> list[str]:
        """The flag columns the method writes (none without ``flags``): each indicator's,
        each theme's that names one, then the total."""
        if self.flags is None:
            return []
        cols = [i.flag_column for i in self.indicators]
        cols += [t.flag_output for t in self.resolved_themes() if t.flag_output]
        return [*cols, self.flags.total_output]


def _check_weight_keys(weighting: Weighting, units: list[str], where: str) -> None:
    if weighting.method != "explicit" or weighting.weights is None:
        return
    keys = set(weighting.weights)
    missing = [u for u in units if u not in keys]
    extra = sorted(keys - set(units))
    if missing or extra:
        raise ValueError(
            Message(
                "err_ana_weight_keys",
                where=where,
                units=str(units),
                missing=str(missing),
                extra=str(extra),
            )
        )


# -- loading -----------------------------------------------------------------------------------
def _format_validation(exc: ValidationError, source: str) -> str:
    """The problems of a method file, Swedish then English: each names its field."""
    parts: list[Message | str] = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = problem(err)
        parts.append(Message("err_ana_method_field", field=repr(loc), problem=msg) if loc else msg)
    return both_joined("err_ana_method_invalid", parts, path=source)


def parse_method(data: dict[str, Any], *, source: str = "<method>") -> IndexMethod:
    """Validate a method given as a mapping (e.g. parsed YAML).

    Raises
    ------
    MethodError
        Naming ``source`` and each field that is wrong.
    """
    if not isinstance(data, dict):
        raise MethodError(both("err_ana_method_not_mapping", path=source, type=type(data).__name__))
    try:
        return IndexMethod.model_validate(data)
    except ValidationError as exc:
        raise MethodError(_format_validation(exc, source)) from None


def method_from_yaml(text: str, *, source: str = "<method>") -> IndexMethod:
    """Parse and validate a method from YAML text."""
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        raise MethodError(both("err_ana_method_yaml", path=source, error=str(exc))) from None
    return parse_method(data, source=source)


def shipped_methods() -> list[str]:
    """Ids (file stems) of the methods shipped in ``omradesbild/index/methods``."""
    folder = resources.files("omradesbild.index") / "methods"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def load_method(name_or_path: str | Path) -> IndexMethod:
    """Load a method by shipped id (e.g. ``"cdc-svi-2018"``) or from a YAML file path.

    Raises
    ------
    MethodError
        When the id is unknown, the file is missing, or the content is invalid.
    """
    text_name = str(name_or_path)
    path = Path(name_or_path)
    if path.suffix in {".yaml", ".yml"} or path.exists():
        if not path.is_file():
            raise MethodError(both("err_method_file_missing", path=path))
        return method_from_yaml(path.read_text(encoding="utf-8"), source=str(path))
    return _shipped_method(text_name)


@functools.cache
def _shipped_method(text_name: str) -> IndexMethod:
    """A shipped method by id, read once per process (the package's files do not change
    while it runs; the model is frozen, so every caller can share it)."""
    folder = resources.files("omradesbild.index") / "methods"
    candidate = folder / f"{text_name}.yaml"
    if not candidate.is_file():
        methods = ", ".join(shipped_methods())
        raise MethodError(both("err_unknown_method", method=repr(text_name), methods=methods))
    return method_from_yaml(
        candidate.read_text(encoding="utf-8"), source=f"methods/{text_name}.yaml"
    )
