"""The PX-Web table catalogue: a recorded answer is ingested with catalogue ids and feeds the
indicators with no hand work; unmapped cells get readable ids."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pandas as pd
import pytest

from omradesbild.cli import fetch as fetch_cli
from omradesbild.sources.pxweb import SCB_V2_BASE, PxWebClient, parse_jsonstat2
from omradesbild.sources.pxweb.catalogue import CatalogueMap, load_tables

if TYPE_CHECKING:
    from conftest import CliRun


#: Every test here runs with network connections refused.
pytestmark = pytest.mark.usefixtures("no_network")


def cube(
    table: str,
    regions: list[str],
    dims: dict[str, list[tuple[str, str]]],
    values: list[float],
) -> dict[str, Any]:
    """A JSON-stat2 answer: Region, the given dimensions (ContentsCode among them), Tid."""
    ids = ["Region", *dims, "Tid"]
    dimension: dict[str, Any] = {
        "Region": {"category": {"index": {r: i for i, r in enumerate(regions)}}},
        "Tid": {"category": {"index": {"2023": 0}}},
    }
    for name, cats in dims.items():
        dimension[name] = {
            "label": name.lower(),
            "category": {"index": {c: i for i, (c, _) in enumerate(cats)}, "label": dict(cats)},
        }
    return {
        "version": "2.0",
        "class": "dataset",
        "id": ids,
        "size": [len(dimension[d]["category"]["index"]) for d in ids],
        "role": {"geo": ["Region"], "time": ["Tid"], "metric": ["ContentsCode"]},
        "dimension": dimension,
        "value": values,
        "extension": {"px": {"tableid": table}},
    }


AGE_SEX = {
    "Alder": [("tot", "totalt ålder"), ("0-9", "0-9 år")],
    "Kon": [("1", "män"), ("2", "kvinnor"), ("TotSa", "totalt")],
    "ContentsCode": [("000007Y1", "Folkmängd")],
}
# 2 kommuner x 2 ages x 3 sexes: total ages first, then 0-9
AGE_SEX_VALUES = [
    *[10_000, 11_000, 21_000, 1_000, 1_100, 2_100],
    *[20_000, 22_000, 42_000, 2_000, 2_200, 4_200],
]
BACKGROUND = {
    "UtlBakgrund": [("1", "utländsk bakgrund"), ("2", "svensk bakgrund"), ("tot", "totalt")],
    "Kon": [("TotSa", "totalt")],
    "ContentsCode": [("000005FE", "Antal")],
}
BACKGROUND_VALUES = [6_300, 14_700, 21_000, 8_400, 33_600, 42_000]


def test_catalogue_names_the_table_rule_and_leaves_the_rest_readable() -> None:
    obs = parse_jsonstat2(
        cube("TAB6471", ["0180", "1480"], AGE_SEX, AGE_SEX_VALUES),
        reference="r",
        variable_map=CatalogueMap("TAB6471"),
    )
    df = obs.data.set_index(["area_code", "variable"])
    assert df.at[("0180", "pop_total"), "value"] == 21_000
    assert df.at[("1480", "pop_total"), "value"] == 42_000
    assert df.at[("0180", "pop_total"), "unit"] == "antal personer"
    assert "tab6471_0_9_ar_man_folkmangd" in set(obs.data["variable"])
    assert not any(v.startswith("0_9") for v in obs.data["variable"])


def test_eliminated_dimension_counts_as_its_total() -> None:
    """A query leaving out Kon (eliminated) answers with the total over sexes."""
    dims = {"Alder": AGE_SEX["Alder"], "ContentsCode": AGE_SEX["ContentsCode"]}
    obs = parse_jsonstat2(
        cube("TAB6471", ["0180"], dims, [21_000, 2_100]),
        reference="r",
        variable_map=CatalogueMap("TAB6471"),
    )
    assert dict(zip(obs.data["variable"], obs.data["value"], strict=True)) == {
        "pop_total": 21_000,
        "tab6471_0_9_ar_folkmangd": 2_100,
    }


def test_content_codes_of_the_xlsx_catalogue_are_used() -> None:
    obs = parse_jsonstat2(
        cube("TAB0000", ["0180", "1480"], BACKGROUND, BACKGROUND_VALUES),
        reference="r",
        variable_map=CatalogueMap("TAB0000"),
    )
    got = set(obs.data["variable"])
    assert {"pop_foreign_background", "pop_swedish_background", "pop_total"} == got


def test_catalogue_entries_by_v1_path_and_bad_catalogue(tmp_path: Path) -> None:
    cat = load_tables()
    assert cat.entry("TAB6471") is not None and cat.entry("tab6471") is not None
    bad = tmp_path / "t.yaml"
    bad.write_text("tables:\n  T1:\n    rules: [{variable: x, code: {A: b}}]\n")
    with pytest.raises(Exception, match="invalid PX-Web table catalogue"):
        load_tables(bad)


def test_fetch_catalogued_tables_then_indicators_compute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CliRun
) -> None:
    deso = ["0114A0010_DeSO2018", "0114C1010_DeSO2018"]
    answers = {
        "TAB6471": cube("TAB6471", deso, AGE_SEX, AGE_SEX_VALUES),
        "TAB0000": cube("TAB0000", deso, BACKGROUND, BACKGROUND_VALUES),
    }
    key = tmp_path / "key.csv"
    pd.DataFrame(
        [("0114", "Upplands Väsby", c[:9], "Bollstanäs", "0114R001") for c in deso],
        columns=["Kommun", "Kommunnamn", "DeSO_2018", "RegSO_2020", "RegSOkod_2020"],
    ).to_csv(key, index=False)

    def handler(request: httpx.Request) -> httpx.Response:
        table = request.url.path.split("/")[-2]
        return httpx.Response(200, json=answers[table])

    assert fetch_cli._client(2, tmp_path / "c").use_catalogue  # the command's own client

    def client(api: int, cache_dir: Path | None) -> PxWebClient:
        return PxWebClient(
            SCB_V2_BASE,
            api_version=2,
            client=httpx.Client(transport=httpx.MockTransport(handler)),
            sleep=lambda _: None,
            use_catalogue=True,
        )

    monkeypatch.setattr(fetch_cli, "_client", client)
    db = tmp_path / "s.duckdb"
    assert cli(["ingest", "scb-key", str(key), "--db", str(db)])[0] == 0
    for table in answers:
        args = ["fetch", "scb", "table", table, "-s", "Region=0114A0010,0114C1010"]
        args += ["-s", "Tid=2023"]
        code, _, err = cli([*args, "--ingest", "--db", str(db)])
        assert code == 0, err
    out = tmp_path / "ind.csv"
    code, _, err = cli(
        [
            "indicators",
            "compute",
            "--level",
            "deso",
            "-i",
            "foreign_background",
            "--out",
            str(out),
            "--db",
            str(db),
        ]
    )
    assert code == 0, err
    ind = pd.read_csv(out, dtype={"area_code": str}).set_index("area_code")
    assert ind.at["0114A0010", "value"] == pytest.approx(30.0)  # 6 300 / 21 000
    assert ind.at["0114C1010", "value"] == pytest.approx(20.0)  # 8 400 / 42 000
    code, listing, _ = cli(["variables", "--db", str(db)])
    assert code == 0
    lines = {ln.split()[0]: ln for ln in listing.splitlines() if ln.strip()}
    assert lines["pop_total"].rstrip().endswith("SCB TAB6471")  # the same values came again
    assert lines["pop_foreign_background"].rstrip().endswith("SCB TAB0000")
