"""The assembled web app: error table, offline API docs, partners' routes wired in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from omradesbild.web.app import create_app
from omradesbild.web.errors import ERROR_STATUS, status_for
from omradesbild.web.settings import WebSettings


@pytest.fixture(scope="module")
def client(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    partners = tmp_path_factory.mktemp("p") / "partners.sqlite"
    settings = WebSettings(store_path=demo_store, partners_url=f"sqlite:///{partners}")
    with TestClient(create_app(settings, warm=False)) as c:
        yield c


def test_error_table_covers_the_partner_errors() -> None:
    from omradesbild.partners import errors as pe

    assert status_for(pe.NotAuthenticated("x")) == 401
    assert status_for(pe.PermissionDenied("x")) == 403
    assert status_for(pe.RateLimited("x", retry_after=30)) == 429
    assert all(100 <= v < 600 for v in ERROR_STATUS.values())


def test_api_docs_work_offline(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    srcs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert srcs and all(s.startswith("/") for s in srcs), srcs
    for s in srcs:
        assert client.get(s).status_code == 200, s
    assert client.get("/openapi.json").json()["paths"]


def test_login_required_redirects_browsers(client: TestClient) -> None:
    r = client.get("/bidrag/moderera", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code in (303, 401, 403)
    api = client.get("/api/audit")
    assert api.status_code == 401
    assert api.json()["error"] == "NotAuthenticated"
