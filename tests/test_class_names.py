"""Class names in the language of the page or report: the method file's ``labels``
(Swedish) and ``labels_en`` (English), one function that picks them, and every rendering
of an area (web page, static profile, PDF) showing them in its own language."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import page_text
from omradesbild.errors import MethodError
from omradesbild.index import load_method, parse_method
from omradesbild.index.classify import class_labels
from omradesbild.index.method import QuantileClassification
from omradesbild.services.reference import Reference, class_names

SCB = load_method("scb-omradestyp")
IMD = load_method("imd-2019")

SCB_SV_1 = "Områdestyp 1 – Områden med stora socioekonomiska utmaningar"
SCB_EN = [
    "Area type 1 – Areas with major socioeconomic challenges",
    "Area type 2 – Areas with socioeconomic challenges",
    "Area type 3 – Socioeconomically mixed areas",
    "Area type 4 – Areas with good socioeconomic conditions",
    "Area type 5 – Areas with very good socioeconomic conditions",
]
HTML = {"accept": "text/html"}


def _quantiles(**fields: Any) -> QuantileClassification:
    return QuantileClassification(kind="quantiles", n=3, **fields)


# ------------------------------------------------------------------------- one function
def test_class_labels_in_each_language() -> None:
    assert SCB.classification is not None and IMD.classification is not None
    assert class_labels(SCB.classification)[0] == SCB_SV_1
    assert class_labels(SCB.classification, "sv")[0] == SCB_SV_1
    assert class_labels(SCB.classification, "en") == SCB_EN
    imd_sv = class_labels(IMD.classification, "sv")
    imd_en = class_labels(IMD.classification, "en")
    assert imd_sv[0] == "decil 1 (de 10 % mest depriverade)"
    assert imd_sv[1:9] == [f"decil {k}" for k in range(2, 10)]
    assert imd_sv[9] == "decil 10 (de 10 % minst depriverade)"
    assert imd_en[0] == "decile 1 (most deprived 10 %)"
    assert imd_en[9] == "decile 10 (least deprived 10 %)"


@pytest.mark.parametrize("method", ["brott-anmalda", "brott-trygghet"])
def test_crime_methods_have_english_class_names(method: str) -> None:
    rule = load_method(method).classification
    assert rule is not None
    sv, en = class_labels(rule, "sv"), class_labels(rule, "en")
    assert len(sv) == len(en) == 5
    assert sv[0] != en[0] and sv[-1] != en[-1]
    assert en[0].startswith("1 – ") and en[-1].startswith("5 – ")


def test_class_labels_fall_back_to_the_other_language() -> None:
    only_sv = _quantiles(labels=["hög", "mellan", "låg"])
    assert class_labels(only_sv, "en") == ["hög", "mellan", "låg"]
    assert class_labels(only_sv, "sv") == ["hög", "mellan", "låg"]
    only_en = _quantiles(labels_en=["high", "middle", "low"])
    assert class_labels(only_en, "sv") == ["high", "middle", "low"]
    assert class_labels(only_en, "en") == ["high", "middle", "low"]
    both = _quantiles(labels=["hög", "mellan", "låg"], labels_en=["high", "middle", "low"])
    assert class_labels(both, "sv") == ["hög", "mellan", "låg"]
    assert class_labels(both, "en") == ["high", "middle", "low"]


def test_class_labels_are_numbers_without_names() -> None:
    for lang in ("sv", "en"):
        assert class_labels(_quantiles(), lang) == ["1", "2", "3"]


def test_relative_class_names_follow_the_language() -> None:
    city = Reference("city", ("0180",), "Stockholm")
    assert class_names(SCB, city, "sv")[:2] == [
        "relativt staden: klass 1",
        "relativt staden: klass 2",
    ]
    assert class_names(SCB, city, "en")[0] == "relative to the city: class 1"
    country = Reference("country", ("0180",))
    assert class_names(SCB, country, "en") == SCB_EN
    assert class_names(SCB, country, "sv")[0] == SCB_SV_1
    # only SCB's type names are reserved for the whole country
    assert class_names(IMD, Reference("layer"), "en")[0] == "decile 1 (most deprived 10 %)"


# ------------------------------------------------------------------------------- validation
def _method(classification: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "x",
        "version": "1",
        "title_sv": "x",
        "title_en": "x",
        "indicators": [{"id": "a"}],
        "classification": classification,
    }


@pytest.mark.parametrize(
    ("classification", "message"),
    [
        (
            {"kind": "quantiles", "n": 3, "labels": list("abc"), "labels_en": list("ab")},
            r"x\.yaml: field 'classification\.quantiles': labels_en: n=3 classes need 3 labels, "
            r"got 2",
        ),
        (
            {"kind": "quantiles", "n": 3, "labels_en": list("abcd")},
            r"labels_en: n=3 classes need 3 labels, got 4",
        ),
        (
            {"kind": "mean_sd", "k": [1, 0], "labels": list("abc"), "labels_en": list("ab")},
            r"field 'classification\.mean_sd': labels_en: 2 thresholds need 3 labels, got 2",
        ),
        (
            {"kind": "fixed", "thresholds": [1, 2], "labels": list("abc"), "labels_en": ["a"]},
            r"field 'classification\.fixed': labels_en: 2 thresholds need 3 labels, got 1",
        ),
    ],
)
def test_labels_en_of_the_wrong_length_is_refused(
    classification: dict[str, Any], message: str
) -> None:
    with pytest.raises(MethodError, match=message):
        parse_method(_method(classification), source="x.yaml")


def test_labels_en_of_the_right_length_is_kept() -> None:
    m = parse_method(
        _method(
            {
                "kind": "fixed",
                "thresholds": [1],
                "labels": ["låg", "hög"],
                "labels_en": ["low", "high"],
            }
        )
    )
    assert m.classification is not None
    assert class_labels(m.classification, "en") == ["low", "high"]


def test_indicator_and_theme_names_fall_back_as_before() -> None:
    from omradesbild.index.method import Indicator, Theme

    assert Indicator(id="a", label_sv="sv", label_en="en").name_in("en") == "en"
    assert Indicator(id="a", label_sv="sv", label_en="en").name_in("sv") == "sv"
    assert Indicator(id="a", label_sv="sv").name_in("en") == "sv"
    assert Indicator(id="a", label_en="en").name_in("sv") == "en"
    assert Indicator(id="a").name_in("en") == "a"
    assert Theme(id="t", title_sv="tema", title_en="theme").name_in("en") == "theme"
    assert Theme(id="t", title_en="theme").name_in("sv") == "theme"
    assert Theme(id="t").name_in("sv") == "t"


# ------------------------------------------------------------------------------- renderings
def _clear_caches() -> None:
    from omradesbild.services import cache as service_cache
    from omradesbild.web.cache import clear_caches

    service_cache.clear()
    clear_caches()


@pytest.fixture(scope="class")
def national() -> Iterator[None]:
    """The synthetic city's classes taken as cut against the whole country, the only
    reference under which SCB's type names are used (computed afresh for the tests of a
    class, which share it; forgotten after)."""
    _clear_caches()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            "omradesbild.services.reference.reference_of",
            lambda codes, names=None: Reference("country", tuple(sorted({str(c) for c in codes}))),
        )
        yield
    _clear_caches()


@pytest.fixture(scope="module")
def client(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    pytest.importorskip("fastapi")
    from helpers import module_client

    yield from module_client(demo_store, tmp_path_factory, draws=10)


def _picture(client: Any) -> Any:
    from omradesbild.web.views import get_data

    request = type("R", (), {"app": client.app})()
    return get_data(request).picture("scb-omradestyp", "regso")


def _area_with_class(client: Any) -> tuple[str, int]:
    ix = _picture(client).index
    assert ix is not None
    period = ix.latest()
    code, row = next((c, r) for c, r in sorted(ix.by_area[period].items()) if r.get("class"))
    return code, int(row["class"])


@pytest.mark.usefixtures("national")
class TestUnderTheNationalReference:
    """The pages and reports of the synthetic city with its classes cut against the whole
    country (:func:`national`, computed once for these tests)."""

    def test_area_page_shows_the_class_name_in_the_page_language(self, client: Any) -> None:
        code, cls = _area_with_class(client)
        sv = page_text(client.get(f"/omrade/{code}", headers=HTML).text)
        en = page_text(client.get(f"/omrade/{code}?lang=en", headers=HTML).text)
        assert f"Områdestyp {cls} – " in sv
        assert SCB_EN[cls - 1] in en
        assert "Områdestyp" not in en
        assert "Area type 1 – " not in sv and SCB_EN[cls - 1] not in sv

    def test_comparison_page_shows_the_class_name_in_the_page_language(self, client: Any) -> None:
        ix = _picture(client).index
        rows = sorted(ix.by_area[ix.latest()].items())
        (a, ra), (b, rb) = [(c, r) for c, r in rows if r.get("class")][:2]
        en = page_text(client.get(f"/jamfor?areas={a}&areas={b}&lang=en", headers=HTML).text)
        sv = page_text(client.get(f"/jamfor?areas={a}&areas={b}", headers=HTML).text)
        for r in (ra, rb):
            assert SCB_EN[int(r["class"]) - 1] in en
            assert f"Områdestyp {int(r['class'])} – " in sv
        assert "Områdestyp" not in en and "Area type" not in sv

    def test_static_profile_and_pdf_html_show_the_class_name_in_the_report_language(
        self, demo_store: Path
    ) -> None:
        from omradesbild.reports.pdf import PdfProfiles
        from omradesbild.services.city import load_city
        from omradesbild.store import Store

        with Store(demo_store, read_only=True) as s:
            city_en = load_city(s, level="regso", draws=10, lang="en")
            city_sv = load_city(s, level="regso", draws=10, lang="sv")
        ix = city_en.pic.index
        assert ix is not None
        code = next(c for c in city_en.profile_codes if city_en.profile(c).rank is not None)
        rank = city_en.profile(code).rank
        assert rank is not None and rank.cls is not None
        assert rank.cls_label == SCB_EN[rank.cls - 1]
        assert city_sv.profile(code).rank.cls_label.startswith(f"Områdestyp {rank.cls} – ")  # type: ignore[union-attr]
        en = page_text(PdfProfiles(city_en).html(code))
        assert SCB_EN[rank.cls - 1] in en and "Områdestyp" not in en
        sv = page_text(PdfProfiles(city_sv).html(code))
        assert f"Områdestyp {rank.cls} – " in sv and "Area type" not in sv
        # the report's overview: residents per area type, named in the report's language
        assert [p.label for p in city_en.picture.population_by_type] == [
            SCB_EN[p.cls - 1] for p in city_en.picture.population_by_type
        ]

    def test_lagesbild_type_labels_in_the_page_language(self, client: Any) -> None:
        from omradesbild.services.lagesbild import KommunChoice, lagesbild

        pic = _picture(client)
        kommun = KommunChoice(code="9999", name="Exempelstad", n_areas=0)
        en = lagesbild(pic, kommun=kommun, kommuner=(kommun,), lang="en", year=2024)
        sv = lagesbild(pic, kommun=kommun, kommuner=(kommun,), lang="sv", year=2024)
        assert en.type_labels and all(name == SCB_EN[k - 1] for k, name in en.type_labels)
        assert [k for k, _ in sv.type_labels] == [k for k, _ in en.type_labels]
        assert all(name.startswith(f"Områdestyp {k} – ") for k, name in sv.type_labels)


def test_relative_class_names_on_english_pages(demo_store: Path) -> None:
    """Without the national reference the synthetic city's classes are relative to the
    city, and named so in the page's language."""
    from omradesbild.services.city import load_city
    from omradesbild.store import Store

    with Store(demo_store, read_only=True) as s:
        city = load_city(s, level="regso", draws=10, lang="en")
    code = next(c for c in city.profile_codes if city.profile(c).rank is not None)
    rank = city.profile(code).rank
    assert rank is not None
    assert rank.cls_label == f"relative to the city: class {rank.cls}"
    labels = [h.label for h in city.profile(code).type_history if h.cls is not None]
    assert labels and all(lab.startswith("relative to the city: class ") for lab in labels)


def test_swedish_page_of_an_imd_classification_says_decil(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A method whose file had only English class names (IMD) is named in Swedish on a
    Swedish page and in English on an English one."""
    from omradesbild.web.cache import WebData

    picture = WebData.picture

    def imd_picture(self: WebData, method_id: str, level: str, version: str | None = None) -> Any:
        pic = picture(self, method_id, level, version)
        assert pic.index is not None
        return dataclasses.replace(pic, index=dataclasses.replace(pic.index, method=IMD))

    _clear_caches()
    monkeypatch.setattr(WebData, "picture", imd_picture)
    try:
        code, cls = _area_with_class(client)
        sv = page_text(client.get(f"/omrade/{code}", headers=HTML).text)
        en = page_text(client.get(f"/omrade/{code}?lang=en", headers=HTML).text)
    finally:
        monkeypatch.undo()
        _clear_caches()
    word = "decil 1 (de 10 % mest depriverade)" if cls == 1 else f"decil {cls}"
    assert re.search(rf"\b{re.escape(word)}\b", sv)
    assert "decile" not in sv
    assert f"decile {cls}" in en and "decil " not in en
