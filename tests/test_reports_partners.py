"""The partners' approved public input and interventions on the static and PDF profiles.

The partners' database is the synthetic demo's (:func:`omradesbild.partners.seed.seed_demo`):
one approved public observation, an approved internal proposal, an approved restricted
analysis and a public draft, and two interventions, on the lowest-typed RegSO areas.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import page_text, pdf_text
from omradesbild.errors import ConfigError
from omradesbild.services.city import CityData
from omradesbild.services.partners import PartnerInput

PUBLIC_OBSERVATION = "Ökad oro kring torget"
INTERNAL = "Läxhjälp saknas"
RESTRICTED = "Lägesbild narkotikaförsäljning"
DRAFT = "idé om nattvandring"
PROGRAMME = "Områdesprogram"
PILOT = "Gemensam trygghetspilot"


@pytest.fixture(scope="module")
def partners_url(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    from omradesbild.partners.db import init_db, make_engine, session_factory, transaction
    from omradesbild.partners.seed import seed_demo
    from omradesbild.store import Store

    url = f"sqlite:///{tmp_path_factory.mktemp('partners') / 'partners.sqlite'}"
    engine = make_engine(url)
    init_db(engine)
    with Store(demo_store, read_only=True) as store, transaction(session_factory(engine)) as db:
        seed_demo(db, store)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def partners(partners_url: str) -> PartnerInput:
    from omradesbild.services.partners import load_partner_input

    return load_partner_input(partners_url)


@pytest.fixture(scope="module")
def code(partners: PartnerInput) -> str:
    """The area with the approved public observation (and both interventions)."""
    (found,) = [c for c, es in partners.entries.items() if es]
    return found


@pytest.fixture(scope="module")
def data(demo_store: Path, code: str) -> CityData:
    from omradesbild.reports.profile import load_site_data
    from omradesbild.store import Store

    with Store(demo_store, read_only=True) as store:
        return load_site_data(store, level="regso", draws=20, areas=[code])


def test_only_approved_public_submissions_reach_the_static_outputs(
    partners: PartnerInput, code: str
) -> None:
    shown = [e for es in partners.entries.values() for e in es]
    assert [e.title for e in shown if e.title and PUBLIC_OBSERVATION in e.title]
    assert all(e.visibility == "public" for e in shown)
    titles = " ".join(str(e.title) for e in shown)
    assert INTERNAL not in titles and RESTRICTED not in titles and DRAFT not in titles
    (obs,) = partners.entries_of(code)
    assert obs.kind == "observation" and obs.organisation and obs.date[:2] == "20"
    ivs = partners.interventions_of(code)
    assert sorted(str(e.title).split(" ")[0] for e in ivs) == ["Gemensam", "Områdesprogram"]
    programme = next(e for e in ivs if str(e.title).startswith(PROGRAMME))
    assert programme.date == "2020–2026" and programme.kind == "områdesprogram"
    assert programme.organisation and "stadsdelsförvaltning" in programme.organisation
    assert partners.entries_of("no-such-area") == () == partners.interventions_of("x")


def test_profile_html_and_pdf_show_partner_input_and_interventions(
    data: CityData, partners: PartnerInput, code: str, tmp_path: Path
) -> None:
    from omradesbild.reports.site import build_site

    profile = data.profile(
        code,
        partner_entries=partners.entries_of(code),
        interventions=partners.interventions_of(code),
    )
    assert len(profile.partner_entries) == 1 and len(profile.interventions) == 2

    res = build_site(data, tmp_path / "site", partners=partners)
    page = page_text(res.profiles[0].read_text(encoding="utf-8"))
    assert PUBLIC_OBSERVATION in page and PROGRAMME in page and PILOT in page
    assert "Iakttagelse" in page and "Insatser i området" in page
    assert "Inga registrerade" not in page
    assert INTERNAL not in page and RESTRICTED not in page

    without = build_site(data, tmp_path / "bare")
    assert "Inga registrerade" in page_text(without.profiles[0].read_text(encoding="utf-8"))

    pytest.importorskip("weasyprint")
    from omradesbild.reports.pdf import PdfProfiles, render_pdf

    pdf = pdf_text(render_pdf(PdfProfiles(data, partners=partners).html(code)))
    assert PUBLIC_OBSERVATION in pdf and PROGRAMME in pdf and PILOT in pdf
    assert "Inga registrerade" not in pdf


def test_cli_report_reads_the_partners_database(
    demo_store: Path, partners_url: str, code: str, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from omradesbild.cli.main import app

    args = ["report", "--db", str(demo_store), "--areas", code, "--draws", "10", "--no-pdf"]
    ok = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "a"), "--partners-url",
                                  partners_url])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    page = (tmp_path / "a" / "profiles" / f"{code}.html").read_text(encoding="utf-8")
    assert PUBLIC_OBSERVATION in page and PILOT in page
    missing = CliRunner().invoke(
        app, [*args, "--out", str(tmp_path / "b"), "--partners-url", "sqlite:///nowhere.sqlite"]
    )
    assert isinstance(missing.exception, ConfigError) and "nowhere.sqlite" in str(missing.exception)
    assert not (tmp_path / "b").exists()  # nothing computed or written before the error
