"""Partners' input on the area profiles: approved submissions and interventions, by area.

The static report site and the PDF profiles are read by anyone, so they show what an
anonymous visitor of the web app may see: approved submissions with public visibility
(the rules of :func:`omradesbild.partners.service.list_submissions` for no actor) and the
register of interventions, which is public. Both come from the partners' database through
its service layer; nothing here decides visibility on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omradesbild.errors import ConfigError
from omradesbild.services.models import PartnerEntry
from omradesbild.wording import both

#: At most this many entries of each kind are shown per area (newest first).
MAX_ENTRIES_PER_AREA = 20

_PAGE = 1000


@dataclass(frozen=True)
class PartnerInput:
    """Approved public submissions and interventions, by linked area code."""

    entries: Mapping[str, tuple[PartnerEntry, ...]] = field(default_factory=dict)
    interventions: Mapping[str, tuple[PartnerEntry, ...]] = field(default_factory=dict)

    def entries_of(self, code: str) -> tuple[PartnerEntry, ...]:
        """The approved public submissions linked to ``code`` (newest first)."""
        return self.entries.get(code, ())

    def interventions_of(self, code: str) -> tuple[PartnerEntry, ...]:
        """The interventions in ``code`` (by start period)."""
        return self.interventions.get(code, ())


def submission_entry(row: Mapping[str, Any]) -> PartnerEntry:
    """A submission of the partners' service as a profile entry."""
    return PartnerEntry(
        date=str(row.get("updated_at") or "")[:10],
        organisation=row.get("organisation"),
        kind=row.get("kind"),
        title=row.get("title"),
        text=row.get("body"),
        visibility=row.get("visibility"),
    )


def intervention_entry(row: Mapping[str, Any]) -> PartnerEntry:
    """An intervention of the partners' service as a profile entry (``date`` = its years)."""
    end = row.get("end_period") or ""
    return PartnerEntry(
        date=f"{row.get('start_period') or ''}–{end}",
        organisation=", ".join(str(o["name"]) for o in row.get("organisations") or []) or None,
        kind=row.get("type"),
        title=row.get("title"),
        text=row.get("description") or None,
        visibility="public",
    )


def partner_input(db: Any, *, max_per_area: int = MAX_ENTRIES_PER_AREA) -> PartnerInput:
    """What an anonymous reader may see of the partners' input, by area.

    Parameters
    ----------
    db
        An open :class:`~sqlalchemy.orm.Session` of the partners' database (only read).
    max_per_area
        Most entries of each kind kept per area.
    """
    from omradesbild.partners import service

    entries: dict[str, list[PartnerEntry]] = {}
    offset = 0
    while True:
        rows = service.list_submissions(db, None, status="approved", limit=_PAGE, offset=offset)
        for r in rows:
            e = submission_entry(r)
            for c in r.get("area_codes") or []:
                entries.setdefault(str(c), []).append(e)
        if len(rows) < _PAGE:
            break
        offset += len(rows)
    interventions: dict[str, list[PartnerEntry]] = {}
    for r in service.list_interventions(db, None):
        e = intervention_entry(r)
        for c in r.get("area_codes") or []:
            interventions.setdefault(str(c), []).append(e)
    return PartnerInput(
        entries={c: tuple(v[:max_per_area]) for c, v in entries.items()},
        interventions={c: tuple(v[:max_per_area]) for c, v in interventions.items()},
    )


def load_partner_input(url: str) -> PartnerInput:
    """:func:`partner_input` of the partners' database at ``url`` (SQLite or PostgreSQL).

    Raises
    ------
    ConfigError
        A SQLite file that does not exist, or a database without the partners' tables.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from omradesbild.partners.db import make_engine, session_factory

    engine = make_engine(url)  # a ConfigError names a URL it cannot read
    where = engine.url.render_as_string(hide_password=True)
    try:
        db_file = engine.url.database or ":memory:"
        sqlite = engine.url.get_backend_name() == "sqlite"
        if sqlite and db_file != ":memory:" and not Path(db_file).is_file():
            raise ConfigError(both("err_svc_partners_no_file", path=db_file))
        with session_factory(engine)() as db:
            return partner_input(db)
    except SQLAlchemyError as exc:
        raise ConfigError(
            both("err_svc_partners_unreadable", url=where, error=type(exc).__name__)
        ) from exc
    finally:
        engine.dispose()
