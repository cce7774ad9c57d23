"""PX-Web API v1's plain ``json`` answer (``columns``/``data``/``metadata``) as observations.

The answer lists the columns (``type`` ``d`` a dimension, ``t`` time, ``c`` a content) and
one row per combination of dimension codes, ``{"key": [...], "values": [...]}``, its values
strings (``"47820"``, ``".."``). It is turned into a JSON-stat 2 cube (the contents become
a ``ContentsCode`` dimension) and read by
:func:`~omradesbild.sources.pxweb.jsonstat.parse_jsonstat2`, so the same rules apply.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, Unpack

from omradesbild.errors import InputError
from omradesbild.sources.base import Observations, bytes_checksum
from omradesbild.sources.pxweb.jsonstat import ConvertedFile, JsonStatOptions, parse_jsonstat2
from omradesbild.wording import Message

__all__ = ["is_plain_json", "parse_pxweb_json"]

_CONTENTS = "ContentsCode"
_STATUS_MARKERS = ("..", ".", "-", "…", "...", "....", ".....", "......")


def is_plain_json(data: Any) -> bool:
    """Whether decoded JSON is v1's plain format (``columns`` and ``data``)."""
    return isinstance(data, Mapping) and "columns" in data and "data" in data


def _decode(payload: bytes | str | Mapping[str, Any], reference: str) -> Mapping[str, Any]:
    if isinstance(payload, Mapping):
        return payload
    text = payload.decode("utf-8-sig") if isinstance(payload, bytes) else payload
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(Message("err_src_not_json", error=str(exc)), file=reference) from exc
    if not is_plain_json(data):
        raise InputError(
            Message("err_src_not_plain_json"),
            file=reference,
            expected=Message("exp_src_plain_json"),
        )
    return data


def parse_pxweb_json(
    payload: bytes | str | Mapping[str, Any],
    *,
    reference: str,
    **options: Unpack[JsonStatOptions],
) -> Observations:
    """Parse a v1 plain-``json`` answer; parameters as for ``parse_jsonstat2``.

    Notes
    -----
    Combinations the answer leaves out become missing values with a reason, never zero.
    """
    raw = (
        payload
        if isinstance(payload, bytes)
        else (payload.encode() if isinstance(payload, str) else json.dumps(payload).encode())
    )
    data = _decode(payload, reference)
    dims, contents = _columns(data, reference)
    codes, cells = _collect_rows(data, dims, contents, reference)
    ids = [*codes, _CONTENTS]
    sizes = [len(codes[n]) for n in codes] + [len(contents)]
    values, status = _flat_cube(codes, cells, sizes, len(contents))
    dimension = _dimensions(dims, contents, codes)
    meta = (data.get("metadata") or [{}])[0] if isinstance(data.get("metadata"), list) else {}
    times = [str(d["code"]) for d in dims if d.get("type") == "t"]
    dataset = {
        "version": "2.0",
        "class": "dataset",
        "label": str(meta.get("label") or ""),
        "updated": meta.get("updated"),
        "id": ids,
        "size": sizes,
        "dimension": dimension,
        "value": values,
        "status": status,
        "role": {"time": times, "metric": [_CONTENTS]},
    }
    return parse_jsonstat2(
        dataset,
        reference=reference,
        converted_from=ConvertedFile(
            bytes_checksum(raw),
            "PX-Web v1 plain JSON"
            + (f"; updated {meta['updated']}" if meta.get("updated") else ""),
        ),
        **options,
    )


def _columns(
    data: Mapping[str, Any], reference: str
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """The dimension/time columns and the content columns."""
    columns = list(data["columns"])
    dims = [c for c in columns if c.get("type") in ("d", "t")]
    contents = [c for c in columns if c.get("type") == "c"]
    if not contents:
        raise InputError(
            Message("err_src_no_content_column"),
            file=reference,
            field="columns",
            expected=Message("exp_src_content_column"),
        )
    return dims, contents


def _collect_rows(
    data: Mapping[str, Any],
    dims: list[Mapping[str, Any]],
    contents: list[Mapping[str, Any]],
    reference: str,
) -> tuple[dict[str, list[str]], dict[tuple[str, ...], list[Any]]]:
    """The codes of each dimension in order of appearance, and the values of each key."""
    codes: dict[str, list[str]] = {str(d["code"]): [] for d in dims}
    seen: dict[str, set[str]] = {k: set() for k in codes}
    cells: dict[tuple[str, ...], list[Any]] = {}
    for i, row in enumerate(data["data"]):
        key = [str(k) for k in row.get("key", [])]
        vals = list(row.get("values", []))
        if len(key) != len(dims) or len(vals) != len(contents):
            raise InputError(
                Message("err_src_json_row", i=i + 1, keys=len(key), values=len(vals)),
                file=reference,
                field="data",
                expected=Message("exp_src_json_row", keys=len(dims), values=len(contents)),
            )
        for name, k in zip(codes, key, strict=True):
            if k not in seen[name]:
                seen[name].add(k)
                codes[name].append(k)
        cells[tuple(key)] = vals
    return codes, cells


def _flat_cube(
    codes: dict[str, list[str]],
    cells: dict[tuple[str, ...], list[Any]],
    sizes: list[int],
    n_contents: int,
) -> tuple[list[Any], dict[str, str]]:
    """The row-major value array (None where the answer has no row) and the status markers."""
    values: list[Any] = [None] * math.prod(sizes)
    status: dict[str, str] = {}
    index = {n: {c: i for i, c in enumerate(cs)} for n, cs in codes.items()}
    for cell_key, vals in cells.items():
        flat = 0
        for name, k in zip(codes, cell_key, strict=True):
            flat = flat * len(codes[name]) + index[name][k]
        for j, v in enumerate(vals):
            pos = flat * n_contents + j
            text = "" if v is None else str(v).strip()
            if text in _STATUS_MARKERS:
                status[str(pos)] = text
            else:
                values[pos] = text or None
    return values, status


def _dimensions(
    dims: list[Mapping[str, Any]],
    contents: list[Mapping[str, Any]],
    codes: dict[str, list[str]],
) -> dict[str, Any]:
    """JSON-stat 2 ``dimension`` objects, the contents as a ``ContentsCode`` dimension."""
    dimension: dict[str, Any] = {
        str(d["code"]): {
            "label": str(d.get("text") or d["code"]),
            "category": {"index": {c: i for i, c in enumerate(codes[str(d["code"])])}},
        }
        for d in dims
    }
    dimension[_CONTENTS] = {
        "label": "tabellinnehåll",
        "category": {
            "index": {str(c["code"]): i for i, c in enumerate(contents)},
            "label": {str(c["code"]): str(c.get("text") or c["code"]) for c in contents},
            "unit": {str(c["code"]): {"base": str(c["unit"])} for c in contents if c.get("unit")},
        },
    }
    return dimension
