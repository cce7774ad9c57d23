"""``omradesbild report``: build the static, offline report site."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from omradesbild.cli.common import DbOption, DisclosureThreshold, Kommun, Version, open_store
from omradesbild.config import (
    AREA_TYPE_METHOD,
    DEFAULT_LEVEL,
    DISCLOSURE_THRESHOLD,
    REPORT_UNCERTAINTY_DRAWS,
)

#: Without ``--pdf``/``--no-pdf``, PDFs are written when there are at most this many profiles.
PDF_AUTO_MAX = 50


def report(
    level: Annotated[
        str, typer.Option(help="Area level of the profiles: regso, deso, district …")
    ] = DEFAULT_LEVEL,
    version: Version = None,
    period: Annotated[
        str | None, typer.Option("--period", "-p", help="Year (default: latest with the index).")
    ] = None,
    lang: Annotated[str, typer.Option(help="Language: sv (default) or en.")] = "sv",
    out: Annotated[Path, typer.Option(help="Output folder of the site.")] = Path("rapport"),
    method: Annotated[str, typer.Option(help="Index method id or YAML file.")] = AREA_TYPE_METHOD,
    threshold: DisclosureThreshold = DISCLOSURE_THRESHOLD,
    areas: Annotated[
        list[str] | None, typer.Option("--areas", help="Only these area codes get a profile.")
    ] = None,
    kommun: Kommun = None,
    draws: Annotated[
        int, typer.Option(help="Monte-Carlo draws for the rank intervals.")
    ] = REPORT_UNCERTAINTY_DRAWS,
    pdf: Annotated[
        bool | None,
        typer.Option(
            "--pdf/--no-pdf",
            help="Also write each profile as an A4 PDF (profiles/<code>.pdf). "
            f"Default: on for up to {PDF_AUTO_MAX} profiles when the pdf extra is installed.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Build the report site: overview (index.html) and one profile per area, offline."""
    from omradesbild._compat import has_optional_dependency, import_optional_dependency
    from omradesbild.reports.profile import load_site_data
    from omradesbild.reports.site import build_site

    if pdf:
        import_optional_dependency("weasyprint", purpose="--pdf (PDF profiles)")

    with open_store(db, read_only=True) as store:
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
        res = build_site(store, out, data=data)
    typer.echo(
        f"{len(res.profiles)} områdesprofiler och översikt skrivna till {res.out} "
        f"({res.seconds:.1f} s; översikt {res.overview_mb:.2f} MB) – öppna {res.index}"
    )
    if pdf is None:
        pdf = len(data.profile_codes) <= PDF_AUTO_MAX and has_optional_dependency("weasyprint")
    if pdf:
        from omradesbild.reports.pdf import build_pdfs, link_pdfs

        profiles = res.out / "profiles"
        pres = build_pdfs(data, profiles)
        link_pdfs(profiles, data.profile_codes, lang=data.lang)
        typer.echo(
            f"{len(pres.paths)} PDF-profiler (A4) skrivna till {profiles} "
            f"({pres.seconds:.1f} s, {pres.seconds_per_pdf:.2f} s per PDF)"
        )
