"""The web app's error pages and the partners' pages speak the page's language."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from helpers import HTML
from omradesbild.errors import NotFoundError
from omradesbild.wording import text


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    from omradesbild.partners.db import init_db, make_engine
    from omradesbild.web import routes_partners
    from omradesbild.web.app import make_templates
    from omradesbild.web.errors import install_error_handlers

    engine = make_engine(f"sqlite:///{tmp_path / 'p.sqlite'}")
    init_db(engine)
    app = FastAPI()
    app.state.settings = SimpleNamespace(
        secret_key="test-secret", session_cookie_name="sess", cookie_secure=False, lang="sv",
        store_path=None, production=False,
    )  # fmt: skip
    app.state.partners_engine = engine
    app.state.templates = make_templates("sv")
    install_error_handlers(app)
    app.include_router(routes_partners.router)

    @app.get("/omrade/{code}")
    def area(code: str) -> None:
        raise NotFoundError(f"no regso area with code {code!r}")

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    return app


def test_error_pages_in_swedish_and_english(app: FastAPI) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    sv = c.get("/omrade/X1", headers=HTML)
    assert sv.status_code == 404
    assert text("http_404", "sv") in sv.text and text("http_404_text", "sv") in sv.text
    assert text("error_detail", "sv") in sv.text and "Till översikten" in sv.text
    assert "Not found" not in sv.text and "does not exist" not in sv.text
    en = c.get("/omrade/X1?lang=en", headers=HTML)
    assert text("http_404_text", "en") in en.text and "Sidan" not in en.text
    missing = c.get("/no/such/page", headers=HTML)
    assert missing.status_code == 404 and text("http_404_text", "sv") in missing.text
    crash = c.get("/boom", headers=HTML)
    assert crash.status_code == 500 and text("http_500_text", "sv") in crash.text
    assert c.get("/omrade/X1").json()["error"] == "NotFoundError"  # the API stays JSON


def test_partners_pages_in_swedish_and_english(app: FastAPI) -> None:
    c = TestClient(app)
    sv = c.get("/bidrag")
    assert sv.status_code == 200
    assert text("contrib_title", "sv") in sv.text and text("contrib_none", "sv") in sv.text
    en = c.get("/bidrag?lang=en")
    assert text("contrib_title", "en") in en.text and text("contrib_none", "en") in en.text
    assert "Bidrag från" not in en.text
    assert text("iv_none", "en") in c.get("/insatser?lang=en").text
    assert text("login_note", "sv") in c.get("/login").text
