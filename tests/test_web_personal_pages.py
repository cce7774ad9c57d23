"""Logged-in area pages: rendered once per area and set of entries, each visitor's name and
CSRF token put in per request."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

fastapi = pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from helpers import HTML  # noqa: E402
from omradesbild.partners import security, service  # noqa: E402
from omradesbild.partners.db import session_factory  # noqa: E402
from omradesbild.partners.models import Role, User  # noqa: E402
from omradesbild.web.app import create_app  # noqa: E402
from omradesbild.web.settings import WebSettings  # noqa: E402

COOKIE = "omradesbild_session"


@contextmanager
def started(demo_store: Path, folder: Path) -> Iterator[Any]:
    """The app, started, on the synthetic city with a new partners' database in ``folder``."""
    settings = WebSettings(
        store_path=demo_store, draws=20, partners_url=f"sqlite:///{folder / 'p.sqlite'}"
    )
    app = create_app(settings, warm=False)
    with TestClient(app):
        yield app


@pytest.fixture
def app(demo_store: Path, tmp_path: Path) -> Iterator[Any]:
    with started(demo_store, tmp_path) as app:
        yield app


def _people(app: Any) -> dict[str, Any]:
    """Users (one with markup in the name) with a session token each, and the admin."""
    with session_factory(app.state.partners_engine).begin() as db:
        admin = service.bootstrap_admin(
            db, email="admin@x.se", name="Admin", password="admin-password-1"
        )
        a = service.Actor(admin["id"], Role.ADMIN, "Admin")
        out: dict[str, Any] = {"admin": a}
        for key, name, role in [("r1", "Läsare <Ett>", "reader"), ("r2", "Läsare Två", "reader"),
                                ("c1", "Bidragsgivare", "contributor")]:  # fmt: skip
            info = service.create_user(db, a, email=f"{key}@x.se", name=name, role=role,
                                       password=f"{key}-password-1")  # fmt: skip
            user = db.get(User, info["id"])
            token = security.create_session(db, user)
            out[key] = (service.Actor(info["id"], Role(role), name), token)
    return out


def _client(app: Any, token: str) -> TestClient:
    c = TestClient(app)
    c.cookies.set(COOKIE, token)
    return c


def _section(html: str) -> str:
    return html[html.index('id="partner-input"') :]


def test_each_visitor_sees_their_own_name_token_and_entries(app: Any) -> None:
    p = _people(app)
    code = TestClient(app).get("/api/areas?level=regso").json()[0]["area_code"]
    pages = {}
    for key in ("r1", "r2", "r1"):
        pages[key] = _client(app, p[key][1]).get(f"/omrade/{code}", headers=HTML)
        assert pages[key].status_code == 200
        assert pages[key].headers["cache-control"].startswith("no-store")
    r1, r2 = pages["r1"].text, pages["r2"].text
    assert "Läsare &lt;Ett&gt;" in r1 and "Läsare <Ett>" not in r1  # escaped
    assert "Läsare Två" in r2 and "Ett" not in r2
    tokens = {k: re.findall(r'name="csrf_token" value="([^"]+)"', pages[k].text) for k in pages}
    assert tokens["r1"] == [security.csrf_token(app.state.settings.secret_key, p["r1"][1])]
    assert tokens["r2"] == [security.csrf_token(app.state.settings.secret_key, p["r2"][1])]
    assert "omradesbild-user-" not in r1 + r2 and "omradesbild-csrf-" not in r1 + r2
    # An internal submission approved after the first views shows at once to readers, never
    # to anonymous visitors.
    with session_factory(app.state.partners_engine).begin() as db:
        sub = service.create_submission(
            db, p["c1"][0], kind="observation", title="Belysning saknas", body="Mörkt.",
            area_codes=[code], visibility="internal", submit=True,
        )  # fmt: skip
        service.moderate_submission(db, p["admin"], sub["id"], decision="approve")
    for key in ("r1", "r2"):
        html = _client(app, p[key][1]).get(f"/omrade/{code}", headers=HTML).text
        assert "Belysning saknas" in _section(html)
    anonymous = TestClient(app).get(f"/omrade/{code}", headers=HTML).text
    assert "Belysning saknas" not in _section(anonymous)
    assert "Läsare" not in anonymous and 'name="csrf_token"' not in anonymous


def test_expired_session_is_shown_as_anonymous(app: Any) -> None:
    p = _people(app)
    code = TestClient(app).get("/api/areas?level=regso").json()[0]["area_code"]
    with session_factory(app.state.partners_engine).begin() as db:
        security.revoke_sessions(db, p["r1"][0].id)
    html = _client(app, p["r1"][1]).get(f"/omrade/{code}", headers=HTML).text
    assert "Läsare" not in html and 'href="/login' in html


def test_submissions_page_shows_a_page_at_a_time(app: Any) -> None:
    from omradesbild.web.routes_submissions import PAGE_ROWS

    p = _people(app)
    code = TestClient(app).get("/api/areas?level=regso").json()[0]["area_code"]
    n = PAGE_ROWS + 3
    with session_factory(app.state.partners_engine).begin() as db:
        for i in range(n):
            service.create_submission(db, p["c1"][0], kind="observation", title=f"Rad {i:02d}",
                                      body="b", area_codes=[code])  # fmt: skip
    c = _client(app, p["c1"][1])
    first = c.get("/bidrag", headers=HTML).text
    titles = re.findall(r"<summary>Rad (\d+)</summary>", first)
    assert titles == [f"{i:02d}" for i in range(n - 1, n - 1 - PAGE_ROWS, -1)]  # newest first
    older = re.search(r'href="(/bidrag\?[^"]*offset=\d+)"', first)
    assert older is not None and "Äldre bidrag" in first
    second = c.get(older.group(1).replace("&amp;", "&"), headers=HTML).text
    rest = re.findall(r"<summary>Rad (\d+)</summary>", second)
    assert rest == [f"{i:02d}" for i in range(n - 1 - PAGE_ROWS, -1, -1)]
    assert "Äldre bidrag" not in second and "Nyaste bidragen" in second
