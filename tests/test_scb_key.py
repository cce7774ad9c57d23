"""SCB's DeSO 2018 -> RegSO 2020 key."""

from __future__ import annotations

from pathlib import Path

import pytest

from omradesbild.errors import InputError
from omradesbild.sources.base import AREA_COLUMNS, LINK_COLUMNS
from omradesbild.sources.scb_key import KEY_COLUMNS, read_scb_key

HEADER = ",".join(KEY_COLUMNS)
ROWS = [
    "0114,Upplands Väsby,0114C1010,Bollstanäs,0114R001",
    "0114,Upplands Väsby,0114C1030,Bollstanäs,0114R001",
    "0114,Upplands Väsby,0114C1180,Hammarby-Vaxmyra,0114R002",
    "0180,Stockholm,0180C1010,Norrmalm,0180R001",
]


def write_key(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "key.csv"
    # as SCB writes it: UTF-8 with BOM, CRLF line ends
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode("utf-8-sig"))
    return path


def test_read_key(tmp_path: Path) -> None:
    res = read_scb_key(write_key(tmp_path, ROWS))
    a, links = res.areas, res.links
    assert list(a.columns) == list(AREA_COLUMNS) and list(links.columns) == list(LINK_COLUMNS)
    assert a["level"].value_counts().to_dict() == {"deso": 4, "regso": 3, "kommun": 2}
    k = a[a["level"] == "kommun"].set_index("area_code")
    assert k.loc["0114", "name"] == "Upplands Väsby" and k.loc["0114", "version"] == "kommun2025"
    r = a[a["level"] == "regso"].set_index("area_code")
    assert r.loc["0114R002", "name"] == "Hammarby-Vaxmyra"
    assert r.loc["0114R002", "parent_code"] == "0114"
    assert (r["version"] == "regso2020").all() and (r["parent_version"] == "kommun2025").all()
    d = a[a["level"] == "deso"].set_index("area_code")
    assert d.loc["0114C1030", "parent_code"] == "0114R001"
    assert (d["version"] == "deso2018").all() and d["geometry"].isna().all()
    dl = links[links["from_level"] == "deso"]
    assert len(dl) == 4 and (dl["to_version"] == "regso2020").all()
    assert (links["weight"] == 1.0).all() and (links["method"] == "scb_key").all()
    assert len(links[links["from_level"] == "regso"]) == 3


#: A good new row (a DeSO of Upplands Väsby's first RegSO), by column.
NEW_ROW = dict(
    zip(KEY_COLUMNS, ("0114", "Upplands Väsby", "0114C1090", "Bollstanäs", "0114R001"), strict=True)
)
#: Bad values of each column, each with what the error says of it.
BAD_CELLS = {
    "DeSO_2018": [("0114C1010", "mapped twice"), ("0114C101", "not a deso"),
                  ("0115C1090", "kommun 0114")],
    "RegSOkod_2020": [("0114R01", "not a regso")],
    "Kommun": [("114", "not a kommun")],
    "RegSO_2020": [("Annat namn", "named")],
    "Kommunnamn": [("Väsby", "named")],
}  # fmt: skip


@pytest.mark.parametrize(
    ("field", "bad", "match"),
    [(field, bad, match) for field, cases in BAD_CELLS.items() for bad, match in cases],
)
def test_key_errors(tmp_path: Path, field: str, bad: str, match: str) -> None:
    """The good new row with one bad cell is refused, naming its row (the sixth line: the
    header, four good rows, then it) and the very field that is bad (0114C1010 is the
    key's first DeSO: that row again)."""
    row = ",".join({**NEW_ROW, field: bad}.values())
    with pytest.raises(InputError, match=match) as exc:
        read_scb_key(write_key(tmp_path, [*ROWS, row]))
    assert exc.value.row == 6 and exc.value.field == field
    assert exc.value.file is not None and exc.value.file.endswith("key.csv")


def test_key_header_and_shape(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unexpected header") as exc:
        read_scb_key(write_key(tmp_path, ROWS, header="Kommun,DeSO,RegSO"))
    assert exc.value.row == 1
    with pytest.raises(InputError, match="3 columns"):
        read_scb_key(write_key(tmp_path, [*ROWS, "0114,X,0114C1090"]))
    with pytest.raises(InputError, match="no rows"):
        read_scb_key(write_key(tmp_path, []))
    with pytest.raises(InputError, match="file not found"):
        read_scb_key(tmp_path / "nope.csv")
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER + "\n" + ROWS[0] + "\n").encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        read_scb_key(latin)


@pytest.mark.realdata
def test_real_key(shared_data: Path) -> None:
    res = read_scb_key(shared_data / "scb" / "koppling-deso2018-regso2020.csv")
    a, links = res.areas, res.links
    counts = a["level"].value_counts().to_dict()
    assert counts == {"deso": 5984, "regso": 3363, "kommun": 290}
    dl = links[links["from_level"] == "deso"]
    assert len(dl) == 5984 and dl["from_code"].is_unique  # each DeSO to exactly one RegSO
    assert (dl["to_code"].str[:4] == dl["from_code"].str[:4]).all()
    assert set(dl["to_code"]) == set(a.loc[a["level"] == "regso", "area_code"])
    rl = links[links["from_level"] == "regso"]
    assert len(rl) == 3363 and set(rl["to_code"]) == set(a.loc[a["level"] == "kommun", "area_code"])
    k = a[a["level"] == "kommun"].set_index("area_code")
    assert k.loc["1480", "name"] == "Göteborg" and k.loc["0180", "name"] == "Stockholm"
