"""``omradesbild ingest …``: read source files into the store.

Each command is transactional: the files named are read and written one at a time, all in
one transaction — all or nothing. Running a command again on the same files changes nothing; a
changed value is added as a new revision and the old one is kept.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from omradesbild.cli.common import DbOption, command_group, open_store, with_parameters
from omradesbild.cli.progress import Quiet, progress
from omradesbild.config import INGEST_POOL_MIN_BYTES
from omradesbild.wording import both

if TYPE_CHECKING:
    from omradesbild.store.ingest import Parsed
    from omradesbild.store.store import IngestReport

app = command_group(
    "Read source files into the store (transactional and idempotent). Ingest SCB's "
    "DeSO–RegSO key or boundaries before statistics, so that area codes are known."
)

Files = Annotated[list[Path], typer.Argument(help="One or more files.", show_default=False)]

Workers = Annotated[
    int | None,
    typer.Option(
        min=1,
        help="Processes that parse the files while the store is written (default: "
        "OMRADESBILD_INGEST_WORKERS, else the number of CPUs, or 1 for files of less than "
        f"{INGEST_POOL_MIN_BYTES / 1e6:g} MB in all; 1: one file at a time in one process). "
        "The store is the same for any number.",
        show_default=False,
    ),
]


def _ingest(
    db: Path | None,
    files: list[Path],
    parse: Callable[[Path], Parsed],
    kind: str,
    *,
    quiet: bool = False,
    workers: int = 1,
) -> None:
    """Parse and write the files in their order, all in one transaction; report what changed.

    ``workers`` processes parse the files while this one writes (``parse`` must then be
    picklable). On a terminal (and without ``--quiet``) a bar on stderr counts the files
    parsed.
    """
    from omradesbild.store.ingest import ingest_files

    with open_store(db) as store:
        with progress(f"ingest {kind}", total=len(files), quiet=quiet) as tick:
            reports = ingest_files(
                store,
                files,
                parse,
                kind=kind,
                workers=workers,
                on_parsed=lambda n: tick(n, len(files)),
            )
        _report(reports)


def _report(reports: list[IngestReport]) -> None:
    from omradesbild.store.ingest import describe

    for r in reports:
        typer.echo(describe(r))
    if reports and not any(r.changed for r in reports):
        typer.echo(both("cli_nothing_changed"))


@dataclass(frozen=True)
class _Reader:
    """An ingest command that reads every file with one parser and the command's options.

    ``parser`` (``module:function``) is imported when the command runs; each option is
    passed to it by keyword, under its parameter name.
    """

    name: str
    help: str
    parser: str
    options: tuple[inspect.Parameter, ...] = ()


_KEYWORD = inspect.Parameter.KEYWORD_ONLY


def _option(name: str, annotation: object, default: object = None) -> inspect.Parameter:
    """A keyword option of an ingest command (``annotation``: ``Annotated[type, Option]``)."""
    return inspect.Parameter(name, _KEYWORD, default=default, annotation=annotation)


_BOUNDARY_VERSION = "Boundary version of the regions (default: inferred, e.g. deso2018)."
_LEVELS = (
    "deso, regso, kommun, lan, district, police_area or custom "
    "(default: detected for known layers, and from the codes when --version is given)."
)

#: The ingest commands that only parse their files (the others follow the loop below).
READERS: tuple[_Reader, ...] = (
    _Reader(
        "scb-xlsx",
        "SCB Statistikdatabasen xlsx exports (any table, DeSO/RegSO/kommun/län regions).",
        "omradesbild.store.ingest:parse_scb_xlsx",
        (_option("area_version", Annotated[str | None, typer.Option(help=_BOUNDARY_VERSION)]),),
    ),
    _Reader(
        "pxweb",
        "Saved PX-Web API answers (JSON-stat2, v1 plain JSON, CSV or PX), SCB's or a city's.",
        "omradesbild.store.ingest:parse_pxweb_file",
        (
            _option(
                "fmt",
                Annotated[
                    str,
                    typer.Option(
                        "--format",
                        help="json-stat2, json (v1 plain), csv or px (default: by file ending).",
                    ),
                ],
                "auto",
            ),
            _option(
                "area_version",
                Annotated[str | None, typer.Option(help="Boundary version override.")],
            ),
            _option(
                "total_area",
                Annotated[
                    str | None,
                    typer.Option(
                        help="Area of an answer without a region (default: Sweden for SCB)."
                    ),
                ],
            ),
        ),
    ),
    _Reader(
        "px",
        "PX files (PC-Axis / PxWeb, CHARSET ANSI or UTF-8), e.g. saved from a city's PxWeb.",
        "omradesbild.store.ingest:parse_px_file",
        (
            _option(
                "lang",
                Annotated[
                    str | None,
                    typer.Option(
                        help="Language of labels, one of the file's LANGUAGES (default: LANGUAGE)."
                    ),
                ],
            ),
            _option(
                "area_version",
                Annotated[
                    str | None,
                    typer.Option(help="Boundary version of DeSO/RegSO codes without a suffix."),
                ],
            ),
            _option(
                "total_area",
                Annotated[
                    str | None,
                    typer.Option(
                        help="Area of a file without a region variable (default: Sweden for "
                        "SCB's files), e.g. 0180."
                    ),
                ],
            ),
        ),
    ),
    _Reader(
        "table",
        "A long-form CSV: area_code, period, variable, value[, unit, area_version, "
        "missing_reason].",
        "omradesbild.sources.long_csv:read_long_csv",
        (
            _option(
                "area_version",
                Annotated[
                    str | None,
                    typer.Option(
                        help="Boundary version for every row (default: inferred from the codes)."
                    ),
                ],
            ),
            _option(
                "publisher",
                Annotated[str, typer.Option(help="Who published the data.")],
                "Egen källa",
            ),
            _option("title", Annotated[str | None, typer.Option(help="Title of the source.")]),
            _option("licence", Annotated[str | None, typer.Option(help="Licence of the data.")]),
        ),
    ),
    _Reader(
        "boundaries",
        "Boundaries from GeoPackage, GeoJSON or Shapefile in any CRS (stored in EPSG:3006).",
        "omradesbild.store.ingest:parse_boundaries",
        (
            _option("level", Annotated[str | None, typer.Option(help=_LEVELS)]),
            _option(
                "version",
                Annotated[
                    str | None,
                    typer.Option(help="Boundary version, e.g. deso2025 (default: detected)."),
                ],
            ),
            _option(
                "code_field",
                Annotated[str | None, typer.Option(help="Attribute with the area code.")],
            ),
            _option(
                "name_field",
                Annotated[str | None, typer.Option(help="Attribute with the area name.")],
            ),
            _option("layer", Annotated[str | None, typer.Option(help="GeoPackage layer.")]),
            _option(
                "repair",
                Annotated[
                    bool,
                    typer.Option(help="Repair invalid geometries (make_valid) instead of failing."),
                ],
                False,
            ),
        ),
    ),
    _Reader(
        "police-list",
        "The Police's list of utsatta områden (CSV: name, kommun, category, …).",
        "omradesbild.sources.police:read_police_list",
        (_option("year", Annotated[int, typer.Option(help="Year of the list.")], 2025),),
    ),
)


def _register(reader: _Reader) -> None:
    """Add ``reader`` as a command: FILES, its options, ``--db`` and ``--quiet``."""

    def command(
        files: list[Path], db: Path | None, quiet: bool, workers: int | None, **options: object
    ) -> None:
        from omradesbild.store.ingest import ingest_workers

        module, _, name = reader.parser.partition(":")
        parse = getattr(importlib.import_module(module), name)
        _ingest(
            db,
            files,
            partial(parse, **options),
            reader.name,
            quiet=quiet,
            workers=ingest_workers(workers, paths=files),
        )

    params = [
        inspect.Parameter("files", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Files),
        *reader.options,
        _option("db", DbOption),
        _option("quiet", Quiet, False),
        _option("workers", Workers),
    ]
    command.__doc__ = reader.help
    app.command(reader.name)(with_parameters(command, params))


for _reader in READERS:
    _register(_reader)


@app.command("scb-csv")
def scb_csv(
    files: Files,
    allow_unmatched: Annotated[
        bool,
        typer.Option(
            "--allow-unmatched",
            help="Ingest the rows whose RegSO label matches and list the labels that do not "
            "(default: an unmatched label is an error).",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Statistikdatabasen CSV exports keyed by RegSO label "Kommun (RegSO-namn)".

    Region column, dimension columns, one column per year (e.g. "Antal 2020"); UTF-8 with
    BOM, decimal point; SCB's .. . - become missing values with a reason. Every label is
    matched to a RegSO 2020 through the names from SCB's key (ingest it first).
    """
    from omradesbild.services.labelled import ingest_scb_csv

    with open_store(db) as store:
        reports, matches = ingest_scb_csv(store, files, allow_unmatched=allow_unmatched)
    for m in matches:
        typer.echo(m.line())
    _report(reports)


@app.command("scb-key")
def scb_key(files: Files, db: DbOption = None) -> None:
    """SCB's keys and DeSO change log (CSV, told apart by their header).

    The key DeSO 2018 -> RegSO 2020 (kommun, RegSO 2020 and DeSO 2018 areas), the key
    DeSO 2025 -> RegSO 2025 (RegSO 2025 and DeSO 2025 areas) and the change log "Historiska
    förändringar i DeSO" (crosswalks DeSO 2018 <-> 2025 and RegSO 2020 <-> 2025; needs both
    keys, in the store or in the same command). All files are parsed, then written in one
    transaction.
    """
    from omradesbild.services.versions import ingest_scb_keys

    with open_store(db) as store:
        reports, results, removed = ingest_scb_keys(store, files)
    _report(reports)
    for res in results:
        for line in res.lines():
            typer.echo(line)
    if removed:
        typer.echo(both("cli_change_log_replaced", n=removed))


@app.command("police-areas")
def police_areas(
    files: Files,
    year: Annotated[int, typer.Option(help="Year of the classification, e.g. 2023.")],
    db: DbOption = None,
    quiet: Quiet = False,
) -> None:
    """The Police's polygons of utsatta områden (shapefile/GeoPackage) for one year."""
    from omradesbild.sources.police import YEAR_WARNING, read_police_areas

    def parse(p: Path) -> Parsed:
        parsed = read_police_areas(p, year=year)
        for note in (parsed.source.notes or "").split("; "):
            if note.startswith(YEAR_WARNING):
                typer.echo(f"{p}: {note}", err=True)
        return parsed

    _ingest(db, files, parse, "police-areas", quiet=quiet)


@app.command("crime")
def crime(files: Files, db: DbOption = None) -> None:
    """Reported-offence extracts geocoded to DeSO (comma- or semicolon-separated CSV).

    Aggregated to counts per DeSO x year x offence code; reports without a DeSO are counted
    per kommun as "not geocoded". Kommun names are resolved through the kommun areas in the
    store (ingest SCB's key first) or the DeSO codes in the file.
    """
    from omradesbild.services.crime import coverage_lines, ingest_crime
    from omradesbild.store.ingest import kommun_names

    with open_store(db) as store:
        names = kommun_names(store)
        reports, coverage = ingest_crime(store, files, kommun_codes=names or None)
    _report(reports)
    lines = coverage_lines(coverage)
    if lines:
        typer.echo(f"{both('cli_years_left_out')}:")
        for line in lines:
            typer.echo("  " + line)
