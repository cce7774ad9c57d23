"""Typed objects of the area and city picture, shared by every renderer.

The web pages, the JSON API, the static report site and the PDF all render these objects;
none of them computes anything of its own. Every value in them has been through disclosure
control. Words (labels, flags, category names) are in the language the object was built in.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)


class DisclosedValue(_Frozen):
    """An indicator's value after disclosure control: its 95 % interval, the counts it is
    computed from and its flags (the API's rows carry the same fields)."""

    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    reliable: bool | None = None
    approximate: bool | None = None
    masked: bool = False
    mask_reason: str | None = None

    @property
    def blank(self) -> str:
        """What a page writes where the value or its interval is not given: ``..`` when
        disclosure control suppressed it (as the disclosure rule on every page says), ``–``
        when it is missing. Every rendering writes this, none its own rule."""
        from omradesbild.reports.disclosure import MASK_SYMBOL
        from omradesbild.wording import MISSING

        return MASK_SYMBOL if self.masked else MISSING


class IndicatorValue(DisclosedValue):
    """One indicator of an area in a period, disclosed, with its 95 % interval."""

    id: str
    label: str
    unit: str = ""
    period: str
    kommun: float | None = None
    country: float | None = None
    reliability: str = Field(description="'masked', 'unreliable', 'approximate' or 'reliable'")
    why_unreliable: str | None = Field(
        default=None,
        description="Which condition an unreliable value fails (too few residents, too few "
        "offences), in the object's language",
    )

    @property
    def weak(self) -> bool:
        """Masked or unreliable (shown dimmed)."""
        return self.reliability in ("masked", "unreliable")


class RankInfo(_Frozen):
    """The area's index score, rank (1 = largest challenges) and its Monte-Carlo interval."""

    period: str
    rank: int
    n: int = Field(description="Areas in the reference distribution")
    low: int | None = Field(default=None, description="5th percentile of the rank")
    high: int | None = Field(default=None, description="95th percentile of the rank")
    score: float | None = Field(
        default=None, description="Hidden (None) when a component is suppressed"
    )
    cls: int | None = None
    cls_label: str = Field(default="", description="The class's name in the profile's language")
    prob: float | None = Field(default=None, description="Share of draws in the same class")
    class_probabilities: dict[int, float] = Field(default_factory=dict)
    components: dict[str, float | None] = Field(
        default_factory=dict, description="The index's component values (disclosed)"
    )
    draws: int = 0
    perturbed: tuple[str, ...] = Field(
        default=(), description="What the draws varied: sampling_error, weights, normalisation"
    )


class Driver(_Frozen):
    """One component's contribution to the score (normalised value × weight)."""

    indicator: str
    label: str
    normalised: float | None
    weight: float | None
    contribution: float | None


class TypePoint(_Frozen):
    """The area type (relative class) in one period, named in the profile's language."""

    period: str
    cls: int | None
    label: str = ""


class OfficialType(_Frozen):
    """SCB/Delmos's published områdestyp of the area in one year (a series of its own)."""

    period: str
    cls: int


class CityClass(_Frozen):
    """A city's own class of the area, as published on its boundary layer (e.g. Göteborgs
    Stad's socioeconomic classes of the primärområden); relative to that city, not SCB's."""

    period: str
    cls: int
    label: str = Field(description="The city's name of the class, as published")
    publisher: str
    attribute: str = Field(description="The layer attribute the class is read from")


class PolicePoint(_Frozen):
    """The Police's classification of the area in one year."""

    period: str
    category: str = Field(description="Category id, 'not_listed' when not on the list")
    share: float | None = Field(
        default=None, description="Share of the residents (or surface) inside the polygons"
    )
    basis: str = Field(description="'polygon' (population share ≥ threshold) or 'links'")


class PoliceHistory(_Frozen):
    """The area on the Police's list over the years, by one rule for every page."""

    known: bool = Field(description="The area can be placed on the police polygons")
    threshold: float
    points: tuple[PolicePoint, ...] = ()
    unplaced: tuple[str, ...] = Field(
        default=(),
        description="Stored police years whose list cannot be placed on this level at all "
        "(their point is 'not_known' for every area)",
    )
    notes: tuple[str, ...] = Field(
        default=(),
        description="The stand-ins the years are placed by: a list without borders placed "
        "through the area codes it names, shares weighed by another year's population or "
        "by surface alone",
    )


class TrendInfo(_Frozen):
    """Linear trend of one indicator over the periods held."""

    indicator: str
    label: str
    slope: float | None
    direction: str | None
    period_first: str
    period_last: str
    n_periods: int


class ChangeInfo(_Frozen):
    """Change of one indicator since the previous period, with a test."""

    indicator: str
    label: str
    period_from: str
    period_to: str
    value_from: float | None
    value_to: float | None
    diff: float | None
    significant: bool | None
    change: str | None


class PartnerEntry(_Frozen):
    """A partner's approved submission (or an intervention) shown on the profile."""

    date: str = ""
    organisation: str | None = None
    kind: str | None = None
    title: str | None = None
    text: str | None = None
    url: str | None = None
    visibility: str | None = None


class AreaProfile(_Frozen):
    """Everything known about one area in one period: the one profile every page renders."""

    code: str
    name: str
    level: str
    version: str
    kommun: str | None
    period: str
    lang: str
    method: str | None = None
    method_title: str = ""
    indicators: tuple[IndicatorValue, ...] = ()
    indicator_history: tuple[IndicatorValue, ...] = Field(
        default=(), description="Every period's indicators (oldest first), for the trends"
    )
    rank: RankInfo | None = None
    drivers: tuple[Driver, ...] = ()
    standins: tuple[str, ...] = Field(
        default=(),
        description="The index's stand-in indicators, named as what they are (e.g. "
        "'Arbetslösa 16–64 (ersätter ekonomiskt bistånd/långtidsarbetslöshet, …)')",
    )
    type_history: tuple[TypePoint, ...] = ()
    official_types: tuple[OfficialType, ...] = Field(
        default=(), description="SCB's published area types, next to ours (RegSO only)"
    )
    city_classes: tuple[CityClass, ...] = Field(
        default=(), description="The city's own published classes of the area (its layer)"
    )
    police: PoliceHistory | None = None
    trends: tuple[TrendInfo, ...] = ()
    changes: tuple[ChangeInfo, ...] = ()
    period_before: str | None = Field(
        default=None,
        description="The level's period before ``period`` that ``changes`` compare with "
        "(None: there is none); ``changes`` is empty when no indicator of the area has a "
        "published value in both",
    )
    partner_entries: tuple[PartnerEntry, ...] = ()
    interventions: tuple[PartnerEntry, ...] = ()
    has_geometry: bool = False

    def series(self) -> dict[str, list[IndicatorValue]]:
        """Indicator id -> its values with a value over the periods (oldest first)."""
        out: dict[str, list[IndicatorValue]] = {}
        for v in self.indicator_history:
            if v.value is not None:
                out.setdefault(v.id, []).append(v)
        return out


class RankingRow(_Frozen):
    """One area in the city's ranking table."""

    code: str
    name: str
    has_geometry: bool = False
    rank: int | None
    low: int | None
    high: int | None
    score: float | None
    cls: int | None
    prob: float | None


class SegregationRow(_Frozen):
    """Dissimilarity and Theil's H of one group over the areas in scope."""

    group: str
    n_areas: int
    share: float | None
    dissimilarity: float | None
    theil: float | None


class TypePopulation(_Frozen):
    """Areas and residents of one area type."""

    cls: int
    label: str
    n_areas: int
    population: float | None
    share: float | None


class PriorityRow(_Frozen):
    """An area with large and/or worsening challenges, and why."""

    code: str
    name: str
    rank: int | None
    score: float | None
    cls: int | None
    by_type: bool = Field(description="Its class is among the most vulnerable")
    top: bool = Field(description="Its score is among the highest")
    worsening: tuple[tuple[str, str, float], ...] = Field(
        default=(), description="(indicator, label, slope) of worsening components"
    )


class PoliceTypeRow(_Frozen):
    """Areas per area type of one police category in one year."""

    period: str
    category: str
    counts: tuple[int, ...]


class GoalRow(_Frozen):
    """The status of one goal (:meth:`omradesbild.followup.goals.GoalStatus.as_dict`)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    title: str = ""
    base_year: int | str | None = None
    base_period: str | None = None
    #: Which period is used instead of the base year, and why, in the page's language
    #: (None when the base is the base year's): written next to the base everywhere.
    base_note: str | None = None
    base: float | None = None
    current_period: str | None = None
    current: float | None = None
    target_year: int | str | None = None
    target: float | None = None
    status: str = ""
    reasoning: str = ""
    goal_id: str = ""
    kind: str = ""
    comparison: str = ""
    projection: float | None = None
    projection_low: float | None = None
    projection_high: float | None = None
    n_points: int = 0
    verdict: str = ""
    #: The area an indicator goal follows (None for counts and gaps).
    area_code: str | None = None
    #: Decimals of ``base`` and ``current``, of ``target``, and of ``projection`` and its
    #: interval, as pages show them (:func:`omradesbild.precision.goal_decimals`).
    decimals: int = 1
    target_decimals: int = 1
    projection_decimals: int = 1


class GoalSkipped(_Frozen):
    """A goal of the goal file that cannot be evaluated on the data, with the reason.

    Attributes
    ----------
    goal_id, title
        The goal's id and its title in the page's language.
    reason_key
        The catalogue key of the reason (``goals_skip_*``).
    reason
        The reason in the page's language.
    """

    goal_id: str
    title: str
    reason_key: str
    reason: str


class MethodRecord(_Frozen):
    """The index method, the versions and the Monte-Carlo settings a picture was computed
    with, for the record (the report's and the PDF's "Metod" and "Version" lines); worded
    by the renderer in the page's language."""

    method_id: str
    method_version: str
    title_sv: str
    title_en: str
    catalogue_version: int
    package_version: str
    #: Monte-Carlo draws of the rank intervals (0: none drawn).
    draws: int
    seed: int
    threshold: int

    @property
    def method(self) -> str:
        """The method's id and version, e.g. ``"scb-omradestyp 1.0"``."""
        return f"{self.method_id} {self.method_version}"

    @property
    def package(self) -> str:
        """The package and its version, e.g. ``"omradesbild 0.1.0"``."""
        return f"omradesbild {self.package_version}"

    def title(self, lang: str) -> str:
        """The method's title in ``lang`` (``"sv"`` or ``"en"``)."""
        return self.title_en if lang == "en" else self.title_sv


class CityPicture(_Frozen):
    """The picture of every area of a level in scope, for one period."""

    level: str
    version: str
    period: str
    lang: str
    method: str
    method_title: str
    n_areas: int
    n_reference: int
    draws: int
    perturbed: tuple[str, ...] = ()
    ranking: tuple[RankingRow, ...] = ()
    population_by_type: tuple[TypePopulation, ...] = ()
    segregation: tuple[SegregationRow, ...] = ()
    priority: tuple[PriorityRow, ...] = ()
    police_types: tuple[PoliceTypeRow, ...] = ()
    police_type_columns: tuple[int, ...] = ()
    police_available: bool = False
    #: Stored police years whose list cannot be placed on the level at all.
    police_unplaced: tuple[str, ...] = ()
    goals: tuple[GoalRow, ...] = ()
    goals_note: str | None = None
    goals_skipped: tuple[GoalSkipped, ...] = ()
