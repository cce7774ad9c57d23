"""SCB/Delmos's published områdestyp (area type 1–5) per RegSO, as Statistikdatabasen exports it.

The export is a CSV (or tab/semicolon separated text) with one header row — first cell
``Område`` or empty, then one column per year — one row per RegSO named
``"Kommun (RegSO-namn)"`` and SCB's footnotes below an empty row. A RegSO name is unique
only together with its kommun, so rows are matched to RegSO codes through SCB's key (the
RegSO names with their kommun, as stored by ``ingest scb-key``). Every row is either matched
or reported as unmatched; nothing is dropped silently.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd

from omradesbild.errors import InputError
from omradesbild.sources.base import (
    AREA_COLUMNS,
    CLASSIFICATION_COLUMNS,
    SCB_MISSING_MARKERS,
    Areas,
    Observations,
    SourceMeta,
    empty_frame,
)
from omradesbild.wording import Message

#: Classification scheme of SCB's published area types in the store.
PUBLISHED_SCHEME = "scb_omradestyp_published"

#: Level and boundary version of the published types (RegSO 2020 names and codes).
LEVEL = "regso"
VERSION = "regso2020"

_NAME = re.compile(r"^.+\(.+\)$")
_YEAR = re.compile(r"^\d{4}$")
_TYPES = {"1", "2", "3", "4", "5"}


def name_key(text: str) -> str:
    """Matching key of ``"Kommun (RegSO-namn)"``: case-folded, spaces collapsed, one dash."""
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = re.sub(r"\s*-\s*", "-", text)
    text = re.sub(r"\s*\(\s*", " (", text)
    text = re.sub(r"\s*\)", ")", text)
    return " ".join(text.split()).casefold()


def display_name(kommun: str, regso: str) -> str:
    """SCB's name of a RegSO in Statistikdatabasen: ``"Kommun (RegSO-namn)"``."""
    return f"{kommun} ({regso})"


@dataclass(frozen=True)
class Unmatched:
    """A row of the file that names no RegSO of the key (or a RegSO the file lacks)."""

    row: int | None
    name: str
    reason: str


@dataclass
class PublishedTypes:
    """What :func:`read_scb_omradestyp` found: the classifications and what did not match."""

    parsed: Areas
    years: list[str]
    n_rows: int
    unmatched_rows: list[Unmatched] = field(default_factory=list)
    missing_regso: list[Unmatched] = field(default_factory=list)
    missing_values: int = 0


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError(
        Message("err_src_cannot_decode"), file=path, expected=Message("exp_src_text_encodings")
    )


def _rows(text: str) -> list[list[str]]:
    first = text.split("\n", 1)[0]
    delim = max([",", ";", "\t"], key=first.count)
    return [[c.strip() for c in r] for r in csv.reader(io.StringIO(text), delimiter=delim)]


def _header(rows: list[list[str]], path: Path) -> tuple[int, list[tuple[int, str]]]:
    """Index of the header row and ``(column, year)`` of every year column."""
    for i, r in enumerate(rows[:10]):
        years = [(j, c.strip('"')) for j, c in enumerate(r) if j > 0 and _YEAR.match(c.strip('"'))]
        if years and (r[0] == "" or r[0].casefold() in {"område", "region"}):
            return i, years
    raise InputError(
        Message("err_src_omradestyp_no_header"),
        file=path,
        row=1,
        expected=Message("exp_src_omradestyp_header"),
    )


def _label_lookup(rows: list[list[str]], regso: pd.DataFrame) -> dict[str, str]:
    """Label -> RegSO code for the labels of ``rows`` (up to the first empty row).

    Matched as ``ingest scb-csv`` matches them
    (:func:`~omradesbild.sources.regso_labels.match_regso_labels`: exact, then ignoring
    case, spacing and dash style), then also ignoring spaces around dashes
    (``"norra – Frestaby"`` = ``"norra-Frestaby"``). A label matching several RegSO maps to
    ``"?"`` + the reason.
    """
    from omradesbild.sources.regso_labels import match_regso_labels

    labels: list[str] = []
    for r in rows:
        if not any(r):
            break
        labels.append(r[0])
    areas = regso.rename(columns={"regso_name": "name"})
    match = match_regso_labels(labels, areas)
    out = match.mapping()
    for label, codes in match.ambiguous.items():
        out[label] = f"?matches several RegSO: {', '.join(codes)}"
    loose: dict[str, set[str]] = {}
    for c, k, n in zip(areas["area_code"], areas["kommun_name"], areas["name"], strict=True):
        loose.setdefault(name_key(display_name(str(k), str(n))), set()).add(str(c))
    for label in match.unmatched:
        hits = loose.get(name_key(label), set())
        if len(hits) == 1:
            out[label] = next(iter(hits))
    return out


def read_scb_omradestyp(path: str | Path, *, regso: pd.DataFrame) -> PublishedTypes:
    """Read SCB's published områdestyp per RegSO for every year the file holds.

    Parameters
    ----------
    path
        Statistikdatabasen export (CSV/semicolon/tab), see the module docstring.
    regso
        SCB's key as ``area_code, kommun_name, regso_name`` (every RegSO 2020).

    Returns
    -------
    PublishedTypes
        ``parsed.classifications`` (scheme :data:`PUBLISHED_SCHEME`, level ``regso``,
        version ``regso2020``, period = year, category ``"1"`` … ``"5"``, attributes the
        name as published), the file's rows that match no RegSO, the RegSO of the key the
        file does not name, and the number of missing values (``..`` and the like).

    Raises
    ------
    InputError
        No header with years, a row that is not ``"Kommun (RegSO-namn)"``, a value that is
        not a type 1–5 or one of SCB's missing markers, or the same RegSO twice.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(Message("err_src_file_not_found"), file=p)
    rows = _rows(_read_text(p))
    head, years = _header(rows, p)
    lookup = _label_lookup(rows[head + 1 :], regso)
    records: list[dict[str, object]] = []
    unmatched: list[Unmatched] = []
    seen: dict[str, int] = {}
    n_rows = n_missing = 0
    area_error = partial(InputError, file=p, field="Område")
    for i in range(head + 1, len(rows)):
        r = rows[i]
        if not any(r):
            break  # footnotes follow the first empty row
        n_rows += 1
        if _NAME.match(r[0]) is None:
            raise area_error(
                Message("err_src_not_regso_name", value=repr(r[0])),
                row=i + 1,
                expected=Message("exp_src_regso_name"),
            )
        code = lookup.get(r[0])
        if code is None or code.startswith("?"):
            reason = code[1:] if code else "no RegSO of SCB's key has this name"
            unmatched.append(Unmatched(i + 1, r[0], reason))
            continue
        if code in seen:
            raise area_error(
                Message(
                    "err_src_regso_row_twice", code=code, label=r[0], first=seen[code], second=i + 1
                ),
                row=i + 1,
                expected=Message("exp_src_one_row_per_regso"),
            )
        seen[code] = i + 1
        row_records, row_missing = _type_records(r, code, years, file=p, row=i + 1)
        records.extend(row_records)
        n_missing += row_missing
    missing = [
        Unmatched(
            None, f"{display_name(str(k), str(n))} [{c}]", "RegSO of SCB's key not in the file"
        )
        for c, k, n in zip(
            regso["area_code"], regso["kommun_name"], regso["regso_name"], strict=True
        )
        if str(c) not in seen
    ]
    classes = pd.DataFrame(records) if records else empty_frame(CLASSIFICATION_COLUMNS)
    source = SourceMeta.of_file(
        p,
        table_id="omradestyp",
        title="Områdestyp per RegSO (SCB/Delmos), " + ", ".join(y for _, y in years),
        reference=str(p),
        notes=(
            f"{len(seen)} RegSO matched, {len(unmatched)} rows unmatched"
            + (": " + "; ".join(u.name for u in unmatched[:20]) if unmatched else "")
        ),
    )
    parsed = Areas(source=source, areas=empty_frame(AREA_COLUMNS), classifications=classes)
    return PublishedTypes(
        parsed, [y for _, y in years], n_rows, unmatched, missing, missing_values=n_missing
    )


def _type_records(
    r: list[str], code: str, years: list[tuple[int, str]], *, file: Path, row: int
) -> tuple[list[dict[str, object]], int]:
    """Classification rows of one RegSO (one per year with a type), and its missing values."""
    records: list[dict[str, object]] = []
    n_missing = 0
    for j, year in years:
        value = r[j].strip('"') if j < len(r) else ""
        if value in SCB_MISSING_MARKERS or value == "":
            n_missing += 1
            continue
        if value not in _TYPES:
            expected = "exp_src_omradestyp_missing"
            raise InputError.bad_value(
                "err_src_not_omradestyp", value, expected=expected, file=file, row=row, field=year
            )
        records.append(
            {
                "area_code": code,
                "level": LEVEL,
                "version": VERSION,
                "scheme": PUBLISHED_SCHEME,
                "period": year,
                "category": value,
                "attributes": json.dumps({"name": r[0]}, ensure_ascii=False),
            }
        )
    return records, n_missing


# -- the same series from SCB's PX-Web API ---------------------------------------------------------
#: SCB's PX-Web table of the socioeconomic index and områdestyp per RegSO (catalogued in
#: ``scb_tables.yaml``, where its content labels map to variable ids).
PXWEB_TABLE = "TAB6586"

#: Variable id of the published områdestyp in observations parsed from :data:`PXWEB_TABLE`.
PXWEB_TYPE_VARIABLE = "scb_omradestyp"


def pxweb_variable(codes: tuple[str, ...], labels: tuple[str, ...]) -> str | None:
    """Variable id of a content combination of :data:`PXWEB_TABLE` (a ``VariableMap``).

    Looked up by label in the catalogue entry ``TAB6586`` of ``scb_tables.yaml``.
    """
    from omradesbild.sources.scb_xlsx import load_catalogue

    found = load_catalogue().tables[PXWEB_TABLE].lookup(list(labels))
    return None if found is None else found[0]


def published_types_from_observations(obs: Observations) -> Areas:
    """The områdestyp rows of a parsed :data:`PXWEB_TABLE` response as the published series.

    Parameters
    ----------
    obs
        Observations from ``parse_jsonstat2(…, variable_map=pxweb_variable)``.

    Returns
    -------
    Areas
        Classifications (scheme :data:`PUBLISHED_SCHEME`, category ``"1"`` … ``"5"``) of
        every RegSO with a value; the same source.

    Raises
    ------
    InputError
        A value that is not a type 1–5, or an area that is not a RegSO.
    """
    d = obs.data.loc[(obs.data["variable"] == PXWEB_TYPE_VARIABLE) & obs.data["value"].notna()]
    bad_level = d.loc[~d["area_version"].astype(str).str.startswith(LEVEL)]
    if len(bad_level):
        raise InputError(
            Message("err_src_area_not_regso", code=repr(bad_level["area_code"].iloc[0])),
            file=obs.source.reference,
            field="Region",
            expected=Message("exp_src_regso_codes"),
        )
    values = d["value"].astype(float)
    bad = ~values.isin([1.0, 2.0, 3.0, 4.0, 5.0])
    if bad.any():
        first, where = float(values[bad].iloc[0]), d["area_code"][bad].iloc[0]
        raise InputError(
            Message("err_src_not_omradestyp_area", value=f"{first:g}", code=where),
            file=obs.source.reference,
            field=PXWEB_TYPE_VARIABLE,
            expected=Message("exp_src_omradestyp"),
        )
    classes = pd.DataFrame(
        {
            "area_code": d["area_code"].astype(str).to_numpy(),
            "level": LEVEL,
            "version": d["area_version"].astype(str).to_numpy(),
            "scheme": PUBLISHED_SCHEME,
            "period": d["period"].astype(str).to_numpy(),
            "category": [str(int(v)) for v in values],
            "attributes": None,
        }
    )
    return Areas(source=obs.source, areas=empty_frame(AREA_COLUMNS), classifications=classes)
