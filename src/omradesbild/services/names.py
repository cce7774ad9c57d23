"""Area names beside area codes in every table written for a reader.

:func:`with_area_names` puts ``area_name`` right after ``area_code`` (and ``kommun_code``,
``kommun_name`` after it for areas below the kommun: DeSO, RegSO, districts, police areas …)
at the front of a table. The names come from the store's area registry; kommun names from
the kommun areas in the store, else from SCB's kommun list shipped in
:mod:`omradesbild.areas.registry`. Every service that returns a table for output calls it,
so the command line, the exports and the reports never look names up themselves.

Rules
-----
- An area's name is its own name in the registry. An area without one (SCB does not name
  DeSO) is named after the RegSO it lies in by SCB's key, else after its named parent:
  "del av Rinkeby" (``area_name_part_of``); otherwise its code is its name.
- The kommun of an area is the kommun its code starts with (DeSO, RegSO), else its parent
  kommun (or the kommun of its parent DeSO/RegSO), else a ``kommun``/``kommunkod`` attribute
  of its boundary file, else (a district stored without any of these) the kommun of the
  RegSO and DeSO the store's crosswalks link to it, by the largest summed weight. Where no
  area of the table has one, the kommun columns are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pandas as pd

from omradesbild.areas.codes import DESO_RE, KOMMUN_RE, REGSO_RE, kommun_of
from omradesbild.config import DEFAULT_VERSION
from omradesbild.store import Store
from omradesbild.wording import text

#: The name columns, in the order they follow ``area_code``.
NAME_COLUMNS: tuple[str, ...] = ("area_name", "kommun_code", "kommun_name")

#: Levels that are not below a kommun (no kommun columns).
NOT_SUB_KOMMUN: frozenset[str] = frozenset({"kommun", "lan", "country"})

#: Attributes of a boundary file that may name an area's kommun.
_KOMMUN_ATTRIBUTES = ("kommun", "kommunkod", "kommun_kod", "KOMMUNKOD", "KOMMUN_KOD", "kommunkod_")


def names_by_code(areas: pd.DataFrame) -> dict[str, str]:
    """Area code -> name of the ``area_code`` and ``name`` columns of ``areas``; an area
    without a name is named by its code."""
    return {
        str(c): (n if isinstance(n, str) and n else str(c))
        for c, n in zip(areas["area_code"], areas["name"], strict=True)
    }


def kommun_names(store: Store) -> dict[str, str]:
    """Kommun code -> name: the kommun areas in the store, then SCB's shipped list."""
    from omradesbild.areas.registry import kommuner

    shipped = kommuner()
    names = dict(zip(shipped["code"].astype(str), shipped["name"].astype(str), strict=True))
    stored = store.areas(level="kommun")
    for code, name in zip(stored["area_code"], stored["name"], strict=True):
        if isinstance(name, str) and name:
            names[str(code)] = name
    return names


def _attribute_kommun(attributes: object) -> str | None:
    if not isinstance(attributes, str) or not attributes:
        return None
    try:
        attrs = json.loads(attributes)
    except ValueError:
        return None
    if not isinstance(attrs, dict):
        return None
    for key in _KOMMUN_ATTRIBUTES:
        value = attrs.get(key)
        if value is not None and KOMMUN_RE.match(str(value).strip()):
            return str(value).strip()
    return None


def _area_kommun(
    code: str, level: str, parent: object, parent_level: object, attrs: object
) -> str | None:
    if level in NOT_SUB_KOMMUN:
        return None
    if DESO_RE.match(code) or REGSO_RE.match(code):
        return kommun_of(code)
    if isinstance(parent, str) and parent:
        if parent_level == "kommun" and KOMMUN_RE.match(parent):
            return parent
        if DESO_RE.match(parent) or REGSO_RE.match(parent):
            return kommun_of(parent)
    return _attribute_kommun(attrs)


def _linked_kommun(store: Store, codes: set[str]) -> dict[str, str]:
    """District -> the kommun of the RegSO and DeSO linked to it in the store's crosswalks
    (the kommun holding the largest summed weight), for districts no other rule places."""
    rows = store.con.execute(
        "SELECT from_code, from_level, to_code, to_level, weight FROM links "
        "WHERE (from_level IN ('regso', 'deso')) <> (to_level IN ('regso', 'deso'))"
    ).fetchall()
    votes: dict[str, dict[str, float]] = {}
    for from_code, from_level, to_code, to_level, weight in rows:
        if from_level in ("regso", "deso") and to_code in codes:
            area, small = str(to_code), str(from_code)
        elif to_level in ("regso", "deso") and from_code in codes:
            area, small = str(from_code), str(to_code)
        else:
            continue
        if DESO_RE.match(small) or REGSO_RE.match(small):
            k = votes.setdefault(area, {})
            k[kommun_of(small)] = k.get(kommun_of(small), 0.0) + float(weight or 0.0)
    return {a: max(sorted(k), key=lambda c: k[c]) for a, k in votes.items() if k}


def _pick(areas: pd.DataFrame, preferred: pd.Series) -> pd.DataFrame:
    """One row per code: a ``preferred`` row first, then the level's default version."""
    default = areas["level"].map(DEFAULT_VERSION) == areas["version"]
    ranked = areas.assign(_p=preferred.astype(bool), _d=default).sort_values(
        ["_p", "_d", "level", "version"], ascending=[False, False, True, True], kind="stable"
    )
    return ranked.drop_duplicates("area_code").drop(columns=["_p", "_d"])


def _within(
    store: Store, areas: pd.DataFrame, own_name: dict[tuple[str, str], str]
) -> dict[str, str]:
    """Unnamed area -> the name of the RegSO it lies wholly in (SCB's key, weight 1)."""
    unnamed = [
        (c, str(v))
        for c, v in zip(areas["area_code"].tolist(), areas["version"].tolist(), strict=True)
        if (c, str(v)) not in own_name
    ]
    if not unnamed:
        return {}
    rows = store.con.execute(
        "SELECT from_code, from_version, to_code, to_version FROM links "
        "WHERE to_level = 'regso' AND weight >= 0.999"
    ).fetchall()
    wanted = set(unnamed)
    rows = [r for r in rows if (str(r[0]), str(r[1])) in wanted]
    regso = {str(r[2]) for r in rows} - {c for c, _ in own_name}
    own_name = own_name | _own_names(store, regso) if regso else own_name
    out: dict[str, str] = {}
    for fc, fv, tc, tv in rows:
        name = own_name.get((str(tc), str(tv)))
        if name and (str(fc), str(fv)) in wanted:
            out.setdefault(str(fc), name)
    return out


def _area_rows(
    store: Store, codes: list[str] | None, *, level: str | None, version: str | None
) -> pd.DataFrame:
    """The stored rows of ``codes`` (every version and level), else of ``version``, else of
    ``level``, else every row (:meth:`~omradesbild.store.Store.areas`)."""
    if codes is not None:
        rows = store.areas(codes=codes)
    else:
        rows = store.areas(version=version) if version is not None else store.areas(level=level)
    rows["area_code"] = rows["area_code"].astype(str)
    return rows


def _own_names(store: Store, codes: set[str] | None) -> dict[tuple[str, str], str]:
    """(code, version) -> the area's own name, of every stored row of ``codes`` (every row
    when None); areas without a name are left out."""
    if codes is not None and not codes:
        return {}
    sql = "SELECT area_code, version, name FROM areas"
    params: list[Any] = []
    if codes is not None:
        sql += " WHERE area_code IN (SELECT unnest(?::VARCHAR[]))"
        params = [sorted(codes)]
    rows = store.con.execute(sql + " ORDER BY level, version, area_code", params).fetchall()
    return {(str(c), str(v)): n for c, v, n in rows if isinstance(n, str) and n}


def _lists(frame: pd.DataFrame, *columns: str) -> list[list[Any]]:
    """The values of ``columns`` as Python lists (missing values as ``None`` or NaN)."""
    return [frame[c].tolist() for c in columns]


def area_name_frame(
    store: Store,
    *,
    level: str | None = None,
    version: str | None = None,
    codes: Iterable[str] | None = None,
    lang: str = "sv",
) -> pd.DataFrame:
    """``area_code, level, area_name, kommun_code, kommun_name`` of stored areas.

    Areas of ``version`` (else of ``level``) come first; ``codes`` not among them are looked
    up among every stored area. A code the store does not hold is named by itself.
    """
    wanted = None if codes is None else list(dict.fromkeys(str(c) for c in codes))
    cand = _area_rows(store, wanted, level=level, version=version)
    # the names of these areas, then of the areas named after (their RegSO, their parent)
    own_name = _own_names(store, None if wanted is None and level is None and version is None
                          else set(cand["area_code"]))  # fmt: skip
    if version is not None:
        preferred = cand["version"] == version
    else:
        preferred = cand["level"] == level if level is not None else cand["level"].notna()
    picked = _pick(cand, preferred)
    kommun_name = kommun_names(store)
    parents = {c for c in picked["parent_code"].tolist() if isinstance(c, str) and c}
    own_name.update(_own_names(store, parents - {c for c, _ in own_name}))
    within = _within(store, picked, own_name)
    rows = []
    part_of: dict[str, str] = {}
    columns = ("area_code", "version", "level", "parent_code", "parent_level", "parent_version")
    for code, version, lv, parent_code, parent_level, parent_version, attributes in zip(
        *_lists(picked, *columns, "attributes"), strict=True
    ):
        code = str(code)
        name = own_name.get((code, str(version)))
        if name is None:
            parent = within.get(code)
            if parent is None and isinstance(parent_code, str):
                parent = own_name.get((parent_code, str(parent_version)))
            if parent and parent not in part_of:  # worded once per parent: many parts share it
                part_of[parent] = text("area_name_part_of", lang, name=parent)
            name = part_of[parent] if parent else None
        kommun = _area_kommun(code, str(lv), parent_code, parent_level, attributes)
        rows.append((code, str(lv), name or code, kommun, kommun_name.get(kommun or "")))
    unplaced = {r[0] for r in rows if r[3] is None and r[1] == "district"}
    if unplaced:
        linked = _linked_kommun(store, unplaced)
        rows = [
            (c, lv, n, linked[c], kommun_name.get(linked[c])) if c in linked else (c, lv, n, k, kn)
            for c, lv, n, k, kn in rows
        ]
    frame = pd.DataFrame(rows, columns=["area_code", "level", *NAME_COLUMNS])
    if wanted is not None:
        known = set(frame["area_code"])
        extra = [(c, None, c, None, None) for c in wanted if c not in known]
        if extra:
            frame = pd.concat([frame, pd.DataFrame(extra, columns=frame.columns)])
    return frame.reset_index(drop=True)


def with_area_names(
    store: Store,
    df: pd.DataFrame,
    *,
    level: str | None = None,
    version: str | None = None,
    code_column: str = "area_code",
    lang: str = "sv",
) -> pd.DataFrame:
    """``df`` with ``area_name`` (and ``kommun_code``, ``kommun_name``) after its code column,
    these first (see the module's rules). ``df.attrs`` are kept."""
    if code_column not in df.columns:
        return df
    codes = df[code_column].dropna().astype(str).unique()
    names = area_name_frame(store, level=level, version=version, codes=codes, lang=lang)
    return add_name_columns(df, names, code_column=code_column)


def add_name_columns(
    df: pd.DataFrame, names: pd.DataFrame, *, code_column: str = "area_code"
) -> pd.DataFrame:
    """Join the columns of :func:`area_name_frame` onto ``df`` (pure).

    The kommun columns are added when some area of ``df`` lies below a kommun and has one.
    """
    attrs = dict(df.attrs)
    keyed = names.drop_duplicates("area_code").set_index("area_code")
    code = df[code_column].astype("string")
    sub = keyed.reindex(code.dropna().unique())
    with_kommun = bool(sub["kommun_code"].notna().any()) if len(sub) else False
    added = ["area_name", *(["kommun_code", "kommun_name"] if with_kommun else [])]
    out = df.drop(columns=[c for c in NAME_COLUMNS if c in df.columns and c != code_column])
    for col in added:
        values = code.map(keyed[col]).astype(object)
        if col == "area_name":
            values = values.where(values.notna(), code.astype(object))
        out[col] = values.where(values.notna(), None).to_numpy()
    first = [code_column, *added]
    out = out[first + [c for c in out.columns if c not in first]]
    out.attrs = attrs
    return out


def area_kommuner(
    store: Store, codes: Iterable[str], *, level: str, version: str
) -> dict[str, str | None]:
    """The kommun of each area by the one rule of :func:`area_name_frame` (its code, its
    parent kommun or its boundary file's kommun field), so that the names of a table and the
    reference of a classification agree.

    A DeSO or RegSO code stored once in ``version`` is placed by its code alone (the rule's
    first step), without reading the area registry; any other code as
    :func:`area_name_frame` places it.
    """
    from omradesbild.services.level import kommun_code

    wanted = [str(c) for c in codes]
    found = _coded_kommuner(store, wanted, version)
    rest = [c for c in dict.fromkeys(wanted) if c not in found]
    if rest:
        named = area_name_frame(store, level=level, version=version, codes=rest)
        found.update(
            (str(c), k)
            for c, k in zip(named["area_code"], named["kommun_code"], strict=True)
            if isinstance(k, str) and k
        )
    return {c: found.get(c) or kommun_code(c) for c in wanted}


def _coded_kommuner(store: Store, codes: list[str], version: str) -> dict[str, str]:
    """The kommun of each of ``codes`` that :func:`area_name_frame` places by its DeSO or
    RegSO code: stored once in ``version``, at a level below the kommun."""
    rows = store.con.execute(
        "SELECT area_code, level FROM areas WHERE version = ?", [version]
    ).fetchall()
    seen: dict[str, str] = {}
    twice: set[str] = set()
    for code, lv in rows:
        code = str(code)
        if code in seen:
            twice.add(code)
        seen[code] = str(lv)
    out: dict[str, str] = {}
    for code in codes:
        lv = seen.get(code)
        if lv is None or lv in NOT_SUB_KOMMUN or code in twice:
            continue
        if DESO_RE.match(code) or REGSO_RE.match(code):
            out[code] = kommun_of(code)
    return out
