"""What one report run writes once and reuses on every page, and that the pages stay the
same for it: the sources section, the numbers of the tables, the city's map."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from omradesbild.reports import charts
from omradesbild.wording import Translator, fmt_num


def test_num_filter_writes_what_fmt_num_writes_and_keeps_the_zeros_apart() -> None:
    from omradesbild.reports.site import _num_filter

    for lang in ("sv", "en"):
        num = _num_filter(lang)
        values = [0.0, -0.0, 1234567.891, -0.04, 0.04, 2.25, 2.25, float("nan"), None, 3, "x"]
        for d in (0, 1, 2):
            for v in values + values[::-1]:  # each float again, now from the memo
                assert num(v, d) == fmt_num(v, lang, d), (lang, v, d)
        # 0.0 and -0.0 are one key of a dict, but written apart
        assert [num(0.0), num(-0.0), num(0.0)] == [fmt_num(x, lang) for x in (0.0, -0.0, 0.0)]
        assert num(-0.0) != num(0.0)


def test_the_city_map_made_once_is_the_map_made_per_profile() -> None:
    codes = ["A1", "A2", "A3"]
    city = (codes, [1.0, None, 2.5], ["A1: 1,0", "A2: –", "A3: 2,5"])
    once = charts.city_map(city, score_title="Indexvärde")
    for code in codes:
        per_page = charts.choropleth(
            codes, city[1], hover=city[2], colorbar_title="Indexvärde", highlight=code,
            height=380,
        )  # fmt: skip
        assert charts.outlined(once, code) == per_page
    # outlining another area leaves the shared map as it was
    assert len(once["data"]) == 1


def test_sources_section_is_drawn_once_per_run_and_is_on_every_page(
    demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from omradesbild.reports.site import build_site
    from omradesbild.services.city import load_city
    from omradesbild.store import Store

    asked: Counter[str] = Counter()
    call = Translator.__call__

    def counted(self: Translator, key: str, **fmt: object) -> str:
        asked[key] += 1
        return call(self, key, **fmt)

    with Store(demo_store, read_only=True) as store:
        data = load_city(store, level="regso", draws=0, areas=["9999R001", "9999R002"])
    monkeypatch.setattr(Translator, "__call__", counted)
    build_site(data, tmp_path)
    # the section's heading and column titles: once per run, not once per page
    assert asked["sources_methods"] == 1
    assert asked["publisher"] == 1
    pages = [tmp_path / "index.html", *sorted((tmp_path / "profiles").glob("*.html"))]
    assert len(pages) == 3
    sections = set()
    for page in pages:
        html = page.read_text(encoding="utf-8")
        m = re.search(r'<section id="sources" class="sources">.*?</section>\n</main>', html, re.S)
        assert m is not None, page
        sections.add(m.group(0))
    (section,) = sections
    assert "Datakällor och metodversioner" in section
    assert "<td>SCB</td>" in section and '<dl class="methods">' in section


def test_profiles_read_the_catalogues_words_once_per_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from omradesbild.indicators import catalogue as catalogue_module
    from omradesbild.services import area
    from omradesbild.wording import unit_label

    for lang in ("sv", "en"):
        names, units = area._words(lang)
        expected, cat_units, _ = area.catalogue_names(lang)
        assert names == expected
        assert units == {i: unit_label(u, lang) for i, u in cat_units.items()}
        assert area._words(lang)[0] is names  # kept
    # another catalogue object: read again
    cat = catalogue_module.default_catalogue()
    other = cat.model_copy(update={"indicators": cat.indicators[:1]})
    monkeypatch.setattr(catalogue_module, "default_catalogue", lambda: other)
    monkeypatch.setattr("omradesbild.indicators.default_catalogue", lambda: other)
    assert set(area._words("sv")[0]) == {other.indicators[0].id}


def test_sources_by_table_as_pandas_groups_them() -> None:
    """The sources section's rows are those of a ``groupby(["publisher", "table_id"])``
    taking each table's first title and licence given (missing ones skipped) and its size,
    sorted; tables named ``builtin`` and rows without a publisher or table left out."""
    sources = pd.DataFrame(
        {
            "source_id": ["a", "b", "c", "d", "e", "f", "g", None],
            "publisher": ["SCB", "SCB", "Polisen", "SCB", None, "SCB", "Områdesbild", "SCB"],
            "table_id": ["T2", "T1", "P", "T2", "X", "builtin", "R", "T1"],
            "title": [None, "Tabell 1", "Lista", "Tabell 2", "x", "y", None, "annan"],
            "licence": [None, "CC0", None, "PD", "CC0", "CC0", None, None],
        },
        dtype=pd.StringDtype(na_value=float("nan")),  # as the store gives them
    )
    _check_sources(sources)


def _check_sources(sources: pd.DataFrame) -> None:
    from omradesbild.reports.site import _Context

    class Data:
        pass

    ctx = _Context.__new__(_Context)
    ctx.d = Data()  # type: ignore[assignment]
    ctx.d.sources = sources  # type: ignore[attr-defined]
    ctx.t = Translator("sv")
    s = sources[sources["table_id"] != "builtin"]
    g = (
        s.groupby(["publisher", "table_id"], as_index=False)
        .agg(title=("title", "first"), licence=("licence", "first"), n=("source_id", "size"))
        .sort_values(["publisher", "table_id"])
    )
    expected = [
        {
            "publisher": str(r["publisher"]),
            "table": str(r["table_id"]) + (f" (×{int(r['n'])})" if int(r["n"]) > 1 else ""),
            "title": ctx.t.source_title(str(r["title"])),
            "licence": "" if pd.isna(r["licence"]) else ctx.t.licence(str(r["licence"])),
        }
        for r in g.to_dict("records")
    ]
    assert ctx._sources() == expected
    assert [r["table"] for r in expected] == ["R", "P", "T1 (×2)", "T2 (×2)"]


def test_map_note_on_dissolved_boundaries_without_the_pages_context() -> None:
    """The profile imports the shared pieces once per run (without the page's context): the
    map's note on dissolved boundaries is told by its argument."""
    from omradesbild.reports.site import _env

    env = _env("sv")
    tpl = env.from_string(
        "{% import '_parts.html' as parts %}"
        "{% call parts.map_or_note(True, 'map_missing_area', dissolved) %}MAP{% endcall %}"
    )
    note = Translator("sv")("map_dissolved")
    assert note in tpl.render(dissolved=True)
    assert note not in tpl.render(dissolved=False)
    assert "MAP" in tpl.render(dissolved=False)


def test_an_indicator_row_is_written_as_a_filter_per_cell_would_write_it() -> None:
    """The profile's indicator table: one call for the rows (``headline_rows``) writes
    each cell as the ``num`` filter in the indicator's decimals and ``t`` of its
    reliability, escaped, with a dash for an interval missing either end ('..' for the
    value and interval of a suppressed row), and dims masked and unreliable rows; a row a
    line."""
    from types import SimpleNamespace

    from omradesbild.precision import indicator_decimals
    from omradesbild.reports.site import _env
    from omradesbild.services.models import IndicatorValue

    rows = [
        IndicatorValue(id="median_income", label="Medianinkomst <tkr>", unit="tkr",
                       period="2022", value=1234.56, ci_low=1200.04, ci_high=1300.05,
                       kommun=0.0, country=-0.0, reliability="reliable"),
        IndicatorValue(id="not_in_catalogue", label="X & Y", period="2022", value=None,
                       ci_low=None, ci_high=2.0, masked=True, reliability="masked"),
        IndicatorValue(id="low_econ_standard", label="L", unit="procent", period="2022",
                       value=12.25, ci_low=10.0, ci_high=None, kommun=float("nan"),
                       reliable=False, reliability="unreliable"),
        IndicatorValue(id="low_econ_standard", label="L", unit="procent", period="2022",
                       value=-0.04, approximate=True, reliability="approximate"),
    ]  # fmt: skip
    for lang in ("sv", "en"):
        t = Translator(lang)
        html = str(
            _env(lang)
            .get_template("_profile.html")
            .module.headline_table(SimpleNamespace(indicators=rows))
        )
        for h in rows:
            d = indicator_decimals(h.id)
            # a suppressed value and its interval read '..', the sign of the rule
            if h.ci_low is not None and h.ci_high is not None:
                ci = f"{fmt_num(h.ci_low, lang, d)}–{fmt_num(h.ci_high, lang, d)}"
            else:
                ci = ".." if h.masked else "–"
            value = ".." if h.masked and h.value is None else fmt_num(h.value, lang, d)
            label = h.label.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            css = "weak" if h.reliability in ("masked", "unreliable") else ""
            row = (
                f'<tr class="{css}" data-indicator="{h.id}"><td>{label}</td>'
                f'<td class="num">{value}</td><td class="num">{ci}</td>'
                f'<td class="num">{fmt_num(h.kommun, lang, d)}</td>'
                f'<td class="num">{fmt_num(h.country, lang, d)}</td><td>{h.unit}</td>'
                f"<td>{t(h.reliability)}</td></tr>"
            )
            assert f"\n{row}\n" in html, (lang, h.id)
        assert html.count("<tr") == 1 + len(rows)
        assert "<tbody>\n<tr" in html and "</tr>\n</tbody></table>" in html
