"""SCB's PX-Web API (Statistikdatabasen): a live client and pure parsers.

Two API generations are supported:

* **v2** (``https://statistikdatabasen.scb.se/api/v2``): ``/tables?query=…``,
  ``/tables/{id}/metadata`` (JSON-stat2) and ``/tables/{id}/data`` (GET with
  ``valueCodes[Var]=a,b`` or POST with ``{"selection": [{"variableCode", "valueCodes"}]}``),
  output ``json-stat2`` (default) or ``csv``.
* **v1** (``https://api.scb.se/OV0104/v1/doris/sv/ssd``): GET a table path for its metadata,
  POST ``{"query": [{"code", "selection": {"filter", "values"}}], "response": {"format"}}``
  for data.

The parsers turn a response into :class:`~omradesbild.sources.base.Observations` in long
form: the region dimension gives ``area_code`` (a suffix such as ``_DeSO2018`` or
``_RegSO2025`` is stripped and gives ``area_version``), the time dimension gives ``period``,
and every other dimension (``ContentsCode``, sex, age …) is combined into the ``variable``
id. SCB's missing-value markers (``..``, ``.``, ``-``, JSON-stat ``status``) become NaN with
a ``missing_reason``, never zero.
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import json
import math
import re
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeAlias

import httpx
import numpy as np
import pandas as pd

from omradesbild.areas.codes import DESO_RE, KOMMUN_RE, LAN_RE, REGSO_RE, VERSIONS
from omradesbild.errors import FetchError, InputError
from omradesbild.sources.base import (
    OBS_COLUMNS,
    SCB_MISSING_MARKERS,
    VARIABLE_COLUMNS,
    Observations,
    SourceMeta,
    bytes_checksum,
    empty_frame,
    now_utc,
)
from omradesbild.sources.http import HttpClient

__all__ = [
    "SCB_V1_BASE",
    "SCB_V1_MAX_CELLS",
    "SCB_V1_RATE_LIMIT",
    "SCB_V2_BASE",
    "SCB_V2_MAX_CELLS",
    "SCB_V2_RATE_LIMIT",
    "PxRequest",
    "PxWebClient",
    "Selection",
    "VariableMap",
    "metadata_values",
    "normalize_period",
    "parse_jsonstat2",
    "parse_pxweb_csv",
    "plan_chunks",
    "slugify",
    "split_region_code",
    "v1_query_body",
    "v2_query_body",
    "v2_query_params",
]

#: Base URL of SCB's PX-Web API v2.
SCB_V2_BASE = "https://statistikdatabasen.scb.se/api/v2"
#: Base URL of SCB's PX-Web API v1 (Swedish, database ``ssd``).
SCB_V1_BASE = "https://api.scb.se/OV0104/v1/doris/sv/ssd"
#: Largest number of data cells SCB returns in one v2 / v1 request.
SCB_V2_MAX_CELLS = 150_000
SCB_V1_MAX_CELLS = 100_000
#: Calls allowed per window of seconds: v2 about 30 per 10 s, v1 10 per 10 s (per IP).
SCB_V2_RATE_LIMIT: tuple[int, float] = (30, 10.0)
SCB_V1_RATE_LIMIT: tuple[int, float] = (10, 10.0)

#: A selection: variable code -> list of value codes (or selection expressions), or ``"*"``.
Selection: TypeAlias = Mapping[str, Sequence[str] | Literal["*"]]

#: Maps a combination of the non-region, non-time dimensions to a canonical variable id.
#: Keys are tuples of value codes *or* of value labels (in the dataset's dimension order),
#: or a single code/label for a one-dimensional combination; matching ignores case and
#: repeated whitespace. A callable receives ``(codes, labels)`` and returns an id or None.
VariableMap: TypeAlias = (
    Mapping[str | tuple[str, ...], str] | Callable[[tuple[str, ...], tuple[str, ...]], str | None]
)

_SUFFIX_RE = re.compile(r"^(?P<code>.+?)_(?P<kind>deso|regso)(?P<year>\d{4})$", re.IGNORECASE)
_PERIOD_RE = re.compile(r"^(\d{4})(?:([MK])(\d{1,2}))?$")
_PERIOD_TAIL_RE = re.compile(r"(?:^|\s)(\d{4}(?:M\d{2}|K[1-4])?)$")
_REGION_NAMES = {"region", "deso", "regso", "område", "omrade", "region code"}
_TIME_NAMES = {"tid", "år", "ar", "year", "period", "månad", "manad", "kvartal", "month", "quarter"}
_NULL_REASON = "saknas: cellen har inget värde i svaret"


# ----------------------------------------------------------------------------------------------
# small pure helpers
# ----------------------------------------------------------------------------------------------
def slugify(text: str) -> str:
    """Lower-case ASCII slug: ``"Medianvärde, tkr"`` -> ``"medianvarde_tkr"``."""
    norm = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in norm if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


def split_region_code(code: str) -> tuple[str, str | None]:
    """Split a PX-Web region code into (area code, boundary version or None).

    ``"0114C1010_DeSO2018"`` -> ``("0114C1010", "deso2018")``;
    ``"0114R001_RegSO2020"`` -> ``("0114R001", "regso2020")``; ``"0114"`` -> ``("0114", None)``.
    """
    code = code.strip()
    m = _SUFFIX_RE.match(code)
    if m is None:
        return code, None
    return m.group("code"), f"{m.group('kind').lower()}{m.group('year')}"


def normalize_period(code: str) -> str:
    """PX-Web time code to a period string: ``2022`` stays, ``2022M06`` -> ``2022-06``,
    ``2022K1`` -> ``2022-Q1``; anything else is returned unchanged (stripped)."""
    code = code.strip()
    m = _PERIOD_RE.match(code)
    if m is None or m.group(2) is None:
        return code
    year, kind, num = m.group(1), m.group(2), int(m.group(3))
    return f"{year}-{num:02d}" if kind == "M" else f"{year}-Q{num}"


def _level_of(code: str) -> str | None:
    if DESO_RE.match(code):
        return "deso"
    if REGSO_RE.match(code):
        return "regso"
    if KOMMUN_RE.match(code):
        return "kommun"
    if code == "00":
        return "country"
    if LAN_RE.match(code):
        return "lan"
    return None


def _resolve_version(
    code: str, suffix_version: str | None, area_version: str | None, *, file: str, field: str
) -> str:
    """Boundary version of one region code: suffix, else ``area_version``, else by level."""
    if suffix_version is not None:
        return suffix_version
    level = _level_of(code)
    if area_version is not None and (level is None or area_version.startswith(level)):
        return area_version
    if level in ("kommun", "lan"):
        return VERSIONS[level][0]
    if level == "country":
        return "country"
    if area_version is not None and not area_version.startswith(("deso", "regso")):
        return area_version  # a user-defined version name
    raise InputError(
        f"region code {code!r} carries no version suffix and no matching area_version "
        f"was given (got {area_version!r})",
        file=file,
        field=field,
        expected=f"a suffixed code such as 0114C1010_DeSO2018, or area_version='{level}…'",
    )


def _norm_key(text: str) -> str:
    return " ".join(text.split()).casefold()


class _VariableResolver:
    """Looks up canonical ids for dimension-value combinations."""

    def __init__(self, variable_map: VariableMap | None, unmapped: str) -> None:
        if unmapped not in ("slug", "drop", "error"):
            raise ValueError("unmapped must be 'slug', 'drop' or 'error'")
        self.unmapped = unmapped
        self.func: Callable[[tuple[str, ...], tuple[str, ...]], str | None] | None = None
        self.table: dict[tuple[str, ...], str] = {}
        if callable(variable_map):
            self.func = variable_map
        elif variable_map is not None:
            for key, value in variable_map.items():
                parts = (key,) if isinstance(key, str) else tuple(key)
                self.table[tuple(_norm_key(p) for p in parts)] = value

    def lookup(self, codes: tuple[str, ...], labels: tuple[str, ...]) -> str | None:
        """The mapped id, or None."""
        if self.func is not None:
            found = self.func(codes, labels)
            if found:
                return found
        for parts in (codes, labels):
            hit = self.table.get(tuple(_norm_key(p) for p in parts))
            if hit is not None:
                return hit
        return None

    def __call__(self, codes: tuple[str, ...], labels: tuple[str, ...]) -> str | None:
        """Canonical id, slug fallback, or None (drop); InputError when unmapped='error'."""
        hit = self.lookup(codes, labels)
        if hit is not None:
            return hit
        if self.unmapped == "drop":
            return None
        if self.unmapped == "error":
            raise InputError(
                f"no variable id for the combination {codes!r} (labels {labels!r})",
                field="variable_map",
                expected="an entry for every combination, or unmapped='slug'/'drop'",
            )
        return slugify("_".join(codes)) or "value"


def _missing(marker: str | None) -> str | None:
    if marker is None:
        return None
    marker = marker.strip()
    return SCB_MISSING_MARKERS.get(marker)


def _checksum_of(payload: bytes | str | Mapping[str, Any]) -> tuple[str, bytes]:
    if isinstance(payload, bytes):
        raw = payload
    elif isinstance(payload, str):
        raw = payload.encode("utf-8")
    else:
        raw = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return bytes_checksum(raw), raw


def _variables_frame(rows: dict[str, tuple[str, str | None, str | None]]) -> pd.DataFrame:
    if not rows:
        return empty_frame(VARIABLE_COLUMNS)
    cols = list(zip(*[(v, *rest) for v, rest in rows.items()], strict=True))
    return pd.DataFrame(
        {
            c: pd.Series(list(vals), dtype=object)
            for c, vals in zip(VARIABLE_COLUMNS, cols, strict=True)
        }
    )


def _obs_frame(records: dict[str, list[Any]]) -> pd.DataFrame:
    """Observation columns as object dtype (None stays None), value as float64."""
    return pd.DataFrame(
        {c: pd.Series(records[c], dtype="float64" if c == "value" else object) for c in OBS_COLUMNS}
    )


# ----------------------------------------------------------------------------------------------
# JSON-stat 2
# ----------------------------------------------------------------------------------------------
def _category_codes(dim: Mapping[str, Any], n: int, name: str, file: str) -> list[str]:
    index = dim.get("category", {}).get("index")
    if index is None:
        labels = dim.get("category", {}).get("label", {})
        if len(labels) == n:
            return [str(k) for k in labels]
        raise InputError("dimension has no category index", file=file, field=name)
    if isinstance(index, list):
        codes = [str(c) for c in index]
    else:
        codes = [""] * len(index)
        for code, pos in index.items():
            codes[int(pos)] = str(code)
    if len(codes) != n:
        raise InputError(
            f"dimension has {len(codes)} categories but size says {n}",
            file=file,
            field=name,
            expected="category.index with one entry per position",
        )
    return codes


def _status_at(status: Any, i: int) -> str | None:
    if status is None:
        return None
    if isinstance(status, str):
        return status
    if isinstance(status, list):
        return status[i] if i < len(status) else None
    if isinstance(status, Mapping):
        found = status.get(str(i))
        return None if found is None else str(found)
    return None


def _unit_of(
    dataset: Mapping[str, Any], metric_dims: list[str], codes: dict[str, str]
) -> str | None:
    for d in metric_dims:
        cat = dataset["dimension"][d].get("category", {})
        unit = cat.get("unit", {}).get(codes[d])
        if isinstance(unit, Mapping):
            text = unit.get("base") or unit.get("label") or unit.get("symbol")
            if text:
                return str(text)
        elif isinstance(unit, str) and unit:
            return unit
        ext_unit = dataset["dimension"][d].get("extension", {}).get("unit")
        if isinstance(ext_unit, Mapping) and ext_unit.get(codes[d]):
            value = ext_unit[codes[d]]
            return str(value.get("base", value) if isinstance(value, Mapping) else value)
    px = dataset.get("extension", {}).get("px", {})
    units = px.get("units") if isinstance(px, Mapping) else None
    return str(units) if units else None


def parse_jsonstat2(
    payload: bytes | str | Mapping[str, Any],
    *,
    reference: str,
    variable_map: VariableMap | None = None,
    area_version: str | None = None,
    table_id: str | None = None,
    unmapped: Literal["slug", "drop", "error"] = "slug",
    retrieved_at: datetime | None = None,
    region_dimension: str | None = None,
    time_dimension: str | None = None,
) -> Observations:
    """Parse a PX-Web JSON-stat2 dataset into observations.

    Parameters
    ----------
    payload
        The response body (bytes/str) or the decoded dict.
    reference
        Where it came from (the request URL, or a file path): used in the source and in errors.
    variable_map
        Canonical ids for combinations of the other dimensions, see :data:`VariableMap`.
        Unmapped combinations get ``slugify("_".join(codes))`` (``unmapped="slug"``), are
        dropped (``"drop"``) or raise (``"error"``).
    area_version
        Boundary version for DeSO/RegSO codes without a suffix (e.g. ``"deso2018"``). A
        suffix on the code (``_DeSO2025``) always wins. Kommun and län totals get
        ``kommun2025``/``lan2025``, Riket (``00``) ``country``.
    table_id
        Table id for the source; default: the dataset's ``extension.px.tableid``.
    region_dimension, time_dimension
        Override the dimension ids; default: ``role.geo``/``role.time``, else ``Region``/``Tid``.

    Returns
    -------
    Observations
        One row per cell, with :data:`OBS_COLUMNS`, and a variables frame.

    Notes
    -----
    JSON-stat stores the cube as a flat row-major array: the cell with category positions
    :math:`(i_1, \\dots, i_k)` in dimensions of sizes :math:`(n_1, \\dots, n_k)` sits at
    :math:`\\sum_j i_j \\prod_{l>j} n_l`. ``value`` may be a list or a sparse ``{index: v}``
    mapping; ``status`` a string (all cells), a list or a mapping.
    """
    checksum, raw = _checksum_of(payload)
    if isinstance(payload, Mapping):
        data: Mapping[str, Any] = payload
    else:
        try:
            data = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"not valid JSON: {exc}", file=reference) from exc
    if not isinstance(data, Mapping):
        raise InputError("not a JSON-stat2 dataset", file=reference, expected="a JSON object")
    if data.get("class") == "bundle" or ("dataset" in data and "dimension" not in data):
        raise InputError(
            "this is JSON-stat 1 (a bundle); ask for json-stat2",
            file=reference,
            expected='response format "json-stat2"',
        )
    for key in ("id", "size", "dimension"):
        if key not in data:
            raise InputError(
                "not a JSON-stat2 dataset",
                file=reference,
                field=key,
                expected="id, size, dimension",
            )
    ids: list[str] = [str(i) for i in data["id"]]
    sizes: list[int] = [int(s) for s in data["size"]]
    if len(ids) != len(sizes):
        raise InputError("id and size differ in length", file=reference, field="size")
    role = data.get("role") or {}
    dims = data["dimension"]

    def pick(explicit: str | None, role_key: str, fallbacks: tuple[str, ...]) -> str | None:
        if explicit is not None:
            return explicit if explicit in ids else None
        for cand in role.get(role_key) or []:
            if cand in ids:
                return str(cand)
        lowered = {i.casefold(): i for i in ids}
        for fb in fallbacks:
            if fb in lowered:
                return lowered[fb]
        return None

    region_dim = pick(region_dimension, "geo", ("region",))
    time_dim = pick(time_dimension, "time", ("tid", "år", "year"))
    if region_dim is None:
        raise InputError(
            "no region dimension", file=reference, field="Region", expected=f"one of {ids}"
        )
    if time_dim is None:
        raise InputError(
            "no time dimension", file=reference, field="Tid", expected="role.time or 'Tid'"
        )
    other_dims = [d for d in ids if d not in (region_dim, time_dim)]
    metric_dims = [d for d in (role.get("metric") or []) if d in other_dims] or [
        d for d in other_dims if d.casefold() == "contentscode"
    ]

    codes = {d: _category_codes(dims[d], n, d, reference) for d, n in zip(ids, sizes, strict=True)}
    labels = {
        d: [str(dims[d].get("category", {}).get("label", {}).get(c, c)) for c in codes[d]]
        for d in ids
    }
    n_cells = int(np.prod(sizes)) if sizes else 0
    values = data.get("value", [])
    if isinstance(values, Mapping):
        flat: list[Any] = [None] * n_cells
        for k, v in values.items():
            flat[int(k)] = v
        values = flat
    if len(values) != n_cells:
        raise InputError(
            f"value has {len(values)} entries but the dimensions give {n_cells} cells",
            file=reference,
            field="value",
        )
    status = data.get("status")

    resolver = _VariableResolver(variable_map, unmapped)
    px_ext = (
        data.get("extension", {}).get("px", {})
        if isinstance(data.get("extension"), Mapping)
        else {}
    )
    default_name = table_id or str(px_ext.get("tableid") or data.get("label") or "value")
    # resolve every combination of the other dimensions once
    other_sizes = [sizes[ids.index(d)] for d in other_dims]
    combo_var: dict[tuple[int, ...], str | None] = {}
    combo_unit: dict[tuple[int, ...], str | None] = {}
    var_rows: dict[str, tuple[str, str | None, str | None]] = {}
    for combo in np.ndindex(*other_sizes) if other_dims else [()]:
        c_codes = tuple(codes[d][i] for d, i in zip(other_dims, combo, strict=True))
        c_labels = tuple(labels[d][i] for d, i in zip(other_dims, combo, strict=True))
        if other_dims:
            var = resolver(c_codes, c_labels)
        else:  # only region and time: one variable, named after the table unless mapped
            var = resolver.lookup((), ()) or slugify(default_name) or "value"
        combo_var[tuple(combo)] = var
        unit = _unit_of(data, metric_dims, dict(zip(other_dims, c_codes, strict=True)))
        combo_unit[tuple(combo)] = unit
        if var is not None and var not in var_rows:
            desc = None
            for d in metric_dims:
                ref = dims[d].get("extension", {}).get("refperiod", {})
                if isinstance(ref, Mapping) and ref.get(c_codes[other_dims.index(d)]):
                    desc = f"referenstid: {ref[c_codes[other_dims.index(d)]]}"
            var_rows[var] = (" / ".join(c_labels) or str(data.get("label", "")), unit, desc)

    region_pos = ids.index(region_dim)
    time_pos = ids.index(time_dim)
    other_pos = [ids.index(d) for d in other_dims]
    split = [split_region_code(c) for c in codes[region_dim]]
    versions = [
        _resolve_version(code, ver, area_version, file=reference, field=region_dim)
        for code, ver in split
    ]
    periods = [normalize_period(c) for c in codes[time_dim]]

    records: dict[str, list[Any]] = {c: [] for c in OBS_COLUMNS}
    if n_cells:
        positions = np.unravel_index(np.arange(n_cells), sizes)
        for i in range(n_cells):
            combo = tuple(int(positions[p][i]) for p in other_pos)
            var = combo_var[combo]
            if var is None:
                continue
            r = int(positions[region_pos][i])
            t = int(positions[time_pos][i])
            raw_value = values[i]
            st = _status_at(status, i)
            reason = _missing(st)
            if reason is not None:
                value = math.nan
            elif raw_value is None or raw_value == "":
                value = math.nan
                reason = f"{st}: status från källan" if st else _NULL_REASON
            elif isinstance(raw_value, str) and raw_value.strip() in SCB_MISSING_MARKERS:
                value, reason = math.nan, SCB_MISSING_MARKERS[raw_value.strip()]
            else:
                try:
                    value = float(raw_value)
                except (TypeError, ValueError) as exc:
                    raise InputError(
                        f"cell {i} holds {raw_value!r}, not a number",
                        file=reference,
                        field="value",
                        expected="a number, null or an SCB marker (.. . -)",
                    ) from exc
            records["area_code"].append(split[r][0])
            records["area_version"].append(versions[r])
            records["variable"].append(var)
            records["period"].append(periods[t])
            records["value"].append(value)
            records["unit"].append(combo_unit[combo])
            records["missing_reason"].append(reason)

    tid = table_id or (str(px_ext.get("tableid")) if px_ext.get("tableid") else None) or "pxweb"
    source = SourceMeta(
        publisher="SCB",
        table_id=tid,
        title=str(data.get("label") or tid),
        reference=reference,
        checksum=checksum,
        licence="CC0 1.0",
        retrieved_at=retrieved_at,
        notes=f"PX-Web JSON-stat2; updated {data['updated']}" if data.get("updated") else None,
    )
    return Observations(
        source=source, data=_obs_frame(records), variables=_variables_frame(var_rows)
    )


# ----------------------------------------------------------------------------------------------
# CSV
# ----------------------------------------------------------------------------------------------
def _decode(text: bytes | str) -> str:
    if isinstance(text, str):
        return text.lstrip("\ufeff")
    try:
        return text.decode("utf-8-sig")
    except UnicodeDecodeError:
        return text.decode("cp1252")


def _sniff_delimiter(lines: list[str]) -> str:
    """The separator (``,``, ``;`` or tab) giving the same field count (> 1) on every line.

    The first line is left out of the sample when there are more, since it may be a title.
    """
    sample = lines[1:8] if len(lines) > 2 else lines
    best, best_n = ",", 0
    for d in (",", ";", "\t"):
        counts = {len(r) for r in csv.reader(sample, delimiter=d)}
        if len(counts) == 1:
            n = counts.pop()
            if n > 1 and n > best_n:
                best, best_n = d, n
    return best


def _is_numberish(cell: str) -> bool:
    s = cell.strip()
    if s in SCB_MISSING_MARKERS or s == "":
        return True
    try:
        _to_float(s)
    except ValueError:
        return False
    return True


def _to_float(s: str) -> float:
    s = s.replace("\u00a0", "").replace(" ", "")
    if "," in s and "." not in s:
        s = s.replace(",", ".")
    return float(s)


def _unit_hint(label: str) -> str | None:
    low = label.casefold()
    if re.search(r"\btkr\b", low):
        return "tkr"
    if "procent" in low or low.endswith("%"):
        return "procent"
    return None


def parse_pxweb_csv(
    text: bytes | str,
    *,
    reference: str,
    variable_map: VariableMap | None = None,
    area_version: str | None = None,
    table_id: str | None = None,
    title: str | None = None,
    dimensions: Sequence[str] | None = None,
    region_column: str | None = None,
    time_column: str | None = None,
    period: str | None = None,
    units: Mapping[str, str] | None = None,
    unmapped: Literal["slug", "drop", "error"] = "slug",
    retrieved_at: datetime | None = None,
) -> Observations:
    """Parse a PX-Web CSV response (v1 ``"csv"``, v2 ``outputFormat=csv``) into observations.

    The CSV is a wide table: leading *stub* columns hold dimension values (region, and maybe
    sex, age, time …); each remaining column is one combination of the *heading* dimensions,
    its header the labels (or codes) joined by spaces, e.g. ``"Folkmängd 2022"``.

    Parameters
    ----------
    text
        The CSV (bytes are decoded as UTF-8, falling back to Windows-1252). Comma, semicolon
        and tab separators are detected; an optional title line before the header is skipped.
    reference
        URL or file, used in the source and in error messages.
    variable_map, area_version, table_id, unmapped
        As for :func:`parse_jsonstat2`. The lookup key is the tuple of the other stub
        values followed by the value-column header without its period.
    dimensions
        Names of the stub columns; default: leading columns whose header is a known
        region/time name or whose cells are not numbers.
    region_column, time_column
        Header of the region/time column; default: detected by name (``region``; ``tid``,
        ``år``, ``month`` …). Region cells such as ``"0114 Upplands Väsby"`` keep the code.
    period
        The period when neither a time column nor a trailing period in the value headers
        (``2022``, ``2022M06``, ``2022K1``) gives it.
    units
        Unit per variable id; default: ``tkr``/``procent`` when the header says so, else None.

    Notes
    -----
    Cells ``..``, ``.``, ``-`` become NaN with a ``missing_reason``; empty cells become NaN
    with reason "saknas". Numbers may use a decimal comma when the separator is not a comma.
    """
    checksum, raw = _checksum_of(text if isinstance(text, bytes) else text.encode("utf-8"))
    body = _decode(raw)
    numbered = [(i + 1, ln) for i, ln in enumerate(body.splitlines()) if ln.strip()]
    if not numbered:
        raise InputError("empty CSV", file=reference)
    lines = [ln for _, ln in numbered]
    delimiter = _sniff_delimiter(lines)
    rows = [next(csv.reader([ln], delimiter=delimiter)) for ln in lines]
    line_no = [n for n, _ in numbered]  # 1-based line numbers in the file
    csv_title = title
    if len(rows) > 1 and len([c for c in rows[0] if c.strip()]) == 1 and len(rows[1]) > 1:
        csv_title = csv_title or rows[0][0].strip()
        rows, line_no = rows[1:], line_no[1:]
    if len(rows) < 2:
        raise InputError("CSV has a header but no data rows", file=reference, row=1)
    header = [h.strip() for h in rows[0]]
    data_rows = rows[1:]
    ncol = len(header)

    def col_values(j: int) -> list[str]:
        return [r[j] if j < len(r) else "" for r in data_rows]

    # stub (dimension) columns
    if dimensions is not None:
        wanted = {_norm_key(d) for d in dimensions} | _REGION_NAMES | _TIME_NAMES
        stub = [j for j, h in enumerate(header) if _norm_key(h) in wanted]
    else:
        stub = []
        for j, h in enumerate(header):
            name = _norm_key(h)
            if (
                name in _REGION_NAMES
                or name in _TIME_NAMES
                or name
                in (
                    _norm_key(region_column or "\0"),
                    _norm_key(time_column or "\0"),
                )
            ):
                stub.append(j)
                continue
            if not all(_is_numberish(v) for v in col_values(j)):
                stub.append(j)
                continue
            break
    value_cols = [j for j in range(ncol) if j not in stub]
    if not value_cols:
        raise InputError("no value columns found", file=reference, row=line_no[0])

    def find(name: str | None, names: set[str]) -> int | None:
        if name is not None:
            for j in stub:
                if _norm_key(header[j]) == _norm_key(name):
                    return j
            raise InputError(
                f"column {name!r} not found", file=reference, row=line_no[0], expected=str(header)
            )
        for j in stub:
            if _norm_key(header[j]) in names:
                return j
        return None

    region_j = find(region_column, _REGION_NAMES)
    if region_j is None:
        for j in stub:  # the first stub column whose cells look like area codes
            vals = col_values(j)
            if vals and all(
                _level_of(split_region_code(v.split()[0])[0]) if v.split() else False for v in vals
            ):
                region_j = j
                break
    if region_j is None:
        raise InputError(
            "no region column",
            file=reference,
            row=line_no[0],
            field="region",
            expected="a 'region' column or region_column=",
        )
    time_j = find(time_column, _TIME_NAMES)
    other_stub = [j for j in stub if j not in (region_j, time_j)]

    # value-column headers: split off a trailing period when there is no time column
    col_content: dict[int, str] = {}
    col_period: dict[int, str | None] = {}
    for j in value_cols:
        h = header[j]
        per: str | None = None
        if time_j is None:
            m = _PERIOD_TAIL_RE.search(h)
            if m:
                per = normalize_period(m.group(1))
                h = h[: m.start()].strip()
            elif period is not None:
                per = period
            else:
                raise InputError(
                    "no period: no time column and the header does not end in a period",
                    file=reference,
                    row=line_no[0],
                    field=header[j],
                    expected="a time column, a header such as 'Folkmängd 2022', or period=",
                )
        col_content[j] = h
        col_period[j] = per

    resolver = _VariableResolver(variable_map, unmapped)
    var_cache: dict[tuple[str, ...], str | None] = {}
    var_rows: dict[str, tuple[str, str | None, str | None]] = {}
    records: dict[str, list[Any]] = {c: [] for c in OBS_COLUMNS}
    for r, row in enumerate(data_rows):
        lineno = line_no[r + 1]
        cells = [c.strip() for c in row] + [""] * (ncol - len(row))
        region_cell = cells[region_j]
        if not region_cell:
            raise InputError("empty region", file=reference, row=lineno, field=header[region_j])
        code, suffix_ver = split_region_code(region_cell.split()[0])
        version = _resolve_version(
            code, suffix_ver, area_version, file=reference, field=header[region_j]
        )
        stub_vals = tuple(cells[j] for j in other_stub)
        for j in value_cols:
            key = (*stub_vals, col_content[j]) if col_content[j] else stub_vals
            if key not in var_cache:
                var_cache[key] = resolver(key, key)
            var = var_cache[key]
            if var is None:
                continue
            unit = (units or {}).get(var) or _unit_hint(col_content[j])
            if var not in var_rows:
                var_rows[var] = (" / ".join(key), unit, None)
            cell = cells[j]
            reason = _missing(cell)
            if reason is not None:
                value = math.nan
            elif cell == "":
                value, reason = math.nan, _NULL_REASON
            else:
                try:
                    value = _to_float(cell)
                except ValueError as exc:
                    raise InputError(
                        f"{cell!r} is not a number",
                        file=reference,
                        row=lineno,
                        field=header[j],
                        expected="a number or an SCB marker (.. . -)",
                    ) from exc
            per = normalize_period(cells[time_j]) if time_j is not None else col_period[j]
            records["area_code"].append(code)
            records["area_version"].append(version)
            records["variable"].append(var)
            records["period"].append(per)
            records["value"].append(value)
            records["unit"].append(unit)
            records["missing_reason"].append(reason)

    tid = table_id or "pxweb"
    source = SourceMeta(
        publisher="SCB",
        table_id=tid,
        title=csv_title or tid,
        reference=reference,
        checksum=checksum,
        licence="CC0 1.0",
        retrieved_at=retrieved_at,
        notes="PX-Web CSV",
    )
    return Observations(
        source=source, data=_obs_frame(records), variables=_variables_frame(var_rows)
    )


# ----------------------------------------------------------------------------------------------
# query building and chunking (pure)
# ----------------------------------------------------------------------------------------------
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
            raise FetchError(
                f"cannot count the values {v!r} of {var!r} without the table's metadata; "
                "pass all_values (PxWebClient.fetch reads the metadata itself)"
            )
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
        raise FetchError(
            f"the selection has {cells} cells, over the limit of {max_cells}, and no "
            "dimension with explicit value codes can be split; list the codes explicitly"
        )
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


# ----------------------------------------------------------------------------------------------
# the client
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PxRequest:
    """One data request: method, URL, query parameters and JSON body."""

    method: Literal["GET", "POST"]
    url: str
    params: dict[str, str]
    body: dict[str, Any] | None


class PxWebClient:
    """Client of SCB's PX-Web API (v1 or v2) with chunking, retries, rate limit and cache.

    Parameters
    ----------
    base_url
        API root, e.g. :data:`SCB_V2_BASE` or :data:`SCB_V1_BASE`.
    api_version
        1 or 2.
    cache_dir
        Response cache directory; ``None``: no cache.
    max_cells
        Cells per request before the selection is split; default 150 000 (v2) / 100 000 (v1).
    client
        An ``httpx.Client`` to send with (tests pass one with :class:`httpx.MockTransport`).
    sleep
        Sleep function used for backoff and rate limiting.
    max_retries
        Retries on 429/5xx/timeouts before :class:`FetchError`.
    lang
        Language of labels (``sv`` or ``en``); for v1 it is part of ``base_url``.
    rate_limit
        ``(calls, seconds)``; default :data:`SCB_V2_RATE_LIMIT` / :data:`SCB_V1_RATE_LIMIT`.
    use_get
        v2 only: send data queries as GET with ``valueCodes[…]`` instead of POST.
    clock
        Monotonic clock for the rate limiter.
    """

    def __init__(
        self,
        base_url: str = SCB_V2_BASE,
        *,
        api_version: Literal[1, 2] = 2,
        cache_dir: str | Path | None = None,
        max_cells: int | None = None,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int = 5,
        lang: str = "sv",
        rate_limit: tuple[int, float] | None = None,
        use_get: bool = False,
        clock: Callable[[], float] = time.monotonic,
        backoff_base: float = 1.0,
    ) -> None:
        if api_version not in (1, 2):
            raise ValueError("api_version must be 1 or 2")
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.lang = lang
        self.use_get = use_get
        self.max_cells = max_cells or (SCB_V2_MAX_CELLS if api_version == 2 else SCB_V1_MAX_CELLS)
        default_rate = SCB_V2_RATE_LIMIT if api_version == 2 else SCB_V1_RATE_LIMIT
        self.http = HttpClient(
            cache_dir=cache_dir,
            client=client,
            sleep=sleep,
            clock=clock,
            max_retries=max_retries,
            backoff_base=backoff_base,
            rate_limit=rate_limit or default_rate,
        )
        self._metadata: dict[str, dict[str, Any]] = {}

    def close(self) -> None:
        """Close the HTTP client (if created here)."""
        self.http.close()

    def __enter__(self) -> PxWebClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- URLs --------------------------------------------------------------------------------
    def table_url(self, table_id: str) -> str:
        """URL of a table: v2 ``{base}/tables/{id}``, v1 ``{base}/{path}``."""
        tid = table_id.strip("/")
        if self.api_version == 2:
            return f"{self.base_url}/tables/{tid}"
        return f"{self.base_url}/{tid}"

    # -- discovery ---------------------------------------------------------------------------
    def list_tables(
        self, query: str, *, page_size: int = 100, max_pages: int = 10
    ) -> list[dict[str, Any]]:
        """Tables whose text matches ``query``.

        v2: ``GET /tables?query=…&lang=…`` (paged; follows pages up to ``max_pages``), each
        item as SCB gives it (``id``, ``label``, ``firstPeriod``, ``lastPeriod``, …).
        v1: ``GET {base}?query=…&filter=*``, items with ``id``, ``path``, ``title``.
        """
        if self.api_version == 1:
            resp = self.http.get(self.base_url, params={"query": query, "filter": "*"})
            found = resp.json()
            if not isinstance(found, list):
                raise FetchError(f"GET {resp.url}: expected a list of tables")
            return [dict(t) for t in found]
        tables: list[dict[str, Any]] = []
        for page in range(1, max_pages + 1):
            resp = self.http.get(
                f"{self.base_url}/tables",
                params={
                    "lang": self.lang,
                    "query": query,
                    "pageSize": page_size,
                    "pageNumber": page,
                },
            )
            payload = resp.json()
            if not isinstance(payload, Mapping):
                raise FetchError(f"GET {resp.url}: expected an object with 'tables'")
            tables.extend(dict(t) for t in payload.get("tables", []))
            total_pages = int((payload.get("page") or {}).get("totalPages") or 1)
            if page >= total_pages:
                break
        return tables

    def metadata(self, table_id: str) -> dict[str, Any]:
        """The table's metadata: v2 JSON-stat2 (``/metadata``), v1 ``{"title", "variables"}``."""
        if table_id not in self._metadata:
            if self.api_version == 2:
                resp = self.http.get(
                    f"{self.table_url(table_id)}/metadata", params={"lang": self.lang}
                )
            else:
                resp = self.http.get(self.table_url(table_id))
            meta = resp.json()
            if not isinstance(meta, dict):
                raise FetchError(f"GET {resp.url}: expected a JSON object of metadata")
            self._metadata[table_id] = meta
        return self._metadata[table_id]

    def variables(self, table_id: str) -> dict[str, list[str]]:
        """Every value code per variable of the table, in the table's order."""
        return metadata_values(self.metadata(table_id))

    # -- data --------------------------------------------------------------------------------
    def build_request(
        self, table_id: str, selection: Selection, fmt: str = "json-stat2"
    ) -> PxRequest:
        """The request for one (already small enough) selection."""
        if fmt not in ("json-stat2", "csv"):
            raise ValueError("fmt must be 'json-stat2' or 'csv'")
        if self.api_version == 1:
            return PxRequest(
                "POST", self.table_url(table_id), {}, v1_query_body(selection, fmt=fmt)
            )
        url = f"{self.table_url(table_id)}/data"
        if self.use_get:
            return PxRequest("GET", url, v2_query_params(selection, fmt=fmt, lang=self.lang), None)
        params = {"lang": self.lang, "outputFormat": fmt}
        if fmt == "csv":
            params["outputFormatParams"] = "UseCodes"
        return PxRequest("POST", url, params, v2_query_body(selection))

    def plan(
        self, table_id: str, selection: Selection
    ) -> list[dict[str, list[str] | Literal["*"]]]:
        """The sub-selections :meth:`fetch` will request (metadata is read only if needed)."""
        needs_meta = any(
            not all(_is_literal(v) for v in _as_list(vals)) for vals in selection.values()
        )
        all_values = self.variables(table_id) if needs_meta else None
        return plan_chunks(selection, self.max_cells, all_values=all_values)

    def fetch(
        self,
        table_id: str,
        selection: Selection,
        fmt: Literal["json-stat2", "csv"] = "json-stat2",
        *,
        variable_map: VariableMap | None = None,
        area_version: str | None = None,
        unmapped: Literal["slug", "drop", "error"] = "slug",
    ) -> Observations:
        """Fetch a selection as observations, splitting it over the cell limit.

        Parameters
        ----------
        table_id
            v2 table id (e.g. ``"TAB5444"``) or v1 table path (``"BE/BE0101/BE0101Y/…"``).
        selection
            Variable code -> value codes or ``"*"``.
        fmt
            ``"json-stat2"`` (recommended) or ``"csv"``.
        variable_map, area_version, unmapped
            Passed to the parser, see :func:`parse_jsonstat2`.

        Raises
        ------
        FetchError
            When a request fails after its retries (the message names URL and HTTP status).
        InputError
            When a response cannot be parsed (names the URL and the field).
        """
        chunks = self.plan(table_id, selection)
        parts: list[Observations] = []
        for chunk in chunks:
            req = self.build_request(table_id, chunk, fmt)
            if req.method == "GET":
                resp = self.http.get(req.url, params=req.params)
            else:
                resp = self.http.post(req.url, params=req.params, json_body=req.body)
            if fmt == "json-stat2":
                obs = parse_jsonstat2(
                    resp.content,
                    reference=resp.url,
                    variable_map=variable_map,
                    area_version=area_version,
                    table_id=table_id,
                    unmapped=unmapped,
                    retrieved_at=resp.retrieved_at,
                )
            else:
                obs = parse_pxweb_csv(
                    resp.content,
                    reference=resp.url,
                    variable_map=variable_map,
                    area_version=area_version,
                    table_id=table_id,
                    dimensions=list(chunk),
                    unmapped=unmapped,
                    retrieved_at=resp.retrieved_at,
                )
            parts.append(obs)
        return _merge(parts, table_id=table_id, reference=self.table_url(table_id))


def metadata_values(meta: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every value code per variable from v2 (JSON-stat2) or v1 (``variables``) metadata."""
    if "dimension" in meta:
        ids = meta.get("id") or list(meta["dimension"])
        out: dict[str, list[str]] = {}
        for d in ids:
            dim = meta["dimension"][d]
            index = dim.get("category", {}).get("index", {})
            if isinstance(index, list):
                out[d] = [str(c) for c in index]
            else:
                out[d] = [str(c) for c, _ in sorted(index.items(), key=lambda kv: int(kv[1]))]
        return out
    if "variables" in meta:
        return {str(v["code"]): [str(x) for x in v.get("values", [])] for v in meta["variables"]}
    raise FetchError("metadata has neither 'dimension' (v2) nor 'variables' (v1)")


def _merge(parts: list[Observations], *, table_id: str, reference: str) -> Observations:
    if len(parts) == 1:
        return parts[0]
    data = pd.concat([p.data for p in parts], ignore_index=True)
    variables = (
        pd.concat([p.variables for p in parts], ignore_index=True)
        .drop_duplicates(subset=["variable"])
        .reset_index(drop=True)
    )
    checksum = hashlib.sha256("".join(p.source.checksum for p in parts).encode()).hexdigest()
    first = parts[0].source
    source = SourceMeta(
        publisher=first.publisher,
        table_id=table_id,
        title=first.title,
        reference=reference,
        checksum=checksum,
        licence=first.licence,
        retrieved_at=max((p.source.retrieved_at or now_utc()) for p in parts),
        notes=f"{len(parts)} requests (selection split over the cell limit)",
    )
    return Observations(source=source, data=data, variables=variables)
