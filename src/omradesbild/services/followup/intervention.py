"""What the follow-up page of an intervention says in plain words: whether the uncertainty of
the difference-in-differences estimate can be shown, the verdict against the intervention's
target, and the chart's axis titles.

Pure functions of the follow-up (:class:`~omradesbild.partners.followup.FollowupView`) and
of the goal's target text; the wording is the catalogue's (``fu_*`` keys), given as
:class:`~omradesbild.wording.Message` (English as a string, ``.text(lang)`` in Swedish).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from omradesbild.followup._common import period_to_year
from omradesbild.followup.did import DidResult
from omradesbild.wording import Message, Num, _slug, label_message, text, unit_label

#: Fewest areas (intervention and comparison together) with which the standard error of the
#: estimate can be estimated: with one intervention area and one comparison area the area
#: effects, the period effects and δ leave nothing to estimate its spread from (the
#: cluster-robust variance has one degree of freedom).
MIN_AREAS_FOR_UNCERTAINTY = 3

Comparison = Literal["at_most", "at_least"]
Verdict = Literal["reached", "not_reached", "cannot_say"]


@dataclass(frozen=True)
class Uncertainty:
    """Whether the page shows the interval and p-value of δ̂, and if not, why
    (``reason``, a Message)."""

    shown: bool
    reason: str | None = None


def did_uncertainty(did: DidResult | None) -> Uncertainty:
    """Show the interval and the p-value only when they can be estimated.

    They cannot with fewer than :data:`MIN_AREAS_FOR_UNCERTAINTY` areas in all (e.g. one
    intervention area against one comparison area), nor when the computation gave no finite
    interval or p-value or a standard error of zero (up to rounding: values that fit the
    model exactly leave no spread to estimate).
    """
    if did is None:
        return Uncertainty(False, None)
    n = did.n_treated + did.n_comparison
    if n < MIN_AREAS_FOR_UNCERTAINTY:
        return Uncertainty(False, Message("fu_no_uncertainty_few", treated=did.n_treated,
                                           comparison=did.n_comparison,
                                           minimum=MIN_AREAS_FOR_UNCERTAINTY))  # fmt: skip
    numbers = (did.se, did.ci_low, did.ci_high, did.p_value)
    if not all(math.isfinite(x) for x in numbers) or did.se <= 1e-9 * max(1.0, abs(did.estimate)):
        return Uncertainty(False, Message("fu_no_uncertainty_degenerate"))
    return Uncertainty(True, None)


@dataclass(frozen=True)
class TargetVerdict:
    """The intervention's goal judged against the latest value in its areas.

    ``verdict`` is ``reached``, ``not_reached`` or ``cannot_say``; ``sentence`` (a Message)
    says it with the numbers it rests on (the same as the page's chart and table) or why
    nothing can be said.
    """

    verdict: Verdict
    sentence: str
    target: float | None = None
    comparison: Comparison | None = None
    value: float | None = None
    period: str | None = None


_WORDS: dict[str, Comparison] = {
    "<=": "at_most", "≤": "at_most", "<": "at_most", "högst": "at_most", "max": "at_most",
    "at most": "at_most", "under": "at_most", "below": "at_most",
    ">=": "at_least", "≥": "at_least", ">": "at_least", "minst": "at_least",
    "min": "at_least", "at least": "at_least", "över": "at_least", "above": "at_least",
}  # fmt: skip
_TARGET_RE = re.compile(
    r"^\s*(?P<op>" + "|".join(sorted(map(re.escape, _WORDS), key=len, reverse=True))
    + r"|=)?\s*(?P<num>[-+−]?\d[\d\s\u202f.,]*)(?P<rest>.*)$",
    re.IGNORECASE,
)  # fmt: skip


def parse_target(target: str | None, direction: int) -> tuple[float, Comparison] | None:
    """The number and the side of a goal's target text, or None when it is not one.

    ``"≤ 20"``, ``"högst 20 %"``, ``"minst 70,5"``, ``">= 3"``; a bare number (``"20"``)
    is a ceiling for an indicator where a higher value means more vulnerability
    (``direction`` +1) and a floor where it means less (-1); for a descriptive indicator
    (0) a bare number has no side and gives None.
    """
    if not target:
        return None
    m = _TARGET_RE.match(target)
    if m is None:
        return None
    value = _number(m.group("num"))
    if value is None:
        return None
    op = (m.group("op") or "").lower()
    if op in _WORDS:
        return value, _WORDS[op]
    if direction == 1:
        return value, "at_most"
    if direction == -1:
        return value, "at_least"
    return None


@dataclass(frozen=True)
class ChangeTarget:
    """A target of change from the value before the start: ``"minska med 2
    procentenheter"`` (``amount`` 2, ``side`` at_most), ``"öka med 10 %"`` (relative),
    ``"minska"`` (``amount`` None: any fall)."""

    side: Comparison
    amount: float | None = None
    relative: bool = False

    def threshold(self, base: float) -> float:
        """The value the target asks for, from ``base``."""
        if self.amount is None:
            return base
        sign = -1.0 if self.side == "at_most" else 1.0
        step = base * self.amount / 100 if self.relative else self.amount
        return base + sign * step


_CHANGE_WORDS: dict[str, Comparison] = {
    "minska": "at_most", "sänka": "at_most", "sänk": "at_most", "reduce": "at_most",
    "decrease": "at_most", "lower": "at_most", "öka": "at_least", "höja": "at_least",
    "höj": "at_least", "increase": "at_least", "raise": "at_least",
}  # fmt: skip
_CHANGE_RE = re.compile(
    r"^\s*(?P<verb>" + "|".join(sorted(_CHANGE_WORDS, key=len, reverse=True)) + r")\w*"
    r"(?:\s+(?:med|by)\s+(?P<num>[-+−]?\d[\d\s\u202f.,]*)\s*(?P<unit>.*?))?\s*[.!]?\s*$",
    re.IGNORECASE,
)  # fmt: skip
_RELATIVE_UNITS = ("%", "procent", "percent")


def parse_change(target: str | None) -> ChangeTarget | None:
    """A target of change (see :class:`ChangeTarget`), or None. ``%``, ``procent`` and
    ``percent`` after the amount are relative to the value before the start;
    ``procentenheter``, ``percentage points``, another unit or none are in the indicator's
    own unit."""
    m = _CHANGE_RE.match(target or "")
    if m is None:
        return None
    side = _CHANGE_WORDS[m.group("verb").lower()]
    if m.group("num") is None:
        return ChangeTarget(side)
    amount = _number(m.group("num"))
    if amount is None:
        return None
    unit = (m.group("unit") or "").strip().lower()
    return ChangeTarget(side, abs(amount), relative=unit in _RELATIVE_UNITS)


def _number(written: str) -> float | None:
    """A number written in Swedish (``1 234,5``) or English (``1,234.5``): with both marks
    the last is the decimal one; a mark that occurs more than once groups digits; a single
    comma is the Swedish decimal comma."""
    raw = re.sub(r"[\s\u202f]", "", written).replace("−", "-").rstrip(".,")
    if "," in raw and "." in raw:
        group = "," if raw.rindex(".") > raw.rindex(",") else "."
        raw = raw.replace(group, "")
    for mark in (",", "."):
        if raw.count(mark) > 1:
            raw = raw.replace(mark, "")
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        return None


def _latest_treated(
    means: pd.DataFrame, start_period: str, *, before: bool = False
) -> tuple[str, float] | None:
    """The latest period from the start (``before``: before the start) with a mean of the
    intervention areas, and it."""
    if means.empty or not {"group", "period", "value"} <= set(means.columns):
        return None
    start = period_to_year(start_period)
    rows = [(str(r["period"]), float(r["value"])) for r in means.to_dict("records")
            if r["group"] == "treated" and r["value"] == r["value"]]  # fmt: skip
    rows = [r for r in rows if (period_to_year(r[0]) < start) == before]
    if not rows:
        return None
    return max(rows, key=lambda r: period_to_year(r[0]))


def target_verdict(
    means: pd.DataFrame,
    *,
    target: str | None,
    direction: int,
    start_period: str,
    unit: str = "",
) -> TargetVerdict:
    """The plain verdict of a goal: is the latest mean of the intervention areas (from the
    start on) on the target's side?

    Parameters
    ----------
    means
        Mean per ``group`` (``treated``/``comparison``) and ``period`` (the chart's lines).
    target
        The goal's target text (see :func:`parse_target`).
    direction
        The indicator's catalogue direction.
    start_period
        The intervention's start; earlier values are not the intervention's outcome.
    unit
        The indicator's unit (catalogue code), for the sentence.
    """
    parsed = parse_target(target, direction)
    change = parse_change(target) if parsed is None else None
    if change is not None:
        return _change_verdict(means, change, str(target), start_period, unit)
    if parsed is None:
        key = "fu_verdict_no_target" if not target else "fu_verdict_unreadable_target"
        return TargetVerdict("cannot_say", Message(key, target=target or ""))
    goal, side = parsed
    latest = _latest_treated(means, start_period)
    if latest is None:
        return TargetVerdict("cannot_say", Message("fu_verdict_no_values", start=start_period),
                             target=goal, comparison=side)  # fmt: skip
    period, value = latest
    eps = 1e-9 * max(1.0, abs(goal))
    reached = value <= goal + eps if side == "at_most" else value >= goal - eps
    verdict: Verdict = "reached" if reached else "not_reached"
    sentence = Message(f"fu_verdict_{verdict}", side=Message(f"fu_side_{side}"),
                       target=Num(goal, 1), value=Num(value, 1), period=period,
                       unit=label_message("unit", _slug(unit)) if unit else "")  # fmt: skip
    return TargetVerdict(verdict, sentence, target=goal, comparison=side, value=value,
                         period=period)  # fmt: skip


def _change_verdict(
    means: pd.DataFrame, change: ChangeTarget, target: str, start_period: str, unit: str
) -> TargetVerdict:
    """The verdict of a target of change: the latest value from the start against the value
    the target asks for from the last value before the start."""
    base = _latest_treated(means, start_period, before=True)
    latest = _latest_treated(means, start_period)
    if base is None or latest is None:
        key = "fu_verdict_no_base" if base is None else "fu_verdict_no_values"
        return TargetVerdict("cannot_say", Message(key, target=target, start=start_period))
    goal = change.threshold(base[1])
    value = latest[1]
    eps = 1e-9 * max(1.0, abs(goal))
    if change.amount is None:  # any change that way: strictly past the value before
        reached = value < goal - eps if change.side == "at_most" else value > goal + eps
        side_key = "fu_side_below" if change.side == "at_most" else "fu_side_above"
    else:
        reached = value <= goal + eps if change.side == "at_most" else value >= goal - eps
        side_key = f"fu_side_{change.side}"
    verdict: Verdict = "reached" if reached else "not_reached"
    sentence = Message(f"fu_verdict_change_{verdict}", target=target, base=Num(base[1], 1),
                       base_period=base[0], side=Message(side_key), goal=Num(goal, 1),
                       value=Num(value, 1), period=latest[0],
                       unit=label_message("unit", _slug(unit)) if unit else "")  # fmt: skip
    return TargetVerdict(verdict, sentence, target=goal, comparison=change.side, value=value,
                         period=latest[0])  # fmt: skip


@dataclass(frozen=True)
class Axes:
    """Titles of the follow-up chart's axes in one language."""

    x: str
    y: str


def followup_axes(indicator: str, lang: str) -> Axes:
    """``År`` and the indicator's name with its unit (the catalogue's), e.g.
    ``Arbetslöshet 16–64 år (procent)``; an indicator not in the catalogue by its id."""
    from omradesbild.indicators import default_catalogue

    found = {i.id: i for i in default_catalogue().indicators}.get(indicator)
    if found is None:
        return Axes(text("year", lang), indicator)
    name = found.name_en if lang == "en" else found.name_sv
    return Axes(text("year", lang), f"{name} ({unit_label(found.unit, lang)})")


def indicator_direction(indicator: str) -> tuple[int, str]:
    """The catalogue's direction and unit of ``indicator`` (0 and "" when it is unknown)."""
    from omradesbild.indicators import default_catalogue

    found = {i.id: i for i in default_catalogue().indicators}.get(indicator)
    return (found.direction, found.unit) if found is not None else (0, "")
