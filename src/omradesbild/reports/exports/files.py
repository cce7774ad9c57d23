"""The long indicator table as CSV and as JSON with a metadata block."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

import pandas as pd

from omradesbild.precision import Precision, check_precision, round_indicator_rows
from omradesbild.reports.disclosure import DEFAULT_THRESHOLD
from omradesbild.reports.exports import _common as common
from omradesbild.reports.exports.tables import export_metadata, index_in_lang, publishable_index

if TYPE_CHECKING:
    from omradesbild.indicators import Catalogue


def export_csv(
    path: str | Path,
    *,
    indicators: pd.DataFrame,
    areas: pd.DataFrame | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    precision: Precision = "rounded",
    catalogue: Catalogue | None = None,
    lang: str = "sv",
) -> Path:
    """Write the disclosed long indicator table as CSV (UTF-8, comma, ``.`` decimals).

    Columns: those of ``indicators`` (``area_code``, ``level``, ``period``, ``indicator``,
    ``numerator``, ``denominator``, ``value``, ``ci_low``, ``ci_high``, ``reliable``,
    ``approximate``, ``value_smoothed``, ``note``) plus ``masked`` and ``mask_reason``, and
    ``area_name`` (and ``kommun_code``, ``kommun_name`` for areas below the kommun) after
    ``area_code`` when ``areas`` is given (see :func:`~omradesbild.services.names.
    area_name_frame`). Suppressed and missing cells are empty; ``masked`` tells them apart.

    With ``precision="rounded"`` (the default) values and intervals are rounded to their
    indicator's published precision and counts to whole numbers
    (:func:`~omradesbild.precision.round_indicator_rows`); ``"full"`` writes every stored
    digit. ``note`` is worded in ``lang`` (``"sv"``, the default, or ``"en"``: the
    computation's own text, see :func:`~omradesbild.wording.note_text`).
    """
    common._check_lang(lang)
    disclosed = common.notes_in_lang(common._disclose(indicators, threshold), lang)
    disclosed = common._named(disclosed, areas)
    if check_precision(precision) == "rounded":
        disclosed = round_indicator_rows(disclosed, catalogue)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    disclosed.to_csv(path, index=False, encoding="utf-8")
    return path


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): common._cell(v) for k, v in rec.items()} for rec in df.to_dict("records")]


def export_json(
    path: str | Path,
    *,
    indicators: pd.DataFrame,
    index: pd.DataFrame | None = None,
    sources: pd.DataFrame | Iterable[Mapping[str, Any]],
    extra_metadata: Mapping[str, Any] | None = None,
    areas: pd.DataFrame | None = None,
    **settings: Unpack[common.ExportSettings],
) -> Path:
    """Write ``{"metadata": …, "indicators": [records], "index": [records]}`` as JSON.

    ``metadata`` holds the generation time, package version, disclosure threshold and rule
    text (in ``lang``), the methods and the sources (see :func:`export_metadata`), and the
    indicator definitions used. Missing and suppressed values are ``null``; suppressed rows
    have ``"masked": true`` and a ``mask_reason``; each row's ``note`` is in ``lang``. With
    ``areas``, every record carries the area's names as the CSV does. Numbers keep full
    precision (as the web app's JSON API; ``precision`` is for the CSV and Excel exports).
    ``settings``: ``methods``, ``lang``, ``threshold``, ``catalogue``, ``generated_at``,
    see :class:`~omradesbild.reports.exports.ExportSettings`.
    """
    opts = common._settings(settings)
    lang, cat, methods_out = opts.lang, opts.cat, opts.methods
    disclosed = common._disclose(indicators, opts.threshold)
    disclosed = common._named(common.notes_in_lang(disclosed, lang), areas)
    body: dict[str, Any] = {}
    if index is not None:
        if index.attrs.get("method_id") and index.attrs.get("method_version"):
            methods_out.setdefault(
                str(index.attrs["method_id"]), str(index.attrs["method_version"])
            )
        pub = publishable_index(index_in_lang(index, lang), disclosed, catalogue=cat)
        body["index"] = _records(common._named(pub, areas))
    meta = export_metadata(
        sources=sources,
        methods=methods_out,
        lang=lang,
        threshold=opts.threshold,
        generated_at=opts.generated_at,
        extra=extra_metadata,
    )
    if index is not None:
        meta["index_note"] = opts.text["index_note"]
    ids = common._indicator_order(disclosed["indicator"].astype(str), cat)
    meta["indicators"] = [
        {
            "id": i,
            "name": (cat.get(i).name_sv if lang == "sv" else cat.get(i).name_en),
            "domain": cat.get(i).domain,
            "unit": cat.get(i).unit,
            "kind": cat.get(i).kind,
        }
        if i in cat.ids
        else {"id": i}
        for i in ids
    ]
    doc = {"metadata": meta, "indicators": _records(disclosed), **body}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False), "utf-8")
    return path
