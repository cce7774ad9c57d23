"""The wording catalogue: both languages agree, every key in use exists, Swedish numbers."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omradesbild.errors import ConfigError
from omradesbild.rounding import round_half_away_number
from omradesbild.wording import (
    THIN_SPACE,
    both,
    check_catalogue,
    fmt_num,
    parse_num,
    placeholders,
    strings,
    text,
    translator,
)

SRC = Path(__file__).resolve().parents[1] / "src" / "omradesbild"

#: ``t("key")`` / ``t('key')`` (``tb(…)`` in the web layout) in templates and code.
_T_CALL = re.compile(r"""\bt[b]?\(\s*["']([A-Za-z0-9_]+)["']""")
#: ``text("key", …)``, ``both("key")`` in code and ``translator(…)("key")`` in templates.
_TEXT_CALL = re.compile(r"""(?:\b(?:text|both)|\))\(\s*["']([A-Za-z0-9_]+)["']""")
#: ``strings(lang)["key"]`` and ``text["key"]`` (the exports' mapping of one language).
_ITEM = re.compile(r"""\b(?:strings\([a-z_.]+\)|text)\[["']([A-Za-z0-9_]+)["']\]""")


def test_languages_have_the_same_keys_and_placeholders() -> None:
    assert check_catalogue() == []
    assert strings("sv").keys() == strings("en").keys()
    for key, sv in strings("sv").items():
        assert placeholders(sv) == placeholders(strings("en")[key]), key


def test_catalogue_refuses_placeholders_named_as_texts_parameters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import omradesbild.wording as wording

    fake = {
        "sv": {"a": "språket {lang}", "b": "{value}"},
        "en": {"a": "language {lang}", "b": "{value}"},
    }
    monkeypatch.setattr(wording, "strings", lambda lang: fake[lang])
    assert wording.check_catalogue() == [
        "key 'a': placeholder(s) ['lang'] are text()'s own parameters"
    ]


def test_no_empty_text() -> None:
    for lang in ("sv", "en"):
        assert all(v.strip() for v in strings(lang).values())


def _used_keys() -> dict[str, set[Path]]:
    used: dict[str, set[Path]] = {}
    for path in SRC.rglob("*.html"):
        if "templates" in path.parts:
            html = path.read_text(encoding="utf-8")
            for key in (*_T_CALL.findall(html), *_TEXT_CALL.findall(html)):
                used.setdefault(key, set()).add(path)
    for path in SRC.rglob("*.py"):
        src = path.read_text(encoding="utf-8")
        if "omradesbild.wording" not in src and "def _env" not in src:
            continue
        for rx in (_T_CALL, _TEXT_CALL, _ITEM):
            for key in rx.findall(src):
                used.setdefault(key, set()).add(path)
    return used


def test_every_key_in_templates_and_code_is_in_the_catalogue() -> None:
    used = _used_keys()
    assert len(used) > 150  # the grep finds the keys (templates of the web app and the site)
    missing = {k: sorted(p.name for p in ps) for k, ps in used.items() if k not in strings("sv")}
    assert missing == {}


def test_the_grep_sees_a_missing_key(tmp_path: Path) -> None:
    assert _T_CALL.findall("""{{ t("no_such_key") }} {{ t('other', n=2) }}""") == [
        "no_such_key",
        "other",
    ]
    assert _TEXT_CALL.findall('{{ translator(L)("back") }} text("a", "sv")') == ["back", "a"]
    assert _ITEM.findall('strings(lang)["export_title"] text["legend"]') == [
        "export_title",
        "legend",
    ]


def test_text_translator_and_labels() -> None:
    assert text("kommun", "sv") == "Kommun"
    assert text("kommun", "en") == "Municipality"
    assert text("in_kommun", "en", code="0180") == "Municipality 0180"
    t = translator("en")
    assert t("unreliable") == "uncertain (small base)"
    assert t.police("sarskilt_utsatt") == "especially vulnerable area"
    assert t.police("unknown_category") == "unknown_category"
    assert translator("sv").level("district") == "stadsdel"
    assert translator("sv").group("foreign_born") == "Utrikes födda"
    assert t.unit("procent") == "percent" and t.unit("kr") == "kr"
    assert t.domain("brott och trygghet") == "crime and safety"
    assert translator("sv").domain("hushåll") == "hushåll"
    assert both("flag_vulnerable_never_listed") == "typ 1–2, aldrig listat / type 1–2, never listed"
    with pytest.raises(KeyError, match="no_such_key"):
        text("no_such_key", "sv")
    with pytest.raises(ConfigError, match="not supported"):
        translator("de")


def test_unified_wording_is_one_string() -> None:
    """Labels that two tables used to word differently now read the same everywhere."""
    sv = strings("sv")
    assert sv["unreliable"] == "osäker (litet underlag)"
    assert sv["approximate"] == "approximativ"
    assert sv["score"] == "Indexvärde"
    assert strings("en")["country"] == "Sweden"


def test_swedish_number_formatting() -> None:
    assert THIN_SPACE == "\u202f"
    assert fmt_num(1234567.891, "sv", 1) == "1\u202f234\u202f567,9"
    assert fmt_num(1234567.891, "en", 1) == "1,234,567.9"
    assert fmt_num(-0.25, "sv", 2) == "-0,25"
    assert fmt_num(999.96, "sv", 1) == "1\u202f000,0"
    assert fmt_num(12, "sv", 0) == "12"
    assert fmt_num(None, "sv") == "–"
    assert fmt_num(math.nan, "en") == "–"
    assert fmt_num("..", "sv") == ".."
    assert fmt_num(0.5, "sv", 2, signed=True) == "+0,50"
    assert fmt_num(-1234.5, "en", 1, signed=True) == "-1,234.5"
    assert fmt_num(0.012345, "sv", significant=3) == "0,0123"
    assert fmt_num(12345.6, "sv", significant=3) == "12\u202f346"
    assert fmt_num(3.0, "en", significant=3) == "3"
    assert fmt_num(0, "sv", significant=3) == "0"
    assert fmt_num(-2.5, "sv", significant=3) == "-2,5"


_FINITE = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


def _rounded(x: float, decimals: int) -> float:
    """``x`` rounded as pages and downloads round it (halves away from zero), checked to
    lie within half a unit of the last decimal of ``x``."""
    r = round_half_away_number(x, decimals)
    unit = 10.0**-decimals
    assert abs(r - x) <= unit / 2 + unit * 1e-7 + 4e-16 * abs(x)
    return r


@given(x=_FINITE, decimals=st.integers(min_value=0, max_value=4))
def test_swedish_numbers_parse_back_to_the_rounded_value(x: float, decimals: int) -> None:
    s = fmt_num(x, "sv", decimals)
    assert "." not in s and " " not in s
    assert parse_num(s, "sv") == _rounded(x, decimals)


@given(x=_FINITE, decimals=st.integers(min_value=0, max_value=4))
def test_english_numbers_parse_back_to_the_rounded_value(x: float, decimals: int) -> None:
    assert parse_num(fmt_num(x, "en", decimals), "en") == _rounded(x, decimals)


def test_web_layout_and_error_titles_read_the_catalogue() -> None:
    from omradesbild.web.app import make_templates

    env = make_templates("sv").env
    sv = env.get_template("base.html").render(lang="sv", synthetic=True)
    en = env.get_template("base.html").render(lang="en", synthetic=True)
    assert text("nav_download", "sv") in sv and text("synthetic", "sv") in sv
    assert text("nav_download", "en") in en and text("synthetic", "en") in en
    assert "Nedladdning" not in en
    assert text("http_404", "sv") == "Hittades inte" and text("http_404", "en") == "Not found"


def test_every_cli_key_is_used() -> None:
    """The CLI's wording (``cli_*``) holds no text that no command prints."""
    used = _used_keys()
    unused = sorted(k for k in strings("sv") if k.startswith("cli_") and k not in used)
    assert unused == []


#: Folders whose Swedish strings are not shown to readers: the synthetic city's source
#: files and the readers of the sources' own labels.
_NOT_SHOWN = ("synthetic", "sources", "harmonize", "wording")
_SWEDISH = re.compile(r"[åäöÅÄÖ]")


def _label_tables(src: str) -> list[str]:
    """Module-level dicts whose values are Swedish texts (a second translation table); sets
    of Swedish identifiers (catalogue domains) and dicts from Swedish input words to codes
    are not labels."""
    import ast

    out = []
    for node in ast.parse(src).body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if not isinstance(target, ast.Name) or not isinstance(value, ast.Dict):
            continue
        consts = [v for v in value.values if isinstance(v, ast.Constant)]
        words = [c.value for c in consts if isinstance(c.value, str)]
        if any(_SWEDISH.search(w) for w in words):
            out.append(target.id)
    return out


def test_no_label_table_outside_the_catalogue() -> None:
    """Labels live in sv.yaml/en.yaml; a module-level dict of Swedish labels is a defect."""
    assert _label_tables('X = {"a": "b"}\nKIND_LABELS = {"observation": "Iakttagelse",\n'
                         ' "proposal": "Förslag"}\n') == ["KIND_LABELS"]  # fmt: skip
    found = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if rel.parts[0] in _NOT_SHOWN:
            continue
        tables = _label_tables(path.read_text(encoding="utf-8"))
        if tables:
            found[str(rel)] = tables
    assert found == {}


def test_messages_are_english_strings_worded_in_swedish_on_demand() -> None:
    import pickle

    from omradesbild.followup.did import ASSUMPTIONS
    from omradesbild.wording import Message, say

    m = Message("did_few_treated", n=2)
    assert isinstance(m, str) and m.startswith("only 2 intervention areas")
    assert m.text("sv").startswith("bara 2 insatsområden")
    assert pickle.loads(pickle.dumps(m)).text("sv") == m.text("sv")
    assert say(m, "sv") == m.text("sv") and say("plain", "sv") == "plain"
    assert ASSUMPTIONS[0].startswith("Parallel trends")
    assert say(ASSUMPTIONS[0], "sv").startswith("Parallella trender")
    assert translator("sv").label("partner_kind", "observation") == "Iakttagelse"
    assert translator("en").label("partner_status", "approved") == "Approved"
    assert translator("en").label("partner_kind", "other") == "other"


def test_message_values_are_worded_in_each_language() -> None:
    import pickle

    from omradesbild.wording import Message, Num, label_message

    m = Message("note_police_restricted", n=3, m=45, level=label_message("level", "district"))
    assert "3 of 45 district" in m and "3 av 45 stadsdel" in m.text("sv")
    assert label_message("level", "no_such_level") == "no_such_level"
    w = Message("note_weights_as_published", where="theme x", total=Num(0.95, 2))
    assert "0.95" in w and "0,95" in w.text("sv")
    f = Message("note_weights_as_published", where="x", total=1234.56)  # 3 significant
    assert "1,235" in f and f"1{THIN_SPACE}235" in f.text("sv")
    assert "12,5" in Message("note_weights_as_published", where="x", total=12.5).text("sv")
    assert pickle.loads(pickle.dumps(w)).text("sv") == w.text("sv")


def test_stored_licences_and_source_kinds_are_worded_in_each_language() -> None:
    from omradesbild.sources.base import (
        LICENCE_OPEN_DATA,
        LICENCE_PUBLIC_RECORD,
        LICENCE_PUBLISHER_TERMS,
    )
    from omradesbild.wording import licence_label, source_title

    sv_open, en_open = "öppna data, se utgivarens villkor", "open data, see the publisher's terms"
    # Codes, and the texts stores held before codes (an older store reads the same).
    for stored in (LICENCE_OPEN_DATA, "open data, see the publisher's terms"):
        assert (licence_label(stored, "sv"), licence_label(stored, "en")) == (sv_open, en_open)
    for stored in (LICENCE_PUBLISHER_TERMS, "see the publisher's terms"):
        assert licence_label(stored, "sv") == "se utgivarens villkor"
    for stored in (LICENCE_PUBLIC_RECORD, "Offentlig handling"):
        assert licence_label(stored, "sv") == "offentlig handling"
        assert licence_label(stored, "en") == "public record"
    assert licence_label("CC0 1.0", "sv") == "CC0 1.0"  # a licence id as it is
    assert licence_label("egen licens", "en") == "egen licens"
    title = "Polisens utsatta områden 2023 (boundaries)"
    assert source_title(title, "sv") == "Polisens utsatta områden 2023 (gränser)"
    assert source_title(title, "en") == title
    listed = "Polisens utsatta områden 2025 (list, no polygons)"
    assert source_title(listed, "sv") == "Polisens utsatta områden 2025 (lista, utan polygoner)"
    assert source_title("deso deso2018 boundaries", "sv") == "DeSO deso2018: gränser"
    wfs = "DESO boundaries deso2025, kommun 0180"
    assert source_title(wfs, "sv") == "DeSO deso2025: gränser, kommun 0180"
    old = "Göteborgs primärområden 2025 with the city's socioeconomic area classes"
    worded = "Göteborgs primärområden 2025 (med stadens socioekonomiska områdesklasser)"
    assert source_title(old, "sv") == worded
    key = "Koppling DeSO 2018 - RegSO 2020"  # the publisher's own title as it is
    assert source_title(key, "en") == source_title(key, "sv") == key
