"""What every reader returns: observations in long form, areas, links, and their source.

Readers are pure parsers: they read one file (or one recorded/live response) and return these
objects; they never touch the store. :mod:`omradesbild.store` writes them transactionally.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

import pandas as pd

from omradesbild.errors import InputError
from omradesbild.wording import Message

#: Columns of an observations frame, in order.
OBS_COLUMNS: tuple[str, ...] = (
    "area_code",  # e.g. "0114C1010"
    "area_version",  # boundary version, e.g. "deso2018"
    "variable",  # catalogue id, e.g. "pop_total"
    "period",  # "2022" (year); other forms allowed, e.g. "2022-06"
    "value",  # float; NaN when missing
    "unit",  # e.g. "antal", "procent", "tkr"
    "missing_reason",  # None, or why value is missing (e.g. "..: uppgift saknas")
)

#: Columns of an areas frame (geometry optional, WKB in EPSG:3006).
AREA_COLUMNS: tuple[str, ...] = (
    "area_code",
    "level",  # see omradesbild.areas.LEVELS
    "version",
    "name",
    "parent_code",
    "parent_level",
    "parent_version",
    "geometry",  # bytes (WKB, EPSG:3006) or None
    "attributes",  # JSON text with the layer's other attributes, or None
)

#: Columns of a links (crosswalk) frame.
LINK_COLUMNS: tuple[str, ...] = (
    "from_code",
    "from_level",
    "from_version",
    "to_code",
    "to_level",
    "to_version",
    "weight",  # share of the "from" area allocated to "to" (1.0 for nesting keys)
    "method",  # "scb_key", "code_rule", "areal", "population" …
)

#: Columns of a variables frame: the catalogue entry a source gives for each variable.
VARIABLE_COLUMNS: tuple[str, ...] = (
    "variable",
    "label",  # Swedish label as in the source, e.g. "förgymnasial utbildning"
    "unit",
    "description",  # e.g. population base / reference time, or None
)

#: Columns of a classifications frame (e.g. the Police's categories per area and year).
CLASSIFICATION_COLUMNS: tuple[str, ...] = (
    "area_code",
    "level",
    "version",
    "scheme",  # e.g. "police_uso"
    "period",  # e.g. "2023"
    "category",  # e.g. "sarskilt_utsatt", "utsatt", "risk"
    "attributes",  # JSON text or None
)

#: SCB's markers for values that are not available, and what they mean.
SCB_MISSING_MARKERS: dict[str, str] = {
    "..": "..: uppgift inte tillgänglig eller för osäker för att anges",
    ".": ".: uppgift kan inte förekomma",
    "-": "-: inget finns att redovisa (värdet är noll eller avrundat till noll)",
    "…": "..: uppgift inte tillgänglig eller för osäker för att anges",
}


#: Licence codes stored with a source whose licence has no id of its own (a licence that
#: has one, ``CC0 1.0``, is stored as that id): language-neutral, worded in each language
#: by :func:`omradesbild.wording.licence_label`.
LICENCE_OPEN_DATA = "open-data"  # open data under the publisher's terms
LICENCE_PUBLISHER_TERMS = "publisher-terms"  # the publisher's terms, not known to be open
LICENCE_PUBLIC_RECORD = "public-record"  # a public record (offentlig handling)


@dataclass(frozen=True)
class SourceMeta:
    """Provenance of one ingested file or response.

    ``source_id`` is derived from the checksum, so ingesting the same bytes twice maps to the
    same source row.
    """

    publisher: str
    table_id: str
    title: str
    reference: str
    checksum: str
    licence: str = "CC0 1.0"
    retrieved_at: datetime | None = None
    notes: str | None = None

    @property
    def source_id(self) -> str:
        return f"{self.publisher.lower()}:{self.table_id}:{self.checksum[:16]}"

    @classmethod
    def of_file(
        cls,
        path: Path,
        *,
        table_id: str,
        title: str,
        notes: str | None = None,
        publisher: str = "SCB",
        licence: str = "CC0 1.0",
        reference: str | None = None,
    ) -> SourceMeta:
        """Provenance of a file read now: its checksum, and its name as ``reference``."""
        return cls(
            publisher=publisher,
            table_id=table_id,
            title=title,
            reference=path.name if reference is None else reference,
            checksum=file_checksum(path),
            licence=licence,
            retrieved_at=now_utc(),
            notes=notes,
        )


@dataclass
class Observations:
    """Observations parsed from one source, with :data:`OBS_COLUMNS`."""

    source: SourceMeta
    data: pd.DataFrame
    variables: pd.DataFrame = field(default_factory=lambda: empty_frame(VARIABLE_COLUMNS))


@dataclass
class Areas:
    """Areas (and optionally links) parsed from one source."""

    source: SourceMeta
    areas: pd.DataFrame
    links: pd.DataFrame = field(default_factory=lambda: empty_frame(LINK_COLUMNS))
    classifications: pd.DataFrame = field(
        default_factory=lambda: empty_frame(CLASSIFICATION_COLUMNS)
    )

    @classmethod
    def of_links(
        cls,
        links: pd.DataFrame,
        *,
        publisher: str,
        table_id: str,
        title: str,
        reference: str,
        notes: str | None = None,
    ) -> Areas:
        """Computed links (no areas) whose provenance checksum is that of the links as CSV."""
        source = SourceMeta(
            publisher=publisher,
            table_id=table_id,
            title=title,
            reference=reference,
            checksum=bytes_checksum(links.to_csv(index=False).encode()),
            notes=notes,
        )
        return cls(source=source, areas=empty_frame(AREA_COLUMNS), links=links)


def empty_frame(columns: tuple[str, ...]) -> pd.DataFrame:
    """An empty frame with the given columns."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def file_checksum(path: str | Path) -> str:
    """SHA-256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def bytes_checksum(data: bytes) -> str:
    """SHA-256 hex digest of bytes."""
    return hashlib.sha256(data).hexdigest()


def read_csv_rows(p: Path, *, expected: Message) -> list[list[str]]:
    """The rows of a CSV file (UTF-8, optionally with BOM), for a reader's own checks.

    ``expected`` says what the file should be in the error for text that is not UTF-8.

    Raises
    ------
    InputError
        No such file, text that is not UTF-8, or a CSV the :mod:`csv` module cannot read.
    """
    if not p.is_file():
        raise InputError(
            Message("err_src_file_not_found"), file=p, expected=Message("exp_src_existing_file")
        )
    with csv_errors(p, expected=expected), open(p, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


@contextmanager
def csv_errors(p: Path, *, expected: Message) -> Iterator[None]:
    """Turn a CSV file's text that is not UTF-8 (``expected`` says what the file should
    be) or a CSV the :mod:`csv` module cannot read into an :class:`InputError` naming the
    file."""
    try:
        yield
    except UnicodeDecodeError as exc:
        raise InputError(Message("err_src_not_utf8"), file=p, expected=expected) from exc
    except csv.Error as exc:
        raise InputError(
            Message("err_src_csv_unreadable", error=str(exc)),
            file=p,
            expected=Message("exp_src_csv_file"),
        ) from exc


def data_rows(
    rows: list[list[str]], columns: tuple[str, ...], *, file: Path
) -> Iterator[tuple[int, list[str]]]:
    """The rows after the header as ``(row number, stripped fields)``, blank rows skipped.

    Raises
    ------
    InputError
        A row whose number of fields is not the number of ``columns``.
    """
    for i, raw in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        if len(raw) != len(columns):
            raise InputError(
                Message("err_src_n_columns", n=len(raw)),
                file=file,
                row=i,
                expected=Message("exp_src_n_columns", n=len(columns)),
            )
        yield i, [c.strip() for c in raw]


def now_utc() -> datetime:
    """The current time in UTC (one place, so tests can reason about it)."""
    return datetime.now(UTC)


class Closable:
    """A resource used as a context manager: ``with Thing(...) as t:`` closes it at the end."""

    def close(self) -> None:
        """Release the resource (subclasses override)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
