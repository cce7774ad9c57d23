"""The Police's list placed on the areas of one level (see :class:`PoliceData`)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from omradesbild.config import BASE_VERSION, POLICE_SHARE_THRESHOLD
from omradesbild.services.cache import store_cached
from omradesbild.services.followup.police_known import NOT_DRAWN, DrawnAreas
from omradesbild.services.records import records_by_area
from omradesbild.store import Store
from omradesbild.wording import Message

if TYPE_CHECKING:
    from omradesbild.services.followup.police_finish import Overlaid, Placement

#: The notes of the placement that every area's police history needs: the stand-in a year
#: was placed by (a list without borders, through the codes it names) and the population
#: the shares are weighed by (another year's, or none: surface shares). The other notes
#: count areas or polygons of what was placed (the whole level on the web, one kommun in a
#: report) or speak of the analysis' flags and area types: they are ``followup police``'s.
HISTORY_NOTES = frozenset(
    {
        "note_police_links_any",
        "note_police_links_share",
        "note_police_population_from",
        "note_police_no_population",
    }
)


@dataclass(frozen=True)
class PoliceData:
    """The Police's list placed on the areas of a level, by the rule of ``followup police``.

    An area is listed in a year when the share of its residents inside that year's police
    polygons is at least :data:`~omradesbild.config.POLICE_SHARE_THRESHOLD` (surface share
    where no population is stored); for a list without polygons (2025), when the share of
    its residents linked to the listed codes is (:func:`~omradesbild.followup.police.
    police_shares_from_links`).
    """

    listed: pd.DataFrame  # LISTED_COLUMNS + basis
    overlay: pd.DataFrame  # OVERLAY_COLUMNS (no names)
    years: list[str]
    known: frozenset[str]
    threshold: float = POLICE_SHARE_THRESHOLD
    #: The stand-ins every area's history is placed by (:data:`HISTORY_NOTES`), as catalogue
    #: messages.
    notes: tuple[str, ...] = ()
    #: Per police year, the known areas that year cannot decide (shown as not known).
    unknown: dict[str, frozenset[str]] = field(default_factory=dict)
    #: Stored police years that cannot be placed on the level at all (no polygons under
    #: it and no links from the list's codes to it): not known for every area.
    unplaced: tuple[str, ...] = ()
    #: The areas whose shares in the polygon years rest on DeSO polygons drawn from their
    #: successors': their history names that stand-in (:func:`drawn_note`).
    drawn: DrawnAreas = NOT_DRAWN

    def drawn_note(self, code: str) -> Message | None:
        """The stand-in of ``code``'s shares when it rests on drawn DeSO polygons (a catalogue
        message), else None."""
        if code not in self.drawn.areas:
            return None
        return Message("note_police_drawn_area", base=_deso_version(BASE_VERSION),
                       versions=", ".join(map(_deso_version, self.drawn.versions)))  # fmt: skip

    @property
    def stored_years(self) -> list[str]:
        """Every stored police year: the placed ones and :attr:`unplaced`, in order."""
        from omradesbild.followup._common import sort_periods

        return list(sort_periods({*self.years, *self.unplaced}))

    def by_area(self) -> dict[str, list[dict[str, Any]]]:
        return records_by_area(self.listed)


def _deso_version(version: str) -> str:
    """A DeSO version as a text names it: ``deso2025`` -> "DeSO 2025"."""
    m = re.fullmatch(r"deso(\d{4})", version)
    return f"DeSO {m.group(1)}" if m else version


def no_police(unplaced: tuple[str, ...] = ()) -> PoliceData:
    """No police data on the level: nothing stored, or the stored years ``unplaced`` none of
    which can be placed on it."""
    cols = ["area_code", "period", "police_code", "category", "share", "on_list", "basis"]
    return PoliceData(listed=pd.DataFrame(columns=cols), overlay=pd.DataFrame(), years=[],
                      known=frozenset(), unplaced=unplaced)  # fmt: skip


@store_cached
def police_data(store: Store, *, level: str, version: str, period: str) -> PoliceData:
    """Every stored police year placed on ``level`` by the rule of
    :func:`omradesbild.services.followup.police_analysis` (population of ``period``).

    The latest police year that can be placed is analysed (it includes every earlier one);
    the stored years it cannot place are kept as :attr:`PoliceData.unplaced`.
    """
    return placed_police(store, level=level, version=version, period=period)


def placed_police(
    store: Store,
    *,
    level: str,
    version: str,
    period: str,
    area_types: pd.DataFrame | None = None,
    areas: Collection[str] | None = None,
) -> PoliceData:
    """:func:`police_data`, not kept; ``area_types`` is the index of SCB's area types in
    ``period`` already computed on the level (see :func:`~omradesbild.services.followup.
    police_analysis`).

    With ``areas`` (codes of the level, e.g. one kommun's) only those areas' rows are given
    (:func:`~omradesbild.services.followup.police.place_police`): their rows, and whether
    each is known, equal those of the whole level's :func:`police_data`, and so do the
    placed and unplaced years, and the notes (:data:`HISTORY_NOTES`, which do not count
    areas). With ``area_types`` too, every area's placement is kept between commands and
    finished for ``areas`` (:func:`_finished`), else ``areas`` and the areas sharing a
    police area with them are placed.
    """
    from omradesbild.followup._common import sort_periods
    from omradesbild.services.followup._common import POLICE_SCHEME

    cls = store.classifications(scheme=POLICE_SCHEME)
    if cls.empty:
        return no_police()
    stored = [str(y) for y in sort_periods(cls["period"].astype(str).unique())]
    if areas is not None and area_types is not None:
        pa = _finished(store, stored, level=level, version=version, period=period,
                       area_types=area_types, areas=areas)  # fmt: skip
    else:
        from omradesbild.services.followup.police import latest_placed

        pa = latest_placed(
            store, stored, level=level, period=period, version=version, area_types=area_types,
            areas=areas,
        )  # fmt: skip
    if pa is None:
        return no_police(unplaced=tuple(stored))
    basis = pa.overlay.groupby(["area_code", "period"])["basis"].first().reset_index()
    listed = pa.listed.merge(basis, on=["area_code", "period"], how="left")
    known = set(pa.analysed) | set(listed["area_code"].astype(str))
    years = [str(y) for y in pa.police_years]
    return PoliceData(
        listed=listed,
        overlay=pa.overlay,
        years=years,
        known=frozenset(known),
        notes=tuple(n for n in pa.notes if getattr(n, "key", None) in HISTORY_NOTES),
        unknown=dict(pa.unknown),
        unplaced=tuple(y for y in stored if y not in years),
        drawn=pa.drawn,
    )


def _finished(
    store: Store,
    stored: list[str],
    *,
    level: str,
    version: str,
    period: str,
    area_types: pd.DataFrame,
    areas: Collection[str],
) -> Placement | None:
    """:func:`~omradesbild.services.followup.police.latest_placed` of ``areas`` with the
    area types ``area_types``: every analysed area's placement
    (:func:`~omradesbild.services.followup.police.latest_overlaid`, kept between commands
    per store content and the arguments that name it,
    :func:`~omradesbild.services.disk_cache.kept`) finished for ``areas``. A command that
    finds it kept reads no polygon and imports no geometry library."""
    from omradesbild.services.disk_cache import kept
    from omradesbild.services.followup.police_finish import finish

    # what the placement reads of the area types: each area's class, and the stand-ins
    types = area_types[["area_code", "period", "class"]]
    fallbacks = dict(area_types.attrs.get("fallbacks") or {})
    args = {"store": store, "level": level, "version": version, "period": period,
            "years": tuple(stored), "threshold": POLICE_SHARE_THRESHOLD,
            "area_types": types, "fallbacks": fallbacks}  # fmt: skip

    def compute() -> Overlaid | None:
        from omradesbild.services.followup.police import latest_overlaid

        return latest_overlaid(
            store, stored, level=level, period=period, version=version, area_types=area_types
        )

    ov: Overlaid | None = kept(f"{__name__}.level_overlaid", args, compute)
    if ov is None:
        return None
    return finish(
        store, ov, store.links(), shown=frozenset(str(a) for a in areas),
        threshold=POLICE_SHARE_THRESHOLD, area_types=area_types,
    )  # fmt: skip
