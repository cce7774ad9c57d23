"""Every PX-Web answer format: JSON-stat2 (v1, v2), v1 plain JSON, CSV and PX, recorded here."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from omradesbild.errors import InputError
from omradesbild.sources.pxweb import SCB_V1_BASE, PxWebClient, parse_pxweb_json
from omradesbild.store import Store

if TYPE_CHECKING:
    from conftest import CliRun


#: Every test here runs with network connections refused.
pytestmark = pytest.mark.usefixtures("no_network")


def plain_json(with_region: bool = True) -> dict[str, Any]:
    """SCB v1's plain "json" answer: columns, data rows with string values, metadata."""
    columns = [
        {"code": "Tid", "text": "år", "type": "t"},
        {"code": "BE0101N1", "text": "Folkmängd", "type": "c"},
        {"code": "BE0101N2", "text": "Folkökning", "type": "c"},
    ]
    rows = [
        {"key": ["2022"], "values": ["10521556", "69113"]},
        {"key": ["2023"], "values": ["10551707", ".."]},
    ]
    if with_region:
        columns.insert(0, {"code": "Region", "text": "region", "type": "d"})
        rows = [
            {"key": ["00", "2022"], "values": ["10521556", "69113"]},
            {"key": ["00", "2023"], "values": ["10551707", ".."]},
            {"key": ["0180", "2022"], "values": ["978770", "-"]},
            # 0180 2023 left out of the answer
        ]
    return {
        "columns": columns,
        "comments": [],
        "data": rows,
        "metadata": [
            {
                "infofile": "BE0101",
                "updated": "2024-02-21T08:00:00",
                "label": "Folkmängd efter region och år",
                "source": "Statistiska centralbyrån",
            }
        ],
    }


def test_plain_json_values_as_strings_markers_and_gaps() -> None:
    obs = parse_pxweb_json(json.dumps(plain_json()).encode(), reference="v1.json")
    df = obs.data.set_index(["area_code", "variable", "period"])
    assert df.at[("SE", "be0101n1", "2023"), "value"] == 10551707.0
    assert df.at[("0180", "be0101n1", "2022"), "area_version"] == "kommun2025"
    assert math.isnan(df.at[("SE", "be0101n2", "2023"), "value"])
    assert df.at[("SE", "be0101n2", "2023"), "missing_reason"].startswith("..")
    assert df.at[("0180", "be0101n2", "2022"), "missing_reason"].startswith("-")
    gap = df.loc[("0180", "be0101n1", "2023")]
    assert math.isnan(gap["value"]) and gap["missing_reason"].startswith("saknas")
    assert set(obs.variables["label"]) == {"Folkmängd", "Folkökning"}
    assert "plain JSON" in (obs.source.notes or "")


def test_plain_json_without_region_is_the_country() -> None:
    obs = parse_pxweb_json(plain_json(with_region=False), reference="v1.json")
    assert set(obs.data["area_code"]) == {"SE"}
    with pytest.raises(InputError, match="no region dimension"):
        parse_pxweb_json(plain_json(with_region=False), reference="r", publisher="Göteborg")


def test_plain_json_bad_rows_are_named() -> None:
    bad = plain_json()
    bad["data"][1]["values"] = ["1"]
    with pytest.raises(InputError, match=r"row 2 has 2 keys and 1 values"):
        parse_pxweb_json(bad, reference="v1.json")
    with pytest.raises(InputError, match="plain JSON"):
        parse_pxweb_json(b'{"class": "dataset"}', reference="x.json")


PX_ANSWER = """CHARSET="ANSI";
AXIS-VERSION="2010";
LANGUAGE="sv";
MATRIX="BE0101N1";
CONTENTS="Folkmängd";
UNITS="antal";
STUB="region";
HEADING="år";
VALUES("region")="Riket","Stockholm";
CODES("region")="00","0180";
VALUES("år")="2023";
TIMEVAL("år")=TLIST(A1),"2023";
SOURCE="Statistiska centralbyrån";
DATA=
10551707 984748;
"""


def _client(handler: Any) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_v1_client_reads_px_and_plain_json_answers() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append(body)
        fmt = body["response"]["format"]
        if fmt == "px":
            return httpx.Response(200, content=PX_ANSWER.encode("cp1252"))
        return httpx.Response(200, json=plain_json())

    client = PxWebClient(SCB_V1_BASE, api_version=1, client=_client(handler), sleep=lambda s: None)
    sel = {"Region": ["00", "0180"], "Tid": ["2023"]}
    px = client.fetch("BE/BE0101/BE0101A/BefolkningNy", sel, "px")
    assert dict(zip(px.data["area_code"], px.data["value"], strict=True)) == {
        "SE": 10551707.0,
        "0180": 984748.0,
    }
    plain = client.fetch("BE/BE0101/BE0101A/BefolkningNy", sel, "json")
    assert "SE" in set(plain.data["area_code"])
    assert [b["response"]["format"] for b in seen] == ["px", "json"]
    v2 = PxWebClient(api_version=2, client=_client(handler))
    with pytest.raises(ValueError, match="v1"):
        v2.build_request("TAB1", sel, "json")


def test_v1_jsonstat2_with_region_eliminated_through_the_client() -> None:
    """A v1 query that leaves Region out answers with the national total."""
    dataset = {
        "version": "2.0",
        "class": "dataset",
        "id": ["ContentsCode", "Tid"],
        "size": [1, 2],
        "dimension": {
            "ContentsCode": {"category": {"index": {"BE0101N1": 0}}},
            "Tid": {"category": {"index": {"2022": 0, "2023": 1}}},
        },
        "value": [10521556, 10551707],
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=dataset)

    client = PxWebClient(SCB_V1_BASE, api_version=1, client=_client(handler))
    obs = client.fetch("BE/BE0101/BE0101A/BefolkningNy", {"Tid": ["2022", "2023"]})
    assert set(obs.data["area_code"]) == {"SE"}
    assert obs.data["value"].tolist() == [10521556.0, 10551707.0]


def test_cli_ingest_pxweb_detects_every_saved_format(tmp_path: Path, cli: CliRun) -> None:
    plain = tmp_path / "v1.json"
    plain.write_text(json.dumps(plain_json()), encoding="utf-8")
    px = tmp_path / "answer.px"
    px.write_bytes(PX_ANSWER.encode("cp1252"))
    db = tmp_path / "s.duckdb"
    code, _, err = cli(["ingest", "pxweb", str(plain), str(px), "--db", str(db)])
    assert code == 0, err
    with Store(db, read_only=True) as store:
        held = store.observations()
    assert {"SE", "0180"} <= set(held["area_code"])
    # not in the catalogue: readable ids from the table (file) and the value texts
    assert set(held["variable"]) == {"v1_folkmangd", "v1_folkokning", "be0101n1"}
    bad = tmp_path / "x.txt"
    bad.write_text("x")
    code, _, err = cli(["ingest", "pxweb", str(bad), "--db", str(db)])
    assert code == 2 and ".px" in err
