"""Indicator rows' notes in the output's language: the computation writes them in English
(omradesbild.indicators.notes), a Swedish export or page words them in Swedish."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from helpers import HTML, english_words
from omradesbild.errors import NotFoundError
from omradesbild.indicators.notes import NOTE_FORMS, match_note, note_parts
from omradesbild.services.pipeline import area_indicators
from omradesbild.store import Store
from omradesbild.wording import note_text, strings


@pytest.fixture(scope="module")
def demo(demo_store: Path) -> Iterator[Store]:
    with Store(demo_store, read_only=True) as store:
        yield store


def _levels(store: Store) -> list[tuple[str, str | None]]:
    """Every stored level and boundary version, and the country."""
    rows = store.con.execute(
        "SELECT DISTINCT level, version FROM areas WHERE level <> 'country' ORDER BY 1, 2"
    ).fetchall()
    return [(str(level), str(version)) for level, version in rows] + [("country", None)]


def _every_note(store: Store) -> dict[str, set[str]]:
    """The distinct notes of every indicator row at every level, by level and version."""
    out: dict[str, set[str]] = {}
    for level, version in _levels(store):
        try:
            ind = area_indicators(store, level=level, version=version)
        except NotFoundError:  # a version no links lead to (police areas): no indicators
            continue
        notes = ind["note"].dropna().astype(str)
        out[f"{level} {version}"] = set(notes.unique())
    return out


def _untranslated(notes: dict[str, set[str]]) -> list[str]:
    """The notes with a part of no known form, or whose Swedish has English words."""
    bad = []
    for where, texts in notes.items():
        for note in sorted(texts):
            sv = note_text(note, "sv")
            assert sv is not None
            unknown = [p for p in note_parts(note) if match_note(p) is None]
            if unknown or english_words(sv):
                bad.append(f"{where}: {note!r} -> {sv!r}")
            assert note_text(note, "en") == note
    return bad


def test_the_forms_english_wording_is_the_computations_text() -> None:
    en = strings("en")
    assert len({f.key for f in NOTE_FORMS}) == len(NOTE_FORMS)
    for form in NOTE_FORMS:
        assert en[form.key] == form.template
        assert form.key in strings("sv")


@pytest.mark.parametrize(
    ("note", "sv"),
    [
        ("denominator from 2022", "nämnaren från 2022"),
        (
            "denominator from 2022; denominator 335 below 500",
            "nämnaren från 2022; nämnaren 335 är under gränsen 500",
        ),
        ("numerator missing (..: uppgift saknas)", "täljaren saknas (..: uppgift saknas)"),
        ("denominator missing (no data)", "nämnaren saknas (inga uppgifter)"),
        ("numerator missing (no data)", "täljaren saknas (inga uppgifter)"),
        ("2 of 14 areas without data", "2 av 14 områden utan uppgifter"),
        ("numerator missing in 1 of 1 areas", "täljaren saknas i 1 av 1 område"),
        ("denominator missing in 3 of 12 areas", "nämnaren saknas i 3 av 12 områden"),
        ("denominator is zero", "nämnaren är noll"),
        ("denominator 12.5 below 1000", "nämnaren 12,5 är under gränsen 1\u202f000"),
        (
            "weighted mean of area medians, not a true median",
            "vägt medelvärde av områdenas medianer, inte en verklig median",
        ),
    ],
)
def test_each_form_is_worded_in_swedish_and_kept_in_english(note: str, sv: str) -> None:
    assert note_text(note, "sv") == sv
    assert note_text(note, "en") == note
    assert not english_words(sv)


def test_an_unknown_part_is_kept_and_none_stays_none() -> None:
    assert note_text("denominator is zero; something else", "sv") == (
        "nämnaren är noll; something else"
    )
    assert note_text(None, "sv") is None


def test_every_note_of_the_synthetic_city_is_worded_in_swedish(demo: Store) -> None:
    notes = _every_note(demo)
    assert {w.split()[0] for w in notes} >= {"deso", "regso", "kommun", "country"}
    assert sum(len(v) for v in notes.values()) > 0
    assert _untranslated(notes) == []


def test_every_note_of_the_real_data_is_worded_in_swedish(real_store: Path) -> None:
    with Store(real_store, read_only=True) as store:
        notes = _every_note(store)
    assert {w.split()[0] for w in notes} >= {"deso", "regso", "kommun", "country"}
    assert sum(len(v) for v in notes.values()) > 0
    assert _untranslated(notes) == []


def _demo_period(store: Store) -> str:
    """A period whose DeSO rows have notes that survive disclosure."""
    ind = area_indicators(store, level="regso")
    noted = ind[ind["note"].notna()]
    return str(noted["period"].astype(str).value_counts().index[0])


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_an_exports_note_column_is_in_its_language(demo: Store, tmp_path: Path, lang: str) -> None:
    from omradesbild.reports.exports.bundle import export_all

    period = _demo_period(demo)
    written = export_all(
        demo, tmp_path, level="regso", period=period, formats=["csv", "json"], lang=lang,
        method=None,
    )  # fmt: skip
    csv_notes = pd.read_csv(written["csv"], dtype=str)["note"].dropna()
    doc = json.loads(written["json"].read_text(encoding="utf-8"))
    json_notes = pd.Series([r["note"] for r in doc["indicators"] if r["note"]], dtype=object)
    english = {"denominator", "numerator", "missing", "below", "areas"}
    for notes in (csv_notes, json_notes):
        assert len(notes) > 0
        words = set().union(*(english_words(n) | (english & set(n.split())) for n in notes))
        if lang == "sv":
            assert not words, sorted(set(notes))[:5]
            assert notes.str.contains("nämnaren|täljaren|områden").any()
        else:
            assert words
            assert not notes.str.contains("nämnaren|täljaren").any()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_web_apps_downloads_write_notes_in_the_pages_language(
    demo_store: Path, lang: str
) -> None:
    from fastapi.testclient import TestClient

    from omradesbild.web.app import create_app
    from omradesbild.web.settings import WebSettings

    settings = WebSettings(store_path=demo_store, draws=10, rate_limit_per_minute=0)
    with TestClient(create_app(settings, warm=False)) as client:
        page = client.get("/nedladdning", params={"lang": lang}, headers=HTML)
        assert f"&amp;lang={lang}" in page.text or f"&lang={lang}" in page.text
        params = {"level": "regso", "lang": lang}
        csv = client.get("/api/export/indicators.csv", params=params)
        doc = client.get("/api/export/indicators.json", params=params).json()
    notes = pd.read_csv(io.StringIO(csv.text), dtype=str)["note"].dropna()
    json_notes = pd.Series([r["note"] for r in doc["indicators"] if r["note"]], dtype=object)
    for got in (notes, json_notes):
        assert len(got) > 0
        swedish = got.str.contains("nämnaren|täljaren").any()
        english = got.str.contains("denominator|numerator").any()
        assert (swedish, english) == ((True, False) if lang == "sv" else (False, True))
