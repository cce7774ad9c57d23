"""SCB PX-Web client and parsers, tested against responses the tests build themselves.

No test touches the network: every client gets an ``httpx.MockTransport`` and an autouse
fixture fails any test that opens a real socket.
"""

from __future__ import annotations

import itertools
import json
import math
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import jsonstat_dimension
from omradesbild.errors import FetchError, InputError
from omradesbild.sources.base import OBS_COLUMNS, SCB_MISSING_MARKERS, VARIABLE_COLUMNS
from omradesbild.sources.http import (
    CACHE_FILE,
    HttpClient,
    RateLimiter,
    backoff_delay,
    cache_key,
    parse_retry_after,
)
from omradesbild.sources.pxweb import (
    SCB_V1_BASE,
    SCB_V2_BASE,
    PxWebClient,
    normalize_period,
    parse_jsonstat2,
    parse_pxweb_csv,
    plan_chunks,
    slugify,
    split_region_code,
    v1_query_body,
    v2_query_body,
    v2_query_params,
)

# ----------------------------------------------------------------------------------------------
# no network
# ----------------------------------------------------------------------------------------------
#: Every test here runs with network connections refused.
pytestmark = pytest.mark.usefixtures("no_network")


def test_network_guard_is_active() -> None:
    with pytest.raises(RuntimeError, match="network"):
        socket.create_connection(("statistikdatabasen.scb.se", 443))
    with pytest.raises(RuntimeError, match="network"):
        httpx.get("https://statistikdatabasen.scb.se/api/v2/tables")


# ----------------------------------------------------------------------------------------------
# recorded responses, built here
# ----------------------------------------------------------------------------------------------
def jsonstat(
    regions: list[str],
    contents: dict[str, tuple[str, str]],
    years: list[str],
    values: list[Any] | dict[str, Any],
    *,
    status: Any = None,
    extra: dict[str, list[tuple[str, str]]] | None = None,
    role: bool = True,
) -> dict[str, Any]:
    """A JSON-stat2 dataset shaped like SCB's: Region, [extra dims], ContentsCode, Tid.

    ``contents`` maps a ContentsCode to (label, unit).
    """
    extra = extra or {}
    ids = ["Region", *extra, "ContentsCode", "Tid"]
    dims: dict[str, Any] = {
        "Region": jsonstat_dimension("region", {c: c.split("_")[0] for c in regions}),
        "ContentsCode": jsonstat_dimension(
            "tabellinnehåll",
            {c: lab for c, (lab, _) in contents.items()},
            unit={c: {"base": unit, "decimals": 0} for c, (_, unit) in contents.items()},
        ),
        "Tid": jsonstat_dimension("år", {y: y for y in years}),
    }
    for name, cats in extra.items():
        dims[name] = jsonstat_dimension(name.lower(), dict(cats))
    sizes = [len(dims[d]["category"]["index"]) for d in ids]
    out: dict[str, Any] = {
        "version": "2.0",
        "class": "dataset",
        "label": "Folkmängd efter region och år",
        "source": "SCB",
        "updated": "2024-03-01T07:00:00Z",
        "id": ids,
        "size": sizes,
        "dimension": dims,
        "value": values,
        "extension": {"px": {"tableid": "TAB9999", "language": "sv"}},
    }
    if role:
        out["role"] = {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["Region"]}
    if status is not None:
        out["status"] = status
    return out


CONTENTS = {
    "000005FM": ("Medianvärde, tkr", "tkr"),
    "000005FN": ("Antal personer totalt", "antal personer"),
}


def cell(frame: Any, area: str, variable: str, period: str) -> Any:
    hit = frame[
        (frame["area_code"] == area) & (frame["variable"] == variable) & (frame["period"] == period)
    ]
    assert len(hit) == 1, hit
    return hit.iloc[0]


# ----------------------------------------------------------------------------------------------
# pure helpers
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "code", "version"),
    [
        ("0114C1010_DeSO2018", "0114C1010", "deso2018"),
        ("1480C1031_DeSO2025", "1480C1031", "deso2025"),
        ("0114R001_RegSO2020", "0114R001", "regso2020"),
        ("0180R101_REGSO2025", "0180R101", "regso2025"),
        ("0114A0010", "0114A0010", None),
        ("0180", "0180", None),
        (" 0114C1010_DeSO2018 ", "0114C1010", "deso2018"),
    ],
)
def test_split_region_code(raw: str, code: str, version: str | None) -> None:
    assert split_region_code(raw) == (code, version)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2022", "2022"), ("2022M06", "2022-06"), ("2023K3", "2023-Q3"), ("2020-2022", "2020-2022")],
)
def test_normalize_period(raw: str, expected: str) -> None:
    assert normalize_period(raw) == expected


def test_slugify() -> None:
    assert slugify("Medianvärde, tkr") == "medianvarde_tkr"
    assert slugify("000005FM") == "000005fm"
    assert slugify("övriga världen") == "ovriga_varlden"


# ----------------------------------------------------------------------------------------------
# JSON-stat2
# ----------------------------------------------------------------------------------------------
def test_parse_jsonstat2_row_major_order_units_and_suffix() -> None:
    regions = ["0114A0010_DeSO2018", "0114C1010_DeSO2018", "0114C1020_DeSO2018"]
    years = ["2021", "2022"]
    n = 3 * 2 * 2
    payload = jsonstat(regions, CONTENTS, years, [float(i) for i in range(n)])
    obs = parse_jsonstat2(payload, reference="https://example.test/data")
    df = obs.data
    assert list(df.columns) == list(OBS_COLUMNS)
    assert len(df) == n
    assert set(df["area_code"]) == {"0114A0010", "0114C1010", "0114C1020"}
    assert set(df["area_version"]) == {"deso2018"}
    # index = ((r * 2) + c) * 2 + t
    row = cell(df, "0114C1010", "000005fn", "2021")
    assert row["value"] == ((1 * 2) + 1) * 2 + 0
    assert row["unit"] == "antal personer"
    assert cell(df, "0114C1020", "000005fm", "2022")["unit"] == "tkr"
    assert df["missing_reason"].isna().all()
    assert obs.source.publisher == "SCB"
    assert obs.source.table_id == "TAB9999"
    assert obs.source.title == "Folkmängd efter region och år"
    assert obs.source.reference == "https://example.test/data"
    assert len(obs.source.checksum) == 64
    assert list(obs.variables.columns) == list(VARIABLE_COLUMNS)
    assert set(obs.variables["variable"]) == {"000005fm", "000005fn"}
    labels = dict(zip(obs.variables["variable"], obs.variables["label"], strict=True))
    assert labels["000005fm"] == "Medianvärde, tkr"


def test_parse_jsonstat2_accepts_bytes_and_is_checksum_stable() -> None:
    payload = jsonstat(["0114A0010_DeSO2018"], CONTENTS, ["2022"], [300.5, 800])
    raw = json.dumps(payload).encode()
    a = parse_jsonstat2(raw, reference="r")
    b = parse_jsonstat2(raw, reference="r")
    assert a.source.checksum == b.source.checksum
    assert a.data["value"].tolist() == [300.5, 800.0]


def test_parse_jsonstat2_without_role_uses_region_and_tid_names() -> None:
    payload = jsonstat(["0114R001_RegSO2020"], CONTENTS, ["2022"], [1, 2], role=False)
    df = parse_jsonstat2(payload, reference="r").data
    assert df["area_code"].tolist() == ["0114R001", "0114R001"]
    assert set(df["area_version"]) == {"regso2020"}
    assert set(df["period"]) == {"2022"}


def test_parse_jsonstat2_missing_markers_become_nan_never_zero() -> None:
    regions = ["0114A0010_DeSO2025", "0114C1010_DeSO2025"]
    # cells: (A, FM), (A, FN), (C, FM), (C, FN)
    values = [None, 0, 12.5, None]
    status = {"0": "..", "1": "-", "3": None}
    obs = parse_jsonstat2(
        jsonstat(regions, CONTENTS, ["2022"], values, status=status), reference="r"
    )
    df = obs.data
    a_fm = cell(df, "0114A0010", "000005fm", "2022")
    a_fn = cell(df, "0114A0010", "000005fn", "2022")
    c_fm = cell(df, "0114C1010", "000005fm", "2022")
    c_fn = cell(df, "0114C1010", "000005fn", "2022")
    assert math.isnan(a_fm["value"]) and a_fm["missing_reason"] == SCB_MISSING_MARKERS[".."]
    # "-" means "nothing to report": still NaN with a reason, not 0
    assert math.isnan(a_fn["value"]) and a_fn["missing_reason"] == SCB_MISSING_MARKERS["-"]
    assert c_fm["value"] == 12.5 and c_fm["missing_reason"] is None
    assert math.isnan(c_fn["value"]) and c_fn["missing_reason"]  # null without status
    assert (df["value"] == 0).sum() == 0
    assert set(df["area_version"]) == {"deso2025"}


def test_parse_jsonstat2_status_as_list_and_sparse_values() -> None:
    payload = jsonstat(
        ["0114A0010_DeSO2018", "0114C1010_DeSO2018"],
        {"BE0101N1": ("Folkmängd", "antal")},
        ["2022"],
        {"1": 42},
        status=[".", None],
    )
    df = parse_jsonstat2(payload, reference="r").data
    first = cell(df, "0114A0010", "be0101n1", "2022")
    assert math.isnan(first["value"]) and first["missing_reason"] == SCB_MISSING_MARKERS["."]
    assert cell(df, "0114C1010", "be0101n1", "2022")["value"] == 42


def test_parse_jsonstat2_variable_map_by_codes_labels_and_callable() -> None:
    payload = jsonstat(
        ["0114A0010_DeSO2018"],
        CONTENTS,
        ["2022"],
        [1, 2, 3, 4],
        extra={"Kon": [("1+2", "totalt"), ("1", "män")]},
    )
    # dimension order: Region, Kon, ContentsCode, Tid
    vmap = {
        ("1+2", "000005FM"): "income_net_median_tkr",
        ("TOTALT", "antal  personer totalt"): "income_persons_20plus",
    }
    obs = parse_jsonstat2(payload, reference="r", variable_map=vmap)
    variables = set(obs.data["variable"])
    assert {"income_net_median_tkr", "income_persons_20plus"} <= variables
    assert "1_000005fm" in variables  # unmapped combination keeps a slug id
    assert cell(obs.data, "0114A0010", "income_persons_20plus", "2022")["value"] == 2

    dropped = parse_jsonstat2(payload, reference="r", variable_map=vmap, unmapped="drop")
    assert set(dropped.data["variable"]) == {"income_net_median_tkr", "income_persons_20plus"}
    with pytest.raises(InputError, match="no variable id"):
        parse_jsonstat2(payload, reference="r", variable_map=vmap, unmapped="error")

    def by_label(codes: tuple[str, ...], labels: tuple[str, ...]) -> str | None:
        return f"x_{codes[0]}" if labels[0] == "män" else None

    mixed = parse_jsonstat2(payload, reference="r", variable_map=by_label, unmapped="drop")
    assert set(mixed.data["variable"]) == {"x_1"}
    assert len(mixed.data) == 2


def test_parse_jsonstat2_region_and_time_only() -> None:
    payload = jsonstat(["0114A0010_DeSO2018"], {"X": ("x", "antal")}, ["2022"], [5])
    for key in ("ContentsCode",):
        payload["id"].remove(key)
        payload["size"].pop(1)
        del payload["dimension"][key]
    payload["role"]["metric"] = []
    assert parse_jsonstat2(payload, reference="r").data["variable"].tolist() == ["tab9999"]
    mapped = parse_jsonstat2(payload, reference="r", variable_map={(): "pop_total"})
    assert mapped.data["variable"].tolist() == ["pop_total"]
    assert mapped.data["value"].tolist() == [5.0]


def test_parse_jsonstat2_area_version_for_unsuffixed_codes() -> None:
    payload = jsonstat(
        ["0114A0010", "0114", "00"], {"BE0101N1": ("Folkmängd", "antal")}, ["2022"], [1, 2, 3]
    )
    with pytest.raises(InputError) as err:
        parse_jsonstat2(payload, reference="https://x.test/d")
    assert "0114A0010" in str(err.value) and "https://x.test/d" in str(err.value)
    df = parse_jsonstat2(payload, reference="r", area_version="deso2018").data
    versions = dict(zip(df["area_code"], df["area_version"], strict=True))
    assert versions == {"0114A0010": "deso2018", "0114": "kommun2025", "SE": "country"}
    with pytest.raises(InputError, match="area_version"):
        parse_jsonstat2(payload, reference="r", area_version="regso2020")


def test_parse_jsonstat2_rejects_bad_input() -> None:
    with pytest.raises(InputError, match="not valid JSON"):
        parse_jsonstat2(b"<html>busy</html>", reference="https://x.test/d")
    bad = jsonstat(["0114A0010_DeSO2018"], CONTENTS, ["2022"], [1])  # 1 value, 2 cells
    with pytest.raises(InputError, match="value"):
        parse_jsonstat2(bad, reference="r")
    no_region = jsonstat(["0114A0010_DeSO2018"], CONTENTS, ["2022"], [1, 2], role=False)
    no_region["dimension"]["Omr"] = no_region["dimension"].pop("Region")
    no_region["id"][0] = "Omr"
    # a region dimension named anything is recognised from its codes
    assert parse_jsonstat2(no_region, reference="r").data["area_code"].tolist() == ["0114A0010"] * 2
    # a table of another publisher without a region needs the area of its total named
    eliminated = jsonstat(["x"], CONTENTS, ["2022"], [1, 2], role=False)
    del eliminated["dimension"]["Region"]
    eliminated["id"].pop(0)
    eliminated["size"].pop(0)
    with pytest.raises(InputError, match=r"no region dimension.*total"):
        parse_jsonstat2(eliminated, reference="r", publisher="Stockholms stad")
    text = jsonstat(["0114A0010_DeSO2018"], CONTENTS, ["2022"], ["abc", 1])
    with pytest.raises(InputError, match="not a number"):
        parse_jsonstat2(text, reference="r")


# ----------------------------------------------------------------------------------------------
# CSV
# ----------------------------------------------------------------------------------------------
V1_CSV = (
    '"region","Folkmängd 2021","Folkmängd 2022"\r\n'
    '"0114A0010_DeSO2018","860","863"\r\n'
    '"0114C1010_DeSO2018","..","1562"\r\n'
    '"0114C1020_DeSO2018","-",""\r\n'
)


def test_parse_pxweb_csv_v1_shape_period_in_header() -> None:
    obs = parse_pxweb_csv(V1_CSV.encode("utf-8"), reference="https://x.test/csv")
    df = obs.data
    assert list(df.columns) == list(OBS_COLUMNS)
    assert len(df) == 6
    assert set(df["variable"]) == {"folkmangd"}
    assert set(df["period"]) == {"2021", "2022"}
    assert set(df["area_version"]) == {"deso2018"}
    assert cell(df, "0114A0010", "folkmangd", "2022")["value"] == 863
    dots = cell(df, "0114C1010", "folkmangd", "2021")
    assert math.isnan(dots["value"]) and dots["missing_reason"] == SCB_MISSING_MARKERS[".."]
    dash = cell(df, "0114C1020", "folkmangd", "2021")
    assert math.isnan(dash["value"]) and dash["missing_reason"] == SCB_MISSING_MARKERS["-"]
    empty = cell(df, "0114C1020", "folkmangd", "2022")
    assert math.isnan(empty["value"]) and empty["missing_reason"]
    assert (df["value"] == 0).sum() == 0


def test_parse_pxweb_csv_codes_time_column_semicolon_title_and_map() -> None:
    text = (
        "Nettoinkomst efter region och år\n"
        "Region;Tid;000005FM;000005FN\n"
        "0114C1010_DeSO2025;2022;312,5;1500\n"
        "0114 Upplands Väsby;2022;301,2;..\n"
    )
    obs = parse_pxweb_csv(
        text,
        reference="r",
        variable_map={"000005FM": "income_net_median_tkr"},
        units={"income_net_median_tkr": "tkr"},
    )
    df = obs.data
    assert obs.source.title == "Nettoinkomst efter region och år"
    row = cell(df, "0114C1010", "income_net_median_tkr", "2022")
    assert row["value"] == 312.5 and row["unit"] == "tkr" and row["area_version"] == "deso2025"
    kommun = cell(df, "0114", "000005fn", "2022")
    assert kommun["area_version"] == "kommun2025"
    assert math.isnan(kommun["value"])


def test_parse_pxweb_csv_errors_name_row_and_field() -> None:
    text = (
        "region,Folkmängd 2022\n"
        "0114A0010_DeSO2018,12\n"
        "0114C1010_DeSO2018,12\n"
        "\n"
        "0114C1020_DeSO2018,x1\n"
    )
    with pytest.raises(InputError, match="is not a number") as err:
        parse_pxweb_csv(text, reference="f.csv", dimensions=["region"])
    assert err.value.row == 5 and err.value.field == "Folkmängd 2022" and err.value.file == "f.csv"
    no_period = "region,Folkmängd\n0114A0010_DeSO2018,12\n"
    with pytest.raises(InputError, match="no period"):
        parse_pxweb_csv(no_period, reference="f.csv")
    ok = parse_pxweb_csv(no_period, reference="f.csv", period="2022")
    assert ok.data["period"].tolist() == ["2022"]


# ----------------------------------------------------------------------------------------------
# query building
# ----------------------------------------------------------------------------------------------
def test_query_bodies_v1_and_v2() -> None:
    sel = {
        "Region": ["0114A0010_DeSO2018", "0114C1010_DeSO2018"],
        "ContentsCode": "*",
        "Tid": ["2022"],
    }
    assert v2_query_body(sel) == {
        "selection": [
            {"variableCode": "Region", "valueCodes": ["0114A0010_DeSO2018", "0114C1010_DeSO2018"]},
            {"variableCode": "ContentsCode", "valueCodes": ["*"]},
            {"variableCode": "Tid", "valueCodes": ["2022"]},
        ]
    }
    assert v1_query_body(sel) == {
        "query": [
            {
                "code": "Region",
                "selection": {
                    "filter": "item",
                    "values": ["0114A0010_DeSO2018", "0114C1010_DeSO2018"],
                },
            },
            {"code": "ContentsCode", "selection": {"filter": "all", "values": ["*"]}},
            {"code": "Tid", "selection": {"filter": "item", "values": ["2022"]}},
        ],
        "response": {"format": "json-stat2"},
    }
    assert v1_query_body({"Tid": ["top(2)"]}, fmt="csv") == {
        "query": [{"code": "Tid", "selection": {"filter": "top", "values": ["2"]}}],
        "response": {"format": "csv"},
    }
    params = v2_query_params(sel)
    assert params["valueCodes[Region]"] == "0114A0010_DeSO2018,0114C1010_DeSO2018"
    assert params["valueCodes[ContentsCode]"] == "*"
    assert params["outputFormat"] == "json-stat2" and params["lang"] == "sv"


def test_build_request_urls() -> None:
    v2 = PxWebClient(SCB_V2_BASE, api_version=2, client=_client(lambda r: httpx.Response(500)))
    req = v2.build_request("TAB5444", {"Region": ["0180"], "Tid": ["2022"]})
    assert req.method == "POST"
    assert req.url == "https://statistikdatabasen.scb.se/api/v2/tables/TAB5444/data"
    assert req.params == {"lang": "sv", "outputFormat": "json-stat2"}
    v1 = PxWebClient(SCB_V1_BASE, api_version=1, client=_client(lambda r: httpx.Response(500)))
    req1 = v1.build_request("BE/BE0101/BE0101Y/FolkmDesoAldKon", {"Tid": ["2022"]}, "csv")
    assert req1.url == "https://api.scb.se/OV0104/v1/doris/sv/ssd/BE/BE0101/BE0101Y/FolkmDesoAldKon"
    assert req1.body is not None and req1.body["response"] == {"format": "csv"}
    assert v1.max_cells == 100_000 and v2.max_cells == 150_000
    get = PxWebClient(api_version=2, use_get=True, client=_client(lambda r: httpx.Response(500)))
    assert get.build_request("T", {"Tid": ["2022"]}).method == "GET"


# ----------------------------------------------------------------------------------------------
# mock server helpers
# ----------------------------------------------------------------------------------------------
def _client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


class Recorder:
    """Records the sleeps asked for (backoff, rate limiting) instead of sleeping."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def data_server(
    contents: dict[str, tuple[str, str]] = CONTENTS,
) -> tuple[Callable[[httpx.Request], httpx.Response], list[httpx.Request]]:
    """A fake v2 /data endpoint answering any POSTed selection with value = position."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = json.loads(request.content)
        sel = {s["variableCode"]: s["valueCodes"] for s in body["selection"]}
        regions, years = sel["Region"], sel["Tid"]
        wanted = list(contents) if sel["ContentsCode"] == ["*"] else sel["ContentsCode"]
        conts = {c: contents[c] for c in wanted}
        values = [
            float(int(r.split("C")[1][:4]) * 100 + i)
            for r in regions
            for i, _ in enumerate(itertools.product(conts, years))
        ]
        return httpx.Response(200, json=jsonstat(regions, conts, years, values))

    return handler, seen


def deso_codes(n: int) -> list[str]:
    return [f"0180C{1000 + i:04d}_DeSO2025" for i in range(n)]


# ----------------------------------------------------------------------------------------------
# client: fetching, splitting, retries, cache
# ----------------------------------------------------------------------------------------------
def test_fetch_splits_over_cell_limit_and_merges() -> None:
    handler, seen = data_server()
    sleeper = Recorder()
    client = PxWebClient(api_version=2, max_cells=10, client=_client(handler), sleep=sleeper)
    regions = deso_codes(25)
    sel = {"Region": regions, "ContentsCode": list(CONTENTS), "Tid": ["2022"]}
    obs = client.fetch("TAB1234", sel)
    # 25 regions x 2 contents x 1 year = 50 cells; 10 per request -> 5 regions per request
    assert len(seen) == 5
    for req in seen:
        assert req.method == "POST"
        assert req.url.path == "/api/v2/tables/TAB1234/data"
        assert req.url.params["outputFormat"] == "json-stat2"
        body = json.loads(req.content)
        n_regions = len(body["selection"][0]["valueCodes"])
        assert n_regions * 2 <= 10
        assert req.headers["user-agent"].startswith("omradesbild/")
    assert len(obs.data) == 50
    assert obs.data.duplicated(["area_code", "variable", "period"]).sum() == 0
    assert set(obs.data["area_code"]) == {split_region_code(r)[0] for r in regions}
    assert obs.source.table_id == "TAB1234"
    assert "5 requests" in (obs.source.notes or "")
    assert sorted(obs.variables["variable"]) == ["000005fm", "000005fn"]
    assert cell(obs.data, "0180C1024", "000005fn", "2022")["value"] == 1024 * 100 + 1
    assert sleeper.sleeps == []  # 5 calls stay under the rate limit


def test_fetch_star_selection_reads_metadata_and_splits() -> None:
    regions = deso_codes(7)
    meta = jsonstat(regions, CONTENTS, ["2021", "2022"], [])
    data_handler, _ = data_server()
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        if request.url.path.endswith("/metadata"):
            return httpx.Response(200, json=meta)
        return data_handler(request)

    client = PxWebClient(api_version=2, max_cells=12, client=_client(handler), sleep=Recorder())
    obs = client.fetch("TAB1", {"Region": "*", "ContentsCode": "*", "Tid": ["2022"]})
    # 7 x 2 x 1 = 14 cells > 12 -> Region split into chunks of 6: 2 data requests
    assert paths[0] == "/api/v2/tables/TAB1/metadata"
    assert paths.count("/api/v2/tables/TAB1/data") == 2
    assert len(obs.data) == 14


def test_fetch_v1_posts_query_to_table_path() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json=jsonstat(
                ["0114A0010_DeSO2018"], {"BE0101N1": ("Folkmängd", "antal")}, ["2022"], [863]
            ),
        )

    client = PxWebClient(SCB_V1_BASE, api_version=1, client=_client(handler), sleep=Recorder())
    obs = client.fetch(
        "BE/BE0101/BE0101Y/FolkmDesoAldKon", {"Region": ["0114A0010_DeSO2018"], "Tid": ["2022"]}
    )
    assert len(seen) == 1
    assert str(seen[0].url) == f"{SCB_V1_BASE}/BE/BE0101/BE0101Y/FolkmDesoAldKon"
    assert json.loads(seen[0].content)["response"] == {"format": "json-stat2"}
    assert obs.data["value"].tolist() == [863.0]


def test_fetch_csv_format() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.params["outputFormat"] == "csv"
        return httpx.Response(200, text=V1_CSV, headers={"content-type": "text/csv"})

    client = PxWebClient(api_version=2, client=_client(handler), sleep=Recorder())
    obs = client.fetch("TAB1", {"Region": ["0114A0010_DeSO2018"], "Tid": ["2021", "2022"]}, "csv")
    assert len(obs.data) == 6


def test_retry_with_backoff_on_429_and_503_then_success() -> None:
    responses = [
        httpx.Response(429, headers={"Retry-After": "7"}),
        httpx.Response(503),
        httpx.Response(200, json={"tables": [{"id": "TAB1"}], "page": {"totalPages": 1}}),
    ]
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return responses[len(calls) - 1]

    sleeper = Recorder()
    client = PxWebClient(api_version=2, client=_client(handler), sleep=sleeper)
    tables = client.list_tables("DeSO")
    assert tables == [{"id": "TAB1"}]
    assert len(calls) == 3
    # Retry-After honoured first, then exponential backoff 1 * 2**1
    assert sleeper.sleeps == [7.0, 2.0]
    assert calls[0].url.params["query"] == "DeSO"


def test_retry_on_timeout_then_success() -> None:
    state = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        state["n"] += 1
        if state["n"] == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json={"ok": True})

    sleeper = Recorder()
    http = HttpClient(client=_client(handler), sleep=sleeper)
    assert http.get("https://x.test/a").json() == {"ok": True}
    assert sleeper.sleeps == [1.0]


def test_gives_up_after_retries_with_fetch_error_naming_url_and_status() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503, text="Service Unavailable")

    sleeper = Recorder()
    client = PxWebClient(api_version=2, client=_client(handler), sleep=sleeper, max_retries=3)
    with pytest.raises(FetchError) as err:
        client.fetch("TAB1", {"Region": ["0180"], "Tid": ["2022"]})
    msg = str(err.value)
    assert "https://statistikdatabasen.scb.se/api/v2/tables/TAB1/data" in msg
    assert "503" in msg and "4 attempt" in msg
    assert len(calls) == 4
    assert sleeper.sleeps == [1.0, 2.0, 4.0]
    assert err.value.exit_code == 4


def test_client_error_is_not_retried() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(400, json={"title": "Non-existent variable", "status": 400})

    client = PxWebClient(api_version=2, client=_client(handler), sleep=Recorder())
    with pytest.raises(FetchError, match=r"HTTP 400.*Non-existent variable"):
        client.metadata("TAB1")
    assert len(calls) == 1


def test_timeouts_exhausted_raise_fetch_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("no route", request=request)

    http = HttpClient(client=_client(handler), sleep=Recorder(), max_retries=1)
    with pytest.raises(FetchError, match=r"GET https://x\.test/b timed out after 2 attempt"):
        http.get("https://x.test/b")


def test_cache_hit_avoids_second_request(tmp_path: Path) -> None:
    handler, seen = data_server()
    cache = tmp_path / "cache"
    sel = {"Region": deso_codes(2), "ContentsCode": ["000005FM"], "Tid": ["2022"]}
    first = PxWebClient(api_version=2, cache_dir=cache, client=_client(handler), sleep=Recorder())
    a = first.fetch("TAB1", sel)
    assert len(seen) == 1
    assert (cache / CACHE_FILE).exists()
    # a new client (new process) with the same cache directory
    second = PxWebClient(api_version=2, cache_dir=cache, client=_client(handler), sleep=Recorder())
    b = second.fetch("TAB1", sel)
    assert len(seen) == 1
    assert b.data.equals(a.data)
    assert b.source.checksum == a.source.checksum
    # another selection is another body: a new request
    second.fetch("TAB1", {**sel, "Tid": ["2021"]})
    assert len(seen) == 2


def test_cache_key_depends_on_method_url_and_body() -> None:
    base = cache_key("POST", "https://x.test/d?lang=sv", b'{"a":1}')
    assert base == cache_key("post", "https://x.test/d?lang=sv", b'{"a":1}')
    assert base != cache_key("POST", "https://x.test/d?lang=en", b'{"a":1}')
    assert base != cache_key("POST", "https://x.test/d?lang=sv", b'{"a":2}')
    assert base != cache_key("GET", "https://x.test/d?lang=sv", b'{"a":1}')


def test_list_tables_follows_pages() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["pageNumber"])
        return httpx.Response(
            200,
            json={"tables": [{"id": f"TAB{page}"}], "page": {"pageNumber": page, "totalPages": 3}},
        )

    client = PxWebClient(api_version=2, client=_client(handler), sleep=Recorder())
    assert [t["id"] for t in client.list_tables("befolkning")] == ["TAB1", "TAB2", "TAB3"]
    assert [t["id"] for t in client.list_tables("befolkning", max_pages=2)] == ["TAB1", "TAB2"]


def test_metadata_v1_values() -> None:
    meta = {
        "title": "Folkmängd",
        "variables": [
            {
                "code": "Region",
                "text": "region",
                "values": ["0114A0010", "0114C1010"],
                "valueTexts": ["a", "b"],
            },
            {"code": "Tid", "text": "år", "values": ["2021", "2022"], "time": True},
        ],
    }
    client = PxWebClient(
        SCB_V1_BASE,
        api_version=1,
        client=_client(lambda r: httpx.Response(200, json=meta)),
        sleep=Recorder(),
    )
    assert client.variables("BE/X/T") == {
        "Region": ["0114A0010", "0114C1010"],
        "Tid": ["2021", "2022"],
    }


# ----------------------------------------------------------------------------------------------
# rate limit, Retry-After, backoff
# ----------------------------------------------------------------------------------------------
def test_rate_limiter_sleeps_when_window_is_full() -> None:
    now = {"t": 0.0}
    sleeper = Recorder()

    def sleep(s: float) -> None:
        sleeper(s)
        now["t"] += s

    limiter = RateLimiter(3, 10.0, clock=lambda: now["t"], sleep=sleep)
    for _ in range(3):
        limiter.wait()
    assert sleeper.sleeps == []
    now["t"] = 4.0
    limiter.wait()  # 4th call within 10 s of the first: wait until t = 10
    assert sleeper.sleeps == [pytest.approx(6.0)]
    now["t"] = 30.0
    limiter.wait()
    assert len(sleeper.sleeps) == 1


def test_client_respects_rate_limit() -> None:
    now = {"t": 0.0}
    sleeps: list[float] = []

    def sleep(s: float) -> None:
        sleeps.append(s)
        now["t"] += s

    handler, seen = data_server()
    client = PxWebClient(
        api_version=2,
        max_cells=2,
        client=_client(handler),
        sleep=sleep,
        clock=lambda: now["t"],
        rate_limit=(2, 10.0),
    )
    client.fetch("TAB1", {"Region": deso_codes(5), "ContentsCode": ["000005FM"], "Tid": ["2022"]})
    assert len(seen) == 3  # 5 regions, 2 per request
    assert sleeps == [pytest.approx(10.0)]


def test_parse_retry_after_and_backoff() -> None:
    now = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("5") == 5.0
    assert (
        parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30
    )
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert [backoff_delay(k) for k in range(4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff_delay(10, cap=60) == 60


# ----------------------------------------------------------------------------------------------
# splitting invariants
# ----------------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=4),
    max_cells=st.integers(min_value=1, max_value=60),
)
def test_plan_chunks_covers_every_cell_once_under_the_limit(
    sizes: list[int], max_cells: int
) -> None:
    selection = {f"V{i}": [f"v{i}_{j}" for j in range(n)] for i, n in enumerate(sizes)}
    chunks = plan_chunks(selection, max_cells)
    seen: list[tuple[str, ...]] = []
    for chunk in chunks:
        lists = [list(chunk[v]) for v in selection]
        assert int(np.prod([len(x) for x in lists])) <= max_cells
        seen.extend(itertools.product(*lists))
    assert sorted(seen) == sorted(itertools.product(*selection.values()))


def test_plan_chunks_star_needs_metadata() -> None:
    with pytest.raises(FetchError, match="metadata"):
        plan_chunks({"Region": "*", "Tid": ["2022"]}, 1)
    with pytest.raises(FetchError, match="can be split"):
        plan_chunks({"Region": ["top(5)"], "Tid": ["2022"]}, 2)
    chunks = plan_chunks(
        {"Region": "0180*", "Tid": ["2022"]},
        2,
        all_values={"Region": ["0180C1", "0180C2", "0180C3", "0114C1"], "Tid": ["2022"]},
    )
    assert [c["Region"] for c in chunks] == [["0180C1", "0180C2"], ["0180C3"]]


@pytest.mark.parametrize("name", ["Region", "region", "Område", "Kommun", "DeSO", "RegSO", "X"])
def test_region_dimension_named_anything(name: str) -> None:
    payload = jsonstat(["0114A0010", "0180"], CONTENTS, ["2022"], [1, 2, 3, 4], role=False)
    payload["dimension"][name] = payload["dimension"].pop("Region")
    payload["id"][0] = name
    df = parse_jsonstat2(payload, reference="r", area_version="deso2018").data
    assert set(df["area_code"]) == {"0114A0010", "0180"}


def test_eliminated_region_is_the_country_or_the_named_total() -> None:
    """SCB v1/v2 answer without Region when the query eliminated it: the national total."""
    payload = jsonstat(["x"], CONTENTS, ["2021", "2022"], [1, 2, 3, 4])
    del payload["dimension"]["Region"]
    payload["id"].pop(0)
    payload["size"].pop(0)
    payload["role"]["geo"] = []
    df = parse_jsonstat2(payload, reference="r").data
    assert set(df["area_code"]) == {"SE"} and set(df["area_version"]) == {"country"}
    assert len(df) == 4
    city = parse_jsonstat2(payload, reference="r", publisher="Stockholms stad", total_area="0180")
    assert set(city.data["area_code"]) == {"0180"}
    assert set(city.data["area_version"]) == {"kommun2025"}
