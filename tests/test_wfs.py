"""SCB geodata WFS client, tested against GeoJSON pages the tests build themselves."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import shapely
from pyproj import Transformer

from omradesbild.errors import ConfigError, FetchError, InputError
from omradesbild.sources.base import AREA_COLUMNS, LINK_COLUMNS
from omradesbild.sources.wfs import (
    SCB_WFS_LAYERS,
    SCB_WFS_URL,
    fetch_deso_boundaries,
    getfeature_params,
    parse_wfs_geojson,
)

#: Every test here runs with network connections refused.
pytestmark = pytest.mark.usefixtures("no_network")


SWEREF = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}}


def square(x: float, y: float, size: float = 100.0) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]],
    }


def deso_feature(i: int, kommun: str = "0180") -> dict[str, Any]:
    code = f"{kommun}C{1000 + 10 * i:04d}"
    return {
        "type": "Feature",
        "id": f"DeSO_2025.{i}",
        "geometry": square(670_000 + 200 * i, 6_580_000),
        "properties": {
            "objectid": i,
            "desokod": code,
            "regsokod": f"{kommun}R{100 + i // 2:03d}",
            "lanskod": kommun[:2],
            "kommunkod": kommun,
            "kommunnamn": "Stockholm",
            "version": "2025_v1",
        },
    }


def collection(
    features: list[dict[str, Any]], *, matched: int | None = None, crs: Any = SWEREF
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": features,
        "totalFeatures": matched,
        "numberMatched": matched,
        "numberReturned": len(features),
    }
    if crs is not None:
        out["crs"] = crs
    return out


def paging_server(
    features: list[dict[str, Any]], *, with_matched: bool = True
) -> tuple[Callable[[httpx.Request], httpx.Response], list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        start = int(request.url.params["startIndex"])
        count = int(request.url.params["count"])
        page = features[start : start + count]
        body = collection(page, matched=len(features) if with_matched else None)
        return httpx.Response(200, json=body)

    return handler, seen


def _client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def no_sleep(_: float) -> None:
    return None


def test_getfeature_params() -> None:
    params = getfeature_params(
        SCB_WFS_LAYERS["deso2025"], kommun="1480", count=500, start_index=1000
    )
    assert params == {
        "service": "WFS",
        "version": "2.0.0",
        "request": "GetFeature",
        "typeNames": "stat:DeSO_2025",
        "outputFormat": "application/json",
        "srsName": "EPSG:3006",
        "count": "500",
        "startIndex": "1000",
        "CQL_FILTER": "kommunkod='1480'",
    }
    assert SCB_WFS_LAYERS["regso2025"].type_name == "stat:RegSO_2025"
    assert SCB_WFS_LAYERS["deso2018"].type_name == "stat:DeSO_2018"
    assert SCB_WFS_LAYERS["regso2020"].type_name == "stat:RegSO_2020"


@pytest.mark.parametrize("with_matched", [True, False])
def test_fetch_pages_through_the_layer(with_matched: bool) -> None:
    features = [deso_feature(i) for i in range(5)]
    handler, seen = paging_server(features, with_matched=with_matched)
    areas = fetch_deso_boundaries(
        "deso2025", kommun="0180", client=_client(handler), page_size=2, sleep=no_sleep
    )
    assert [int(r.url.params["startIndex"]) for r in seen] == [0, 2, 4]
    for r in seen:
        assert str(r.url).startswith(SCB_WFS_URL)
        assert r.url.params["typeNames"] == "stat:DeSO_2025"
        assert r.url.params["srsName"] == "EPSG:3006"
        assert r.url.params["outputFormat"] == "application/json"
        assert r.url.params["CQL_FILTER"] == "kommunkod='0180'"
        assert r.url.params["count"] == "2"
    df = areas.areas
    assert list(df.columns) == list(AREA_COLUMNS)
    assert df["area_code"].tolist() == [f["properties"]["desokod"] for f in features]
    assert set(df["level"]) == {"deso"} and set(df["version"]) == {"deso2025"}
    assert df["name"].isna().all()
    assert df["parent_code"].tolist() == [
        "0180R100",
        "0180R100",
        "0180R101",
        "0180R101",
        "0180R102",
    ]
    assert set(df["parent_level"]) == {"regso"} and set(df["parent_version"]) == {"regso2025"}
    attrs = json.loads(df["attributes"].iloc[0])
    assert attrs["kommunkod"] == "0180" and attrs["desokod"] == "0180C1000"
    links = areas.links
    assert list(links.columns) == list(LINK_COLUMNS)
    assert len(links) == 5
    first = links.iloc[0]
    assert (first["from_code"], first["to_code"], first["to_version"]) == (
        "0180C1000",
        "0180R100",
        "regso2025",
    )
    assert first["weight"] == 1.0 and first["method"] == "scb_key"
    assert areas.source.table_id == "stat:DeSO_2025"
    assert areas.source.licence == "CC0 1.0"


def test_exact_multiple_of_page_size_stops_on_number_matched() -> None:
    handler, seen = paging_server([deso_feature(i) for i in range(4)])
    areas = fetch_deso_boundaries("deso2025", client=_client(handler), page_size=2, sleep=no_sleep)
    assert len(seen) == 2  # numberMatched = 4 says there is no third page
    assert "CQL_FILTER" not in seen[0].url.params
    assert len(areas.areas) == 4


def test_geometry_is_wkb_in_sweref99tm() -> None:
    page = collection([deso_feature(0)], matched=1)
    areas = parse_wfs_geojson([page], version="deso2025", reference="r")
    geom = shapely.from_wkb(areas.areas["geometry"].iloc[0])
    assert isinstance(areas.areas["geometry"].iloc[0], bytes)
    assert geom.bounds == (670_000.0, 6_580_000.0, 670_100.0, 6_580_100.0)
    assert geom.area == pytest.approx(10_000.0)


def test_wgs84_pages_are_reprojected_to_3006() -> None:
    to_wgs = Transformer.from_crs(3006, 4326, always_xy=True)
    lon0, lat0 = to_wgs.transform(674_000, 6_580_000)
    lon1, lat1 = to_wgs.transform(674_500, 6_580_500)
    feat = {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]],
        },
        "properties": {"regsokod": "0180R101", "regsonamn": "Södermalm", "kommunkod": "0180"},
    }
    areas = parse_wfs_geojson([collection([feat], crs=None)], version="regso2025", reference="r")
    row = areas.areas.iloc[0]
    assert (row["area_code"], row["level"], row["version"], row["name"]) == (
        "0180R101",
        "regso",
        "regso2025",
        "Södermalm",
    )
    assert (row["parent_code"], row["parent_level"]) == ("0180", "kommun")
    minx, miny, maxx, maxy = shapely.from_wkb(row["geometry"]).bounds
    assert minx == pytest.approx(674_000, abs=30) and miny == pytest.approx(6_580_000, abs=30)
    assert maxx == pytest.approx(674_500, abs=30) and maxy == pytest.approx(6_580_500, abs=30)
    assert len(areas.links) == 0  # RegSO -> kommun is a parent, not a DeSO -> RegSO link


def test_northing_first_coordinates_are_swapped() -> None:
    feat = deso_feature(0)
    ring = feat["geometry"]["coordinates"][0]
    feat["geometry"]["coordinates"] = [[[y, x] for x, y in ring]]
    areas = parse_wfs_geojson([collection([feat])], version="deso2025", reference="r")
    minx, miny, _, _ = shapely.from_wkb(areas.areas["geometry"].iloc[0]).bounds
    assert (minx, miny) == (670_000.0, 6_580_000.0)


def test_duplicates_over_pages_and_other_kommuner_are_dropped() -> None:
    pages = [
        collection([deso_feature(0), deso_feature(1)]),
        collection([deso_feature(1), deso_feature(2, kommun="0114")]),
    ]
    areas = parse_wfs_geojson(pages, version="deso2025", reference="r", kommun="0180")
    assert areas.areas["area_code"].tolist() == ["0180C1000", "0180C1010"]


def test_bad_features_raise_input_error() -> None:
    feat = deso_feature(0)
    del feat["properties"]["desokod"]
    with pytest.raises(InputError, match="no area code") as err:
        parse_wfs_geojson([collection([feat])], version="deso2025", reference="https://x.test/wfs")
    assert "https://x.test/wfs" in str(err.value)
    bad_code = deso_feature(0)
    bad_code["properties"]["desokod"] = "0180X"
    with pytest.raises(InputError, match="not a deso code"):
        parse_wfs_geojson([collection([bad_code])], version="deso2025", reference="r")
    with pytest.raises(InputError, match="FeatureCollection"):
        parse_wfs_geojson([{"type": "Feature"}], version="deso2025", reference="r")
    with pytest.raises(ConfigError, match="unknown boundary version"):
        parse_wfs_geojson([], version="deso2030", reference="r")


def test_service_exception_report_becomes_fetch_error() -> None:
    xml = (
        '<?xml version="1.0"?><ows:ExceptionReport>'
        '<ows:Exception exceptionCode="InvalidParameterValue">'
        "<ows:ExceptionText>Feature type stat:DeSO_2030 unknown</ows:ExceptionText>"
        "</ows:Exception></ows:ExceptionReport>"
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=xml, headers={"content-type": "application/xml"})

    with pytest.raises(FetchError, match="DeSO_2030 unknown"):
        fetch_deso_boundaries("deso2025", client=_client(handler), sleep=no_sleep)


def test_retries_then_gives_up() -> None:
    calls: list[httpx.Request] = []
    sleeps: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(502)

    with pytest.raises(FetchError, match="HTTP 502") as err:
        fetch_deso_boundaries(
            "regso2025", client=_client(handler), sleep=sleeps.append, max_retries=2
        )
    assert "geodata.scb.se/geoserver/stat/wfs" in str(err.value)
    assert len(calls) == 3 and sleeps == [1.0, 2.0]


def test_cache_serves_repeat_fetch(tmp_path: Path) -> None:
    handler, seen = paging_server([deso_feature(i) for i in range(3)])
    first = fetch_deso_boundaries(
        "deso2025", client=_client(handler), cache_dir=tmp_path, page_size=2, sleep=no_sleep
    )
    assert len(seen) == 2
    again = fetch_deso_boundaries(
        "deso2025", client=_client(handler), cache_dir=tmp_path, page_size=2, sleep=no_sleep
    )
    assert len(seen) == 2
    assert again.areas["area_code"].tolist() == first.areas["area_code"].tolist()
    assert again.source.checksum == first.source.checksum


def test_invalid_arguments() -> None:
    with pytest.raises(ConfigError, match="4-digit"):
        fetch_deso_boundaries(
            "deso2025", kommun="Stockholm", client=_client(lambda r: httpx.Response(500))
        )
    with pytest.raises(ConfigError, match="unknown boundary version"):
        fetch_deso_boundaries("deso1999", client=_client(lambda r: httpx.Response(500)))
