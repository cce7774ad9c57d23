"""Sweden, län and kommuner known without any file ingested; ended kommun codes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from omradesbild.areas.registry import (
    COUNTRY_CODE,
    is_country,
    kommun_changes,
    kommun_successor,
    kommuner,
    lan,
    normalize_area_code,
    reference_areas,
)
from omradesbild.errors import UnknownAreaError
from omradesbild.sources.base import Observations, SourceMeta
from omradesbild.sources.long_csv import read_long_csv
from omradesbild.sources.pxweb import parse_jsonstat2, parse_pxweb_csv, split_region_code
from omradesbild.store.ingest import ingest_parsed
from omradesbild.store.store import Store
from omradesbild.wording import Message


@pytest.mark.parametrize("text", ["00", "SE", "Riket", "riket", "Sverige", "Whole Sweden", " 00 "])
def test_every_name_of_sweden_is_the_country(text: str) -> None:
    assert is_country(text)
    assert normalize_area_code(text) == COUNTRY_CODE
    assert split_region_code(text) == ("SE", "country")


def test_not_the_country() -> None:
    for text in ("01", "0180", "Stockholm", "000", ""):
        assert not is_country(text)


def test_shipped_lists_hold_scb_codes_with_names() -> None:
    kom, ln = kommuner(), lan()
    assert len(kom) == 290 and kom["code"].is_unique
    assert len(ln) == 21 and ln["code"].is_unique
    assert kom.set_index("code").at["0180", "name"] == "Stockholm"
    assert kom.set_index("code").at["1480", "lan"] == "14"
    assert ln.set_index("code").at["01", "name"] == "Stockholms län"
    assert set(kom["lan"]) == set(ln["code"])
    # validity from the change list: Knivsta came into use in 2003
    assert kom.set_index("code").at["0330", "valid_from"] == "2003"


def test_kommun_changes_name_their_source_and_successors() -> None:
    text = (Path(__file__).parents[1] / "src/omradesbild/areas/data/kommun_changes.csv").read_text()
    assert "Kommunala förändringar" in text
    ch = kommun_changes()
    knivsta = ch[ch["new_code"] == "0330"].iloc[0]
    assert (knivsta["old_code"], knivsta["change"], knivsta["year"]) == ("0380", "split", "2003")
    assert kommun_successor("1917") == "0331"  # Heby moved to Uppsala län in 2007
    assert kommun_successor("0380") is None  # Uppsala continues after the split
    assert normalize_area_code("1917") == "0331"
    # every successor is a current code
    assert set(ch["new_code"]) <= set(kommuner()["code"])


def test_reference_areas_give_kommun_with_its_lan() -> None:
    areas = reference_areas([("0180", "kommun2025"), ("9999", "kommun2025"), ("03", "lan2025")])
    assert areas is not None
    got = areas.areas.set_index("area_code")
    assert set(got.index) == {"0180", "01", "03"}
    assert got.at["0180", "parent_code"] == "01"
    assert got.at["01", "parent_code"] == "SE"
    assert reference_areas([("9999", "kommun2025")]) is None


def _jsonstat(regions: list[str]) -> dict[str, object]:
    return {
        "version": "2.0",
        "class": "dataset",
        "id": ["Region", "ContentsCode", "Tid"],
        "size": [len(regions), 1, 1],
        "dimension": {
            "Region": {"category": {"index": {c: i for i, c in enumerate(regions)}}},
            "ContentsCode": {"category": {"index": {"BE0101N1": 0}}},
            "Tid": {"category": {"index": {"2023": 0}}},
        },
        "value": list(range(1, len(regions) + 1)),
    }


def test_riket_lan_and_kommun_ingest_into_an_empty_store() -> None:
    obs = parse_jsonstat2(_jsonstat(["00", "01", "0180", "1917"]), reference="resp.json")
    assert obs.data["area_code"].tolist() == ["SE", "01", "0180", "0331"]
    with Store(":memory:") as store:
        ingest_parsed(store, [obs], kind="pxweb")
        held = store.observations()
        assert set(held["area_code"]) == {"SE", "01", "0180", "0331"}
        kom = store.areas(level="kommun").set_index("area_code")
        assert kom.at["0331", "name"] == "Heby"
        assert kom.at["0331", "parent_code"] == "03"


def test_unknown_kommun_code_is_named() -> None:
    obs = parse_jsonstat2(_jsonstat(["0180", "9998"]), reference="resp.json")
    with Store(":memory:") as store:
        with pytest.raises(UnknownAreaError, match=r"resp\.json.*9998.*kommun changes") as err:
            ingest_parsed(store, [obs], kind="pxweb")
        message = err.value.message  # without what was expected (a kommun code, e.g. 0180)
        assert isinstance(message, Message)
        assert "9998" in message.text("sv") and "0180" not in message.text("sv")
        assert "9998" in message and "0180" not in message
        assert store.observations().empty  # nothing half-written
        assert store.areas(level="kommun").empty


def test_csv_and_long_csv_read_riket(tmp_path: Path) -> None:
    csv_text = (
        "region,år,Folkmängd\n00 Riket,2023,10551707\n0180 Stockholm,2023,984748\n"
        "Whole Sweden,2022,1\n"
    )
    obs = parse_pxweb_csv(csv_text, reference="r.csv")
    assert obs.data["area_code"].tolist() == ["SE", "0180", "SE"]
    assert obs.data["area_version"].tolist() == ["country", "kommun2025", "country"]
    path = tmp_path / "long.csv"
    path.write_text("area_code,period,variable,value\nRiket,2023,x,1\n00,2022,x,2\n")
    data = read_long_csv(path).data
    assert data["area_code"].tolist() == ["SE", "SE"]
    assert set(data["area_version"]) == {"country"}


def test_store_built_in_country_matches() -> None:
    obs = Observations(
        source=SourceMeta("x", "t", "t", "r", "0" * 64),
        data=pd.DataFrame(
            {
                "area_code": ["SE"],
                "area_version": ["country"],
                "variable": ["v"],
                "period": ["2023"],
                "value": [1.0],
                "unit": [None],
                "missing_reason": [None],
            }
        ),
    )
    with Store(":memory:") as store:
        ingest_parsed(store, [obs], kind="t")
        assert len(store.observations()) == 1
