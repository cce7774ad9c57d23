"""The precision of published figures: one definition for pages and downloads, downloads
rounded by default, ``precision=full`` for every stored digit, the JSON API unrounded."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from helpers import HTML, half_up
from omradesbild.index import load_method
from omradesbild.indicators import default_catalogue
from omradesbild.indicators.catalogue import Indicator
from omradesbild.precision import (
    indicator_decimals,
    round_index_table,
    round_indicator_rows,
    score_decimals,
)
from omradesbild.rounding import round_half_away, round_half_away_number
from omradesbild.wording import fmt_num


# ------------------------------------------------------------------------ the definition
def _indicator(unit: str, **extra: Any) -> Indicator:
    return Indicator(
        id="x",
        name_sv="x",
        name_en="x",
        domain="inkomst",
        kind="ratio",
        numerator="a",
        denominator="b",
        multiplier=1,
        unit=unit,
        direction=1,
        population_base="-",
        min_denominator=0,
        source_tables=["t"],
        **extra,
    )


def test_precision_by_unit_and_by_the_catalogue() -> None:
    assert _indicator("procent").precision == 1
    assert _indicator("per 1 000 invånare").precision == 1
    assert _indicator("tkr").precision == 1
    assert _indicator("kr").precision == 0
    assert _indicator("antal").precision == 0
    assert _indicator("kr", decimals=2).precision == 2
    cat = default_catalogue()
    assert indicator_decimals("low_econ_standard", cat) == 1
    assert indicator_decimals("median_income", cat) == 1
    assert indicator_decimals("not_in_the_catalogue", cat) == 1


def test_score_decimals_follow_the_method() -> None:
    assert score_decimals(load_method("scb-omradestyp")) == 2
    assert score_decimals(load_method("brott-anmalda")) == 3  # PERCENTRANK.INC keeps 3
    assert score_decimals("cdc-svi-2018") == 4  # its sum_digits
    assert score_decimals("no-such-method") == 2
    assert score_decimals(None) == 2


def test_one_number_rounds_as_an_array_does() -> None:
    values = [0.125, 2.675, -2.5, 12.25, 0.60765, 1e-9, -0.049, 7.378878572461435, 3.0]
    for digits in (0, 1, 2, 4):
        arr = round_half_away(values, digits)
        one = [round_half_away_number(v, digits) for v in values]
        assert list(arr) == one
        assert one == [half_up(v, digits) for v in values]
    assert math.isnan(round_half_away_number(float("nan"), 1))


def test_pages_round_halves_away_from_zero() -> None:
    """A half is rounded up in magnitude on a page as in a download (Python's own
    formatting would write 12,2 and 0.12)."""
    assert fmt_num(12.25, "sv", 1) == "12,3"
    assert fmt_num(0.125, "en", 2) == "0.13"
    assert fmt_num(-2.5, "en", 0) == "-3"
    assert fmt_num(1234567.85, "sv", 1) == "1\u202f234\u202f567,9"
    assert fmt_num(None, "sv", 1) == "–" and fmt_num(float("nan"), "sv") == "–"


def test_rounding_the_long_table_keeps_missing_missing() -> None:
    df = pd.DataFrame(
        {
            "indicator": ["low_econ_standard", "median_income", "low_econ_standard"],
            "numerator": [87.36, 312.44, np.nan],
            "denominator": [1092.0, 1000.0, np.nan],
            "value": [7.998, 312.45, np.nan],
            "ci_low": [6.5342469747559875, 300.04, np.nan],
            "note": ["a", None, None],
        }
    )
    out = round_indicator_rows(df)
    assert out["value"].tolist()[:2] == [8.0, 312.5] and math.isnan(out["value"].iloc[2])
    assert out["ci_low"].tolist()[:2] == [6.5, 300.0]
    # Counts are whole numbers; a median's numerator is the median (one decimal).
    assert out["numerator"].tolist()[:2] == [87, 312.4] and out["numerator"].iloc[2] is None
    assert str(out["denominator"].dtype) == "Int64" and out["denominator"].isna().iloc[2]
    assert out["note"].equals(df["note"])
    assert df["value"].iloc[0] == 7.998  # the input is not changed
    text = out.to_csv(index=False).splitlines()
    assert text[1] == "low_econ_standard,87,1092,8.0,6.5,a"
    assert text[3] == "low_econ_standard,,,,,"


def test_rounding_an_index_table() -> None:
    df = pd.DataFrame(
        {
            "area_code": ["a", "b"],
            "score": [2.424580848, np.nan],
            "rank": pd.array([1, None], dtype="Int64"),
            "low_econ_standard": [4.1220838, np.nan],
            "low_econ_standard_reliable": [True, False],
            "prob_1": [0.12345, 0.5],
        }
    )
    df.attrs = {"method_id": "brott-anmalda"}
    out = round_index_table(df)
    assert out["score"].iloc[0] == 2.425 and math.isnan(out["score"].iloc[1])
    assert out["low_econ_standard"].iloc[0] == 4.1
    assert out["rank"].tolist()[0] == 1 and out["rank"].isna().iloc[1]
    assert out["prob_1"].tolist() == [0.12, 0.5]
    assert out["low_econ_standard_reliable"].tolist() == [True, False]
    assert round_index_table(df, method=load_method("scb-omradestyp"))["score"].iloc[0] == 2.42


# ------------------------------------------------------------------------------ the web
@pytest.fixture(scope="module")
def client(demo_store: Path) -> Iterator[Any]:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from omradesbild.web.app import create_app
    from omradesbild.web.settings import WebSettings

    with TestClient(create_app(WebSettings(store_path=demo_store, draws=10), warm=False)) as c:
        yield c


def _rows(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body)))


def _decimals(cell: str) -> int:
    return len(cell.partition(".")[2])


def test_the_indicator_csv_is_rounded_to_each_indicators_precision(client: Any) -> None:
    r = client.get("/api/export/indicators.csv", params={"level": "regso", "period": "2022"})
    assert r.status_code == 200
    rows = _rows(r.text)
    assert rows
    for row in rows:
        d = indicator_decimals(row["indicator"])
        for c in ("value", "ci_low", "ci_high", "value_smoothed"):
            assert _decimals(row[c]) <= max(d, 1), (c, row)
        for c in ("numerator", "denominator"):
            if row["indicator"] != "median_income":
                assert "." not in row[c], (c, row)
    # Missing stays missing (masked rows have no value, never 0).
    masked = [row for row in rows if row["masked"] == "True"]
    assert all(row["value"] == "" for row in masked)


def test_full_precision_gives_the_values_of_the_json_api(client: Any) -> None:
    params = {"level": "regso", "period": "2022"}
    url = "/api/export/indicators.csv"
    full = _rows(client.get(url, params=params | {"precision": "full"}).text)
    rounded = _rows(client.get(url, params=params).text)
    doc = client.get("/api/export/indicators.json", params=params).json()["indicators"]
    assert len(full) == len(rounded) == len(doc)
    n_long = 0
    for f, r, j in zip(full, rounded, doc, strict=True):
        assert f["area_code"] == j["area_code"] and f["indicator"] == j["indicator"]
        for c in ("value", "ci_low", "ci_high"):
            if j[c] is None:
                assert f[c] == "" and r[c] == ""
                continue
            assert float(f[c]) == j[c]  # every stored digit, as the JSON API
            assert float(r[c]) == half_up(j[c], indicator_decimals(j["indicator"]))
            n_long += _decimals(f[c]) > 1
    assert n_long > 0  # the full values do have more digits than the rounded ones


def test_the_index_csv_is_rounded_unless_full(client: Any) -> None:
    rounded = _rows(client.get("/api/export/index.csv").text)
    full = _rows(client.get("/api/export/index.csv", params={"precision": "full"}).text)
    api = {
        r["area_code"]: r
        for r in client.get("/api/index", params={"method": "scb-omradestyp"}).json()["rows"]
    }
    assert len(rounded) == len(full) > 0
    for r, f in zip(rounded, full, strict=True):
        assert _decimals(r["score"]) <= 2 and "." not in r["rank"]
        assert _decimals(r["low_econ_standard"]) <= 1
        score = api[r["area_code"]]["score"]
        assert float(f["score"]) == pytest.approx(score, rel=1e-12)
        assert float(r["score"]) == half_up(float(f["score"]), 2)


@pytest.mark.parametrize(
    "url", ["/api/export/indicators.csv", "/api/export/index.csv", "/api/export/excel.xlsx"]
)
def test_an_unknown_precision_is_a_swedish_422(client: Any, url: str) -> None:
    r = client.get(url, params={"precision": "exakt"})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "okänt värde 'exakt' för precision; tillåtna värden: rounded, full" in detail


def test_the_excel_download_is_rounded_unless_full(client: Any) -> None:
    from openpyxl import load_workbook

    name = default_catalogue().get("low_econ_standard").name_sv + " (%)"

    def cells(**params: str) -> list[float]:
        r = client.get("/api/export/excel.xlsx", params={"period": "2022", **params})
        assert r.status_code == 200
        wb = load_workbook(io.BytesIO(r.content), read_only=True)
        ws = wb["Inkomst"]
        rows = list(ws.iter_rows(values_only=True))
        col = next(i for i, h in enumerate(rows[0]) if h == name)
        return [float(v) for v in (row[col] for row in rows[1:]) if isinstance(v, float | int)]

    rounded, full = cells(), cells(precision="full")
    assert rounded and len(rounded) == len(full)
    assert rounded == [half_up(v, 1) for v in full]
    assert any(v != half_up(v, 1) for v in full)


def test_the_download_page_links_full_precision(client: Any) -> None:
    for lang, label in (("sv", "Full precision (oavrundade värden)"), ("en", "Full precision")):
        html = client.get("/nedladdning", params={"lang": lang}, headers=HTML).text
        assert label in html
        assert re.search(
            r"/api/export/indicators\.csv\?level=regso&version=\w+&period=2022"
            rf"&lang={lang}&precision=full",
            html,
        )
        assert "precision=full" in html.split("/api/export/excel.xlsx")[-1]
    assert "JSON-API:t har alltid full precision" in client.get("/nedladdning", headers=HTML).text


def test_the_openapi_describes_precision(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/export/indicators.csv", "/api/export/index.csv", "/api/export/excel.xlsx"):
        params = {p["name"]: p for p in spec["paths"][path]["get"]["parameters"]}
        p = params["precision"]
        assert "full" in p["description"] and "rounded" in p["description"]
        assert p["schema"]["enum"] == ["rounded", "full"] and p["schema"]["default"] == "rounded"


# ------------------------------------------------------------------- the static exports
def test_the_static_csv_is_rounded_and_full_on_request(demo_store: Path, tmp_path: Path) -> None:
    """``omradesbild export``: the CSV rounded by default, every digit with ``--precision
    full`` (equal to the JSON export, which is never rounded); an unknown value is refused
    naming the allowed ones."""
    import json

    import typer
    from typer.testing import CliRunner

    from omradesbild.cli.export import app as export_app

    root = typer.Typer()
    root.add_typer(export_app, name="export")

    @root.command()
    def other() -> None:  # a second command makes 'export' a subcommand as in the real CLI
        """Unused."""

    def run(out: Path, *extra: str) -> Any:
        args = ["export", "--level", "regso", "--period", "2024", "--out", str(out)]
        args += ["-f", "csv", "-f", "json", "--method", "none", "--db", str(demo_store)]
        return CliRunner().invoke(root, [*args, *extra])

    assert run(tmp_path / "r").exit_code == 0
    assert run(tmp_path / "f", "--precision", "full").exit_code == 0
    bad = run(tmp_path / "x", "--precision", "exakt")
    assert bad.exit_code != 0 and "rounded, full" in str(bad.exception)
    name = "omradesbild_regso_2024"
    rounded = _rows((tmp_path / "r" / f"{name}.csv").read_text("utf-8"))
    full = _rows((tmp_path / "f" / f"{name}.csv").read_text("utf-8"))
    doc = json.loads((tmp_path / "r" / f"{name}.json").read_text("utf-8"))["indicators"]
    assert len(rounded) == len(full) == len(doc) > 0
    for r, f, j in zip(rounded, full, doc, strict=True):
        if j["value"] is None:
            assert r["value"] == f["value"] == ""
            continue
        assert float(f["value"]) == j["value"]
        assert float(r["value"]) == half_up(j["value"], indicator_decimals(j["indicator"]))
        assert "." not in r["denominator"]
