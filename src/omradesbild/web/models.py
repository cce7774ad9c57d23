"""Pydantic response models of the JSON API (OpenAPI at /docs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends
from pydantic import BaseModel, Field

from omradesbild.services.explore import (
    MAX_DRAWS,
    ExploreResult,
    effective_unit_weights,
)
from omradesbild.services.models import AreaProfile, DisclosedValue
from omradesbild.web.validation import MAX_DB_ID, Text


class LevelOut(BaseModel):
    """An area level and boundary version in the store."""

    level: str
    version: str
    n: int = Field(description="Number of areas")
    with_geometry: int = Field(description="Areas with boundaries")


class AreaOut(BaseModel):
    """An area."""

    area_code: str
    name: str
    level: str
    version: str
    kommun_code: str | None = None


class _ValueKey(BaseModel):
    area_code: str
    period: str
    indicator: str


class IndicatorValue(DisclosedValue, _ValueKey):
    """One disclosed indicator value of an area in a year, with its 95 % interval (the
    area, period and indicator first, then the fields of :class:`DisclosedValue`)."""


class AreaIndicator(IndicatorValue):
    """An area's indicator with the kommun's and the country's values."""

    kommun_value: float | None = None
    country_value: float | None = None


class IndexRow(BaseModel):
    """One area's index score, rank and class (components disclosed)."""

    area_code: str
    name: str
    score: float | None
    rank: int | None
    class_: int | None = Field(default=None, alias="class")
    class_label: str | None = None
    rank_p05: float | None = None
    rank_p95: float | None = None
    components: dict[str, float | None] = Field(default_factory=dict)

    model_config = {"populate_by_name": True, "serialize_by_alias": True}


class AreaIndexRow(IndexRow):
    """An area's index row and the period it is of: the latest period with the index when
    the index cannot be computed in the period asked for."""

    period: str = Field(description="The period of the score, rank and class")


class PoliceYear(BaseModel):
    """The area's category on the Police's list in one year (``not_listed`` when not)."""

    year: int = Field(description="The year of the Police's list")
    period: str = Field(description="The same year as text, as every other period")
    category: str
    share: float | None = Field(
        default=None, description="Share of the residents inside the police polygons"
    )
    basis: str


class AreaDetail(AreaOut):
    """An area with its indicators (latest year), index and police classification."""

    period: str
    indicators: list[AreaIndicator]
    index: AreaIndexRow | None = Field(
        default=None, description="The index in its own period (``index.period``)"
    )
    method: str | None = None
    police: list[PoliceYear] | None = Field(
        default=None, description="Per police year; null when the area cannot be placed"
    )
    police_notes: list[str] = Field(
        default_factory=list,
        description="The stand-ins the police years are placed by (in the language ?lang= "
        "names, Swedish without), as the area "
        "page states them: a list without borders placed through the area codes it names, "
        "shares weighed by another year's population or by surface alone, the area's shares "
        "resting on DeSO polygons drawn from their successors'",
    )


class IndicatorDef(BaseModel):
    """A catalogue indicator."""

    id: str
    name_sv: str
    name_en: str
    domain: str
    kind: str
    unit: str
    direction: int
    population_base: str
    min_denominator: float
    source_tables: list[str]
    caveats: list[str]


class IndicatorValues(BaseModel):
    """Indicator values of every area of a level in one year."""

    level: str
    version: str
    period: str
    indicators: list[str]
    disclosure_threshold: int
    rows: list[IndicatorValue]


class IndexOut(BaseModel):
    """An index for every area of a level in one year."""

    method: str
    method_version: str
    level: str
    version: str
    period: str
    periods: list[str]
    n: int
    class_labels: dict[str, str | None] = Field(default_factory=dict)
    rows: list[IndexRow]


class MethodSummary(BaseModel):
    """A shipped index method."""

    id: str
    version: str
    title_sv: str
    title_en: str
    picture: str
    indicators: list[str]
    units: list[str] = Field(description="Top-level weighting units (indicators or themes)")
    weights: dict[str, float]
    normalisation: str
    classification: str | None


class MethodDetail(MethodSummary):
    """A method with its full definition (the YAML as JSON)."""

    description: str
    reference: str
    definition: dict[str, Any]


@dataclass(frozen=True)
class AreaQuery:
    """Which picture of an area a request asks for: ``/omrade/{code}`` and
    ``/api/areas/{code}`` (the area's level, the app's method and the latest year unless
    given)."""

    code: str
    level: str | None = None
    method: str | None = None
    period: str | None = None


#: The path's area code and the query's ``level``, ``method`` and ``period``.
AreaArgs = Annotated[AreaQuery, Depends()]


@dataclass(frozen=True)
class TableQuery:
    """Which table a download of the index asks for: ``level``, ``period`` (default the
    latest year), ``method`` (default the app's) and ``version`` (a boundary version of the
    level; default the level's default)."""

    level: str = "regso"
    period: str | None = None
    method: str | None = None
    version: str | None = None


#: The query's ``level``, ``period`` and ``method``.
TableArgs = Annotated[TableQuery, Depends()]


class ExploreIn(BaseModel):
    """A modified method: new top-level weights and/or a subset of indicators."""

    method: Text = "scb-omradestyp"
    level: Text = "regso"
    version: Text | None = Field(
        default=None, description="Boundary version of the level (default the level's)"
    )
    period: Text | None = None
    weights: dict[Text, float] | None = Field(
        default=None, description="Unit -> weight (>= 0, rescaled to sum 1)"
    )
    indicators: list[Text] | None = Field(default=None, description="Indicator ids to keep")
    draws: int = Field(default=0, ge=0, le=MAX_DRAWS, description="Monte-Carlo draws")
    seed: int = Field(default=0, ge=0, le=MAX_DB_ID, description="Random seed of the draws")


class ExploreOut(ExploreResult):
    """Ranks and classes under the modified method next to the declared method's."""

    @classmethod
    def of(cls, res: ExploreResult) -> ExploreOut:
        """The API's view of the service's :class:`ExploreResult`: the same fields."""
        return cls.model_validate(res, from_attributes=True)


def method_summary(m: Any) -> dict[str, Any]:
    themes = m.resolved_themes()
    return {
        "id": m.id,
        "version": m.version,
        "title_sv": m.title_sv,
        "title_en": m.title_en,
        "picture": m.picture,
        "indicators": [i.id for i in m.indicators],
        "units": [t.id for t in themes] if themes else [i.id for i in m.indicators],
        "weights": effective_unit_weights(m),
        "normalisation": m.normalisation.method,
        "classification": m.classification.kind if m.classification is not None else None,
    }


def area_detail(p: AreaProfile) -> AreaDetail:
    """``/api/areas/{code}``: the area's :class:`AreaProfile` as the API's model."""
    r = p.rank
    index = None
    if r is not None:
        index = AreaIndexRow.model_validate(
            {
                "area_code": p.code, "name": p.name, "period": r.period, "score": r.score,
                "rank": r.rank, "class": r.cls, "class_label": r.cls_label or None,
                "rank_p05": r.low, "rank_p95": r.high, "components": dict(r.components),
            }
        )  # fmt: skip
    police = None
    if p.police is not None and p.police.known:
        police = [
            PoliceYear(
                year=int(x.period),
                period=x.period,
                category=x.category,
                share=x.share,
                basis=x.basis,
            )
            for x in p.police.points
        ]
    return AreaDetail(
        area_code=p.code,
        name=p.name,
        level=p.level,
        version=p.version,
        kommun_code=p.kommun,
        period=p.period,
        indicators=[
            AreaIndicator(
                area_code=p.code,
                period=v.period,
                indicator=v.id,
                value=v.value,
                ci_low=v.ci_low,
                ci_high=v.ci_high,
                numerator=v.numerator,
                denominator=v.denominator,
                reliable=v.reliable,
                approximate=v.approximate,
                masked=v.masked,
                mask_reason=v.mask_reason,
                kommun_value=v.kommun,
                country_value=v.country,
            )
            for v in p.indicators
        ],
        index=index,
        method=p.method,
        police=police,
        police_notes=list(p.police.notes) if police is not None and p.police else [],
    )
