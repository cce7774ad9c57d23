"""The forms of the notes an indicator row carries, each defined once.

The computation writes each row's ``note`` in English (the canonical text: code reads it
back, e.g. :func:`omradesbild.indicators.counts.denominator_periods`), as parts joined with
``"; "``. Every part it can write is one :class:`NoteForm` below: the English template
(with ``{fields}``), the wording catalogue's key of the same note, and how to recognise
it again. :func:`omradesbild.wording.note_text` words a note in a language by these forms.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

#: What a number field of a note matches (``f"{v:g}"`` or a whole number).
NUMBER = r"-?\d+(?:\.\d+)?(?:e[-+]\d+)?"

#: What any other field matches: text without the separator of joined notes.
_ANY = r"[^;]+?"


@dataclass(frozen=True)
class NoteForm:
    """One kind of note part.

    Attributes
    ----------
    key
        The wording catalogue's key of the note (``en.yaml`` holds ``template`` itself).
    template
        The English text with ``{field}`` placeholders, as the computation writes it.
    numbers
        The fields that are numbers (written with a decimal comma in Swedish).
    fields
        A regular expression for a field other than a number (default: any text without
        ``;``).
    """

    key: str
    template: str
    numbers: tuple[str, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)

    def text(self, **values: object) -> str:
        """The note with its fields filled in."""
        return self.template.format(**values)

    def fill(self, **columns: npt.NDArray[Any]) -> npt.NDArray[np.object_]:
        """The note for each row of equally long text columns (one per field)."""
        out: npt.NDArray[np.object_] | None = None
        n = len(next(iter(columns.values()))) if columns else 0
        for literal, name, _, _ in string.Formatter().parse(self.template):
            piece = np.full(n, literal, dtype=object)
            if name:
                piece = piece + np.asarray(columns[name], dtype=object)
            out = piece if out is None else out + piece
        return np.full(n, self.template, dtype=object) if out is None else out

    @cached_property
    def regex(self) -> str:
        """The note as a regular expression (unanchored), each field a named group."""
        regex = ""
        for literal, name, _, _ in string.Formatter().parse(self.template):
            regex += re.escape(literal)
            if name:
                inner = NUMBER if name in self.numbers else self.fields.get(name, _ANY)
                regex += f"(?P<{name}>{inner})"
        return regex

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """The whole note part, each field a named group."""
        return re.compile(f"^{self.regex}$")


#: A row whose denominator comes from another period (``denominator_period: nearest``);
#: a period has no spaces, nor the semicolon that separates joined notes.
DENOMINATOR_FROM = NoteForm(
    "note_ind_denominator_from", "denominator from {period}", fields={"period": r"[^\s;]+"}
)
#: A missing numerator or denominator without a reason from the source.
NUMERATOR_NO_DATA = NoteForm("note_ind_numerator_no_data", "numerator missing (no data)")
DENOMINATOR_NO_DATA = NoteForm("note_ind_denominator_no_data", "denominator missing (no data)")
#: A missing numerator or denominator with the source's reason (e.g. ``..: uppgift saknas``).
NUMERATOR_MISSING = NoteForm(
    "note_ind_numerator_missing", "numerator missing ({reason})", fields={"reason": r"[^;]+"}
)
DENOMINATOR_MISSING = NoteForm(
    "note_ind_denominator_missing", "denominator missing ({reason})", fields={"reason": r"[^;]+"}
)
#: An aggregate some of whose expected areas have no row.
AREAS_WITHOUT_DATA = NoteForm(
    "note_ind_areas_without_data",
    "{missing} of {expected} areas without data",
    numbers=("missing", "expected"),
)
#: An aggregate some of whose areas lack the numerator or the denominator.
NUMERATOR_MISSING_IN = NoteForm(
    "note_ind_numerator_missing_in",
    "numerator missing in {missing} of {areas} areas",
    numbers=("missing", "areas"),
)
DENOMINATOR_MISSING_IN = NoteForm(
    "note_ind_denominator_missing_in",
    "denominator missing in {missing} of {areas} areas",
    numbers=("missing", "areas"),
)
#: A zero denominator, and one below the indicator's limit of reliability.
DENOMINATOR_ZERO = NoteForm("note_ind_denominator_zero", "denominator is zero")
DENOMINATOR_BELOW = NoteForm(
    "note_ind_denominator_below", "denominator {n} below {limit}", numbers=("n", "limit")
)
#: A rate of fewer events than the reliability rule's least number (crime rates: offences).
EVENTS_BELOW = NoteForm("note_ind_events_below", "events {n} below {limit}", numbers=("n", "limit"))
#: A median of an aggregate: the members' medians weighted by their denominators.
AGGREGATED_MEDIAN = NoteForm(
    "note_ind_aggregated_median", "weighted mean of area medians, not a true median"
)

#: Every note part the computation writes (a note is these joined with ``"; "``).
NOTE_FORMS: tuple[NoteForm, ...] = (
    DENOMINATOR_FROM,
    NUMERATOR_NO_DATA,
    DENOMINATOR_NO_DATA,
    NUMERATOR_MISSING,
    DENOMINATOR_MISSING,
    AREAS_WITHOUT_DATA,
    NUMERATOR_MISSING_IN,
    DENOMINATOR_MISSING_IN,
    DENOMINATOR_ZERO,
    DENOMINATOR_BELOW,
    EVENTS_BELOW,
    AGGREGATED_MEDIAN,
)

#: The separator of a row's note parts.
NOTE_SEPARATOR = "; "


def note_parts(note: str) -> list[str]:
    """The parts of a joined note."""
    return note.split(NOTE_SEPARATOR)


def match_note(part: str) -> tuple[NoteForm, dict[str, str]] | None:
    """The form a note part has and its fields; ``None`` for a part of no known form."""
    for form in NOTE_FORMS:
        m = form.pattern.match(part)
        if m is not None:
            return form, m.groupdict()
    return None
