"""The partners' public input over a whole city: what the start page and the area pages'
summaries show of it.

An anonymous reader sees approved submissions with public visibility (the rules of
:func:`omradesbild.partners.service.list_submissions` for no actor) and the register of
interventions, which is public. :func:`partner_picture` reads both once through the
partners' service; :class:`PartnerPicture` answers "how many here", "the latest in these
areas" and "active in these areas in this year" without another query.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from omradesbild.services.models import PartnerEntry
from omradesbild.services.partners import intervention_entry, submission_entry

_PAGE = 1000


@dataclass(frozen=True)
class LinkedEntry:
    """A submission or an intervention with the areas it is linked to.

    ``start`` and ``end`` are the intervention's years (None for a submission, and ``end``
    for an intervention without an end).
    """

    id: int | None
    entry: PartnerEntry
    areas: tuple[str, ...]
    start: int | None = None
    end: int | None = None

    def active_in(self, year: int) -> bool:
        """Whether the intervention runs in ``year`` (started, and not ended before it)."""
        return (
            self.start is not None and self.start <= year and (self.end is None or self.end >= year)
        )


@dataclass(frozen=True)
class PartnerPicture:
    """Approved public submissions (newest first) and interventions (by start)."""

    submissions: tuple[LinkedEntry, ...] = ()
    interventions: tuple[LinkedEntry, ...] = ()

    def counts(self, code: str) -> tuple[int, int]:
        """``(submissions, interventions)`` linked to area ``code``."""
        return (
            sum(code in s.areas for s in self.submissions),
            sum(code in i.areas for i in self.interventions),
        )

    def interventions_of(self, code: str) -> tuple[LinkedEntry, ...]:
        """The interventions linked to area ``code`` (by start)."""
        return tuple(i for i in self.interventions if code in i.areas)

    def latest(self, codes: Collection[str], n: int = 5) -> tuple[LinkedEntry, ...]:
        """The ``n`` newest submissions linked to any of ``codes``."""
        return tuple(s for s in self.submissions if any(c in codes for c in s.areas))[:n]

    def active(self, codes: Collection[str], year: int) -> tuple[LinkedEntry, ...]:
        """The interventions in any of ``codes`` that run in ``year``."""
        return tuple(
            i for i in self.interventions if i.active_in(year) and any(c in codes for c in i.areas)
        )


def _year(period: object) -> int | None:
    from omradesbild.errors import InputError
    from omradesbild.followup._common import period_to_year

    if period is None or str(period).strip() == "":
        return None
    try:
        return int(period_to_year(period))
    except InputError:
        return None


def _id(row: dict[str, Any]) -> int | None:
    value = row.get("id")
    return int(value) if isinstance(value, int) else None


def partner_picture(db: Any) -> PartnerPicture:
    """What an anonymous reader may see of the partners' input, with the linked areas.

    Parameters
    ----------
    db
        An open :class:`~sqlalchemy.orm.Session` of the partners' database (only read).
    """
    from omradesbild.partners import service

    subs: list[LinkedEntry] = []
    offset = 0
    while True:
        rows = service.list_submissions(db, None, status="approved", limit=_PAGE, offset=offset)
        subs.extend(
            LinkedEntry(
                id=_id(r),
                entry=submission_entry(r),
                areas=tuple(str(c) for c in r.get("area_codes") or []),
            )
            for r in rows
        )
        if len(rows) < _PAGE:
            break
        offset += len(rows)
    ivs = tuple(
        LinkedEntry(
            id=_id(r),
            entry=intervention_entry(r),
            areas=tuple(str(c) for c in r.get("area_codes") or []),
            start=_year(r.get("start_period")),
            end=_year(r.get("end_period")),
        )
        for r in service.list_interventions(db, None)
    )
    return PartnerPicture(submissions=tuple(subs), interventions=ivs)
