"""One rule for a reliable crime rate: enough residents and enough offences, alike on the
web (API and area page), on the command line and in the reports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omradesbild.config import CRIME_MIN_EVENTS
from omradesbild.indicators.reliability import (
    FEW_EVENTS,
    SMALL_DENOMINATOR,
    min_events,
    reliability,
    unreliable_reasons,
)

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from conftest import cli_output, page_text
from helpers import HTML, module_client

#: A RegSO of the synthetic city with 6 053 residents and 9 reported vehicle fires in 2023:
#: enough residents, too few offences (and enough to be published).
DALHOJDEN = "9999R021"


def test_the_rule_needs_residents_and_offences() -> None:
    nan = np.nan
    r = reliability(
        [3, 10, nan, 12, 12, 0],
        [600, 600, 600, 400, nan, 600],
        [5.0, 16.7, nan, 30.0, nan, 0.0],
        min_denominator=500,
        min_events=CRIME_MIN_EVENTS,
    )
    assert r.reliable.tolist() == [False, True, False, False, False, False]
    assert r.small_denominator.tolist() == [False, False, False, True, True, False]
    assert r.few_events.tolist() == [True, False, True, False, False, True]
    assert min_events("rate") == CRIME_MIN_EVENTS and min_events("proportion") == 0
    # a proportion needs no events: a share of 0 of 60 is reliable
    p = reliability([0.0], [60.0], [0.0], min_denominator=50, min_events=0)
    assert p.reliable.tolist() == [True]
    assert unreliable_reasons(4, 7977, min_denominator=500, min_events=10) == (FEW_EVENTS,)
    both = unreliable_reasons(4, 300, min_denominator=500, min_events=10)
    assert both == (SMALL_DENOMINATOR, FEW_EVENTS)
    assert unreliable_reasons(40, 7977, min_denominator=500, min_events=10) == ()


def _cli_rates(db: Path, out: Path, *, kommun: str | None = None) -> pd.DataFrame:
    """``followup crime`` of the RegSO, vehicle fires 2023, as written to ``out``."""
    args = ["followup", "crime", "--level", "regso", "--offence", "1211"]
    args += ["--from", "2023", "--to", "2023", "--db", str(db), "--out", str(out)]
    code, _, err = cli_output(args)
    assert code == 0, err
    df = pd.read_csv(out, dtype={"area_code": str, "kommun_code": str, "period": str})
    if kommun is not None:
        df = df.loc[df["area_code"].str.startswith(kommun)]
    return df.set_index("area_code")


def _web_rates(client: TestClient, *, kommun: str | None = None) -> pd.DataFrame:
    """``/api/indicators/values`` of the RegSO, vehicle fires 2023."""
    params = {"level": "regso", "period": "2023", "indicator": "crime_rate_1211"}
    r = client.get("/api/indicators/values", params=params)
    assert r.status_code == 200, r.text
    rows = pd.DataFrame(r.json()["rows"])
    if kommun is not None:
        rows = rows.loc[rows["area_code"].str.startswith(kommun)]
    return rows.set_index("area_code")


@pytest.fixture(scope="module")
def demo_client(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from module_client(demo_store, tmp_path_factory)


def test_web_and_command_line_agree_on_a_rate_of_few_offences(
    demo_store: Path, demo_client: TestClient, tmp_path: Path
) -> None:
    """Dalhöjden 2023: 9 vehicle fires among 6 053 residents is unreliable on the command
    line and on the web alike (the web called it reliable from its residents alone)."""
    cli = _cli_rates(demo_store, tmp_path / "crime.csv")
    web = _web_rates(demo_client)
    assert cli.loc[DALHOJDEN, "count"] == 9 and cli.loc[DALHOJDEN, "population"] >= 500
    assert not cli.loc[DALHOJDEN, "reliable"]
    assert web.loc[DALHOJDEN, "numerator"] == 9
    assert not web.loc[DALHOJDEN, "reliable"]
    assert set(cli.index) == set(web.index)
    assert cli["reliable"].astype(bool).to_dict() == web["reliable"].astype(bool).to_dict()
    shown = web.loc[web["numerator"].notna()]  # counts of 1 to 4 are not published
    assert (shown["reliable"] == (shown["numerator"] >= CRIME_MIN_EVENTS)).all()


@pytest.mark.parametrize(
    ("lang", "words"),
    [("sv", "osäker (för få brott: 9, minst 10)"),
     ("en", "uncertain (too few offences: 9, at least 10 needed)")],
)  # fmt: skip
def test_the_area_page_says_which_condition_failed(
    demo_client: TestClient, lang: str, words: str
) -> None:
    html = demo_client.get(f"/omrade/{DALHOJDEN}?period=2023&lang={lang}", headers=HTML).text
    assert words in page_text(html)


def test_the_profile_says_which_condition_failed() -> None:
    """The words of the area page, the report's profile and the PDF (one object's)."""
    from types import SimpleNamespace

    from omradesbild.reports.site import _env
    from omradesbild.services.area import why_unreliable
    from omradesbild.services.models import IndicatorValue

    row = {"indicator": "crime_rate_1211", "numerator": 4.0, "denominator": 7977.0,
           "value": 0.5, "reliable": False}  # fmt: skip
    assert why_unreliable(row, "sv") == "för få brott: 4, minst 10"
    small = {**row, "numerator": 3.0, "denominator": 300.0}
    assert why_unreliable(small, "en") == (
        "too few residents: 300, at least 500 needed; too few offences: 3, at least 10 needed"
    )
    share = {"indicator": "low_econ_standard", "numerator": 4.0, "denominator": 30.0,
             "value": 13.3, "reliable": False}  # fmt: skip
    assert why_unreliable(share, "sv") == "litet underlag: 30, minst 100"
    assert why_unreliable({**row, "reliable": True}, "sv") is None
    assert why_unreliable({**row, "masked": True}, "sv") is None
    why = why_unreliable(row, "sv")
    h = IndicatorValue(id="crime_rate_1211", label="Bilbränder", period="2023", value=0.5,
                       numerator=4.0, denominator=7977.0, reliable=False,
                       reliability="unreliable", why_unreliable=why)  # fmt: skip
    table = _env("sv").get_template("_profile.html").module.headline_table
    html = str(table(SimpleNamespace(indicators=[h])))
    assert "<td>osäker (för få brott: 4, minst 10)</td>" in html


@pytest.fixture(scope="module")
def real_client(real_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from module_client(real_store, tmp_path_factory, draws=10)


def test_real_stockholm_web_and_command_line_agree(
    real_store: Path, real_client: TestClient, tmp_path: Path
) -> None:
    """Every Stockholm RegSO, vehicle fires 2023: the web API's reliability is the command
    line's, and it needs at least 10 offences as well as 500 residents."""
    cli = _cli_rates(real_store, tmp_path / "crime.csv", kommun="0180")
    web = _web_rates(real_client, kommun="0180")
    assert len(cli) > 100 and set(cli.index) == set(web.index)
    assert cli["reliable"].astype(bool).to_dict() == web["reliable"].astype(bool).to_dict()
    rule = (web["numerator"] >= CRIME_MIN_EVENTS) & (web["denominator"] >= 500)
    assert (web["reliable"].astype(bool) == rule).all()
    few = web.loc[(web["numerator"] < CRIME_MIN_EVENTS) & (web["denominator"] >= 500)]
    assert len(few) and not few["reliable"].astype(bool).any()  # the case that disagreed
