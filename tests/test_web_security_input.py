"""Input the database or a header cannot hold: huge ids, NUL, lone surrogates, raw values in
download names (docs/security.md, "Web front: ...")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from helpers import ADMIN_PASSWORD, log_in, web_client
from omradesbild.web.validation import attachment

HUGE = 2**63


@pytest.fixture(scope="module")
def client(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    partners = tmp_path_factory.mktemp("p") / "partners.sqlite"
    with web_client(demo_store, partners) as c:
        yield c


@pytest.fixture(scope="module")
def admin(client: TestClient) -> dict[str, str]:
    """The CSRF header for JSON writes of the module's client, logged in as an admin."""
    return log_in(client)


# ------------------------------------------------------------------------------ F10
def test_an_unknown_export_period_is_refused_naming_the_periods(client: TestClient) -> None:
    for path in ("excel.xlsx", "index.csv", "indicators.csv", "indicators.json"):
        r = client.get(f"/api/export/{path}", params={"period": 'x.bat";q="'})
        assert r.status_code == 422, (path, r.status_code)
        assert "content-disposition" not in r.headers
        assert "2012" in r.json()["detail"]


def test_download_names_hold_only_checked_values(client: TestClient) -> None:
    r = client.get("/api/export/excel.xlsx", params={"period": "2019", "level": "regso"})
    assert r.status_code == 200
    cd = r.headers["content-disposition"]
    assert cd == (
        'attachment; filename="omradesbild_regso_2019.xlsx"; '
        "filename*=UTF-8''omradesbild_regso_2019.xlsx"
    )


@given(st.text(max_size=80))
def test_content_disposition_cannot_be_broken_out_of(name: str) -> None:
    value = attachment(name)["Content-Disposition"]
    parts = re.fullmatch(
        r"attachment; filename=\"([A-Za-z0-9._-]+)\"; filename\*=UTF-8''([A-Za-z0-9%._~-]*)",
        value,
    )
    assert parts, value
    if not any("\ud800" <= c <= "\udfff" for c in name):
        assert unquote(parts.group(2)) == name  # RFC 8187: the name as given


# ------------------------------------------------------------------------------ F11
@pytest.mark.parametrize(
    "path",
    [
        f"/api/submissions/{HUGE}",
        f"/api/submissions/{HUGE}/versions",
        f"/api/interventions/{HUGE}",
        f"/api/interventions/{HUGE}/followup",
        f"/insatser/{HUGE}/uppfoljning",
        f"/bidrag?created={HUGE}",
        f"/api/submissions?offset={HUGE}",
        f"/api/audit?offset={HUGE}",
        "/api/submissions/0",
        f"/api/submissions/{-HUGE}",
    ],
)
def test_ids_beyond_64_bits_are_refused(
    client: TestClient, admin: dict[str, str], path: str
) -> None:
    r = client.get(path)
    assert r.status_code == 422, (path, r.status_code, r.text[:200])


def test_huge_ids_in_writes_are_refused(client: TestClient, admin: dict[str, str]) -> None:
    for method, path, body in [
        ("PATCH", f"/api/submissions/{HUGE}", {"title": "x"}),
        ("POST", f"/api/submissions/{HUGE}/submit", None),
        ("POST", f"/api/submissions/{HUGE}/moderate", {"decision": "approve"}),
        ("PATCH", f"/api/users/{HUGE}", {"active": False}),
        ("POST", "/api/users", {"email": "a@b.se", "name": "A", "password": ADMIN_PASSWORD,
                                "role": "reader", "organisation_id": HUGE}),
    ]:  # fmt: skip
        r = client.request(method, path, json=body, headers=admin)
        assert r.status_code == 422, (path, r.status_code, r.text[:200])


def _submission(title: str) -> bytes:
    """A submission's JSON with ``title`` spelled as raw JSON (escapes kept)."""
    return (
        '{"kind": "observation", "title": "' + title + '", "body": "Text.", '
        '"area_codes": ["9999R001"], "visibility": "internal"}'
    ).encode()


@pytest.mark.parametrize("title", ["\\ud800", "a\\udc00b", "nul\\u0000byte"])
def test_lone_surrogates_and_nul_in_text_are_refused(
    client: TestClient, admin: dict[str, str], title: str
) -> None:
    r = client.post(
        "/api/submissions",
        content=_submission(title),
        headers={**admin, "content-type": "application/json"},
    )
    assert r.status_code == 422, (title, r.status_code, r.text[:200])
    assert "title" in r.json()["detail"]
    r = client.post(
        "/api/index/explore",
        content=('{"method": "scb-omradestyp", "weights": {"' + title + '": 1}}').encode(),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422, (title, r.status_code, r.text[:200])


def test_nul_in_a_form_field_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    r = client.post(
        "/bidrag",
        data={
            "kind": "observation",
            "title": "nul\x00byte",
            "body": "Text.",
            "area_codes": "9999R001",
            "csrf_token": admin["X-CSRF-Token"],
        },
        follow_redirects=False,
    )
    assert r.status_code == 422, (r.status_code, r.text[:200])
    listing = client.get("/api/submissions").json()
    assert all("\x00" not in s["title"] for s in listing)
