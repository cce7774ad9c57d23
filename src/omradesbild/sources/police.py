"""The Police's areas: *utsatta områden*, *riskområden* and *särskilt utsatta områden*.

Two inputs:

- the published boundaries (``uso_2023`` shapefile: ``NAMN``, ``KATEGORI``, ``ORT``,
  ``LOKALPOLIS``, ``REGION``, ``AKTUALITET``) -> :func:`read_police_areas`;
- a list of areas per year without polygons (CSV ``name,kommun,category,trend_vs_2024,
  riskomrade_2023,regso2025_approx``) -> :func:`read_police_list`.

Police areas have no official code, so the code is a slug of place and name, see
:func:`police_area_code`.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from omradesbild.areas.codes import validate_code
from omradesbild.config import DEFAULT_VERSION
from omradesbild.errors import InputError
from omradesbild.sources.base import (
    AREA_COLUMNS,
    CLASSIFICATION_COLUMNS,
    LICENCE_OPEN_DATA,
    LINK_COLUMNS,
    Areas,
    SourceMeta,
    csv_errors,
)
from omradesbild.sources.boundaries import build_areas, open_layer, source_meta
from omradesbild.wording import Message, both

#: Classification scheme id of the Police's categories.
POLICE_SCHEME = "police_uso"

#: Normalised categories and the Police's own wording.
POLICE_CATEGORIES: dict[str, str] = {
    "sarskilt_utsatt": "Särskilt utsatt område",
    "utsatt": "Utsatt område",
    "risk": "Riskområde",
}

_CATEGORY_ALIASES: dict[str, str] = {
    "sarskilt utsatt omrade": "sarskilt_utsatt",
    "sarskilt utsatt": "sarskilt_utsatt",
    "sarskilt_utsatt": "sarskilt_utsatt",
    "utsatt omrade": "utsatt",
    "utsatt": "utsatt",
    "riskomrade": "risk",
    "risk": "risk",
}

#: Columns of the police list CSV.
LIST_COLUMNS: tuple[str, ...] = (
    "name",
    "kommun",
    "category",
    "trend_vs_2024",
    "riskomrade_2023",
    "regso2025_approx",
)

_SHAPE_FIELDS: tuple[str, ...] = ("NAMN", "KATEGORI", "ORT")


def _fold(text: str) -> str:
    """Lower case without diacritics (å, ä -> a; ö -> o; é -> e)."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def slugify(text: str) -> str:
    """``"Hässleholmen/  Hulta"`` -> ``"hassleholmen-hulta"``: folded, runs of non
    alphanumerics replaced by one ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", _fold(text)).strip("-")


def police_area_code(place: str, name: str) -> str:
    """The code of a police area: ``slug(place) + "-" + slug(name)``.

    ``place`` is the layer's ``ORT`` in the boundary file (``"Stockholm"``,
    ``"Västra Frölunda"``) and the 4-digit kommun code in the list file, so
    ``police_area_code("Stockholm", "Rinkeby / Tensta") == "stockholm-rinkeby-tensta"`` and
    ``police_area_code("0180", "Husby") == "0180-husby"``. Codes are stable for the same
    place and name, and unique within one version (``police2023``, ``police2025``); they are
    not meant to match across the two inputs (their names and borders differ).
    """
    return f"{slugify(place)}-{slugify(name)}"


def normalise_police_category(text: str) -> str | None:
    """``"Särskilt utsatt område"`` -> ``"sarskilt_utsatt"``; ``None`` if unknown."""
    return _CATEGORY_ALIASES.get(re.sub(r"\s+", " ", _fold(text)).strip())


def _allowed_categories() -> str:
    return ", ".join(f"{k!r} ({v})" for k, v in POLICE_CATEGORIES.items())


def read_police_areas(path: str | Path, *, year: int, repair: bool = False) -> Areas:
    """Read the Police's published boundaries of one year (e.g. ``uso_2023``).

    Parameters
    ----------
    path
        The shapefile (or its folder), or the same fields in a GeoPackage/GeoJSON.
    year
        The year of the publication; version ``f"police{year}"``, classification period
        ``str(year)``.
    repair
        Repair invalid geometries (see :func:`omradesbild.sources.boundaries.read_boundaries`).

    Returns
    -------
    Areas
        ``areas`` at level ``police_area`` with geometry (EPSG:3006, 2D) and the other fields
        as attributes; ``classifications`` with scheme ``police_uso`` and category
        ``sarskilt_utsatt`` / ``utsatt`` / ``risk``.

    Raises
    ------
    InputError
        Missing fields, an empty name, an unknown ``KATEGORI`` or the geometry problems of
        :func:`~omradesbild.sources.boundaries.build_areas`.
    """
    p, layer, gdf = open_layer(path)
    missing = [f for f in _SHAPE_FIELDS if f not in gdf.columns]
    if missing:
        raise InputError(
            Message("err_src_missing_fields", fields=", ".join(missing)),
            file=p,
            field=missing[0],
            expected=Message("exp_src_fields", fields=", ".join(_SHAPE_FIELDS)),
        )
    codes, categories = _codes_and_categories(gdf, p)
    gdf = gdf.assign(_code=codes)
    version = f"police{year}"
    areas, repaired = build_areas(
        gdf,
        file=p,
        level="police_area",
        version=version,
        code_field="_code",
        name_field="NAMN",
        repair=repair,
    )
    cls_attrs = [
        json.dumps(
            {"kategori": str(k), "aktualitet": None if pd.isna(a) else str(a)},
            ensure_ascii=False,
        )
        for k, a in zip(
            gdf["KATEGORI"].tolist(),
            gdf["AKTUALITET"].tolist() if "AKTUALITET" in gdf else [None] * len(gdf),
            strict=True,
        )
    ]
    classes = pd.DataFrame(
        {
            "area_code": codes,
            "level": "police_area",
            "version": version,
            "scheme": POLICE_SCHEME,
            "period": str(year),
            "category": categories,
            "attributes": cls_attrs,
        },
        columns=list(CLASSIFICATION_COLUMNS),
    )
    notes = "code = police_area_code(ORT, NAMN)"
    warning = aktualitet_warning(
        gdf["AKTUALITET"].tolist() if "AKTUALITET" in gdf else [], year=year
    )
    if warning:
        notes += "; " + warning
    if repaired:
        notes += "; geometries repaired with shapely.make_valid: " + ", ".join(repaired)
    meta = source_meta(
        p,
        layer,
        publisher="Polismyndigheten",
        title=f"Polisens utsatta områden {year} (boundaries)",
        licence=LICENCE_OPEN_DATA,
        notes=notes,
    )
    return Areas(source=meta, areas=areas, classifications=classes)


def _codes_and_categories(gdf: pd.DataFrame, p: Path) -> tuple[list[str], list[str]]:
    """Area code (from ORT and NAMN) and normalised category of every feature, checked."""
    codes: list[str] = []
    categories: list[str] = []
    for i, (name, kat, ort) in enumerate(
        zip(gdf["NAMN"].tolist(), gdf["KATEGORI"].tolist(), gdf["ORT"].tolist(), strict=True),
        start=1,
    ):
        name_s = "" if pd.isna(name) else str(name)
        ort_s = "" if pd.isna(ort) else str(ort)
        if not slugify(name_s):
            raise InputError(
                Message("err_src_police_feature_no_name", i=i),
                file=p,
                row=i,
                field="NAMN",
                expected=Message("exp_src_area_name"),
            )
        codes.append(police_area_code(ort_s, name_s))
        cat = normalise_police_category("" if pd.isna(kat) else str(kat))
        if cat is None:
            raise InputError(
                Message("err_src_police_feature_category", i=i, name=name_s, category=repr(kat)),
                file=p,
                row=i,
                field="KATEGORI",
                expected=Message("exp_src_one_of", allowed=", ".join(POLICE_CATEGORIES.values())),
            )
        categories.append(cat)
    return codes, categories


#: Prefix of the warning :func:`aktualitet_warning` gives (and ``source.notes`` carries).
YEAR_WARNING = "VARNING/WARNING"


def aktualitet_warning(dates: Sequence[object], *, year: int) -> str | None:
    """A warning when ``year`` contradicts the file's own dates (``AKTUALITET``).

    The Police's layer dates each area's boundary. A year before the newest date claims the
    file older than boundaries it holds; a year after it may label an older publication as
    a newer one. Returns ``None`` when the year matches the newest date's year or the file
    has no dates.
    """
    years = []
    for d in dates:
        text = "" if d is None or (isinstance(d, float) and pd.isna(d)) else str(d).strip()
        if len(text) >= 4 and text[:4].isdigit():
            years.append((int(text[:4]), text))
    if not years:
        return None
    newest_year, newest = max(years)
    if newest_year == year:
        return None
    if year < newest_year:
        why = Message("warn_src_aktualitet_after", newest=newest)
    else:
        why = Message("warn_src_aktualitet_older", newest=newest, newest_year=str(newest_year))
    return f"{YEAR_WARNING}: {both('warn_src_aktualitet', year=str(year), why=why)}"


def _read_list_rows(p: Path) -> list[dict[str, str]]:
    expected = Message("exp_src_utf8_csv")
    with csv_errors(p, expected=expected), open(p, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in LIST_COLUMNS if c not in header]
        if missing:
            raise InputError(
                Message("err_src_missing_columns", columns=", ".join(missing)),
                file=p,
                row=1,
                field=missing[0],
                expected=Message("exp_src_header", header=",".join(LIST_COLUMNS)),
            )
        reader.fieldnames = header
        return [{k: (v or "").strip() for k, v in r.items() if k} for r in reader]


def _parse_bool(text: str, *, file: Path, row: int, field: str) -> bool:
    low = text.strip().lower()
    if low in ("", "false", "0", "no", "nej"):
        return False
    if low in ("true", "1", "yes", "ja"):
        return True
    raise InputError.bad_value(
        "err_src_not_bool", text, expected="exp_src_bool", file=file, row=row, field=field
    )


def read_police_list(path: str | Path, *, year: int = 2025) -> Areas:
    """Read a list of police areas of one year (no polygons).

    Parameters
    ----------
    path
        CSV with columns ``name, kommun, category, trend_vs_2024, riskomrade_2023,
        regso2025_approx`` (UTF-8; ``category`` one of ``sarskilt_utsatt``, ``utsatt``,
        ``risk`` or the Police's wording; ``regso2025_approx`` RegSO 2025 codes separated
        by ``;``, possibly empty).
    year
        The list's year: version ``f"police{year}"``, classification period ``str(year)``.

    Returns
    -------
    Areas
        ``areas`` at level ``police_area`` without geometry, code
        ``police_area_code(kommun, name)``, parent the kommun (``kommun2025``), attributes
        ``kommun``, ``trend_vs_2024``, ``riskomrade_2023`` (bool) and ``regso2025_approx``;
        ``classifications`` (scheme ``police_uso``); ``links`` police_area -> regso2025 with
        method ``name_match_approx``.

    Notes
    -----
    The RegSO codes were matched by name and are approximate. An area listed with
    :math:`n` RegSO codes gets one link to each with weight :math:`w = 1/n`: a placeholder
    equal split, not an areal or population share. ``riskomrade_2023`` is kept as an
    attribute; no 2023 classification is derived from it.

    Raises
    ------
    InputError
        Missing columns, empty name, malformed kommun or RegSO code, a RegSO outside the
        area's kommun, an unknown category, a bad boolean, or the same area twice.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(Message("err_src_file_not_found"), file=p)
    rows = _read_list_rows(p)
    version = f"police{year}"
    areas: list[dict[str, object]] = []
    classes: list[dict[str, object]] = []
    links: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for i, r in enumerate(rows, start=2):
        name, kommun, cat, risk23, regsos = _checked_list_row(r, file=p, row=i)
        code = police_area_code(kommun, name)
        if code in seen:
            raise InputError(
                Message(
                    "err_src_police_twice",
                    name=repr(name),
                    kommun=kommun,
                    first=seen[code],
                    second=i,
                ),
                file=p,
                row=i,
                field="name",
                expected=Message("exp_src_once_per_kommun"),
            )
        seen[code] = i
        trend = r.get("trend_vs_2024", "") or None
        area, cls = _list_rows(code, version, name, kommun, cat, trend, risk23, regsos, year)
        areas.append(area)
        classes.append(cls)
        links.extend(_regso_links(code, version, regsos))
    if not areas:
        raise InputError(
            Message("err_src_no_areas"),
            file=p,
            expected=Message("exp_src_one_row_per_police_area"),
        )
    meta = SourceMeta.of_file(
        p,
        publisher="Polismyndigheten",
        table_id=f"police_list_{year}",
        title=f"Polisens utsatta områden {year} (list, no polygons)",
        licence=LICENCE_OPEN_DATA,
        notes="code = police_area_code(kommun, name); links to RegSO 2025 are approximate "
        "name matches with equal weights 1/n",
    )
    return Areas(
        source=meta,
        areas=pd.DataFrame(areas, columns=list(AREA_COLUMNS)),
        links=pd.DataFrame(links, columns=list(LINK_COLUMNS)),
        classifications=pd.DataFrame(classes, columns=list(CLASSIFICATION_COLUMNS)),
    )


def _list_rows(
    code: str,
    version: str,
    name: str,
    kommun: str,
    cat: str,
    trend: str | None,
    risk23: bool,
    regsos: list[str],
    year: int,
) -> tuple[dict[str, object], dict[str, object]]:
    """The area row and the classification row of one police area of a list."""
    attributes = {
        "kommun": kommun,
        "category": cat,
        "trend_vs_2024": trend,
        "riskomrade_2023": risk23,
        "regso2025_approx": regsos,
    }
    area: dict[str, object] = {
        "area_code": code,
        "level": "police_area",
        "version": version,
        "name": name,
        "parent_code": kommun,
        "parent_level": "kommun",
        "parent_version": DEFAULT_VERSION["kommun"],
        "geometry": None,
        "attributes": json.dumps(attributes, ensure_ascii=False),
    }
    cls: dict[str, object] = {
        "area_code": code,
        "level": "police_area",
        "version": version,
        "scheme": POLICE_SCHEME,
        "period": str(year),
        "category": cat,
        "attributes": json.dumps({"trend_vs_2024": trend}, ensure_ascii=False),
    }
    return area, cls


def _checked_list_row(
    r: dict[str, str], *, file: Path, row: int
) -> tuple[str, str, str, bool, list[str]]:
    """(name, kommun, category, riskomrade_2023, RegSO codes) of one list row, checked."""

    def bad(message: Message, field: str, expected: str | None = None) -> InputError:
        return InputError(message, file=file, row=row, field=field, expected=expected)

    name, kommun = r.get("name", ""), r.get("kommun", "")
    if not slugify(name):
        raise bad(Message("err_src_empty_name"), "name", Message("exp_src_area_name"))
    problem = validate_code(kommun, "kommun")
    if problem is not None:
        raise bad(Message("err_src_not_kommun_code", value=repr(kommun)), "kommun", problem)
    cat = normalise_police_category(r.get("category", ""))
    if cat is None:
        raise bad(
            Message("err_src_unknown_category", category=repr(r.get("category", ""))),
            "category",
            Message("exp_src_one_of", allowed=_allowed_categories()),
        )
    risk23 = _parse_bool(r.get("riskomrade_2023", ""), file=file, row=row, field="riskomrade_2023")
    regsos = [c.strip() for c in r.get("regso2025_approx", "").split(";") if c.strip()]
    field = "regso2025_approx"
    for rc in regsos:
        problem = validate_code(rc, "regso")
        if problem is not None:
            raise bad(Message("err_src_not_regso_code", value=repr(rc)), field, problem)
        if rc[:4] != kommun:
            raise bad(
                Message("err_src_regso_outside_kommun", regso=rc, kommun=kommun),
                field,
                Message("exp_src_regso_starting", kommun=kommun),
            )
    if len(set(regsos)) != len(regsos):
        raise bad(Message("err_src_regso_twice"), field, Message("exp_src_each_regso_once"))
    return name, kommun, cat, risk23, regsos


def _regso_links(code: str, version: str, regsos: list[str]) -> list[dict[str, object]]:
    """Links of a police area to its RegSO 2025 (name matches, equal weights 1/n)."""
    return [
        {
            "from_code": code,
            "from_level": "police_area",
            "from_version": version,
            "to_code": rc,
            "to_level": "regso",
            "to_version": "regso2025",
            "weight": 1.0 / len(regsos),
            "method": "name_match_approx",
        }
        for rc in regsos
    ]
