"""Routes of the register of interventions: the JSON API (list, create, read, follow-up)
and the pages ``/insatser`` and ``/insatser/{id}/uppfoljning``.

Included by :mod:`omradesbild.web.routes_partners` (same app requirements). The follow-up
reads the statistics store: ``app.state.store`` if set, else ``settings.store_path``
opened read-only for the request.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from omradesbild.errors import InputError, NotFoundError
from omradesbild.partners import service
from omradesbild.partners.followup import FollowupView, intervention_followup
from omradesbild.partners.models import Role
from omradesbild.partners.service import Actor
from omradesbild.services.followup.intervention import (
    did_uncertainty,
    followup_axes,
    indicator_direction,
    target_verdict,
)
from omradesbild.store import Store
from omradesbild.web.auth import DB, CurrentActor, settings_value
from omradesbild.web.routes_partners_common import (
    CSRF,
    Analyst,
    check_areas,
    form_error,
    page_lang,
    render,
)
from omradesbild.web.validation import DbId, PathId, Text, check_indicator_ids
from omradesbild.wording import Message, both

router = APIRouter(tags=["partners"])


class GoalIn(BaseModel):
    indicator: Text
    target: Text | None = None


class InterventionIn(BaseModel):
    type: Text
    title: Text
    start_period: Text
    area_codes: list[Text] | Text
    description: Text = ""
    end_period: Text | None = None
    organisation_ids: list[DbId] = Field(default_factory=list)
    goals: list[GoalIn] = Field(default_factory=list)


class InterventionForm(BaseModel):
    """The form of ``/insatser``, its fields in the form's order; ``goals`` are indicator ids
    (one per picked option; an entry may also hold several separated by commas or spaces)."""

    type: Text
    title: Text
    description: Text = ""
    start_period: Text
    end_period: Text | None = None
    area_codes: Text
    goals: list[Text] = Field(default_factory=list)
    organisation_ids: list[DbId] = Field(default_factory=list)

    def goal_ids(self) -> list[str]:
        """The indicator ids of ``goals``."""
        return [g for x in self.goals for g in x.replace(",", " ").split()]


@dataclass(frozen=True)
class IndicatorChoice:
    """One indicator the form offers: its catalogue id and its name in the page language."""

    id: str
    name: str


def indicator_choices(lang: str) -> list[IndicatorChoice]:
    """The catalogue's indicators, by name in ``lang`` (``sv`` or ``en``)."""
    from omradesbild.indicators import default_catalogue

    return sorted(
        (IndicatorChoice(i.id, i.name_en if lang == "en" else i.name_sv)
         for i in default_catalogue().indicators),
        key=lambda c: c.name.casefold(),
    )  # fmt: skip


# -- JSON API ---------------------------------------------------------------------------
@router.get("/api/interventions")
def api_list_interventions(
    db: DB, actor: CurrentActor, area_code: str | None = None
) -> list[dict[str, Any]]:
    return service.list_interventions(db, actor, area_code=area_code)


@router.post("/api/interventions", status_code=201, dependencies=[CSRF])
def api_create_intervention(
    request: Request, db: DB, actor: CurrentActor, body: InterventionIn
) -> dict[str, Any]:
    data = body.model_dump()
    known = check_areas(request, body.area_codes)
    check_indicator_ids([g.indicator for g in body.goals], field="goals")
    return service.create_intervention(db, actor, known_areas=known, **data)


@router.get("/api/interventions/{intervention_id}")
def api_get_intervention(db: DB, actor: CurrentActor, intervention_id: PathId) -> dict[str, Any]:
    return service.get_intervention(db, actor, intervention_id)


def get_store(request: Request) -> Iterator[Store]:
    """The statistics store: ``app.state.store`` if set, else ``settings.store_path``
    opened read-only for the request (override with ``app.dependency_overrides``)."""
    store = getattr(request.app.state, "store", None)
    if store is not None:
        yield store
        return
    path = settings_value(request, "store_path", None)
    if path is None:
        raise NotFoundError(both("err_web_no_store_configured"))
    with Store(path, read_only=True) as opened:
        yield opened


StoreDep = Annotated[Store, Depends(get_store)]


def _followup(
    db: DB,
    actor: CurrentActor,
    store: StoreDep,
    intervention_id: PathId,
    indicator: str | None = None,
) -> tuple[dict[str, Any], FollowupView]:
    """The intervention and the follow-up of ``indicator`` (default its first goal's)."""
    iv = service.get_intervention(db, actor, intervention_id)
    goals = [g["indicator"] for g in iv["goals"]]
    chosen = indicator or (goals[0] if goals else None)
    if chosen is None:
        raise InputError(Message("err_web_no_goal"), field="indicator",
                         expected=Message("exp_web_indicator_param"))  # fmt: skip
    view = intervention_followup(store, area_codes=iv["area_codes"],
                                 start_period=iv["start_period"], indicator=chosen)  # fmt: skip
    return iv, view


Followup = Annotated[tuple[dict[str, Any], FollowupView], Depends(_followup)]


@router.get("/api/interventions/{intervention_id}/followup")
def api_intervention_followup(followup: Followup) -> dict[str, Any]:
    """Trend of the indicator in the intervention areas vs comparable areas, with DiD."""
    iv, view = followup
    out = view.as_dict()
    uncertainty = did_uncertainty(view.did)
    if out["did"] is not None and not uncertainty.shown:
        # Not estimable (e.g. one area against one): left out, as on the page.
        out["did"].update(se=None, ci_low=None, ci_high=None, p_value=None,
                          pre_trend_p=None)  # fmt: skip
    out["uncertainty_note"] = uncertainty.reason
    target, direction, unit = _goal_of(iv, view)
    verdict = target_verdict(view.panel_means, target=target, direction=direction,
                             start_period=view.start_period, unit=unit)  # fmt: skip
    out["verdict"] = {"verdict": verdict.verdict, "sentence": verdict.sentence,
                      "target": verdict.target, "comparison": verdict.comparison,
                      "value": verdict.value, "period": verdict.period}  # fmt: skip
    return {"intervention": iv, "followup": _jsonable(out)}


def _goal_of(iv: dict[str, Any], view: FollowupView) -> tuple[str | None, int, str]:
    """The target text of the followed indicator's goal, and the indicator's direction and
    unit."""
    target = next((g["target"] for g in iv["goals"] if g["indicator"] == view.indicator), None)
    direction, unit = indicator_direction(view.indicator)
    return target, direction, unit


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _jsonable(value.item())
    return value


# -- HTML pages -------------------------------------------------------------------------
def _register(request: Request, db: DB, actor: Actor | None) -> dict[str, Any]:
    """What ``/insatser`` shows: the register and, for an analyst, the form."""
    return {
        "indicator_choices": indicator_choices(page_lang(request)),
        "interventions": service.list_interventions(db, actor), "actor": actor,
        "organisations": service.list_organisations(db, actor),
        "can_create": actor is not None and actor.at_least(Role.ANALYST),
    }  # fmt: skip


@router.get("/insatser", response_class=HTMLResponse)
def page_interventions(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    context = {**_register(request, db, actor), "error": None, "form": {}}
    return render(request, "partners/insatser.html", context)


@router.post("/insatser", response_class=HTMLResponse, dependencies=[CSRF])
def page_create_intervention(
    request: Request, db: DB, actor: Analyst, form: Annotated[InterventionForm, Form()]
) -> Response:
    fields = form.model_dump(exclude={"goals", "organisation_ids"})
    try:
        known = check_areas(request, form.area_codes)
        check_indicator_ids(form.goal_ids(), field="goals")
        service.create_intervention(db, actor, goals=form.goal_ids(),
                                    organisation_ids=form.organisation_ids,
                                    known_areas=known, **fields)  # fmt: skip
    except InputError as exc:
        db.rollback()
        context = {**_register(request, db, actor), "error": form_error(request, exc),
                   "form": {**fields, "goals": form.goal_ids()}}  # fmt: skip
        return render(request, "partners/insatser.html", context, status_code=422)
    return RedirectResponse("/insatser", status_code=303)


def _svg_lines(means: Any, width: int = 640, height: int = 280) -> dict[str, Any]:
    """Polylines of the group means for a small inline SVG chart; x is the decimal year, so
    uneven years keep their gaps."""
    from omradesbild.followup._common import period_to_year

    pts = [(period_to_year(r["period"]), float(r["value"]), str(r["group"]))
           for r in means.to_dict("records") if r["value"] == r["value"]]  # fmt: skip
    if not pts:
        return {"lines": [], "width": width, "height": height, "ticks": []}
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y0, y1 = min(ys), max(ys) if max(ys) > min(ys) else min(ys) + 1
    pad = 56

    def sx(x: float) -> float:
        return pad + (x - x0) / (x1 - x0) * (width - 2 * pad)

    def sy(y: float) -> float:
        return height - pad - (y - y0) / (y1 - y0) * (height - 2 * pad)

    lines = []
    for group, colour in (("treated", "#c0392b"), ("comparison", "#2c3e50")):
        g = sorted((p for p in pts if p[2] == group), key=lambda p: p[0])
        lines.append({"group": group, "colour": colour,
                      "points": " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y, _ in g)})  # fmt: skip
    ticks = [{"x": sx(x), "label": str(int(x))} for x in sorted(set(xs))]
    return {"lines": lines, "width": width, "height": height, "ticks": ticks,
            "y_min": y0, "y_max": y1, "sx": sx, "sy": sy}  # fmt: skip


@router.get("/insatser/{intervention_id}/uppfoljning", response_class=HTMLResponse)
def page_followup(request: Request, actor: CurrentActor, followup: Followup) -> HTMLResponse:
    """The follow-up page: the chart of both groups' means (axes titled with the indicator,
    its unit and the year), the verdict against the goal's target, and the DiD estimate
    (its interval and p-value only when they can be estimated, else why not)."""
    iv, view = followup
    start_x = None
    chart = _svg_lines(view.panel_means)
    if chart["lines"]:
        from omradesbild.followup._common import period_to_year

        start_x = chart["sx"](period_to_year(view.start_period))
    target, direction, unit = _goal_of(iv, view)
    verdict = target_verdict(view.panel_means, target=target, direction=direction,
                             start_period=view.start_period, unit=unit)  # fmt: skip
    return render(request, "partners/uppfoljning.html", {
        "iv": iv, "view": view, "did": view.did, "chart": chart, "start_x": start_x,
        "actor": actor, "uncertainty": did_uncertainty(view.did), "verdict": verdict,
        "target": target, "axes": followup_axes(view.indicator, page_lang(request)),
        "goal_names": {g["indicator"]: followup_axes(g["indicator"], page_lang(request)).y
                       for g in iv["goals"]},
    })  # fmt: skip
