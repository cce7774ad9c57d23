"""``omradesbild fetch pxweb``: any PxWeb database (v1 or v2), on recorded answers built here."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from omradesbild.cli import fetch as fetch_cli
from omradesbild.store import Store

if TYPE_CHECKING:
    from conftest import CliRun

CITY_V1 = "https://statistik.example-stad.se/api/v1/sv/Stadsdatabas"


#: Every test here runs with network connections refused.
pytestmark = pytest.mark.usefixtures("no_network")


def city_dataset(eliminated: bool = False) -> dict[str, Any]:
    """A city's JSON-stat2 answer: the region dimension is called 'Stadsdel'... by DeSO."""
    ids = ["Område", "ContentsCode", "Tid"]
    dims: dict[str, Any] = {
        "Område": {
            "label": "stadsdel (DeSO)",
            "category": {"index": {"0180C1010": 0, "0180C1020": 1}},
        },
        "ContentsCode": {"category": {"index": {"BEF": 0}, "label": {"BEF": "Folkmängd"}}},
        "Tid": {"category": {"index": {"2023": 0}}},
    }
    values: list[Any] = [1200, 1300]
    if eliminated:
        ids = ids[1:]
        del dims["Område"]
        values = [2500]
    return {
        "version": "2.0",
        "class": "dataset",
        "id": ids,
        "size": [len(dims[d]["category"]["index"]) for d in ids],
        "dimension": dims,
        "value": values,
    }


def _serve(
    monkeypatch: pytest.MonkeyPatch, respond: Callable[[httpx.Request], httpx.Response]
) -> list[httpx.Request]:
    """Answer the command's PxWeb requests with ``respond``; the list of requests it made."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return respond(request)

    real = fetch_cli._pxweb_client
    mock = httpx.Client(transport=httpx.MockTransport(handler))

    def make(base_url: str, **kw: Any) -> Any:
        return real(base_url, client=mock, **kw)

    monkeypatch.setattr(fetch_cli, "_pxweb_client", make)
    return seen


def test_fetch_pxweb_v1_of_a_city_into_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CliRun
) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":  # v1 metadata, read to expand "*"
            variables = [
                {"code": "Område", "values": ["0180C1010", "0180C1020"]},
                {"code": "ContentsCode", "values": ["BEF"]},
                {"code": "Tid", "values": ["2023"], "time": True},
            ]
            return httpx.Response(200, json={"title": "Folkmängd", "variables": variables})
        body = json.loads(request.content)
        has_region = any(q["code"] == "Område" for q in body["query"])
        return httpx.Response(200, json=city_dataset(eliminated=not has_region))

    seen = _serve(monkeypatch, respond)
    db = tmp_path / "s.duckdb"
    base = ["fetch", "pxweb", "Befolkning/Bef.px", "--base-url", CITY_V1]
    base += ["--cache-dir", str(tmp_path / "c"), "--db", str(db)]
    code, out, err = cli([*base, "-s", "Område=*", "-s", "Tid=2023", "--area-version", "deso2025"])
    assert code == 0, err
    assert "2 observationer" in out
    assert [str(r.url) for r in seen] == [f"{CITY_V1}/Befolkning/Bef.px"] * 2
    assert json.loads(seen[1].content)["response"]["format"] == "json-stat2"
    # the city total, with the region eliminated, needs the area named
    code, _, err = cli([*base, "-s", "Tid=2023"])
    assert code == 2 and "--total-area" in err
    code, out, err = cli([*base, "-s", "Tid=2023", "--total-area", "0180", "--ingest"])
    assert code == 0, err
    with Store(db, read_only=True) as store:
        held = store.observations()
        src = store.sources()
    assert held["area_code"].tolist() == ["0180"] and held["value"].tolist() == [2500.0]
    assert "statistik.example-stad.se" in set(src["publisher"])


def test_fetch_pxweb_v2_detected_from_the_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CliRun
) -> None:
    seen = _serve(monkeypatch, lambda request: httpx.Response(200, json=city_dataset()))
    base_url = "https://px.example-region.se/api/v2"
    code, _, err = cli(
        [
            "fetch",
            "pxweb",
            "TAB12",
            "--base-url",
            base_url,
            "-s",
            "Område=0180C1010,0180C1020",
            "-s",
            "Tid=2023",
            "--area-version",
            "deso2025",
            "--cache-dir",
            str(tmp_path / "c"),
            "--publisher",
            "Region Exempel",
        ]
    )
    assert code == 0, err
    assert seen[0].url.path == "/api/v2/tables/TAB12/data"
    assert seen[0].url.params["outputFormat"] == "json-stat2"


def test_fetch_pxweb_bad_options(cli: CliRun) -> None:
    code, _, err = cli(["fetch", "pxweb", "T", "--base-url", "nohost", "-s", "Tid=2023"])
    assert code == 2 and "--base-url" in err
    code, _, err = cli(
        ["fetch", "pxweb", "T", "--base-url", CITY_V1, "-s", "Tid=2023", "--format", "xlsx"]
    )
    assert code == 2 and "--format" in err


def test_v2_eliminated_region_takes_the_total_the_metadata_names() -> None:
    """PxWebApi 2 metadata names the value a dimension stands for when eliminated."""
    from omradesbild.sources.pxweb import PxWebClient

    metadata = city_dataset()
    metadata["dimension"]["Område"] = {
        "label": "stadsdel",
        "category": {"index": {"1480": 0, "1480C1010": 1}},
        "extension": {"elimination": True, "eliminationValueCode": "1480"},
    }
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path.endswith("/metadata"):
            return httpx.Response(200, json=metadata)
        return httpx.Response(200, json=city_dataset(eliminated="TAB7" in request.url.path))

    client = PxWebClient(
        "https://px.example-stad.se/api/v2",
        api_version=2,
        client=httpx.Client(transport=httpx.MockTransport(handler)),
        publisher="Göteborgs Stad",
    )
    obs = client.fetch("TAB7", {"ContentsCode": ["BEF"], "Tid": ["2023"]})
    assert obs.data["area_code"].tolist() == ["1480"]
    assert obs.data["area_version"].tolist() == ["kommun2025"]
    assert seen == ["/api/v2/tables/TAB7/metadata", "/api/v2/tables/TAB7/data"]
    # with the region in the query, no metadata is read
    seen.clear()
    client.fetch("TAB8", {"Område": ["0180C1010"], "Tid": ["2023"]}, area_version="deso2025")
    assert seen == ["/api/v2/tables/TAB8/data"]
