"""The area profile as an A4 PDF (WeasyPrint), fit to print and fully offline.

The PDF holds the content of the HTML profile page in print form: a header with the area's
name, code, level and period (and the SYNTHETIC label when the store holds synthetic data),
a small map of the area in its city, the key figures versus kommun and country with 95 %
intervals and reliability flags (table and dot-and-whisker chart), trends, area-type
history, the Police's classification over the years, the partners' section, rank with its
90 % interval, what drives the index, data sources and method versions, and the disclosure
rule.

Every chart is inline SVG drawn here from the same numbers as the site (no Plotly, no
kaleido, no browser); the map is drawn from the simplified display geometry of
:class:`~omradesbild.services.city.CityData` (EPSG:4326, projected with an
equirectangular projection around the city's mean latitude). WeasyPrint is given a URL
fetcher that refuses every URL except ``data:`` ones, so nothing is loaded from the network
or from disk; fonts are the system's (DejaVu Sans when installed).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from omradesbild.reports.profile_figures import percent_indicators
from omradesbild.reports.site import Partners, _Context, _env
from omradesbild.reports.svg import (
    CityMap,
    svg_bars,
    svg_dots,
    svg_rank,
    svg_trend,
    svg_types,
)
from omradesbild.services.city import CityData
from omradesbild.services.models import AreaProfile
from omradesbild.wording import text


def _css(s: str) -> Any:
    """``s`` as a quoted CSS string, safe inside <style> (no HTML escaping applies there)."""
    from markupsafe import Markup

    body = "".join(c if c.isalnum() or c in " .,:;()–-_/%·" else f"\\{ord(c):x} " for c in s)
    return Markup(f'"{body}"')


# ---------------------------------------------------------------------------- the document
class PdfProfiles:
    """The print profiles of one report's data, one area at a time (:func:`build_pdfs`
    writes many).

    The site's shared lookups, the template and the projected city maps (one per kommun) are
    made once and serve every profile asked of the same object.

    Parameters
    ----------
    data
        The report's data (:func:`~omradesbild.services.city.load_city`).
    lang
        ``"sv"`` or ``"en"``; default the language ``data`` was loaded in.
    partners
        The partners' approved public input and interventions, or a hook (as for
        :func:`~omradesbild.reports.site.build_site`).
    """

    def __init__(
        self, data: CityData, lang: str | None = None, *, partners: Partners | None = None
    ) -> None:
        from omradesbild.wording import check_lang

        self.ctx = _Context(data, check_lang(lang) if lang else None)
        self.partners = partners
        self._features = {str(f["id"]): f for f in (data.geojson or {}).get("features", [])}
        self._maps: dict[str, CityMap] = {}
        self._template: Any = None

    def template(self) -> Any:
        """The PDF profile's template, loaded once for every PDF of this object (not an
        environment and a compilation per PDF)."""
        if self._template is None:
            self._template = _env(self.ctx.lang).get_template("profile_pdf.html")
        return self._template

    def city_map(self, kommun: str | None) -> CityMap:
        """The projected map of the areas of ``kommun``, made once per kommun."""
        key = str(kommun)
        if key not in self._maps:
            codes = self.ctx.city_codes(kommun)
            feats = [self._features[c] for c in codes if c in self._features]
            self._maps[key] = CityMap.from_features(feats)
        return self._maps[key]

    def html(self, area_code: str) -> str:
        """The print HTML of the profile of ``area_code`` (an area in ``data.areas``): what
        :meth:`write` lays out."""
        return _profile_html(self, str(area_code))

    def write(self, area_code: str, out: Path) -> Path:
        """Write the profile of ``area_code`` as an A4 PDF to ``out``, a ``.pdf`` file or a
        folder (then ``<out>/<area_code>.pdf``); returns the PDF written."""
        code, out = str(area_code), Path(out)
        if out.suffix.lower() != ".pdf":
            out = out / f"{code}.pdf"
        out.parent.mkdir(parents=True, exist_ok=True)
        render_pdf(self.html(code)).write_pdf(out)
        return out


def _dots(p: AreaProfile, lang: str) -> str:
    dots = percent_indicators(p)
    return svg_dots(dots, lang=lang) if dots else ""


def _sources(ctx: _Context) -> list[dict[str, str]]:
    """The site's source list folded to one row per publisher and licence (print size)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for src in ctx.sources:
        groups.setdefault((src["publisher"], src["licence"]), []).append(src["table"])
    return [
        {"publisher": pub, "licence": lic, "tables": ", ".join(tables)}
        for (pub, lic), tables in groups.items()
    ]


def _trends(p: AreaProfile, lang: str) -> list[dict[str, str]]:
    out = []
    for srs in p.series().values():
        if len(srs) < 2:
            continue
        unit, title = srs[0].unit, srs[0].label
        out.append(
            {
                "title": title,
                "unit": "" if not unit or unit in title else unit,
                "svg": svg_trend(
                    [v.period for v in srs],
                    [v.value for v in srs],
                    [v.ci_low for v in srs],
                    [v.ci_high for v in srs],
                    [v.kommun for v in srs],
                    [v.country for v in srs],
                    lang=lang,
                ),
            }
        )
    return out


def _charts(pc: PdfProfiles, p: AreaProfile) -> dict[str, Any]:
    """The inline SVG charts of one profile."""
    ctx, lang = pc.ctx, pc.ctx.lang
    map_svg = ""
    if p.code in ctx.has_geo:
        cm = pc.city_map(p.kommun)
        map_svg = cm.svg({c: ctx.score_of(c) for c in cm.paths}, p.code)
    th = p.type_history
    r = p.rank
    return {
        "map_svg": map_svg,
        "dots_svg": _dots(p, lang),
        "types_svg": (
            svg_types([x.period for x in th], [x.cls for x in th])
            if any(x.cls is not None for x in th)
            else ""
        ),
        "rank_svg": svg_rank(r.rank, r.low, r.high, r.n) if r is not None else "",
        "drivers_svg": (
            svg_bars([x.label for x in p.drivers], [x.contribution for x in p.drivers], lang=lang)
            if p.drivers
            else ""
        ),
        "trends": _trends(p, lang),
    }


def _profile_html(pc: PdfProfiles, area_code: str) -> str:
    """:meth:`PdfProfiles.html`."""
    ctx = pc.ctx
    d, t = ctx.d, ctx.t
    p = ctx.profile(area_code, pc.partners)
    code = p.code
    tpl = pc.template()
    return str(
        tpl.render(
            lang=ctx.lang,
            css={
                "top_left": _css(f"{t('site_title')} · {t('profile_title')}"),
                "top_right": _css(code if p.name == code else f"{p.name} ({code})"),
                "synthetic": _css(t("synthetic_short")),
                "generated": _css(ctx.generated),
                "page": _css(t("page")),
                "of": _css(t("of")),
            },
            title=f"{p.name} ({code})",
            p=p,
            code=code,
            name=p.name,
            kommun=p.kommun,
            level_label=t.level(d.level),
            version=d.version,
            period=d.period,
            synthetic=d.synthetic,
            geometry_dissolved=d.geometry_dissolved,
            sources=_sources(ctx),
            method_info=ctx.method_info,
            rule=ctx.rule,
            generated=ctx.generated,
            **_charts(pc, p),
        )
    )


# --------------------------------------------------------------------------- WeasyPrint glue
def _weasyprint() -> Any:
    from omradesbild._compat import import_optional_dependency
    from omradesbild.wording import Message

    return import_optional_dependency("weasyprint", purpose=Message("err_svc_purpose_pdf"))


def offline_fetcher() -> Any:
    """A WeasyPrint URL fetcher that refuses every URL except inline ``data:`` ones.

    Refused URLs are recorded in its ``refused`` list (and WeasyPrint leaves the resource
    out), so nothing is ever loaded from the network or from disk.
    """
    wp = _weasyprint()

    class OfflineFetcher(wp.urls.URLFetcher):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data",))
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith("data:"):
                self.refused.append(url)
                raise ValueError(f"offline PDF: refusing to fetch {url}")
            return super().fetch(url, headers)

    return OfflineFetcher()


def render_pdf(html: str) -> Any:
    """Lay out print HTML with WeasyPrint, offline; returns the ``weasyprint.Document``.

    ``document.pages`` gives the page count; ``document.write_pdf(path)`` writes the file.
    The fetcher (with its ``refused`` list) is kept as ``document.offline_fetcher``.
    """
    wp = _weasyprint()
    fetcher = offline_fetcher()
    doc = wp.HTML(string=html, base_url=None, url_fetcher=fetcher).render()
    doc.offline_fetcher = fetcher
    return doc


@dataclass
class PdfResult:
    """What :func:`build_pdfs` wrote."""

    paths: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def seconds_per_pdf(self) -> float:
        """Mean time per PDF."""
        return self.seconds / max(len(self.paths), 1)


def build_pdfs(
    data: CityData,
    out_dir: Path,
    *,
    areas: Sequence[str] | None = None,
    lang: str | None = None,
    partners: Partners | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PdfResult:
    """Write ``<out_dir>/<area_code>.pdf`` for several areas (default: every profile).

    The lookups and the projected city maps are computed once and shared by every PDF;
    ``progress`` is called with ``(PDFs written, PDFs in all)`` after each.
    """
    t0 = time.perf_counter()
    profiles = PdfProfiles(data, lang, partners=partners)
    codes = list(areas) if areas is not None else list(data.profile_codes)
    res = PdfResult()
    for code in codes:
        res.paths.append(profiles.write(code, Path(out_dir) / f"{code}.pdf"))
        if progress is not None:
            progress(len(res.paths), len(codes))
    res.seconds = time.perf_counter() - t0
    return res


#: Marker in the HTML profile template replaced by the link to the PDF.
PDF_LINK_MARKER = "<!--pdf-link-->"


def link_pdfs(profiles_dir: Path, codes: Sequence[str], *, lang: str = "sv") -> int:
    """Put a link to ``<code>.pdf`` into each ``<code>.html`` that has a PDF beside it.

    Returns the number of pages linked.
    """
    label = text("print_pdf", lang)
    n = 0
    for code in codes:
        html, pdf = profiles_dir / f"{code}.html", profiles_dir / f"{code}.pdf"
        if not (html.exists() and pdf.exists()):
            continue
        page = html.read_text(encoding="utf-8")
        if PDF_LINK_MARKER not in page:
            continue
        link = f' · <a class="pdf-link" href="{escape(pdf.name)}">{escape(label)}</a>'
        html.write_text(page.replace(PDF_LINK_MARKER, link, 1), encoding="utf-8")
        n += 1
    return n


__all__ = [
    "CityMap",
    "PdfProfiles",
    "PdfResult",
    "build_pdfs",
    "link_pdfs",
    "offline_fetcher",
    "render_pdf",
    "svg_bars",
    "svg_dots",
    "svg_rank",
    "svg_trend",
    "svg_types",
]
