"""Detect a layer's level and its code, name and parent fields from names and values."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from omradesbild.areas.codes import validate_code
from omradesbild.config import DEFAULT_VERSION
from omradesbild.errors import ConfigError, InputError
from omradesbild.sources.boundaries.layers import normalise_codes, pick_layer, read_layer, resolve
from omradesbild.wording import Message, both

# Field-name hints for detection (compared in lower case).
_CODE_NAME_TOKENS: dict[str, tuple[str, ...]] = {
    "deso": ("deso",),
    "regso": ("regso",),
    "kommun": ("kommun", "knkod", "kn_kod", "kommunkod"),
    "lan": ("lan", "län", "lanskod", "lnkod", "lankod"),
}
_GENERIC_CODE_NAMES: tuple[str, ...] = ("kod", "code", "id", "nyckelkod", "omradeskod")
_NAME_FIELDS: dict[str, tuple[str, ...]] = {
    "deso": ("desonamn", "deso_namn", "namn", "name"),
    "regso": ("regsonamn", "regso_namn", "regsonamn_2025", "namn", "name"),
    "kommun": ("kommun_namn", "kommunnamn", "knnamn", "kn_namn", "namn", "name"),
    "lan": ("lan_namn", "lansnamn", "lannamn", "lnnamn", "ln_namn", "namn", "name"),
}
_GENERIC_NAME_FIELDS: tuple[str, ...] = (
    "namn",
    "name",
    "omrade_namn",
    "omradesnamn",
    "delomrade",
    "stadsdel",
    "stadsdelsnamn",
)
# Which parent level to look for, per level, when no parent field is given.
_AUTO_PARENT: dict[str, tuple[str, ...]] = {
    "deso": ("regso", "kommun"),
    "regso": ("kommun",),
    "kommun": ("lan",),
    "district": ("kommun",),
}
_DEFAULT_PARENT_VERSION: dict[tuple[str, str], str] = {
    ("deso2018", "regso"): "regso2020",
    ("deso2025", "regso"): "regso2025",
}
_DEFAULT_VERSION: dict[str, str] = {
    "kommun": DEFAULT_VERSION["kommun"],
    "lan": DEFAULT_VERSION["lan"],
}


def detect_code_field(gdf: pd.DataFrame, *, level: str, file: str | Path | None = None) -> str:
    """The attribute holding the area codes of ``level``.

    For levels with a national code pattern (DeSO, RegSO, kommun, län): the fields whose
    non-empty values all match the pattern and are unique; ties are broken by a field name
    that mentions the level, then by identical values. For other levels: unique fields
    named like ``*kod``, ``*_code``, ``*_id``, ``code`` or ``id``.

    Raises
    ------
    InputError
        No field or several different fields qualify; the message lists the candidates.
    """
    cols = [c for c in gdf.columns if c != "geometry"]
    normalised = {c: normalise_codes(gdf[c]) for c in cols}
    unique = [c for c in cols if _is_unique_nonempty(normalised[c])]
    if level in _CODE_NAME_TOKENS:
        candidates = [
            c for c in unique if all(validate_code(v, level) is None for v in normalised[c])
        ]
        hinted = [c for c in candidates if _mentions(c, _CODE_NAME_TOKENS[level])]
    else:
        candidates = [c for c in unique if _looks_like_code_name(str(c))]
        hinted = candidates
    chosen = _dedupe_identical(hinted or candidates, normalised)
    if len(chosen) == 1:
        return str(chosen[0])
    if not chosen:
        raise InputError(
            Message("err_src_no_code_field", level=level),
            file=file,
            expected=Message(
                "exp_src_unique_fields",
                fields=", ".join(map(str, unique)) or Message("exp_src_none"),
            ),
        )
    raise InputError(
        Message("err_src_several_code_fields", level=level),
        file=file,
        expected=Message("exp_src_one_of", allowed=", ".join(map(str, chosen))),
    )


def detect_level(
    path: str | Path, *, layer: str | None = None, code_field: str | None = None
) -> tuple[str, str]:
    """The level of a layer and the field holding its codes, found from the values.

    DeSO, RegSO, kommun and län are tried in this order: the first level with exactly one
    field of unique codes of its shape wins (so ``desokod`` beats a ``regsokod`` column, whose
    values repeat). Field names do not matter: a kommun's re-export may call them anything.

    Raises
    ------
    InputError
        No field holds such codes; the message lists the layer's fields.
    """
    p = resolve(path)
    gdf = read_layer(p, pick_layer(p, layer, code_field))
    cols = [c for c in gdf.columns if c != "geometry"]
    for level in ("deso", "regso", "kommun", "lan"):
        if code_field is not None:
            values = normalise_codes(gdf[code_field]) if code_field in gdf.columns else []
            if values and all(validate_code(v, level) is None for v in values):
                return level, code_field
            continue
        try:
            return level, detect_code_field(gdf, level=level, file=p)
        except InputError:
            continue
    raise InputError(
        Message("err_src_no_level_field"),
        file=p,
        field=code_field,
        expected=Message(
            "exp_src_code_field", fields=", ".join(map(str, cols)) or Message("exp_src_none")
        ),
    )


def detect_name_field(gdf: pd.DataFrame, *, level: str, code_field: str) -> str | None:
    """The attribute holding area names, or ``None`` if none of the usual names exists."""
    by_lower = {str(c).lower(): str(c) for c in gdf.columns if c != "geometry"}
    for cand in _NAME_FIELDS.get(level, _GENERIC_NAME_FIELDS):
        if cand in by_lower:
            return by_lower[cand]
    return None


def detect_parent(gdf: pd.DataFrame, *, level: str, code_field: str) -> tuple[str, str] | None:
    """``(field, level)`` of the one field holding parent codes, or ``None``."""
    cols = [c for c in gdf.columns if c not in ("geometry", code_field)]
    for plevel in _AUTO_PARENT.get(level, ()):
        normalised = {c: normalise_codes(gdf[c]) for c in cols}
        cands = [
            c
            for c in cols
            if _mentions(c, _CODE_NAME_TOKENS[plevel])
            and all(v and validate_code(v, plevel) is None for v in normalised[c])
        ]
        cands = _dedupe_identical(cands, normalised)
        if len(cands) == 1:
            return str(cands[0]), plevel
    return None


def infer_level(values: pd.Series) -> str | None:
    """The first of DeSO, RegSO, kommun, län whose shape all non-empty codes have."""
    codes = [v for v in normalise_codes(values) if v]
    for lvl in ("deso", "regso", "kommun", "lan"):
        if codes and all(validate_code(v, lvl) is None for v in codes):
            return lvl
    return None


def default_parent_version(version: str, parent_level: str) -> str:
    """The boundary version of the parent level assumed for ``version``."""
    v = _DEFAULT_PARENT_VERSION.get((version, parent_level)) or _DEFAULT_VERSION.get(parent_level)
    if v is None:
        raise ConfigError(
            both("err_src_no_parent_version", level=repr(parent_level), version=repr(version))
        )
    return v


def _mentions(col: object, tokens: Sequence[str]) -> bool:
    low = str(col).lower()
    return any(t in low for t in tokens)


def _looks_like_code_name(col: str) -> bool:
    low = col.lower()
    return (
        low in _GENERIC_CODE_NAMES
        or low.endswith(("kod", "_code", "_id"))
        or low.startswith("nyckelkod")
    )


def _is_unique_nonempty(values: list[str]) -> bool:
    return bool(values) and all(values) and len(set(values)) == len(values)


def _dedupe_identical(cols: Sequence[Any], normalised: dict[Any, list[str]]) -> list[Any]:
    out: list[Any] = []
    for c in cols:
        if not any(normalised[c] == normalised[o] for o in out):
            out.append(c)
    return out
