"""The summary that opens an area page, and the grouping of its trend charts.

Everything here is taken from the one :class:`~omradesbild.services.models.AreaProfile`
(the same :class:`RankInfo`, :class:`PolicePoint`, :class:`Driver` and :class:`ChangeInfo`
objects the profile holds): the summary selects and words, it computes nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass

from omradesbild.services.models import (
    AreaProfile,
    ChangeInfo,
    Driver,
    PolicePoint,
    RankInfo,
)

#: The summary names this many of the components that drive the score most.
N_DRIVERS = 3

#: Decimals of the values the summary shows: a difference that rounds to zero at this
#: precision is drawn as unchanged (→), so that the arrow agrees with the values shown.
SHOWN_DECIMALS = 1


@dataclass(frozen=True)
class ChangeArrow:
    """One indicator's change since the previous period, as the summary shows it.

    ``arrow`` is the direction of the value (↑ up, ↓ down, → unchanged); ``verdict`` says
    what that means by the indicator's direction in the catalogue: ``better`` or ``worse``
    (a significant change of an indicator with a direction), ``up`` or ``down`` (a
    significant change of a descriptive indicator), ``no_sig`` (not significant) or
    ``untested`` (no test could be made). It is a catalogue key (``change_<verdict>``).
    """

    change: ChangeInfo
    arrow: str
    verdict: str

    @property
    def significant(self) -> bool:
        return self.verdict in ("better", "worse", "up", "down")


@dataclass(frozen=True)
class AreaSummary:
    """The area page's opening box: the profile's key facts in one place."""

    profile: AreaProfile
    kommun_name: str | None
    rank: RankInfo | None
    police: tuple[PolicePoint, ...]
    police_known: bool
    drivers: tuple[Driver, ...]  # the first N_DRIVERS of ranked_drivers
    ranked_drivers: tuple[Driver, ...]  # every component, in the order of ranked_drivers
    standins: tuple[str, ...]
    changes: tuple[ChangeArrow, ...]
    n_entries: int
    n_interventions: int

    @property
    def significant_changes(self) -> tuple[ChangeArrow, ...]:
        return tuple(c for c in self.changes if c.significant)

    @property
    def tested(self) -> bool:
        """Whether a test could be made of any change (else none is called significant
        because none could be tested, not because none is)."""
        return any(c.verdict != "untested" for c in self.changes)

    @property
    def period_from(self) -> str | None:
        """The period the changes compare with: the level's period before the profile's,
        also when no indicator of the area has a published value in both."""
        if self.changes:
            return self.changes[0].change.period_from
        return self.profile.period_before


_VERDICT = {
    "improving": "better",
    "worsening": "worse",
    "increase": "up",
    "decrease": "down",
    "no significant change": "no_sig",
}


def change_arrow(change: ChangeInfo) -> ChangeArrow:
    """The arrow and verdict of one change (see :class:`ChangeArrow`).

    The verdict is the change test's own (:func:`omradesbild.followup.indicator_change`
    reads the indicator's direction from the catalogue): ``improving`` is better whatever
    way the value moved. The arrow follows the values as shown (:data:`SHOWN_DECIMALS`).
    """
    d = None if change.diff is None else round(change.diff, SHOWN_DECIMALS)
    arrow = "→" if not d else ("↑" if d > 0 else "↓")
    return ChangeArrow(
        change=change, arrow=arrow, verdict=_VERDICT.get(change.change or "", "untested")
    )


def ranked_drivers(drivers: tuple[Driver, ...]) -> tuple[Driver, ...]:
    """The components by their contribution to the score, largest first (ties: as listed;
    those without a contribution last): the one order of the area page's drivers, in its
    summary and in its table."""
    return tuple(sorted(drivers, key=lambda d: (d.contribution is None, -(d.contribution or 0.0))))


def top_drivers(drivers: tuple[Driver, ...], n: int = N_DRIVERS) -> tuple[Driver, ...]:
    """The ``n`` components with the largest contribution to the score (ties: as listed):
    the first of :func:`ranked_drivers`."""
    return tuple(d for d in ranked_drivers(drivers) if d.contribution is not None)[:n]


def area_summary(
    profile: AreaProfile,
    *,
    kommun_name: str | None = None,
    n_entries: int = 0,
    n_interventions: int = 0,
) -> AreaSummary:
    """The summary of ``profile`` with the kommun's name and the number of partners'
    entries and interventions linked to the area (as the visitor may see them)."""
    police = profile.police
    return AreaSummary(
        profile=profile,
        kommun_name=kommun_name,
        rank=profile.rank,
        police=police.points if police is not None else (),
        police_known=bool(police is not None and police.known),
        drivers=top_drivers(profile.drivers),
        ranked_drivers=ranked_drivers(profile.drivers),
        standins=profile.standins,
        changes=tuple(change_arrow(c) for c in profile.changes),
        n_entries=n_entries,
        n_interventions=n_interventions,
    )


@dataclass(frozen=True)
class TrendGroup:
    """The trend charts of one domain of the indicator catalogue (``inkomst`` …)."""

    domain: str
    indicators: tuple[str, ...]


def trend_groups(indicator_ids: list[str] | tuple[str, ...]) -> tuple[TrendGroup, ...]:
    """``indicator_ids`` grouped by their catalogue domain, in catalogue order (unknown
    indicators last, in a group ``other``)."""
    from omradesbild.indicators import default_catalogue

    cat = default_catalogue()
    domain = {i.id: i.domain for i in cat.indicators}
    groups: dict[str, list[str]] = {}
    for d in dict.fromkeys(i.domain for i in cat.indicators):
        groups[d] = []
    groups["other"] = []
    for ind in indicator_ids:
        groups[domain.get(ind, "other")].append(ind)
    return tuple(TrendGroup(domain=d, indicators=tuple(v)) for d, v in groups.items() if v)
