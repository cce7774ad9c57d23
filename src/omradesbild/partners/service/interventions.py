"""Interventions: creation with goals, areas and organisations, and reading them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from omradesbild.errors import InputError, NotFoundError
from omradesbild.partners.models import (
    Intervention,
    InterventionArea,
    InterventionGoal,
    InterventionOrganisation,
    Organisation,
    Role,
    utcnow,
)
from omradesbild.partners.security import MAX_BODY, MAX_TITLE
from omradesbild.partners.service._common import Actor, _area_codes, _period, _require, _text
from omradesbild.partners.service.audit import audit
from omradesbild.wording import Message, both


# -- interventions ----------------------------------------------------------------------
def _intervention_view(iv: Intervention) -> dict[str, Any]:
    return {
        "id": iv.id, "type": iv.type, "title": iv.title, "description": iv.description,
        "start_period": iv.start_period, "end_period": iv.end_period,
        "area_codes": [a.area_code for a in iv.areas],
        "organisations": [{"id": o.organisation_id, "name": o.organisation.name}
                          for o in iv.organisations],
        "goals": [{"indicator": g.indicator, "target": g.target} for g in iv.goals],
        "created_at": iv.created_at.isoformat(), "updated_at": iv.updated_at.isoformat(),
    }  # fmt: skip


def _goals(goals: Iterable[Any]) -> list[InterventionGoal]:
    out = []
    for i, g in enumerate(goals):
        if isinstance(g, str):
            g = {"indicator": g}
        if not isinstance(g, dict):
            raise InputError(Message("err_web_not_object"), field=f"goals[{i}]",
                             expected='{"indicator": id, "target": text}')  # fmt: skip
        ind = _text(g.get("indicator"), f"goals[{i}].indicator", max_len=64)
        assert ind is not None
        if not re.match(r"^[a-z0-9_]+$", ind):
            raise InputError(Message("err_web_not_indicator", value=repr(ind)),
                             field=f"goals[{i}].indicator",
                             expected=Message("exp_web_indicator_id"))  # fmt: skip
        target = _text(g.get("target"), f"goals[{i}].target", max_len=200, required=False)
        out.append(InterventionGoal(indicator=ind, target=target))
    if len(out) > 20:
        raise InputError(Message("err_web_too_many_goals", n=len(out)), field="goals",
                         expected=Message("exp_web_max_goals", max=20))  # fmt: skip
    return out


def create_intervention(
    db: Session,
    actor: Actor | None,
    *,
    type: str,
    title: str,
    start_period: str,
    area_codes: Sequence[str] | str,
    description: str = "",
    end_period: str | None = None,
    organisation_ids: Sequence[int] = (),
    goals: Sequence[Any] = (),
    known_areas: set[str] | None = None,
) -> dict[str, Any]:
    """Register a programme or measure (analysts and admins)."""
    a = _require(actor, Role.ANALYST, "register_interventions")
    start = _period(start_period, "start_period")
    if start is None:
        raise InputError(Message("err_web_empty"), field="start_period",
                         expected=Message("exp_web_year"))  # fmt: skip
    end = _period(end_period, "end_period")
    from omradesbild.followup._common import period_to_year

    if end is not None and period_to_year(end) < period_to_year(start):
        raise InputError(Message("err_web_end_before_start", end=end, start=start),
                         field="end_period", expected=Message("exp_web_end_period"))  # fmt: skip
    org_ids = sorted({int(o) for o in organisation_ids})
    if org_ids:
        found = set(db.execute(select(Organisation.id).where(Organisation.id.in_(org_ids)))
                    .scalars())  # fmt: skip
        missing = [o for o in org_ids if o not in found]
        if missing:
            raise InputError(Message("err_web_unknown_organisation", id=missing[0]),
                             field="organisation_ids",
                             expected=Message("exp_web_organisation_ids"))  # fmt: skip
    now = utcnow()
    iv = Intervention(
        type=str(_text(type, "type", max_len=64)), title=str(_text(title, "title",
        max_len=MAX_TITLE)), description=_text(description, "description", max_len=MAX_BODY,
        required=False) or "", start_period=start, end_period=end, created_by_id=a.id,
        created_at=now, updated_at=now,
        areas=[InterventionArea(area_code=c) for c in _area_codes(area_codes,
               known=known_areas)],
        organisations=[InterventionOrganisation(organisation_id=o) for o in org_ids],
        goals=_goals(goals),
    )  # fmt: skip
    db.add(iv)
    db.flush()
    audit(db, a, "intervention.create", "intervention", iv.id, {"title": iv.title})
    db.flush()
    return get_intervention(db, a, iv.id)


def get_intervention(db: Session, actor: Actor | None, intervention_id: int) -> dict[str, Any]:
    """One intervention (the register is public)."""
    iv = db.get(Intervention, int(intervention_id))
    if iv is None:
        raise NotFoundError(both("err_web_no_such_intervention", id=intervention_id))
    return _intervention_view(iv)


def list_interventions(
    db: Session, actor: Actor | None, *, area_code: str | None = None
) -> list[dict[str, Any]]:
    """The register of interventions, by start period (public)."""
    q = select(Intervention)
    if area_code:
        q = q.where(Intervention.areas.any(InterventionArea.area_code == area_code))
    q = q.order_by(Intervention.start_period, Intervention.id)
    return [_intervention_view(iv) for iv in db.execute(q).unique().scalars()]
