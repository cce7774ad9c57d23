"""The one catalogue of wording (Swedish and English) and the one number formatter.

Every label, unit, class name, error and note shown by the web app, the static site, the
PDF, the exports and the CLI's readable output is read from ``sv.yaml`` and ``en.yaml``
beside this module. Both files hold the same keys with the same ``{placeholders}``
(:func:`check_catalogue`; the test suite runs it). Swedish is the default language.

- :func:`text` — one string: ``text("kommun", "en")`` → ``"Municipality"``;
- :func:`translator` — ``t = translator(lang)``; ``t("key", **fmt)`` in code and templates,
  with ``t.police(category)``, ``t.group(group)`` and ``t.level(level)`` for the names of
  police categories, population groups and area levels;
- :func:`police_label`, :func:`group_label`, :func:`level_label`, :func:`domain_label`,
  :func:`unit_label` — names of categories, groups, levels, domains and units (the name
  itself when the catalogue has no entry);
- :func:`both` — ``"svenska / English"`` for the bilingual CLI output, a
  :class:`Bilingual` text that keeps each language's (:func:`say` picks one);
- ``{n:singular|plural}`` in a text — the noun for the count ``n`` (``"{n}
  {n:område|områden}"``), and :func:`level_noun` for a level's name after a count;
- :func:`note_text` — an indicator row's note (written in English by the computation) in
  a language;
- :class:`Message` — a text of the catalogue with its values, made where the text arises
  (notes of an analysis) and worded where it is shown: it is the English string (logs,
  JSON), and ``m.text("sv")`` gives the Swedish;
- :func:`fmt_num` / :func:`parse_num` — numbers for display.

Numbers
-------
Swedish: decimal comma and U+202F NARROW NO-BREAK SPACE as thousands separator
(``1 234 567,9``); the narrow space is a thin space that never breaks a number over two
lines. English: decimal point and comma as thousands separator (``1,234,567.9``). A missing
value (``None``, NaN) is shown as ``–``. Machine-readable files (CSV, JSON) keep plain
point decimals and do not use this formatter.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal, TypeVar

from omradesbild.rounding import round_half_away_number

Lang = Literal["sv", "en"]

#: The languages of the catalogue; the first is the default.
LANGUAGES: tuple[Lang, ...] = ("sv", "en")

#: Thousands separator of Swedish numbers: U+202F NARROW NO-BREAK SPACE.
THIN_SPACE = "\u202f"

#: Shown for a missing number.
MISSING = "–"

_HERE = Path(__file__).parent


def check_lang(lang: str) -> Lang:
    """``lang`` if it is ``"sv"`` or ``"en"``; otherwise a :class:`ConfigError`."""
    from omradesbild.errors import ConfigError

    if lang not in LANGUAGES:
        raise ConfigError(both("err_unknown_lang", value=repr(lang), allowed=", ".join(LANGUAGES)))
    return lang  # type: ignore[return-value]


@cache
def strings(lang: str) -> Mapping[str, str]:
    """Every string of ``lang``, by key (read once from ``<lang>.yaml``).

    Raises
    ------
    ConfigError
        Unknown language, or the file is unreadable or not a mapping of strings.
    """
    import yaml

    from omradesbild.errors import ConfigError
    from omradesbild.yamlfile import parse_yaml

    lang = check_lang(lang)
    path = _HERE / f"{lang}.yaml"
    # The catalogue cannot word its own failure: these errors stay English.
    try:
        raw = parse_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the wording catalogue ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of key: text")
    bad = [k for k, v in raw.items() if not isinstance(k, str) or not isinstance(v, str)]
    if bad:
        raise ConfigError(f"{path}: key {bad[0]!r}: expected a text (string) value")
    return dict(raw)


def placeholders(s: str) -> frozenset[str]:
    """The ``{names}`` a string is formatted with."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(s) if name)


def check_catalogue() -> list[str]:
    """Problems of the catalogue: keys only in one language, differing placeholders, or a
    placeholder named ``key`` or ``lang`` (the parameters of :func:`text`).

    Returns
    -------
    list of str
        One message per problem; empty when both languages agree.
    """
    sv, en = strings("sv"), strings("en")
    out = [f"key {k!r} is in sv.yaml but not in en.yaml" for k in sv if k not in en]
    out += [f"key {k!r} is in en.yaml but not in sv.yaml" for k in en if k not in sv]
    for k in sv.keys() | en.keys():
        taken = (placeholders(sv.get(k, "")) | placeholders(en.get(k, ""))) & {"key", "lang"}
        if taken:
            out.append(f"key {k!r}: placeholder(s) {sorted(taken)} are text()'s own parameters")
    for k in sv.keys() & en.keys():
        if placeholders(sv[k]) != placeholders(en[k]):
            out.append(
                f"key {k!r}: placeholders {sorted(placeholders(sv[k]))} (sv) differ from "
                f"{sorted(placeholders(en[k]))} (en)"
            )
    return out


def text(key: str, lang: str, **fmt: object) -> str:
    """The string ``key`` in ``lang``, formatted with ``fmt``.

    Raises
    ------
    KeyError
        ``key`` is not in the catalogue.
    """
    s = strings(lang).get(key)
    if s is None:
        raise KeyError(f"{key!r} is not in the wording catalogue (omradesbild/wording/)")
    return _plurals(s, fmt).format(**fmt) if fmt else s


#: ``{n:område|områden}`` in a catalogue text: the noun for the count ``n``.
_PLURAL = re.compile(r"\{(\w+):([^{}|]*)\|([^{}|]*)\}")


def _plurals(s: str, fmt: Mapping[str, object]) -> str:
    """``s`` with each ``{n:singular|plural}`` replaced by the form for the value of ``n``
    (the singular for 1 or -1, the plural otherwise): ``"{n} {n:stadsdel|stadsdelar}"``
    words 1 as "1 stadsdel" and 45 as "45 stadsdelar"."""

    def pick(m: re.Match[str]) -> str:
        v = fmt.get(m.group(1))
        try:
            one = abs(float(str(v).replace(THIN_SPACE, "").replace(",", "."))) == 1
        except ValueError:
            one = False
        return (m.group(2) if one else m.group(3)).replace("{", "{{").replace("}", "}}")

    return _PLURAL.sub(pick, s)


def _message(key: str, params: dict[str, object]) -> Message:
    return Message(key, **params)


@dataclass(frozen=True)
class Num:
    """A number inside a :class:`Message`, written by :func:`fmt_num` in each language
    (``Num(0.25, 2)`` is ``0,25`` in Swedish and ``0.25`` in English)."""

    value: float
    decimals: int = 1
    significant: int | None = None
    signed: bool = False

    def text(self, lang: str) -> str:
        """The number in ``lang``."""
        return fmt_num(
            self.value, lang, self.decimals, signed=self.signed, significant=self.significant
        )


def _worded(params: Mapping[str, object], lang: str) -> dict[str, object]:
    """The values of a message in ``lang``: a :class:`Message` or :class:`Num` is worded,
    a float is written by :func:`fmt_num` (three significant digits), the rest as it is."""
    out: dict[str, object] = {}
    for k, v in params.items():
        if isinstance(v, Message | Num):
            out[k] = v.text(lang)
        elif isinstance(v, float):
            out[k] = fmt_num(v, lang, significant=3)
        else:
            out[k] = v
    return out


class Message(str):
    """A catalogue text with its values; the string itself is the English wording.

    ``Message("did_few_treated", n=2)`` compares, joins and serialises as the English text
    (the JSON API's language), and ``m.text("sv")`` words it in Swedish for a page. Plain
    strings stay plain: :func:`say` words either. A value that is itself a
    :class:`Message` (e.g. :func:`label_message`) or a :class:`Num` is worded in the same
    language, and a float is written by :func:`fmt_num`.
    """

    key: str
    params: dict[str, object]

    def __new__(cls, key: str, **params: object) -> Message:
        obj = super().__new__(cls, text(key, "en", **_worded(params, "en")))
        obj.key = key
        obj.params = dict(params)
        return obj

    def text(self, lang: str) -> str:
        """The message in ``lang``."""
        return text(self.key, lang, **_worded(self.params, lang))

    def __reduce__(self) -> tuple[object, tuple[str, dict[str, object]]]:
        return _message, (self.key, self.params)


def label_message(prefix: str, name: str) -> Message | str:
    """The catalogue's ``<prefix>_<name>`` as a :class:`Message` (e.g. an area level inside
    a note: ``label_message("level", "regso")``), or ``name`` when there is no such key."""
    key = f"{prefix}_{name}"
    return Message(key) if key in strings("en") else name


def level_noun(level: str, n: int) -> Message | str:
    """The name of an area level for a count of ``n`` areas (``level_<level>`` for 1,
    ``levels_<level>`` otherwise): "1 stadsdel", "45 stadsdelar" inside a note."""
    return label_message("level" if abs(n) == 1 else "levels", level)


def say(message: object, lang: str) -> str:
    """A :class:`Message` or a :class:`Bilingual` text (:func:`both`) in ``lang`` alone; any
    other value as it is (``str``)."""
    return message.text(lang) if isinstance(message, Message | Bilingual) else str(message)


class Bilingual(str):
    """A text in Swedish and English, the string itself ``"svenska / English"`` (what
    :func:`both` returns): it keeps each language's text, so that a page in one language
    (the web app's error pages) shows :meth:`text` of that language alone.

    Joined to other text (``f"{path}: {both(...)}"``) it is a plain string again.
    """

    sv: str
    en: str

    def __new__(cls, sv: str, en: str) -> Bilingual:
        obj = super().__new__(cls, f"{sv} / {en}")
        obj.sv, obj.en = sv, en
        return obj

    def text(self, lang: str) -> str:
        """The text in ``lang`` alone."""
        return self.en if check_lang(lang) == "en" else self.sv

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return Bilingual, (self.sv, self.en)


def both(key: str, **fmt: object) -> Bilingual:
    """``key`` in Swedish and English, ``"svenska / English"`` (the CLI's readable output),
    as a :class:`Bilingual` text that keeps each language's.

    A value that is a :class:`Message` (e.g. :func:`label_message`, a level's name) or a
    :class:`Num` is worded in each language; other values are used as they are.
    """

    def worded(lang: str) -> dict[str, object]:
        return {k: v.text(lang) if isinstance(v, Message | Num) else v for k, v in fmt.items()}

    return Bilingual(text(key, "sv", **worded("sv")), text(key, "en", **worded("en")))


def _label(prefix: str, name: str, lang: str) -> str:
    s = strings(lang).get(f"{prefix}_{name}")
    return name if s is None else s


_ASCII = str.maketrans({"å": "a", "ä": "a", "ö": "o", " ": "_", "-": "_"})


def _slug(name: str) -> str:
    """The key part of a Swedish name: ``"brott och trygghet"`` → ``brott_och_trygghet``."""
    return name.lower().translate(_ASCII)


#: Licence texts stored before sources stored licence codes, by the code's catalogue key.
_STORED_LICENCES = {
    "open data, see the publisher's terms": "open_data",
    "see the publisher's terms": "publisher_terms",
    "Offentlig handling": "public_record",
}

#: What a stored source title may end with in brackets (what kind of file it is, what it
#: holds), by key.
_TITLE_KINDS = {
    "boundaries": "boundaries",
    "list, no polygons": "list_no_polygons",
    "simplified by a third party": "simplified_by_third_party",
    "with SKR kommungrupp": "with_skr_kommungrupp",
    "population 2014-2016 as attributes": "population_2014_2016",
    "with the city's socioeconomic area classes": "with_city_classes",
}

#: The titles stored for a boundary layer not in the known layers (``<level> <version>
#: boundaries``) and for one read from SCB's WFS (``DESO boundaries <version>[, kommun …]``).
_BOUNDARIES_TITLES = (
    re.compile(r"^(?P<level>\S+) (?P<version>\S+) boundaries(?P<rest>)$"),
    re.compile(r"^(?P<level>DESO|RegSO) boundaries (?P<version>[^\s,]+)(?P<rest>, kommun \d{4})?$"),
)


def licence_label(licence: str, lang: str) -> str:
    """A source's stored licence in ``lang``: a licence code (``open-data``,
    ``publisher-terms``, ``public-record``, or the text stored for one before codes) worded
    by the catalogue; any other licence (``CC0 1.0``, a licence given at ingest) as it is."""
    code = licence.strip()
    key = _STORED_LICENCES.get(code, code.replace("-", "_"))
    return strings(lang).get(f"licence_{key}", licence) if key else licence


def source_title(title: str, lang: str) -> str:
    """A source's stored title in ``lang``: the kind of file it ends with in brackets
    (``(boundaries)``) and the title of an unknown boundary layer worded by the catalogue;
    the rest (the publisher's own title) as it is."""
    for pattern in _BOUNDARIES_TITLES:
        m = pattern.match(title)
        if m is not None:
            level = level_label(m["level"].lower(), lang)
            worded = text("source_title_boundaries", lang, level=level, version=m["version"])
            return worded + (m["rest"] or "")
    for kind, key in _TITLE_KINDS.items():
        if title.endswith(f" ({kind})"):
            return f"{title[: -len(kind) - 3]} ({text(f'source_kind_{key}', lang)})"
        if kind.startswith("with ") and title.endswith(f" {kind}"):  # stored without brackets
            return f"{title[: -len(kind) - 1]} ({text(f'source_kind_{key}', lang)})"
    return title


def note_text(note: str | None, lang: str) -> str | None:
    """An indicator row's ``note`` in ``lang``.

    The computation writes notes in English, parts joined with ``"; "``, each part of one
    of the forms of :mod:`omradesbild.indicators.notes` (``"denominator from 2022"``,
    ``"denominator 335 below 500"`` …). In Swedish each part of a known form is worded by
    the catalogue (``"nämnaren från 2022"``), its numbers with a decimal comma; a part of
    no known form is kept as it is (the test suite checks that every note the computation
    writes has a known form). In English the note is returned as it is. ``None`` stays
    ``None``.
    """
    if note is None or check_lang(lang) == "en":
        return note
    from omradesbild.indicators.notes import NOTE_SEPARATOR, match_note, note_parts

    out = []
    for part in note_parts(note):
        found = match_note(part)
        if found is None:
            out.append(part)
            continue
        form, fields = found
        values = {
            k: fmt_num(float(v), lang, _decimals(v)) if k in form.numbers else v
            for k, v in fields.items()
        }
        out.append(text(form.key, lang, **values))
    return NOTE_SEPARATOR.join(out)


def _decimals(number: str) -> int:
    """The decimals a number's text is written with (``"12.5"``: 1, ``"1.5e+06"``: 0)."""
    mantissa, _, exponent = number.lower().partition("e")
    decimals = len(mantissa.partition(".")[2]) - (int(exponent) if exponent else 0)
    return max(decimals, 0)


def police_label(category: str, lang: str) -> str:
    """Readable name of a police category (``sarskilt_utsatt`` → "särskilt utsatt område")."""
    return _label("police", category, lang)


def group_label(group: str, lang: str) -> str:
    """Readable name of a population group used in the gap measures."""
    return _label("group", group, lang)


def level_label(level: str, lang: str) -> str:
    """Readable name of an area level."""
    return _label("level", level, lang)


def domain_label(domain: str, lang: str) -> str:
    """Readable name of an indicator domain (the catalogue's Swedish name, e.g. ``hushåll``)."""
    s = strings(lang).get(f"domain_{_slug(domain)}")
    return domain if s is None else s


def unit_label(unit: str, lang: str) -> str:
    """Readable name of an indicator unit (the catalogue's Swedish name, e.g. ``procent``)."""
    s = strings(lang).get(f"unit_{_slug(unit)}")
    return unit if s is None else s


_T = TypeVar("_T")


def _in_lang(label: Callable[[_T, str], str]) -> Callable[[Translator, _T], str]:
    """A :class:`Translator` method: ``label(value, lang)`` in the translator's language."""

    def method(self: Translator, value: _T) -> str:
        return label(value, self.lang)

    method.__doc__ = f"See :func:`{label.__name__}`."
    return method


class Translator:
    """:func:`text` bound to one language: ``t("key", **fmt)`` in code and templates."""

    def __init__(self, lang: str) -> None:
        self.lang: Lang = check_lang(lang)

    def __call__(self, key: str, **fmt: object) -> str:
        return text(key, self.lang, **fmt)

    police = _in_lang(police_label)
    group = _in_lang(group_label)
    level = _in_lang(level_label)
    domain = _in_lang(domain_label)
    unit = _in_lang(unit_label)
    say = _in_lang(say)
    licence = _in_lang(licence_label)
    source_title = _in_lang(source_title)

    def label(self, prefix: str, name: str) -> str:
        """The catalogue's ``<prefix>_<name>`` (e.g. ``partner_kind_observation``), or
        ``name`` itself when the catalogue has no such key."""
        return _label(prefix, name, self.lang)

    def labels(self, prefix: str, names: Sequence[str]) -> str:
        """:meth:`label` of each of ``names``, joined by commas (the catalogue's
        ``<prefix>_none`` when there are none)."""
        if not names:
            return self(f"{prefix}_none")
        return ", ".join(self.label(prefix, n) for n in names)


def translator(lang: str) -> Translator:
    """``t(key, **fmt)`` in ``lang`` (a :class:`Translator`)."""
    return Translator(lang)


def fmt_num(
    x: object,
    lang: str,
    decimals: int = 1,
    *,
    signed: bool = False,
    significant: int | None = None,
) -> str:
    """A number for display, rounded to ``decimals`` (halves away from zero, as the
    downloads round: :mod:`omradesbild.precision`).

    ``1234567.891`` with one decimal is ``1 234 567,9`` in Swedish (U+202F between the
    groups, see the module notes) and ``1,234,567.9`` in English; ``None`` and NaN are
    ``–``; a value that is not a number is shown as it is. ``signed`` writes ``+`` before
    positive numbers (changes, slopes). ``significant`` (instead of ``decimals``) keeps
    that many significant digits without trailing zeros, never rounding away whole digits:
    with 3, ``0.012345`` is ``0,0123``, ``12345.6`` is ``12 346`` and ``3.0`` is ``3``.
    """
    if x is None:
        return MISSING
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(f):
        return MISSING
    if significant is not None:
        digits = math.floor(math.log10(abs(f))) + 1 if f != 0 and math.isfinite(f) else 1
        decimals = max(0, significant - digits)
    else:
        f = round_half_away_number(f, decimals)
    s = f"{f:{'+' if signed else ''},.{decimals}f}"
    if significant is not None and "." in s:
        s = s.rstrip("0").rstrip(".")
    if lang == "sv":
        s = s.replace(",", THIN_SPACE).replace(".", ",")
    return s


def parse_num(s: str, lang: str) -> float:
    """The number :func:`fmt_num` showed as ``s`` (the inverse, up to the rounding).

    Raises
    ------
    ValueError
        ``s`` is not a number written as :func:`fmt_num` writes it in ``lang``.
    """
    if lang == "sv":
        return float(s.replace(THIN_SPACE, "").replace(",", "."))
    return float(s.replace(",", ""))
