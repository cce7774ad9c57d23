"""Statistikdatabasen's CSV export keyed by region *labels* (e.g. RegSO "Kommun (RegSO-namn)").

The export is UTF-8 with BOM, comma-separated, quoted, decimal point::

    "region","födelseregion","kön","Antal 2020","Antal 2021"
    "Upplands Väsby (Bollstanäs)","Sverige","totalt",5002,4972

The first column (or the one named ``region``) holds the region label, the columns up to the
first value column are dimensions, and every value column ends with its year. SCB's markers
``..``, ``.`` and ``-`` become missing values with a reason. Labels are matched to codes by
the caller (:mod:`omradesbild.sources.regso_labels`), since that needs the areas in the store.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from omradesbild.errors import InputError
from omradesbild.sources.base import (
    SCB_MISSING_MARKERS,
    VARIABLE_COLUMNS,
    SourceMeta,
    data_rows,
    read_csv_rows,
)
from omradesbild.wording import Message

#: Columns of :attr:`LabelledTable.data`.
LABELLED_COLUMNS: tuple[str, ...] = (
    "label",
    "row",
    "variable",
    "period",
    "value",
    "unit",
    "missing_reason",
)

_YEAR_COL = re.compile(r"^(?P<measure>.*?)\s*(?P<year>(19|20)\d{2})$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True)
class SeriesRule:
    """Which variable a combination of dimension values and measure is."""

    dimensions: tuple[tuple[str, str], ...]
    measure: str
    variable: str
    unit: str
    label: str


def _rule(dims: dict[str, str], measure: str, variable: str, unit: str, label: str) -> SeriesRule:
    key = tuple(sorted((_norm(k), _norm(v)) for k, v in dims.items()))
    return SeriesRule(key, _norm(measure), variable, unit, label)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


#: The series Statistikdatabasen publishes per RegSO, named as the catalogue needs them
#: (the same ids as :mod:`omradesbild.sources.scb_xlsx` gives the DeSO tables).
SERIES_RULES: tuple[SeriesRule, ...] = (
    _rule({"födelseregion": "Sverige", "kön": "totalt"}, "Antal", "pop_born_sweden",
          "antal personer", "Folkmängd född i Sverige"),
    _rule({"födelseregion": "totalt", "kön": "totalt"}, "Antal", "pop_total",
          "antal personer", "Folkmängd"),
    _rule({"upplåtelseform": "hyresrätt"}, "Antal", "dwellings_rental",
          "antal lägenheter", "Lägenheter, hyresrätt"),
    _rule({"upplåtelseform": "bostadsrätt"}, "Antal", "dwellings_bostadsratt",
          "antal lägenheter", "Lägenheter, bostadsrätt"),
    _rule({"upplåtelseform": "äganderätt"}, "Antal", "dwellings_owner",
          "antal lägenheter", "Lägenheter, äganderätt"),
    _rule({"upplåtelseform": "uppgift saknas"}, "Antal", "dwellings_tenure_missing",
          "antal lägenheter", "Lägenheter, upplåtelseform saknas"),
    _rule({"inkomstkomponent": "löneinkomst", "kön": "totalt"}, "Medelvärde för samtliga, tkr",
          "salary_income_mean_tkr", "tkr", "Medelvärde löneinkomst för samtliga, tkr"),
)  # fmt: skip

_RULES = {(r.dimensions, r.measure): r for r in SERIES_RULES}


@dataclass(frozen=True)
class LabelledTable:
    """A parsed export whose regions are still labels.

    Attributes
    ----------
    source
        Provenance of the file.
    data
        :data:`LABELLED_COLUMNS`, one row per label, series and year; ``row`` is the line in
        the file.
    variables
        The variables found (:data:`~omradesbild.sources.base.VARIABLE_COLUMNS`).
    """

    source: SourceMeta
    data: pd.DataFrame
    variables: pd.DataFrame


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", _norm(text).encode("ascii", "ignore").decode()).strip("_")


def _value(cell: str, p: Path, row: int, col: str) -> tuple[float, str | None]:
    s = cell.strip()
    if s in SCB_MISSING_MARKERS:
        return math.nan, SCB_MISSING_MARKERS[s]
    if s == "":
        return math.nan, "saknas"
    if not _NUMBER.match(s):
        raise InputError.bad_value(
            "err_src_not_number", s, expected="exp_src_scb_csv_number", file=p, row=row, field=col
        )
    return float(s), None


def _read(p: Path) -> list[list[str]]:
    rows = read_csv_rows(p, expected=Message("exp_src_scb_csv_utf8"))
    if len(rows) < 2:
        raise InputError(
            Message("err_src_no_data_rows"), file=p, expected=Message("exp_src_scb_csv_rows")
        )
    return rows


def read_scb_csv(path: str | Path) -> LabelledTable:
    """Read a Statistikdatabasen CSV export whose regions are labels.

    Returns
    -------
    LabelledTable
        Values per label, variable and year. Known series get the catalogue's variable ids
        (:data:`SERIES_RULES`); others ``scb_csv_<dimensions>_<measure>`` (described as
        such in ``variables``).

    Raises
    ------
    InputError
        No value column ending in a year, a row with another number of columns, a value
        that is not a number, or the same label, series and year twice.
    """
    p = Path(path)
    rows = _read(p)
    header = [h.strip() for h in rows[0]]
    years = [(j, m) for j, h in enumerate(header) if (m := _YEAR_COL.match(h))]
    if not years:
        raise InputError(
            Message("err_src_scb_csv_no_year_column"),
            file=p,
            row=1,
            expected=Message("exp_src_scb_csv_year_columns"),
        )
    first = years[0][0]
    if first < 1 or any(j < first for j, _ in years) or len(years) != len(header) - first:
        raise InputError(
            Message("err_src_scb_csv_values_not_last"),
            file=p,
            row=1,
            expected=Message("exp_src_scb_csv_column_order"),
        )
    region = next((j for j in range(first) if _norm(header[j]) == "region"), 0)
    dims = [j for j in range(first) if j != region]
    records: list[tuple[object, ...]] = []
    variables: dict[str, tuple[str, str | None, str]] = {}
    for i, raw in data_rows(rows, tuple(header), file=p):
        label = raw[region]
        if not label:
            raise InputError(
                Message("err_src_scb_csv_empty_label"), file=p, row=i, field=header[region]
            )
        key_dims = tuple(sorted((_norm(header[j]), _norm(raw[j])) for j in dims))
        for j, m in years:
            measure = _norm(m.group("measure"))
            rule = _RULES.get((key_dims, measure))
            unit: str | None
            if rule is not None:
                var, unit, desc = rule.variable, rule.unit, rule.label
            else:
                text = " ".join(v for _, v in key_dims) + " " + measure
                var = "scb_csv_" + _slug(text)
                unit = "antal" if measure.startswith("antal") else None
                desc = f"{text} (no catalogue variable for this series)"
            value, reason = _value(raw[j], p, i, header[j])
            variables.setdefault(var, (desc, unit, header[j]))
            records.append((label, i, var, m.group("year"), value, unit, reason))
    data = pd.DataFrame(records, columns=list(LABELLED_COLUMNS))
    dup = data.duplicated(["label", "variable", "period"], keep="first")
    if dup.any():
        d = data.loc[dup].iloc[0]
        raise InputError(
            Message(
                "err_src_scb_csv_two_values",
                label=repr(d["label"]),
                variable=d["variable"],
                period=d["period"],
            ),
            file=p,
            row=int(d["row"]),
            expected=Message("exp_src_scb_csv_one_row"),
        )
    var_frame = pd.DataFrame(
        [(v, desc, unit, f"{desc}; column {col!r}") for v, (desc, unit, col) in variables.items()],
        columns=list(VARIABLE_COLUMNS),
    )
    meta = SourceMeta.of_file(
        p,
        table_id=f"scb-csv:{p.stem}",
        title=f"Statistikdatabasen, {', '.join(sorted(variables))}",
        notes=f"{data['label'].nunique()} regions, years "
        + ", ".join(m.group("year") for _, m in years),
    )
    return LabelledTable(source=meta, data=data, variables=var_frame)
