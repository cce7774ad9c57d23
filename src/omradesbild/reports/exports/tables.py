"""Tables behind the exports: the wide indicator table, the publishable index and the
metadata block."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from omradesbild.reports.disclosure import (
    DEFAULT_THRESHOLD,
    DISCLOSED_ATTR,
    MASK_SYMBOL,
    disclosure_rule_text,
    mask_components,
)
from omradesbild.reports.exports._common import (
    WIDE_FIELDS,
    _catalogue,
    _cell,
    _check_lang,
    _disclose,
    _indicator_order,
    _methods_dict,
    _now,
    _package_version,
    _sources_frame,
)
from omradesbild.wording import strings

if TYPE_CHECKING:
    from omradesbild.indicators import Catalogue


def to_wide(
    indicators: pd.DataFrame,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    fields: Sequence[str] = WIDE_FIELDS,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Disclosed long indicator rows as one row per area and period.

    Parameters
    ----------
    indicators
        Long indicator rows (disclosed or not: :func:`apply_disclosure` is applied).
    threshold
        Disclosure threshold.
    fields
        Per-indicator fields; ``value`` becomes the column ``<indicator>``, any other field
        ``<indicator>_<field>``.

    Returns
    -------
    DataFrame
        ``area_code``, ``period`` and the indicator columns in catalogue order. ``attrs``
        records the disclosure threshold (required by :func:`export_geopackage`).
    """
    disclosed = _disclose(indicators, threshold)
    cat = _catalogue(catalogue)
    keys = ["area_code", "period"]
    base = disclosed[keys].drop_duplicates().sort_values(keys).reset_index(drop=True)
    dedup = disclosed.drop_duplicates(subset=[*keys, "indicator"])
    cols: dict[str, pd.Series] = {}
    for ind in _indicator_order(dedup["indicator"].astype(str), cat):
        sub = dedup[dedup["indicator"] == ind].set_index(keys)
        aligned = sub.reindex(pd.MultiIndex.from_frame(base))
        for f in fields:
            if f not in aligned.columns:
                continue
            name = ind if f == "value" else f"{ind}_{f}"
            col = aligned[f].reset_index(drop=True)
            if f in ("reliable", "masked", "approximate"):
                col = col.astype("boolean")
            elif f != "mask_reason" and f != "note":
                col = pd.to_numeric(col, errors="coerce").astype("float64")
            cols[name] = col
    out = pd.concat([base, pd.DataFrame(cols)], axis=1)
    out.attrs = {DISCLOSED_ATTR: disclosed.attrs[DISCLOSED_ATTR]}
    return out


def publishable_index(
    index: pd.DataFrame, disclosed: pd.DataFrame, *, catalogue: Catalogue | None = None
) -> pd.DataFrame:
    """An index result ready to publish: components masked, normalised columns dropped.

    The component indicator columns (those with a ``<id>_reliable`` sibling, or catalogue
    ids) are suppressed where :func:`apply_disclosure` suppressed the indicator for the area
    and period; components absent from ``disclosed`` are dropped with their flags. The
    ``*_norm`` columns (rescaled component values) are dropped. Score, theme values, rank and
    class are kept: they are computed from all values, so with the method and the other
    components published a suppressed component can in principle be recovered (no secondary
    suppression).
    """
    cat = _catalogue(catalogue)
    out = index.drop(columns=[c for c in index.columns if str(c).endswith("_norm")])
    out.attrs = {}  # set at the end: not copied deeply on every step until then
    comps = [str(c) for c in out.columns if f"{c}_reliable" in out.columns or str(c) in cat.ids]
    masked = mask_components(out, disclosed, columns=comps)
    dropped = [c for c in comps if c not in masked.columns]
    masked = masked.drop(columns=[f"{c}_reliable" for c in dropped if f"{c}_reliable" in masked])
    masked.attrs = dict(index.attrs)
    return masked


def index_in_lang(index: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``index`` with its ``class_label`` and ``reference`` in ``lang``, from the names an
    index result carries in ``attrs`` (:func:`~omradesbild.services.reference.
    with_reference`; the columns hold the Swedish ones); unchanged without them."""
    names = dict(index.attrs.get("class_names") or {}).get(lang)
    message = index.attrs.get("reference_message")
    ref = message.text(lang) if message is not None else None
    out = index.copy()
    if names and "class" in out.columns and "class_label" in out.columns:
        out["class_label"] = pd.array(
            [
                None if pd.isna(c) or not 1 <= int(c) <= len(names) else names[int(c) - 1]
                for c in out["class"]
            ],
            dtype="string",
        )
    if ref and "reference" in out.columns:
        out["reference"] = ref
    return out


def export_metadata(
    *,
    sources: pd.DataFrame | Iterable[Mapping[str, Any]],
    methods: Mapping[str, str] | None,
    lang: str = "sv",
    threshold: int = DEFAULT_THRESHOLD,
    generated_at: datetime | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The provenance block written beside every export (JSON-ready)."""
    _check_lang(lang)
    src = _sources_frame(sources, lang=lang)
    return {
        "title": strings(lang)["export_title"],
        "generated_at": _now(generated_at),
        "package": "omradesbild",
        "package_version": _package_version(),
        "lang": lang,
        **dict(extra or {}),
        "disclosure": {
            "threshold": int(threshold),
            "symbol": MASK_SYMBOL,
            "rule": disclosure_rule_text(threshold, lang),
        },
        "methods": [{"id": k, "version": v} for k, v in _methods_dict(methods).items()],
        "sources": [{k: _cell(v) for k, v in row.items()} for row in src.to_dict("records")],
    }
