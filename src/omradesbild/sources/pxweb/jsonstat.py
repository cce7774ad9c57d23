"""PX-Web JSON-stat 2 responses (API v1 and v2) as observations."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypedDict

import numpy as np

from omradesbild.areas.registry import COUNTRY_CODE
from omradesbild.errors import InputError
from omradesbild.sources.base import OBS_COLUMNS, SCB_MISSING_MARKERS, Observations, SourceMeta
from omradesbild.sources.pxweb.common import (
    _NULL_REASON,
    DimensionMap,
    VariableMap,
    _checksum_of,
    _missing,
    _obs_frame,
    _resolve_version,
    _VariableResolver,
    _variables_frame,
    find_region_dimension,
    find_time_dimension,
    normalize_period,
    slugify,
    split_region_code,
)
from omradesbild.wording import Message


def _category_codes(dim: Mapping[str, Any], n: int, name: str, file: str) -> list[str]:
    index = dim.get("category", {}).get("index")
    if index is None:
        labels = dim.get("category", {}).get("label", {})
        if len(labels) == n:
            return [str(k) for k in labels]
        raise InputError(Message("err_src_no_category_index"), file=file, field=name)
    if isinstance(index, list):
        codes = [str(c) for c in index]
    else:
        codes = [""] * len(index)
        for code, pos in index.items():
            codes[int(pos)] = str(code)
    if len(codes) != n:
        raise InputError(
            Message("err_src_category_count", n=len(codes), size=n),
            file=file,
            field=name,
            expected=Message("exp_src_category_index"),
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


@dataclass(frozen=True)
class ConvertedFile:
    """The file a reader converted to a JSON-stat dataset, as the source records it.

    Attributes
    ----------
    checksum
        Checksum of the file's bytes (:func:`~omradesbild.sources.base.bytes_checksum`).
    notes
        Source notes (e.g. a PX file's ``NOTE``); ``None``: when the dataset was updated.
    missing_reasons
        Reasons for status symbols beyond SCB's ``..``, ``.``, ``-`` (e.g. a PX file's
        ``DATASYMBOL`` keywords).
    """

    checksum: str
    notes: str | None = None
    missing_reasons: Mapping[str, str] | None = None


class JsonStatOptions(TypedDict, total=False):
    """The options of :func:`parse_jsonstat2` that the readers built on it pass through."""

    variable_map: VariableMap | None
    area_version: str | None
    table_id: str | None
    unmapped: Literal["slug", "drop", "error"]
    retrieved_at: datetime | None
    total_area: str | None
    publisher: str


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
    total_area: str | None = None,
    publisher: str = "SCB",
    converted_from: ConvertedFile | None = None,
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
        Override the dimension ids; default: ``role.geo``/``role.time``, else the dimension
        named like a region (``Region``, ``Område``, ``Kommun``, ``DeSO`` …) or whose codes are
        area codes, and the one named like time (``Tid``, ``år``) or whose codes are periods.
    total_area
        The area of a response without a region dimension (the query eliminated it): its
        cells are the total of the table's areas. Default: Sweden (``SE``) for SCB; other
        publishers must name it (e.g. ``0180`` for Stockholm stad's database).
    publisher
        Who published the table (default ``SCB``).
    converted_from
        The file a reader converted to ``payload`` (a PX file, PX-Web's plain JSON): its
        checksum, notes and status symbols stand in the source. Without it the checksum is
        of ``payload`` and the notes say when the dataset was updated.

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
    payload_checksum, data = _decode_dataset(payload, reference)
    cube = _cube_of(data, reference)
    time_dim = _time_dimension(cube, time_dimension, reference)
    region_dim = _region_dimension(
        cube,
        region_dimension,
        time_dim,
        total_area=total_area,
        publisher=publisher,
        reference=reference,
    )
    other_dims = [d for d in cube.ids if d not in (region_dim, time_dim)]
    metric_dims = [d for d in (cube.role.get("metric") or []) if d in other_dims] or [
        d for d in other_dims if d.casefold() == "contentscode"
    ]
    values = _flat_values(data, cube.sizes, reference)
    px_ext = (
        data.get("extension", {}).get("px", {})
        if isinstance(data.get("extension"), Mapping)
        else {}
    )
    default_name = table_id or str(px_ext.get("tableid") or data.get("label") or "value")
    variables = _resolve_variables(
        data,
        cube,
        other_dims,
        metric_dims,
        variable_map=variable_map,
        unmapped=unmapped,
        default_name=default_name,
    )
    records = _records(
        cube,
        variables,
        values,
        data.get("status"),
        region_dim=region_dim,
        time_dim=time_dim,
        other_dims=other_dims,
        area_version=area_version,
        missing_reasons=converted_from.missing_reasons if converted_from else None,
        reference=reference,
    )
    tid = table_id or (str(px_ext.get("tableid")) if px_ext.get("tableid") else None) or "pxweb"
    source = SourceMeta(
        publisher=publisher,
        table_id=tid,
        title=str(data.get("label") or tid),
        reference=reference,
        checksum=converted_from.checksum if converted_from else payload_checksum,
        licence="CC0 1.0",
        retrieved_at=retrieved_at,
        notes=(converted_from.notes if converted_from else None)
        or (f"PX-Web JSON-stat2; updated {data['updated']}" if data.get("updated") else None),
    )
    return Observations(
        source=source, data=_obs_frame(records), variables=_variables_frame(variables.rows)
    )


@dataclass
class _Cube:
    """A dataset's dimensions: ids and sizes in order, the dimension objects, their codes."""

    ids: list[str]
    sizes: list[int]
    dims: dict[str, Any]
    codes: dict[str, list[str]]
    role: Mapping[str, Any]

    def labels(self, d: str) -> list[str]:
        """The category labels of dimension ``d`` (its codes where it has none)."""
        cat_labels = self.dims[d].get("category", {}).get("label", {})
        return [str(cat_labels.get(c, c)) for c in self.codes[d]]


@dataclass(frozen=True)
class _Variables:
    """The variable and unit of each combination of the other dimensions, and the rows."""

    var: dict[tuple[int, ...], str | None]
    unit: dict[tuple[int, ...], str | None]
    rows: dict[str, tuple[str, str | None, str | None]]


def _decode_dataset(
    payload: bytes | str | Mapping[str, Any], reference: str
) -> tuple[str, Mapping[str, Any]]:
    """The payload's checksum and its dataset object, checked to be JSON-stat 2."""
    payload_checksum, raw = _checksum_of(payload)
    if isinstance(payload, Mapping):
        data: Mapping[str, Any] = payload
    else:
        try:
            data = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(Message("err_src_not_json", error=str(exc)), file=reference) from exc
    if not isinstance(data, Mapping):
        raise InputError(
            Message("err_src_not_jsonstat2"),
            file=reference,
            expected=Message("exp_src_json_object"),
        )
    if data.get("class") == "bundle" or ("dataset" in data and "dimension" not in data):
        raise InputError(
            Message("err_src_jsonstat1"),
            file=reference,
            expected=Message("exp_src_jsonstat2"),
        )
    for key in ("id", "size", "dimension"):
        if key not in data:
            raise InputError(
                Message("err_src_not_jsonstat2"),
                file=reference,
                field=key,
                expected=Message("exp_src_jsonstat2_keys"),
            )
    return payload_checksum, data


def _cube_of(data: Mapping[str, Any], reference: str) -> _Cube:
    """The dataset's dimensions with their category codes in position order."""
    ids: list[str] = [str(i) for i in data["id"]]
    sizes: list[int] = [int(s) for s in data["size"]]
    if len(ids) != len(sizes):
        raise InputError(Message("err_src_id_size"), file=reference, field="size")
    dims = dict(data["dimension"])
    codes = {d: _category_codes(dims[d], n, d, reference) for d, n in zip(ids, sizes, strict=True)}
    return _Cube(ids=ids, sizes=sizes, dims=dims, codes=codes, role=data.get("role") or {})


def _pick(cube: _Cube, explicit: str | None, role_key: str) -> str | None:
    """The dimension given (if the dataset has it), else the first of ``role[role_key]``."""
    if explicit is not None:
        return explicit if explicit in cube.ids else None
    for cand in cube.role.get(role_key) or []:
        if cand in cube.ids:
            return str(cand)
    return None


def _time_dimension(cube: _Cube, time_dimension: str | None, reference: str) -> str:
    """The time dimension: given, from ``role.time``, or found by name or codes."""
    time_dim = _pick(cube, time_dimension, "time") or (
        None if time_dimension else find_time_dimension(cube.ids, cube.codes)
    )
    if time_dim is None:
        raise InputError(
            Message("err_src_no_time_dimension"),
            file=reference,
            field="Tid",
            expected=Message("exp_src_time_dimension"),
        )
    return time_dim


def _region_dimension(
    cube: _Cube,
    region_dimension: str | None,
    time_dim: str,
    *,
    total_area: str | None,
    publisher: str,
    reference: str,
) -> str:
    """The region dimension; where the query eliminated it, one added to ``cube``."""
    dim_labels = {d: str(cube.dims[d].get("label") or d) for d in cube.ids}
    region_dim = _pick(cube, region_dimension, "geo") or (
        None
        if region_dimension
        else find_region_dimension(cube.ids, cube.codes, dim_labels, exclude=[time_dim])
    )
    if region_dim is not None:
        return region_dim
    # The region was eliminated (the query left it out): the cells are the total of the
    # table's whole population of areas, which for SCB is Sweden.
    total = total_area or (COUNTRY_CODE if publisher == "SCB" else None)
    if total is None:
        raise InputError(
            Message("err_src_no_region_dimension"),
            file=reference,
            field="Region",
            expected=Message("exp_src_region_dimension", ids=str(cube.ids)),
        )
    region_dim = "__eliminated_region__"
    cube.ids, cube.sizes = [region_dim, *cube.ids], [1, *cube.sizes]
    cube.dims[region_dim] = {"category": {"index": {total: 0}}}
    cube.codes[region_dim] = [total]
    return region_dim


def _flat_values(data: Mapping[str, Any], sizes: list[int], reference: str) -> list[Any]:
    """``value`` as a list with one entry per cell (a sparse mapping filled with None)."""
    n_cells = int(np.prod(sizes)) if sizes else 0
    values = data.get("value", [])
    if isinstance(values, Mapping):
        flat: list[Any] = [None] * n_cells
        for k, v in values.items():
            flat[int(k)] = v
        values = flat
    if len(values) != n_cells:
        raise InputError(
            Message("err_src_value_count", n=len(values), cells=n_cells),
            file=reference,
            field="value",
        )
    return list(values)


def _resolve_variables(
    data: Mapping[str, Any],
    cube: _Cube,
    other_dims: list[str],
    metric_dims: list[str],
    *,
    variable_map: VariableMap | None,
    unmapped: Literal["slug", "drop", "error"],
    default_name: str,
) -> _Variables:
    """Resolve every combination of the other dimensions once: variable, unit, row."""
    readable = None
    units_of: Mapping[str, str] = {}
    if isinstance(variable_map, DimensionMap):
        readable, units_of = variable_map.readable, getattr(variable_map, "units", {})
        variable_map = variable_map.for_dimensions(other_dims)
    resolver = _VariableResolver(variable_map, unmapped)
    labels = {d: cube.labels(d) for d in other_dims}
    out = _Variables(var={}, unit={}, rows={})
    other_sizes = [cube.sizes[cube.ids.index(d)] for d in other_dims]
    for combo in np.ndindex(*other_sizes) if other_dims else [()]:
        c_codes = tuple(cube.codes[d][i] for d, i in zip(other_dims, combo, strict=True))
        c_labels = tuple(labels[d][i] for d, i in zip(other_dims, combo, strict=True))
        var: str | None
        if other_dims and readable is not None and unmapped == "slug":
            var = resolver.lookup(c_codes, c_labels) or readable(c_labels)
        elif other_dims:
            var = resolver(c_codes, c_labels)
        else:  # only region and time: one variable, named after the table unless mapped
            var = resolver.lookup((), ()) or slugify(default_name) or "value"
        out.var[tuple(combo)] = var
        unit = _unit_of(data, metric_dims, dict(zip(other_dims, c_codes, strict=True)))
        if readable is not None and var is not None and var in units_of:
            unit = units_of[var]
        out.unit[tuple(combo)] = unit
        if var is not None and var not in out.rows:
            desc = _refperiod(cube, metric_dims, other_dims, c_codes)
            out.rows[var] = (" / ".join(c_labels) or str(data.get("label", "")), unit, desc)
    return out


def _refperiod(
    cube: _Cube, metric_dims: list[str], other_dims: list[str], c_codes: tuple[str, ...]
) -> str | None:
    """The reference time of a combination's content, if the dataset gives one."""
    desc = None
    for d in metric_dims:
        ref = cube.dims[d].get("extension", {}).get("refperiod", {})
        if isinstance(ref, Mapping) and ref.get(c_codes[other_dims.index(d)]):
            desc = f"referenstid: {ref[c_codes[other_dims.index(d)]]}"
    return desc


def _records(
    cube: _Cube,
    variables: _Variables,
    values: list[Any],
    status: Any,
    *,
    region_dim: str,
    time_dim: str,
    other_dims: list[str],
    area_version: str | None,
    missing_reasons: Mapping[str, str] | None,
    reference: str,
) -> dict[str, list[Any]]:
    """The observation columns, one entry per cell of a mapped variable."""
    region_pos = cube.ids.index(region_dim)
    time_pos = cube.ids.index(time_dim)
    other_pos = [cube.ids.index(d) for d in other_dims]
    split = [split_region_code(c) for c in cube.codes[region_dim]]
    versions = [
        _resolve_version(code, ver, area_version, file=reference, field=region_dim)
        for code, ver in split
    ]
    periods = [normalize_period(c) for c in cube.codes[time_dim]]
    records: dict[str, list[Any]] = {c: [] for c in OBS_COLUMNS}
    n_cells = len(values)
    if not n_cells:
        return records
    positions = np.unravel_index(np.arange(n_cells), cube.sizes)
    for i in range(n_cells):
        combo = tuple(int(positions[p][i]) for p in other_pos)
        cell_var = variables.var[combo]
        if cell_var is None:
            continue
        r = int(positions[region_pos][i])
        t = int(positions[time_pos][i])
        value, reason = _cell_value(
            values[i], _status_at(status, i), i, missing_reasons, reference=reference
        )
        records["area_code"].append(split[r][0])
        records["area_version"].append(versions[r])
        records["variable"].append(cell_var)
        records["period"].append(periods[t])
        records["value"].append(value)
        records["unit"].append(variables.unit[combo])
        records["missing_reason"].append(reason)
    return records


def _cell_value(
    raw_value: Any,
    st: str | None,
    i: int,
    missing_reasons: Mapping[str, str] | None,
    *,
    reference: str,
) -> tuple[float, str | None]:
    """A cell's value and missing reason: status symbols and empty cells become NaN."""
    reason = ((missing_reasons or {}).get(st.strip()) if st else None) or _missing(st)
    if reason is not None:
        return math.nan, reason
    if raw_value is None or raw_value == "":
        return math.nan, f"{st}: status från källan" if st else _NULL_REASON
    if isinstance(raw_value, str) and raw_value.strip() in SCB_MISSING_MARKERS:
        return math.nan, SCB_MISSING_MARKERS[raw_value.strip()]
    try:
        return float(raw_value), None
    except (TypeError, ValueError) as exc:
        raise InputError(
            Message("err_src_jsonstat_cell", i=i, value=repr(raw_value)),
            file=reference,
            field="value",
            expected=Message("exp_src_jsonstat_number"),
        ) from exc
