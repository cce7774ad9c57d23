"""``omradesbild report``: build the static, offline report site."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from omradesbild._gc import collector_paused
from omradesbild.cli.common import (
    DbOption,
    DisclosureThreshold,
    Kommun,
    Lang,
    Method,
    Version,
    open_store,
)
from omradesbild.cli.progress import Quiet, progress
from omradesbild.config import (
    AREA_TYPE_METHOD,
    DEFAULT_LEVEL,
    DISCLOSURE_THRESHOLD,
    PAGE_UNCERTAINTY_DRAWS,
    REPORT_POOL_MIN_PROFILES,
    REPORT_WORKERS_MAX,
)
from omradesbild.wording import Message, both

if TYPE_CHECKING:
    from omradesbild.reports.site import SiteResult
    from omradesbild.services.city import CityData
    from omradesbild.services.partners import PartnerInput

#: Without ``--pdf``/``--no-pdf``, PDFs are written when there are at most this many profiles.
PDF_AUTO_MAX = 50

Workers = Annotated[
    int | None,
    typer.Option(
        min=1,
        help="Processes that write the profile pages (default: OMRADESBILD_REPORT_WORKERS, "
        f"else the number of CPUs, at most {REPORT_WORKERS_MAX}, or 1 for fewer than "
        f"{REPORT_POOL_MIN_PROFILES} profiles; 1, and on systems other than Linux: every page "
        "in one process). The site is the same for any number.",
        show_default=False,
    ),
]


def area_codes(areas: list[str] | None, more: list[str] | None) -> list[str] | None:
    """The codes of ``--areas A B C`` (click gives the first to the option, the rest as
    arguments), also split at commas and spaces; ``None`` when none are given.

    Raises
    ------
    InputError
        Codes without ``--areas`` before them.
    """
    from omradesbild.errors import InputError

    if more and not areas:
        raise InputError(both("err_unexpected_args", args=" ".join(more)))
    codes = [c for a in [*(areas or []), *(more or [])] for c in a.replace(",", " ").split()]
    return list(dict.fromkeys(codes)) or None


@contextmanager
def _frozen_for_the_collector() -> Iterator[Callable[[], None]]:
    """Exempt the objects alive on entry from the cyclic garbage collector's full passes for
    the block (:func:`gc.freeze`; the function given adds those alive when it is called):
    the modules imported and the computed level live as long as the command, and scanning
    them again at each full pass cost about a tenth of a second of CPU. Every object is
    handed back to the collector on exit (:func:`gc.unfreeze`), so a process that runs the
    command several times keeps no more than it would otherwise. Nothing is done when the
    process has frozen objects of its own."""
    if gc.get_freeze_count():
        yield lambda: None
        return
    gc.freeze()
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()


def _partner_input(url: str | None, store_path: str) -> PartnerInput | None:
    """The partners' input of ``url``, or of the database beside the store if it exists."""
    from omradesbild.config import default_partners_url

    if not url:
        url = default_partners_url(store_path)
        if store_path == ":memory:" or not Path(url.removeprefix("sqlite:///")).is_file():
            return None
    from omradesbild.services.partners import load_partner_input

    return load_partner_input(url)


def report(
    level: Annotated[
        str, typer.Option(help="Area level of the profiles: regso, deso, district …")
    ] = DEFAULT_LEVEL,
    version: Version = None,
    period: Annotated[
        str | None, typer.Option("--period", "-p", help="Year (default: latest with the index).")
    ] = None,
    lang: Lang = "sv",
    out: Annotated[Path, typer.Option(help="Output folder of the site.")] = Path("rapport"),
    method: Method = AREA_TYPE_METHOD,
    threshold: DisclosureThreshold = DISCLOSURE_THRESHOLD,
    areas: Annotated[
        list[str] | None,
        typer.Option(
            "--areas",
            help="Only these area codes get a profile: --areas A B C, --areas A,B or "
            "--areas A --areas B.",
        ),
    ] = None,
    kommun: Kommun = None,
    draws: Annotated[
        int, typer.Option(min=0, help="Monte-Carlo draws for the rank intervals (0 = none).")
    ] = PAGE_UNCERTAINTY_DRAWS,
    pdf: Annotated[
        bool | None,
        typer.Option(
            "--pdf/--no-pdf",
            help="Also write each profile as an A4 PDF (profiles/<code>.pdf). "
            f"Default: on for up to {PDF_AUTO_MAX} profiles when the pdf extra is installed.",
        ),
    ] = None,
    db: DbOption = None,
    partners_url: Annotated[
        str | None,
        typer.Option(
            "--partners-url",
            envvar="OMRADESBILD_PARTNERS_URL",
            help="Partners' database (sqlite:///file.sqlite or postgresql+psycopg://…) whose "
            "approved public observations and interventions the profiles show. Default: the "
            "one 'omradesbild serve' uses beside the store, when it exists.",
        ),
    ] = None,
    no_partners: Annotated[
        bool, typer.Option("--no-partners", help="Leave the partners' input out.")
    ] = False,
    more_areas: Annotated[
        list[str] | None,
        typer.Argument(hidden=True, help="Further codes after --areas.", show_default=False),
    ] = None,
    quiet: Quiet = False,
    workers: Workers = None,
) -> None:
    """Build the report site: overview (index.html) and one profile per area, offline."""
    from omradesbild._compat import has_optional_dependency, import_optional_dependency

    with ExitStack() as stack:
        # Importing the report's libraries (pandas, DuckDB, pydantic's models …) makes some
        # hundreds of thousands of objects that live as long as the process; the collector
        # would pass over them about two hundred times (a full pass among them) meanwhile.
        with collector_paused():
            from omradesbild.reports.profile import load_site_data
            from omradesbild.reports.site import build_site
            from omradesbild.reports.site_workers import report_workers

            # the modules just imported, frozen before the collector resumes
            freeze = stack.enter_context(_frozen_for_the_collector())
        if pdf:
            import_optional_dependency("weasyprint", purpose=Message("err_svc_purpose_pdf_option"))
        areas = area_codes(areas, more_areas)

        t0 = time.perf_counter()
        with open_store(db, read_only=True) as store:
            partners = None if no_partners else _partner_input(partners_url, store.path)
            data = load_site_data(
                store,
                level=level,
                version=version,
                period=period,
                lang=lang,
                method=method,
                threshold=threshold,
                areas=areas,
                kommun=kommun,
                draws=draws,
            )
        freeze()  # the level, kept until the pages are written (and shared by the workers)
        workers = report_workers(workers, profiles=len(data.profile_codes))
        with progress("report", quiet=quiet) as tick:
            res = build_site(data, out, partners=partners, progress=tick, workers=workers)
        _echo_site(res, time.perf_counter() - t0)
        if pdf is None:
            pdf = len(data.profile_codes) <= PDF_AUTO_MAX and has_optional_dependency("weasyprint")
        if pdf:
            _write_pdfs(data, res.out / "profiles", partners, quiet=quiet)


def _echo_site(res: SiteResult, seconds: float) -> None:
    """Say where the site was written, how long it took and how large its overview is."""
    typer.echo(
        both(
            "cli_report_written",
            n=len(res.profiles),
            path=res.out,
            secs=f"{seconds:.1f}",
            mb=f"{res.overview_mb:.2f}",
            index=res.index,
        )
    )


def _write_pdfs(
    data: CityData, profiles: Path, partners: PartnerInput | None, *, quiet: bool
) -> None:
    """Write every profile as an A4 PDF next to its HTML page and link them."""
    from omradesbild.reports.pdf import build_pdfs, link_pdfs

    with progress("PDF", quiet=quiet) as tick:
        pres = build_pdfs(data, profiles, partners=partners, progress=tick)
    link_pdfs(profiles, data.profile_codes, lang=data.lang)
    typer.echo(
        both(
            "cli_pdfs_written",
            n=len(pres.paths),
            path=profiles,
            secs=f"{pres.seconds:.1f}",
            per=f"{pres.seconds_per_pdf:.2f}",
        )
    )
