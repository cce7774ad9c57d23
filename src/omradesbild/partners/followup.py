"""The follow-up of an intervention: its areas' indicator against comparable areas.

Reads the statistics store (indicators and SCB's area types) and calls the pure
:func:`omradesbild.followup.did.difference_in_differences`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from omradesbild import config
from omradesbild.errors import InputError, NotFoundError, OmradesbildError
from omradesbild.followup._common import period_to_year
from omradesbild.followup.did import DidResult, comparable_areas, difference_in_differences
from omradesbild.services.followup.error_notes import error_note
from omradesbild.store import Store
from omradesbild.wording import Message, both


@dataclass
class FollowupView:
    """What the follow-up page shows."""

    indicator: str
    level: str
    treated: list[str]
    start_period: str
    type_period: str | None
    comparison: list[str]
    comparison_rule: str  # a Message: English as it is, ``.text(lang)`` in Swedish
    did: DidResult | None
    panel_means: pd.DataFrame
    notes: list[str] = field(default_factory=list)  # Messages, as comparison_rule

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator, "level": self.level, "treated": self.treated,
            "start_period": self.start_period, "type_period": self.type_period,
            "comparison": self.comparison, "comparison_rule": self.comparison_rule,
            "did": self.did.as_dict() if self.did else None,
            "means": self.panel_means.to_dict("records"), "notes": self.notes,
        }  # fmt: skip


def intervention_followup(
    store: Store, *, area_codes: list[str], start_period: str, indicator: str
) -> FollowupView:
    """Indicator trend of the intervention areas vs areas of the same SCB area type.

    The comparison areas are those with the same area type (``scb-omradestyp`` class) as
    any intervention area in the last period before the start that has data; when the area
    types cannot be computed, all other areas of the level are used (and a note says so).
    """
    from omradesbild.index import load_method
    from omradesbild.services.pipeline import IndexSelection, area_index, area_indicators

    areas = store.areas()
    known = areas.loc[areas["area_code"].isin(area_codes)]
    if known.empty:
        raise NotFoundError(both("err_web_areas_not_in_store", codes=", ".join(area_codes)))
    level = str(known["level"].iloc[0])
    version = str(known["version"].iloc[0])
    notes: list[str] = []
    ind = area_indicators(store, level=level, version=version, indicators=[indicator])
    ind = ind.loc[ind["indicator"] == indicator, ["area_code", "period", "value"]]
    if ind.empty:
        raise NotFoundError(
            both("err_web_no_indicator_values", indicator=repr(indicator), level=level)
        )
    start = period_to_year(start_period, field="start_period")
    pre = sorted({p for p in ind["period"].astype(str) if period_to_year(p) < start},
                 key=period_to_year)  # fmt: skip
    type_period = pre[-1] if pre else None
    comparison: list[str] = []
    rule = ""
    if type_period is not None:
        try:
            types_of = IndexSelection(
                load_method(config.AREA_TYPE_METHOD), level, type_period, version
            )
            ix = area_index(store, types_of)
            types = ix.rename(columns={"class": "area_type"})[["area_code", "period",
                                                                "area_type"]]  # fmt: skip
            comparison = comparable_areas(types, area_codes, type_period)
            rule = Message("fu_rule_same_type", period=type_period)
        except OmradesbildError as exc:
            notes.append(error_note("fu_no_types_because", exc))
    if not comparison:
        comparison = sorted(set(ind["area_code"].astype(str)) - set(area_codes))
        rule = rule or Message("fu_rule_all")
    if len(comparison) < 3:
        notes.append(Message("fu_few_comparison", n=len(comparison)))
    panel = ind.loc[ind["area_code"].isin([*area_codes, *comparison])]
    did: DidResult | None = None
    try:
        did = difference_in_differences(panel, treated=area_codes, start_period=start_period,
                                        comparison=comparison)  # fmt: skip
        means = did.means
    except InputError as exc:
        notes.append(error_note("fu_no_estimate_because", exc))
        means = (
            panel.assign(group=panel["area_code"].isin(area_codes).map(
                {True: "treated", False: "comparison"}))
            .groupby(["group", "period"], as_index=False).agg(value=("value", "mean"))
        )  # fmt: skip
    return FollowupView(indicator=indicator, level=level, treated=sorted(area_codes),
                        start_period=str(start_period), type_period=type_period,
                        comparison=comparison, comparison_rule=rule, did=did,
                        panel_means=means, notes=notes)  # fmt: skip
