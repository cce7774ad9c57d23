"""SCB's key DeSO 2018 -> RegSO 2020 (``koppling-deso2018-regso2020.csv``).

The CSV (UTF-8 with BOM, comma-separated) has one row per DeSO::

    Kommun,Kommunnamn,DeSO_2018,RegSO_2020,RegSOkod_2020
    0114,Upplands Väsby,0114C1010,Bollstanäs,0114R001
"""

from __future__ import annotations

from pathlib import Path

from omradesbild.config import DEFAULT_VERSION
from omradesbild.errors import InputError
from omradesbild.sources.base import Areas, data_rows
from omradesbild.sources.nested_key import (
    NestedKey,
    area_record,
    check_code,
    check_in_kommun,
    key_areas,
    read_key_rows,
)
from omradesbild.wording import Message

#: The key's header, in order.
KEY_COLUMNS: tuple[str, ...] = ("Kommun", "Kommunnamn", "DeSO_2018", "RegSO_2020", "RegSOkod_2020")

DESO_VERSION = DEFAULT_VERSION["deso"]
REGSO_VERSION = DEFAULT_VERSION["regso"]
KOMMUN_VERSION = DEFAULT_VERSION["kommun"]


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
    rows = read_key_rows(p, KEY_COLUMNS)
    kommun_name: dict[str, tuple[str, int]] = {}
    key = NestedKey()
    for i, (kn, kn_name, dc, rname, rc) in data_rows(rows, KEY_COLUMNS, file=p):
        _check_row(kn, dc, rc, p, i)
        key.add_deso(dc, rc, file=p, row=i, field="DeSO_2018")
        if kn in kommun_name and kommun_name[kn][0] != kn_name:
            raise InputError(
                Message(
                    "err_src_kommun_two_names",
                    kommun=kn,
                    name=repr(kn_name),
                    other=repr(kommun_name[kn][0]),
                    other_row=kommun_name[kn][1],
                ),
                file=p,
                row=i,
                field="Kommunnamn",
                expected=Message("exp_src_one_name_per_kommun"),
            )
        kommun_name.setdefault(kn, (kn_name, i))
        key.add_regso(rc, rname, kn, file=p, row=i, field="RegSO_2020")
    if not key.deso:
        raise InputError(
            Message("err_src_no_rows"), file=p, expected=Message("exp_src_one_row_per_deso")
        )

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


def _check_row(kn: str, dc: str, rc: str, p: Path, i: int) -> None:
    """Check a key row's codes: well formed, and the DeSO and RegSO in the row's kommun."""
    for value, level, field in (
        (kn, "kommun", "Kommun"),
        (dc, "deso", "DeSO_2018"),
        (rc, "regso", "RegSOkod_2020"),
    ):
        check_code(value, level, file=p, row=i, field=field)
    check_in_kommun(kn, ((dc, "DeSO_2018"), (rc, "RegSOkod_2020")), file=p, row=i)
