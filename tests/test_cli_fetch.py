"""``omradesbild fetch scb …`` and ``ingest pxweb`` against responses built here (no network)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import CliRun

import json
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from conftest import jsonstat_dataset
from omradesbild.cli import fetch as fetch_cli
from omradesbild.sources.pxweb import SCB_V2_BASE, PxWebClient
from omradesbild.store import Store

CODES = ["0114A0010", "0114C1010"]


#: Every test here runs with network connections refused.
pytestmark = pytest.mark.usefixtures("no_network")


def dataset(values: list[Any]) -> dict[str, Any]:
    """A JSON-stat2 response shaped like SCB's PX-Web API v2 (DeSO suffixes, ContentsCode)."""
    regions = [f"{c}_DeSO2018" for c in CODES]
    dimensions = {
        "Region": {"category": {"index": {r: i for i, r in enumerate(regions)}}},
        "ContentsCode": {
            "category": {
                "index": {"000007Y4": 0},
                "label": {"000007Y4": "Folkmängd"},
                "unit": {"000007Y4": {"base": "antal", "decimals": 0}},
            }
        },
        "Tid": {"category": {"index": {"2023": 0}}},
    }
    return jsonstat_dataset(
        "Folkmängd per DeSO", dimensions, values, extension={"px": {"tableid": "TAB5974"}}
    )


def write_key(path: Path) -> Path:
    pd.DataFrame(
        [("0114", "Upplands Väsby", c, "Bollstanäs", "0114R001") for c in CODES],
        columns=["Kommun", "Kommunnamn", "DeSO_2018", "RegSO_2020", "RegSOkod_2020"],
    ).to_csv(path, index=False)
    return path


@pytest.fixture()
def db(tmp_path: Path, cli: CliRun) -> Path:
    db = tmp_path / "s.duckdb"
    assert cli(["ingest", "scb-key", str(write_key(tmp_path / "k.csv")), "--db", str(db)])[0] == 0
    return db


def test_fetch_table_and_ingest(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CliRun
) -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json=dataset([863, 1562]))

    def client(api: int, cache_dir: Path | None) -> PxWebClient:
        return PxWebClient(
            SCB_V2_BASE,
            api_version=2,
            cache_dir=tmp_path / "cache",
            client=httpx.Client(transport=httpx.MockTransport(handler)),
            sleep=lambda _: None,
        )

    monkeypatch.setattr(fetch_cli, "_client", client)
    args = [
        "fetch",
        "scb",
        "table",
        "TAB5974",
        "-s",
        "Region=0114A0010,0114C1010",
        "-s",
        "Tid=2023",
    ]
    code, out, err = cli([*args, "--ingest", "--db", str(db)])
    assert code == 0, err
    assert "2 observationer" in out
    assert len(requests) == 1
    body = json.loads(requests[0].content)
    assert {s["variableCode"] for s in body["selection"]} == {"Region", "Tid"}
    with Store(db, read_only=True) as s:
        obs = s.observations(periods=["2023"])
    assert list(obs["value"]) == [863.0, 1562.0]
    assert set(obs["area_version"]) == {"deso2018"}
    # The second time the answer comes from the cache: no new request.
    code, _, _ = cli(args)
    assert code == 0 and len(requests) == 1


def test_fetch_failure_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CliRun
) -> None:
    def client(api: int, cache_dir: Path | None) -> PxWebClient:
        return PxWebClient(
            SCB_V2_BASE,
            api_version=2,
            cache_dir=None,
            client=httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(503))),
            sleep=lambda _: None,
            max_retries=2,
        )

    monkeypatch.setattr(fetch_cli, "_client", client)
    code, _, err = cli(
        ["fetch", "scb", "table", "TAB5974", "-s", "Region=0114A0010", "-s", "Tid=2023"]
    )
    assert code == 4
    assert "503" in err and "TAB5974" in err
    assert len(err.strip().splitlines()) == 1


def test_bad_selection_is_explained(cli: CliRun) -> None:
    code, _, err = cli(["fetch", "scb", "table", "TAB5974", "-s", "Region"])
    assert code == 2
    assert "expected VARIABLE=VALUE" in err


def test_ingest_saved_response(db: Path, tmp_path: Path, cli: CliRun) -> None:
    saved = tmp_path / "svar.json"
    saved.write_text(json.dumps(dataset([863, ".."])))
    code, out, err = cli(["ingest", "pxweb", str(saved), "--db", str(db)])
    assert code == 0, err
    with Store(db, read_only=True) as s:
        obs = s.observations(periods=["2023"]).set_index("area_code")
    assert obs.loc["0114A0010", "value"] == 863
    assert pd.isna(obs.loc["0114C1010", "value"])
    assert obs.loc["0114C1010", "missing_reason"].startswith("..")
    # Same file again: nothing changes.
    code, out, _ = cli(["ingest", "pxweb", str(saved), "--db", str(db)])
    assert "nothing changed" in out


def test_ingest_pxweb_unknown_ending(db: Path, tmp_path: Path, cli: CliRun) -> None:
    f = tmp_path / "svar.txt"
    f.write_text("{}")
    code, _, err = cli(["ingest", "pxweb", str(f), "--db", str(db)])
    assert code == 2 and "svar.txt" in err and "--format" in err


@pytest.mark.parametrize("quiet", [False, True])
def test_fetch_counts_its_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CliRun, quiet: bool
) -> None:
    from collections.abc import Iterator
    from contextlib import contextmanager

    from omradesbild.cli.progress import ProgressFn

    calls: list[bool] = []
    ticks: list[tuple[int, int]] = []

    @contextmanager
    def recording(
        description: str, *, total: int | None = None, quiet: bool = False
    ) -> Iterator[ProgressFn]:
        calls.append(quiet)
        yield lambda done, total: ticks.append((done, total))

    def client(api: int, cache_dir: Path | None) -> PxWebClient:
        return PxWebClient(
            SCB_V2_BASE,
            api_version=2,
            cache_dir=tmp_path / "cache",
            client=httpx.Client(
                transport=httpx.MockTransport(
                    lambda _: httpx.Response(200, json=dataset([863, 1562]))
                )
            ),
            sleep=lambda _: None,
        )

    monkeypatch.setattr(fetch_cli, "_client", client)
    monkeypatch.setattr(fetch_cli, "progress", recording)
    args = ["fetch", "scb", "table", "TAB5974", "-s", "Region=0114A0010,0114C1010"]
    args += ["-s", "Tid=2023"]
    code, _, err = cli([*args, "--quiet"] if quiet else args)
    assert code == 0, err
    assert calls == [quiet]
    assert ticks == [(1, 1)]
