"""A stand-in indicator is named as what it is in every output: the index CSV, the profile's
drivers, the HTML profile, the PDF and the web page.

SCB's indicator (c) "andel 20–64 med ekonomiskt bistånd och/eller långtidsarbetslöshet" is
not published per DeSO; the area-type method then uses the unemployment share 16–64 and
must say so. On the synthetic city the indicator is removed from a copy of the store; on
real data (Stockholm) it is missing anyway: that check shares the real Stockholm picture of
``test_profile_consistency``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest

from conftest import page_text, pdf_text, squeeze
from omradesbild.services.city import CityData
from omradesbild.wording import text

if TYPE_CHECKING:
    from conftest import CliRun

SV = text("standin_unemployment_16_64_for_ekbist_longterm_20_64", "sv")
EN = text("standin_unemployment_16_64_for_ekbist_longterm_20_64", "en")
PERIOD = "2022"


def test_wording_names_what_it_replaces() -> None:
    assert SV == (
        "Arbetslösa 16–64 (ersätter ekonomiskt bistånd/långtidsarbetslöshet, som saknas i "
        "underlaget)"
    )
    assert "stands in for" in EN
    from omradesbild.services.standins import standin_label

    generic = standin_label("low_econ_standard", "edu_low_25_64", "sv")
    assert "ersätter" in generic and "som saknas i underlaget" in generic


@pytest.fixture(scope="module")
def no_ekbist(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the synthetic store without indicator (c)'s numerator."""
    from omradesbild.store import Store

    db = tmp_path_factory.mktemp("standin") / "city.duckdb"
    shutil.copy(demo_store, db)
    with Store(db) as store:
        store.con.execute(
            "DELETE FROM observations WHERE variable = 'ekbist_or_longterm_unemployed_20_64'"
        )
    return db


def _renderings(city: CityData, code: str, client: Any, tmp: Path) -> dict[str, str]:
    from omradesbild.reports.pdf import PdfProfiles, render_pdf
    from omradesbild.reports.site import build_site

    web = client.get(f"/omrade/{code}", params={"period": PERIOD, "level": "regso"})
    assert web.status_code == 200, web.text[:300]
    site = build_site(city, tmp / "site")
    static = next(p for p in site.profiles if code in p.name).read_text(encoding="utf-8")
    pdf = render_pdf(PdfProfiles(city).html(code))
    return {"web": page_text(web.text), "html": page_text(static), "pdf": pdf_text(pdf)}


def _client(db: Path) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from omradesbild.web.app import create_app
    from omradesbild.web.settings import WebSettings

    with TestClient(create_app(WebSettings(store_path=db, draws=0), warm=False)) as c:
        yield c


def check_standin_everywhere(city: CityData, code: str, client: Any, tmp: Path) -> None:
    """The stand-in is named in ``code``'s drivers, web page, HTML profile and PDF."""
    p = city.profile(code)
    labels = [d.label for d in p.drivers]
    assert SV in labels, labels
    assert p.standins == (SV,)
    # the stand-in is never shown under the name of the indicator it replaces
    assert not any("ekonomiskt bistånd och/eller" in lab for lab in labels)
    for where, shown in _renderings(city, code, client, tmp).items():
        assert squeeze(SV) in squeeze(shown), where


def test_synthetic_standin_everywhere(no_ekbist: Path, tmp_path: Path, cli: CliRun) -> None:
    from omradesbild.services.city import load_city
    from omradesbild.store import Store

    out = tmp_path / "idx.csv"
    args = ["index", "compute", "--method", "scb-omradestyp", "--level", "regso", "-p", PERIOD]
    code, printed, err = cli([*args, "--out", str(out), "--db", str(no_ekbist)])
    assert code == 0, err
    assert SV in printed and EN in printed
    df = pd.read_csv(out, dtype=str)
    assert (df["fallback_label_sv"] == SV).all() and (df["fallback_label_en"] == EN).all()
    with Store(no_ekbist, read_only=True) as store:
        codes = store.areas(level="regso")["area_code"].tolist()
        city = load_city(store, level="regso", period=PERIOD, draws=0, areas=codes[:1])
    for client in _client(no_ekbist):
        check_standin_everywhere(city, codes[0], client, tmp_path)


def test_synthetic_without_standin_says_nothing(demo_store: Path) -> None:
    from omradesbild.services.city import load_city
    from omradesbild.store import Store

    with Store(demo_store, read_only=True) as store:
        code = store.areas(level="regso")["area_code"].iloc[0]
        city = load_city(store, level="regso", period=PERIOD, draws=0, areas=[code])
    p = city.profile(code)
    assert p.standins == ()
    assert SV not in [d.label for d in p.drivers]
