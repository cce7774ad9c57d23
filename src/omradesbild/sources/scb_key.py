"""SCB's key DeSO 2018 -> RegSO 2020 (``koppling-deso2018-regso2020.csv``).

The CSV (UTF-8 with BOM, comma-separated) has one row per DeSO::

    Kommun,Kommunnamn,DeSO_2018,RegSO_2020,RegSOkod_2020
    0114,Upplands Väsby,0114C1010,Bollstanäs,0114R001
"""

from __future__ import annotations

import csv
from pathlib import Path

from omradesbild.areas.codes import validate_code
from omradesbild.config import DEFAULT_VERSION
from omradesbild.errors import InputError
from omradesbild.sources.base import Areas
from omradesbild.sources.nested_key import NestedKey, area_record, check_in_kommun, key_areas

#: The key's header, in order.
KEY_COLUMNS: tuple[str, ...] = ("Kommun", "Kommunnamn", "DeSO_2018", "RegSO_2020", "RegSOkod_2020")

DESO_VERSION = DEFAULT_VERSION["deso"]
REGSO_VERSION = DEFAULT_VERSION["regso"]
KOMMUN_VERSION = DEFAULT_VERSION["kommun"]


def _read_rows(p: Path) -> list[list[str]]:
    try:
        with open(p, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", file=p, expected="SCB's key as UTF-8 CSV") from exc
    except csv.Error as exc:
        raise InputError(f"not a readable CSV ({exc})", file=p, expected="a CSV file") from exc
    if not rows:
        raise InputError("empty file", file=p, expected="header " + ",".join(KEY_COLUMNS))
    header = [h.strip() for h in rows[0]]
    if header != list(KEY_COLUMNS):
        raise InputError(
            f"unexpected header {','.join(header)!r}",
            file=p,
            row=1,
            expected="header " + ",".join(KEY_COLUMNS),
        )
    return rows


def read_scb_key(path: str | Path) -> Areas:
    """Read SCB's DeSO 2018 -> RegSO 2020 key.

    Parameters
    ----------
    path
        ``koppling-deso2018-regso2020.csv``.

    Returns
    -------
    Areas
        ``areas`` without geometry: kommuner (``kommun2025``, name ``Kommunnamn``), RegSO
        (``regso2020``, name ``RegSO_2020``, parent the kommun) and DeSO (``deso2018``, parent
        the RegSO); ``links`` DeSO 2018 -> RegSO 2020 and RegSO 2020 -> kommun, method
        ``scb_key``, weight 1.0 (each area nests completely in the next).

    Raises
    ------
    InputError
        Wrong header or column count, malformed codes, a DeSO or RegSO outside the row's
        kommun, a DeSO listed twice, or a RegSO/kommun code given two different names.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError("file not found", file=p)
    rows = _read_rows(p)
    kommun_name: dict[str, tuple[str, int]] = {}
    key = NestedKey()
    for i, raw in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        kn, kn_name, dc, rname, rc = _parse_row(raw, p, i)
        key.add_deso(dc, rc, file=p, row=i, field="DeSO_2018")
        if kn in kommun_name and kommun_name[kn][0] != kn_name:
            raise InputError(
                f"kommun {kn} is named {kn_name!r} here and {kommun_name[kn][0]!r} in row "
                f"{kommun_name[kn][1]}",
                file=p,
                row=i,
                field="Kommunnamn",
                expected="one name per kommun",
            )
        kommun_name.setdefault(kn, (kn_name, i))
        key.add_regso(rc, rname, kn, file=p, row=i, field="RegSO_2020")
    if not key.deso:
        raise InputError("holds no rows", file=p, expected="one row per DeSO")

    records = [
        area_record(k, "kommun", KOMMUN_VERSION, n, None) for k, (n, _) in kommun_name.items()
    ]
    records += key.areas(DESO_VERSION, REGSO_VERSION, KOMMUN_VERSION)
    return key_areas(
        p,
        table_id="koppling-deso2018-regso2020",
        title="Koppling DeSO 2018 - RegSO 2020",
        notes=f"{len(key.deso)} DeSO, {len(key.regso)} RegSO, {len(kommun_name)} kommuner",
        records=records,
        links=key.links(DESO_VERSION, REGSO_VERSION, KOMMUN_VERSION),
    )


def _parse_row(raw: list[str], p: Path, i: int) -> tuple[str, str, str, str, str]:
    """One key row's five fields, stripped, with its codes checked."""
    if len(raw) != len(KEY_COLUMNS):
        raise InputError(
            f"{len(raw)} columns", file=p, row=i, expected=f"{len(KEY_COLUMNS)} columns"
        )
    kn, kn_name, dc, rname, rc = (c.strip() for c in raw)
    for value, level, field in (
        (kn, "kommun", "Kommun"),
        (dc, "deso", "DeSO_2018"),
        (rc, "regso", "RegSOkod_2020"),
    ):
        problem = validate_code(value, level)
        if problem is not None:
            raise InputError(
                f"{value!r} is not a {level} code", file=p, row=i, field=field, expected=problem
            )
    check_in_kommun(kn, ((dc, "DeSO_2018"), (rc, "RegSOkod_2020")), file=p, row=i)
    return kn, kn_name, dc, rname, rc
