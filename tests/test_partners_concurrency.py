"""Optimistic concurrency: an edit or a moderation names the version it was made on; if the
submission changed since, the answer is 409 (in Swedish first) and nothing is applied."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from omradesbild.partners.models import Role
from partners_live import Writer, client_as, started_app


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Any, Writer, Writer, Writer]]:
    with started_app(tmp_path, Role.CONTRIBUTOR, Role.ANALYST, Role.ADMIN) as (app, _, users):
        author, analyst, admin = users
        yield app, author, analyst, admin


def _submitted(c: TestClient) -> int:
    r = c.post("/api/submissions", json={"kind": "observation", "title": "Gångtunneln",
               "body": "Belysningen är trasig.", "area_codes": ["A1"], "visibility": "public",
               "submit": True})  # fmt: skip
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_approval_of_a_version_changed_since_it_was_read_is_refused(setup: Any) -> None:
    app, author, analyst, _ = setup
    c, a = client_as(app, author), client_as(app, analyst)
    sid = _submitted(c)
    read = a.get(f"/api/submissions/{sid}")
    assert read.headers["etag"] == f'"{read.json()["version"]}"'
    r = c.patch(f"/api/submissions/{sid}", json={"body": "Ring 070-123 45 67!", "version": 1})
    assert r.status_code == 200, r.text
    r = a.post(f"/api/submissions/{sid}/moderate",
               json={"decision": "approve", "version": read.json()["version"]})  # fmt: skip
    assert r.status_code == 409
    assert "har ändrats sedan du läste det" in r.json()["detail"]
    anon = TestClient(app)
    assert anon.get("/api/submissions").json() == []  # the changed text is not published
    assert a.get(f"/api/submissions/{sid}").json()["status"] == "submitted"
    # With the version just read (If-Match), the approval goes through.
    fresh = a.get(f"/api/submissions/{sid}")
    r = a.post(f"/api/submissions/{sid}/moderate", json={"decision": "approve"},
               headers={"If-Match": fresh.headers["etag"]})  # fmt: skip
    assert r.status_code == 200, r.text
    assert [s["body"] for s in anon.get("/api/submissions").json()] == ["Ring 070-123 45 67!"]


def test_moderation_form_sends_the_version_it_shows(setup: Any) -> None:
    app, author, analyst, _ = setup
    c, a = client_as(app, author), client_as(app, analyst)
    sid = _submitted(c)
    page = a.get("/bidrag/moderera").text
    version = re.search(rf'action="/bidrag/{sid}/moderera".*?name="version" value="(\d+)"',
                        page, re.S)  # fmt: skip
    assert version is not None
    c.patch(f"/api/submissions/{sid}", json={"body": "Ändrad efter läsningen.", "version": 1})
    form = {"decision": "approve", "version": version.group(1), "csrf_token": analyst.csrf}
    r = a.post(f"/bidrag/{sid}/moderera", data=form, headers={"accept": "text/html"},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 409
    assert "har ändrats sedan du läste det" in r.text
    assert TestClient(app).get("/api/submissions").json() == []


def test_edits_without_or_with_an_old_version_are_refused(setup: Any) -> None:
    app, author, _, admin = setup
    c, ad = client_as(app, author), client_as(app, admin)
    sid = _submitted(c)
    assert c.patch(f"/api/submissions/{sid}", json={"title": "Ny"}).status_code == 422
    assert ad.patch(f"/api/submissions/{sid}", json={"title": "Admin", "version": 1}).is_success
    r = c.patch(f"/api/submissions/{sid}", json={"title": "Författaren", "version": 1})
    assert r.status_code == 409
    assert c.get(f"/api/submissions/{sid}").json()["title"] == "Admin"
    r = c.patch(f"/api/submissions/{sid}", json={"title": "x"}, headers={"If-Match": '"bad"'})
    assert r.status_code == 422


@pytest.fixture
def two_admins(tmp_path: Path) -> Iterator[tuple[Any, Writer, Writer, Writer]]:
    """The web app with two admins and one contributor whose account they change."""
    with started_app(tmp_path, Role.CONTRIBUTOR, Role.ADMIN, Role.ADMIN) as (app, _, users):
        user, first, second = users
        yield app, user, first, second


def _user(c: TestClient, user_id: int) -> dict[str, Any]:
    return next(u for u in c.get("/api/users").json() if u["id"] == user_id)


def test_second_admins_change_of_a_user_changed_since_it_was_read_is_refused(
    two_admins: Any,
) -> None:
    app, user, first, second = two_admins
    a1, a2 = client_as(app, first), client_as(app, second)
    read1, read2 = _user(a1, user.user_id), _user(a2, user.user_id)
    assert read1["version"] == read2["version"] == 1
    r = a1.patch(f"/api/users/{user.user_id}", json={"role": "analyst", "version": 1})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.headers["etag"] == '"2"'
    r = a2.patch(f"/api/users/{user.user_id}",
                 json={"active": False, "role": "reader", "version": read2["version"]})  # fmt: skip
    assert r.status_code == 409
    assert f"Användare {user.user_id} har ändrats av någon annan" in r.json()["detail"]
    now = _user(a2, user.user_id)
    assert (now["role"], now["active"], now["version"]) == ("analyst", True, 2)
    # With the version just read (If-Match), the change goes through and raises the version.
    r = a2.patch(f"/api/users/{user.user_id}", json={"active": False},
                 headers={"If-Match": f'"{now["version"]}"'})  # fmt: skip
    assert r.status_code == 200, r.text
    assert (r.json()["active"], r.json()["version"]) == (False, 3)
    assert _user(a1, user.user_id)["version"] == 3


def test_user_change_without_a_version_is_refused(two_admins: Any) -> None:
    app, user, first, _ = two_admins
    a1 = client_as(app, first)
    r = a1.patch(f"/api/users/{user.user_id}", json={"role": "reader"})
    assert r.status_code == 422
    assert "version" in r.text
    assert _user(a1, user.user_id)["role"] == "contributor"
    r = a1.patch(f"/api/users/{user.user_id}", json={"role": "reader"},
                 headers={"If-Match": '"bad"'})  # fmt: skip
    assert r.status_code == 422
    assert _user(a1, user.user_id)["version"] == 1
