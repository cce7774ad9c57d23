"""PX files (PC-Axis / PxWeb, AXIS-VERSION 2000 and later) as observations.

A PX file is a list of ``KEYWORD[lang]("subkey", …)=value;`` entries ending with ``DATA``:

* values are quoted strings (a long one split over several lines as adjacent quoted pieces,
  which are joined), comma-separated lists of them, bare words (``YES``, numbers) or
  ``TLIST(A1),…``;
* ``STUB`` and ``HEADING`` name the variables; ``VALUES("var")`` their value texts and
  ``CODES("var")`` their codes; ``DATA`` holds the cells row-major over ``STUB + HEADING``;
* ``CHARSET="ANSI"`` means Windows-1252, ``CODEPAGE`` names the encoding (e.g. ``utf-8``);
* ``LANGUAGE`` is the default language and ``LANGUAGES`` all of them; ``KEYWORD[en]`` holds
  the English text;
* cells ``.`` to ``......`` and ``-`` are missing, with the meaning ``DATASYMBOL1`` …
  ``DATASYMBOL6`` and ``DATASYMBOLNIL`` give; ``..`` etc. may be quoted.

The cube is handed to :func:`~omradesbild.sources.pxweb.jsonstat.parse_jsonstat2`, so region,
time, variable naming and missing values follow the same rules as PX-Web's API answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypedDict, Unpack

from omradesbild.areas.registry import COUNTRY_CODE, is_country
from omradesbild.errors import InputError
from omradesbild.sources.base import SCB_MISSING_MARKERS, Observations, bytes_checksum
from omradesbild.sources.pxweb.common import (
    DimensionMap,
    VariableMap,
    _level_of,
    _VariableResolver,
    find_region_dimension,
    find_time_dimension,
    slugify,
    split_region_code,
)
from omradesbild.sources.pxweb.jsonstat import ConvertedFile, parse_jsonstat2
from omradesbild.wording import Message

__all__ = ["PxEntry", "PxFile", "decode_px", "parse_px", "read_px"]

_ENTRY_RE = re.compile(r'\s*((?:"[^"]*"|[^"=;])+?)\s*=((?:"[^"]*"|[^";=])*);', re.DOTALL)
_KEY_RE = re.compile(r"^([A-Za-z0-9_-]+)(?:\[([^\]]+)\])?\s*(?:\((.*)\))?$", re.DOTALL)
_TOKEN_RE = re.compile(r'"([^"\r\n]*)"|(,)|(TLIST\([^)]*\))|([^\s,"]+)')
_DATA_RE = re.compile(r'"([^"]*)"|([^\s,;"]+)')
_MARKERS = (".", "..", "...", "....", ".....", "......")
_SCB_NAMES = re.compile(r"\bSCB\b|statistiska centralbyrån|statistics sweden", re.IGNORECASE)


@dataclass(frozen=True)
class PxEntry:
    """One ``KEYWORD[lang](subkeys)=values;`` entry and the line it starts on."""

    keyword: str
    lang: str | None
    subkeys: tuple[str, ...]
    values: tuple[str, ...]
    line: int


def decode_px(raw: bytes) -> str:
    """Decode a PX file: a UTF-8 BOM or ``CODEPAGE`` wins, ``CHARSET="ANSI"`` is Windows-1252.

    Without either, UTF-8 is tried and Windows-1252 taken when it fails.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    head = raw[:20000].decode("latin-1")
    m = re.search(r'CODEPAGE\s*=\s*"([^"]+)"', head, re.IGNORECASE)
    encodings = [m.group(1).strip().lower()] if m else []
    if re.search(r'CHARSET\s*=\s*"ANSI"', head, re.IGNORECASE) and not encodings:
        encodings = ["cp1252"]
    encodings += ["utf-8", "cp1252"]
    for enc in encodings:
        try:
            return raw.decode("cp1252" if enc in ("iso-8859-1", "latin-1", "ansi") else enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("cp1252", errors="replace")  # pragma: no cover - cp1252 decodes all


def _values(text: str) -> tuple[str, ...]:
    """The items of a value: adjacent quoted pieces are joined, commas separate items."""
    items: list[str] = []
    joinable = False
    for m in _TOKEN_RE.finditer(text):
        quoted, comma, tlist, bare = m.groups()
        if comma:
            joinable = False
        elif quoted is not None:
            if joinable and items:
                items[-1] += quoted
            else:
                items.append(quoted)
            joinable = True
        else:
            items.append(tlist or bare)
            joinable = False
    return tuple(items)


class PxFile:
    """The entries of a PX file, looked up by keyword, language and subkey.

    Parameters
    ----------
    text
        The decoded file.
    reference
        File name, used in errors.
    """

    def __init__(self, text: str, *, reference: str) -> None:
        self.reference = reference
        self.entries: list[PxEntry] = []
        self.data_text = ""
        self.data_line = 0
        data_at = re.search(r"(?m)^\s*DATA\s*=", text)
        if data_at is None:
            raise InputError(
                Message("err_src_px_no_data"), file=reference, expected=Message("exp_src_px_data")
            )
        head, body = text[: data_at.start()], text[data_at.end() :]
        self.data_line = head.count("\n") + 1
        end = body.rfind(";")
        self.data_text = body[:end] if end >= 0 else body
        pos = 0
        for m in _ENTRY_RE.finditer(head):
            if head[pos : m.start()].strip():
                self._bad(head, pos, "exp_src_px_entry")
            pos = m.end()
            self._add(m.group(1), m.group(2), head.count("\n", 0, m.start(1)) + 1)
        if head[pos:].strip():
            self._bad(head, pos, "exp_src_px_entry_end")

    def _bad(self, head: str, pos: int, expected: str) -> None:
        """Raise for the text at ``pos``; ``expected`` is a key of the wording catalogue."""
        line = head.count("\n", 0, pos) + 1 + (len(head[pos:]) - len(head[pos:].lstrip("\n")))
        snippet = head[pos:].strip().splitlines()[0][:60]
        raise InputError(
            Message("err_src_px_cannot_read", snippet=repr(snippet)),
            file=self.reference,
            row=line,
            expected=Message(expected),
        )

    def _add(self, key: str, value: str, line: int) -> None:
        m = _KEY_RE.match(" ".join(key.split()))
        if m is None:
            raise InputError(
                Message("err_src_px_not_keyword", keyword=repr(key)),
                file=self.reference,
                row=line,
                expected='KEYWORD, KEYWORD[lang] or KEYWORD("subkey")',
            )
        subkeys = tuple(re.findall(r'"([^"]*)"', m.group(3) or ""))
        entry = PxEntry(m.group(1).upper(), m.group(2), subkeys, _values(value), line)
        self.entries.append(entry)

    def get(self, keyword: str, *subkeys: str, lang: str | None = None) -> tuple[str, ...] | None:
        """The values of ``keyword`` (in language ``lang``; ``None``: the default one)."""
        for e in self.entries:
            if e.keyword == keyword and e.lang == lang and e.subkeys == subkeys:
                return e.values
        return None

    def first(self, keyword: str, *subkeys: str, lang: str | None = None) -> str | None:
        """The first value of ``keyword``, or ``None``."""
        found = self.get(keyword, *subkeys, lang=lang)
        return found[0] if found else None

    def line_of(self, keyword: str) -> int | None:
        """The line a keyword first appears on."""
        return next((e.line for e in self.entries if e.keyword == keyword), None)

    def notes(self) -> list[str]:
        """Every ``NOTE``/``NOTEX`` text of the default language, with its variable."""
        out = []
        for e in self.entries:
            if e.keyword in ("NOTE", "NOTEX") and e.lang is None:
                where = f" ({', '.join(e.subkeys)})" if e.subkeys else ""
                out.append(f"{e.keyword}{where}: {' '.join(e.values)}")
        return out


def _tlist_period(code: str, kind: str) -> str:
    """A TIMEVAL code as a period: A1 ``2019``, H1 ``20191``, Q1 ``20191``, M1 ``201906``."""
    c = code.strip()
    if not c.isdigit():
        return c
    if kind == "H1" and len(c) == 5:
        return f"{c[:4]}-H{c[4]}"
    if kind == "Q1" and len(c) == 5:
        return f"{c[:4]}-Q{c[4]}"
    if kind == "M1" and len(c) == 6:
        return f"{c[:4]}-{c[4:]}"
    if kind == "W1" and len(c) == 6:
        return f"{c[:4]}-W{c[4:]}"
    return c


def _region_code(value: str) -> str:
    """The area code in a region value such as ``"0114 Upplands Väsby"`` or ``"Riket"``."""
    if is_country(value):
        return COUNTRY_CODE
    first = value.split()[0] if value.split() else value
    return first if _level_of(split_region_code(first)[0]) else value


@dataclass(frozen=True)
class _Variable:
    name: str  # in the chosen language
    codes: list[str]
    labels: list[str]
    elimination: str | None  # the value that is the total, when ELIMINATION names one


def _variables(px: PxFile, lang: str | None) -> tuple[list[_Variable], list[str]]:
    """Stub and heading variables (in ``lang``) and their names in the default language."""
    default_names = [*(px.get("STUB") or ()), *(px.get("HEADING") or ())]
    names = (
        [*(px.get("STUB", lang=lang) or ()), *(px.get("HEADING", lang=lang) or ())]
        if lang
        else default_names
    )
    if len(names) != len(default_names):
        raise InputError(
            Message("err_src_px_names", language=lang, n=len(names), default=len(default_names)),
            file=px.reference,
            field=f"STUB[{lang}]",
        )
    out = []
    for name, dname in zip(names, default_names, strict=True):
        labels = px.get("VALUES", name, lang=lang) or px.get("VALUES", dname)
        if labels is None:
            raise InputError(
                Message("err_src_px_no_values", name=repr(name)),
                file=px.reference,
                row=px.line_of("STUB"),
                field=f'VALUES("{name}")',
                expected=Message("exp_src_px_values"),
            )
        codes = px.get("CODES", name, lang=lang) or px.get("CODES", dname) or labels
        if len(codes) != len(labels):
            raise InputError(
                Message("err_src_px_codes", codes=len(codes), values=len(labels)),
                file=px.reference,
                field=f'CODES("{name}")',
                expected=Message("exp_src_px_one_code"),
            )
        elim = px.first("ELIMINATION", name, lang=lang) or px.first("ELIMINATION", dname)
        total = None
        if elim is not None and elim.upper() not in ("YES", "NO"):
            total = codes[labels.index(elim)] if elim in labels else None
        out.append(_Variable(name, list(codes), list(labels), total))
    return out, default_names


def _cells(px: PxFile, n_cells: int) -> tuple[list[float | None], list[str | None]]:
    """The DATA cells as numbers, with the missing-value marker of each cell."""
    values: list[float | None] = []
    status: list[str | None] = []
    for i, m in enumerate(_DATA_RE.finditer(px.data_text)):
        token = m.group(1) if m.group(1) is not None else m.group(2)
        token = token.strip()
        if token in _MARKERS or token == "-" or token in SCB_MISSING_MARKERS:
            values.append(None)
            status.append(token)
            continue
        try:
            values.append(float(token.replace(",", ".")))
        except ValueError as exc:
            row = px.data_line + px.data_text.count("\n", 0, m.start())
            raise InputError(
                Message("err_src_px_cell", i=i + 1, token=repr(token)),
                file=px.reference,
                row=row,
                field="DATA",
                expected=Message("exp_src_px_numbers"),
            ) from exc
        status.append(None)
    if len(values) != n_cells:
        raise InputError(
            Message("err_src_px_cell_count", n=len(values), expected=n_cells),
            file=px.reference,
            row=px.data_line,
            field="DATA",
            expected=Message("exp_src_px_cells", n=n_cells),
        )
    return values, status


def _missing_reasons(px: PxFile, lang: str | None) -> dict[str, str]:
    reasons: dict[str, str] = {}
    for n, marker in enumerate(_MARKERS, start=1):
        symbol = px.first(f"DATASYMBOL{n}", lang=lang) or px.first(f"DATASYMBOL{n}")
        base = SCB_MISSING_MARKERS.get(marker) or f"{marker}: uppgift saknas"
        reasons[marker] = f"{base} (DATASYMBOL{n}: {symbol})" if symbol else base
    nil = px.first("DATASYMBOLNIL", lang=lang) or px.first("DATASYMBOLNIL")
    if nil:
        reasons["-"] = f"{SCB_MISSING_MARKERS['-']} (DATASYMBOLNIL: {nil})"
    return reasons


def parse_px(
    raw: bytes,
    *,
    reference: str,
    lang: str | None = None,
    variable_map: VariableMap | None = None,
    area_version: str | None = None,
    total_area: str | None = None,
    table_id: str | None = None,
    unmapped: Literal["slug", "drop", "error"] = "slug",
    retrieved_at: datetime | None = None,
) -> Observations:
    """Parse the bytes of a PX file into observations.

    Parameters
    ----------
    raw
        The file's bytes (encoding from ``CODEPAGE``/``CHARSET``, see :func:`decode_px`).
    reference
        File name or URL, used in the source and in errors.
    lang
        Language of labels; default: the file's ``LANGUAGE`` (Swedish in SCB's files).
        Another language must be listed in ``LANGUAGES``.
    variable_map, area_version, unmapped
        As for :func:`~omradesbild.sources.pxweb.jsonstat.parse_jsonstat2`. Unmapped
        combinations are named from their value texts, leaving out a value that is the total
        its variable's ``ELIMINATION`` names (``Folkmängd``/``totalt`` -> ``folkmangd``).
    total_area
        The area of a file without a region variable; default Sweden when SCB published it.
    table_id
        Default: ``MATRIX``.

    Raises
    ------
    InputError
        Naming the file, the line and keyword, and what was expected.
    """
    px = PxFile(decode_px(raw), reference=reference)
    if px.get("KEYS") is not None:
        raise InputError(
            Message("err_src_px_keys"),
            file=reference,
            row=px.line_of("KEYS"),
            field="KEYS",
            expected=Message("exp_src_px_full"),
        )
    use_lang = _language(px, lang)
    variables, _ = _variables(px, use_lang)
    n_cells = 1
    for v in variables:
        n_cells *= len(v.codes)
    values, status = _cells(px, n_cells)
    names = [v.name for v in variables]
    codes = {v.name: v.codes for v in variables}
    time_name, kind = _time_variable(px, names, codes, use_lang)
    contvar = px.first("CONTVARIABLE", lang=use_lang)
    region = find_region_dimension(names, codes, exclude=[time_name] if time_name else [])
    dataset = _as_jsonstat(px, variables, values, status, use_lang, time_name, kind, region)
    dataset["role"] = {
        "time": [time_name] if time_name else [],
        "geo": [region] if region else [],
        "metric": [contvar] if contvar in names else [],
    }
    source_text = px.first("SOURCE", lang=use_lang) or px.first("SOURCE") or ""
    publisher = "SCB" if _SCB_NAMES.search(source_text) else (source_text or "okänd källa")
    totals = {v.name: v.elimination for v in variables if v.elimination is not None}
    return parse_jsonstat2(
        dataset,
        reference=reference,
        variable_map=_namer(variable_map, unmapped, names, totals, time_name, region),
        area_version=area_version,
        table_id=table_id or px.first("MATRIX") or Path(reference).stem,
        unmapped=unmapped,
        retrieved_at=retrieved_at,
        total_area=total_area,
        publisher=publisher,
        converted_from=ConvertedFile(
            bytes_checksum(raw), _notes(px), _missing_reasons(px, use_lang)
        ),
    )


def _language(px: PxFile, lang: str | None) -> str | None:
    """The language to read (``None``: the file's default), checked against ``LANGUAGES``."""
    default_lang = px.first("LANGUAGE")
    languages = list(px.get("LANGUAGES") or ([default_lang] if default_lang else []))
    use_lang = None if lang in (None, default_lang) else lang
    if use_lang is not None and use_lang not in languages:
        raise InputError(
            Message("err_src_px_language", language=repr(lang)),
            file=px.reference,
            field="LANGUAGES",
            expected=Message(
                "exp_src_one_of", allowed=str(languages or [default_lang or "the default"])
            ),
        )
    return use_lang


def _time_variable(
    px: PxFile, names: list[str], codes: Mapping[str, list[str]], lang: str | None
) -> tuple[str | None, str]:
    """The time variable (``TIMEVAL``, else found by name or codes) and its TLIST kind."""
    timeval = next((e for e in px.entries if e.keyword == "TIMEVAL" and e.lang == lang), None)
    time_name = timeval.subkeys[0] if timeval and timeval.subkeys else None
    if time_name not in names:
        time_name = find_time_dimension(names, codes)
    kind = "A1"
    if timeval and timeval.values and (m := re.match(r"TLIST\((\w\d)", timeval.values[0])):
        kind = m.group(1).upper()
    return time_name, kind


def _notes(px: PxFile) -> str:
    """Source notes: the AXIS-VERSION, the file's NOTEs and DECIMALS."""
    notes = [f"PX file (AXIS-VERSION {px.first('AXIS-VERSION') or '?'})", *px.notes()]
    if px.first("DECIMALS"):
        notes.append(f"DECIMALS={px.first('DECIMALS')}")
    return "; ".join(notes)


def _as_jsonstat(
    px: PxFile,
    variables: Sequence[_Variable],
    values: list[float | None],
    status: list[str | None],
    lang: str | None,
    time_name: str | None,
    kind: str,
    region: str | None,
) -> dict[str, Any]:
    """The cube as a JSON-stat 2 dataset (``STUB + HEADING`` is the row-major order)."""
    dims: dict[str, Any] = {}
    contvar = px.first("CONTVARIABLE", lang=lang)
    for v in variables:
        codes = v.codes
        if v.name == time_name:
            codes = [_tlist_period(c, kind) for c in codes]
        elif v.name == region:
            codes = [_region_code(c) for c in codes]
        category: dict[str, Any] = {
            "index": {c: i for i, c in enumerate(codes)},
            "label": dict(zip(codes, v.labels, strict=True)),
        }
        if v.name == contvar:
            category["unit"] = _content_units(px, codes, v.labels, lang)
        if len(set(codes)) != len(codes):
            raise InputError(
                Message("err_src_px_repeated_code", name=repr(v.name)),
                file=px.reference,
                field=f'CODES("{v.name}")',
                expected=Message("exp_src_px_distinct"),
            )
        dims[v.name] = {"label": v.name, "category": category}
    units = px.first("UNITS", lang=lang) or px.first("UNITS")
    return {
        "version": "2.0",
        "class": "dataset",
        "label": px.first("TITLE", lang=lang) or px.first("CONTENTS", lang=lang) or "",
        "id": [v.name for v in variables],
        "size": [len(v.codes) for v in variables],
        "dimension": dims,
        "value": values,
        "status": {str(i): st for i, st in enumerate(status) if st is not None},
        "extension": {"px": {"tableid": px.first("MATRIX"), "units": units}},
    }


def _content_units(
    px: PxFile, codes: list[str], labels: list[str], lang: str | None
) -> dict[str, dict[str, Any]]:
    """The unit (and DECIMALS) of each content, from ``UNITS("<content>")`` or ``UNITS``."""
    content_units: dict[str, dict[str, Any]] = {}
    for code, label in zip(codes, labels, strict=True):
        unit = px.first("UNITS", label, lang=lang) or px.first("UNITS", lang=lang)
        if unit:
            decimals = _int(px.first("DECIMALS"))
            content_units[code] = {"base": unit, "decimals": decimals}
    return content_units


def _int(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def _namer(
    variable_map: VariableMap | None,
    unmapped: str,
    names: Sequence[str],
    totals: Mapping[str, str],
    time_name: str | None,
    region: str | None,
) -> Callable[[tuple[str, ...], tuple[str, ...]], str | None]:
    """Mapped id, else (``unmapped="slug"``) a name from the value texts without totals."""
    others = [n for n in names if n not in (time_name, region)]
    if isinstance(variable_map, DimensionMap):
        variable_map = variable_map.for_dimensions(others)
    mapped = _VariableResolver(variable_map, "drop")

    def name(codes: tuple[str, ...], labels: tuple[str, ...]) -> str | None:
        hit = mapped.lookup(codes, labels)
        if hit is not None or unmapped != "slug" or not labels:
            return hit  # a table of region and time only is named after the table
        parts = [
            lab
            for var, code, lab in zip(others, codes, labels, strict=False)
            if totals.get(var) != code
        ]
        return slugify("_".join(parts or labels)) or "value"

    return name


class PxOptions(TypedDict, total=False):
    """The options of :func:`parse_px` that :func:`read_px` passes on."""

    lang: str | None
    variable_map: VariableMap | None
    area_version: str | None
    total_area: str | None
    unmapped: Literal["slug", "drop", "error"]


def read_px(path: str | Path, **options: Unpack[PxOptions]) -> Observations:
    """Read a PX file from disk, see :func:`parse_px`."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(
            Message("err_src_cannot_read", error=str(exc)),
            file=p,
            expected=Message("exp_src_px_readable"),
        ) from exc
    return parse_px(raw, reference=p.name, **options)
