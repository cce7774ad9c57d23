"""PX-Web query bodies and the splitting of a selection over the cell limit (pure)."""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from omradesbild.errors import FetchError
from omradesbild.sources.pxweb.common import Selection
from omradesbild.wording import both

_TOPBOTTOM_RE = re.compile(r"^(top|bottom)\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$", re.IGNORECASE)


def _as_list(values: Sequence[str] | str) -> list[str]:
    if isinstance(values, str):
        return [values]
    return [str(v) for v in values]


def v2_query_body(selection: Selection) -> dict[str, Any]:
    """The POST body of a v2 ``/tables/{id}/data`` request.

    ``{"Region": ["0114A0010"], "Tid": "*"}`` ->
    ``{"selection": [{"variableCode": "Region", "valueCodes": ["0114A0010"]},
    {"variableCode": "Tid", "valueCodes": ["*"]}]}``.
    """
    return {
        "selection": [
            {"variableCode": var, "valueCodes": _as_list(vals)} for var, vals in selection.items()
        ]
    }


def v2_query_params(
    selection: Selection, *, fmt: str = "json-stat2", lang: str = "sv"
) -> dict[str, str]:
    """Query parameters of a v2 GET data request: ``valueCodes[Var]=a,b`` per variable."""
    params = {"lang": lang, "outputFormat": fmt}
    if fmt == "csv":
        params["outputFormatParams"] = "UseCodes"
    for var, vals in selection.items():
        params[f"valueCodes[{var}]"] = ",".join(_as_list(vals))
    return params


def v1_query_body(selection: Selection, *, fmt: str = "json-stat2") -> dict[str, Any]:
    """The POST body of a v1 data request.

    Literal codes use ``filter: "item"``; ``"*"`` and wildcard patterns ``filter: "all"``;
    ``top(n)`` ``filter: "top"``.
    """
    query = []
    for var, vals in selection.items():
        items = _as_list(vals)
        m = _TOPBOTTOM_RE.match(items[0]) if len(items) == 1 else None
        if m and m.group(1).lower() == "top":
            sel = {"filter": "top", "values": [m.group(2)]}
        elif len(items) == 1 and ("*" in items[0] or "?" in items[0]):
            sel = {"filter": "all", "values": items}
        else:
            sel = {"filter": "item", "values": items}
        query.append({"code": var, "selection": sel})
    return {"query": query, "response": {"format": fmt}}


def _is_literal(value: str) -> bool:
    return not ("*" in value or "?" in value or "(" in value)


def _resolve_values(values: Sequence[str] | str, all_codes: list[str] | None) -> list[str] | None:
    """Explicit codes for a selection, or None when they cannot be known locally."""
    items = _as_list(values)
    if all(_is_literal(v) for v in items):
        return items
    if all_codes is None:
        return None
    out: list[str] = []
    for v in items:
        if _is_literal(v):
            out.append(v)
        elif "(" not in v:
            out.extend(c for c in all_codes if fnmatch.fnmatchcase(c, v))
        else:
            return None
    return list(dict.fromkeys(out))


def _count_values(values: Sequence[str] | str, all_codes: list[str] | None, var: str) -> int:
    resolved = _resolve_values(values, all_codes)
    if resolved is not None:
        return len(resolved)
    items = _as_list(values)
    total = 0
    for v in items:
        m = _TOPBOTTOM_RE.match(v)
        if m:
            total += int(m.group(2))
        elif _is_literal(v):
            total += 1
        elif all_codes is not None:
            total += len(all_codes)  # from/to/range: at most all values
        else:
            raise FetchError(both("err_src_cannot_count", values=repr(v), var=repr(var)))
    return max(total, 1)


def plan_chunks(
    selection: Selection,
    max_cells: int,
    *,
    all_values: Mapping[str, list[str]] | None = None,
) -> list[dict[str, list[str] | Literal["*"]]]:
    """Split a selection into sub-selections of at most ``max_cells`` cells each.

    Parameters
    ----------
    selection
        Variable -> value codes (or ``"*"``, wildcard patterns, ``top(n)`` …).
    max_cells
        Cell limit per request.
    all_values
        Every value code per variable (from the table's metadata), needed to count and to
        split ``"*"`` and patterns.

    Notes
    -----
    The cell count is :math:`C = \\prod_v n_v`. The largest splittable dimension :math:`d`
    is cut into chunks of :math:`k = \\max(1, \\lfloor L \\cdot n_d / C \\rfloor)` values
    (:math:`L` = ``max_cells``); if a chunk still exceeds :math:`L` the next largest
    dimension is split too. Requests: :math:`\\lceil n_d / k \\rceil` (per further split).
    """
    if max_cells < 1:
        raise ValueError("max_cells must be >= 1")
    all_values = all_values or {}
    counts = {v: _count_values(vals, all_values.get(v), v) for v, vals in selection.items()}
    cells = math.prod(counts.values()) if counts else 1
    base: dict[str, list[str] | Literal["*"]] = {
        v: (vals if isinstance(vals, str) and vals == "*" else _as_list(vals))  # type: ignore[misc]
        for v, vals in selection.items()
    }
    if cells <= max_cells:
        return [base]
    candidates = []
    for var, vals in selection.items():
        resolved = _resolve_values(vals, all_values.get(var))
        if resolved is not None and len(resolved) > 1:
            candidates.append((len(resolved), var, resolved))
    if not candidates:
        raise FetchError(both("err_src_too_many_cells", cells=cells, limit=max_cells))
    n_d, var, resolved = max(candidates, key=lambda c: c[0])
    rest = cells // n_d
    k = max(1, max_cells // max(rest, 1))
    out: list[dict[str, list[str] | Literal["*"]]] = []
    for start in range(0, n_d, k):
        sub = dict(base)
        sub[var] = resolved[start : start + k]
        if k == 1 and rest > max_cells:
            out.extend(plan_chunks(sub, max_cells, all_values=all_values))
        else:
            out.append(sub)
    return out
