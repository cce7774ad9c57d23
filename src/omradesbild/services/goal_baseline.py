"""The base period of a goal counted on the index: one rule for every renderer.

A goal that counts area types or compares groups of them (an area-type count, a gap) can
only start from a year the index has. When the goal's base year is one, that year is the
baseline; when it is not, the first later year the index has stands in for it, and every
renderer says so in words (the status's
:attr:`~omradesbild.followup.goals.GoalStatus.base_note`); when the index has no year at
or after the base year, the goal cannot be followed up and is listed with the reason.
The command line's ``goals status``
(:func:`~omradesbild.services.followup.goals.goals_status`) and the pages' goal tables
(:func:`~omradesbild.services.city_goals.city_goals`: the web's goals page and start page,
the report's overview) call :func:`index_baseline`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from omradesbild.followup._common import period_to_year, sort_periods
from omradesbild.followup.goal_file import AnyGoal, AreaTypeSelection, CountGoal, GapGoal
from omradesbild.services.models import GoalSkipped
from omradesbild.wording import text

#: The catalogue key of the reason a goal is skipped for when the index has neither its
#: base year nor a later year.
SKIP_KEY = "goals_skip_base_year"


@dataclass(frozen=True)
class GoalBaseline:
    """Where a goal counted on the index starts.

    Attributes
    ----------
    goal_id, base_year
        The goal's id and its base year.
    period
        The index's period the goal starts from: the base year itself, or the first later
        period of the index standing in for it; None when the index has neither.
    periods
        The index's periods, in time order.
    """

    goal_id: str
    base_year: int
    period: str | None
    periods: tuple[str, ...]

    @property
    def stand_in(self) -> bool:
        """Whether a later period stands in for the base year."""
        return self.period is not None and period_to_year(self.period) != self.base_year

    def reason(self, lang: str) -> str:
        """Why the goal cannot be followed up (when :attr:`period` is None), in ``lang``."""
        return text(SKIP_KEY, lang, **self.reason_fields())

    def reason_fields(self) -> dict[str, object]:
        """The fields of the reason's text (catalogue key :data:`SKIP_KEY`)."""
        return {"base_year": self.base_year, "periods": ", ".join(self.periods) or "–"}

    def skipped(self, title: str, lang: str) -> GoalSkipped:
        """The goal as skipped, titled ``title``, with the reason in ``lang``."""
        return GoalSkipped(
            goal_id=self.goal_id, title=title, reason_key=SKIP_KEY, reason=self.reason(lang)
        )


def counts_on_index(goal: AnyGoal) -> bool:
    """Whether ``goal`` is counted on the index's area types (an area-type count, a gap)."""
    if isinstance(goal, GapGoal):
        return True
    return isinstance(goal, CountGoal) and isinstance(goal.areas, AreaTypeSelection)


def index_baseline(goal: AnyGoal, periods: Iterable[object]) -> GoalBaseline:
    """The period ``goal`` starts from on an index with ``periods``.

    The base year when the index has it, else the first later period of the index (the
    base year's stand-in), else none (the goal is skipped with
    :meth:`GoalBaseline.reason`).

    Parameters
    ----------
    goal
        A goal counted on the index (:func:`counts_on_index`).
    periods
        The periods the index has (any order).

    Returns
    -------
    GoalBaseline
    """
    have = tuple(sort_periods(periods))
    later = [p for p in have if period_to_year(p) >= goal.base_year]
    return GoalBaseline(
        goal_id=goal.id, base_year=goal.base_year, period=later[0] if later else None, periods=have
    )


__all__ = ["SKIP_KEY", "GoalBaseline", "counts_on_index", "index_baseline"]
