"""Accounts: the password policy (length, common passwords from the zxcvbn package), change
of password and admin-issued reset links, each ending every session of the user, and a new
login ending the earlier session of the browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient
from sqlalchemy import select

from omradesbild.errors import InputError
from omradesbild.partners import security, service
from omradesbild.partners.db import session_factory
from omradesbild.partners.errors import PermissionDenied
from omradesbild.partners.models import LoginSession, Role, User
from partners_live import Writer, client_as, started_app

PASSWORD = "gröna-äpplen-i-maj"


@pytest.mark.parametrize(
    ("password", "why"),
    [("1234567890", "minst 12"), ("abc-12345", "minst 12"), ("123qweasdzxc", "vanligaste"),
     ("LeaveMeAlone", "vanligaste"), ("123456789012", "lätt att gissa"),
     ("PasswordPassword", "lätt att gissa"), ("qwertyuiopasdfgh", "lätt att gissa")],
)  # fmt: skip
def test_short_or_common_passwords_are_refused(password: str, why: str) -> None:
    with pytest.raises(InputError, match=why):
        security.hash_password(password)


def test_the_common_passwords_come_from_the_package() -> None:
    common = security.common_passwords()
    assert len(common) > 20_000 and "password" in common
    security.hash_password(PASSWORD)  # a long, uncommon one passes


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[Any, Any, Writer, Writer]]:
    with started_app(tmp_path, Role.CONTRIBUTOR, Role.ADMIN) as (web, engine, (user, admin)):
        with session_factory(engine).begin() as db:
            db.get(User, user.user_id).password_hash = security.hash_password(PASSWORD)  # type: ignore[union-attr]
        yield web, engine, user, admin


def _sessions(engine: Any, user_id: int) -> int:
    with session_factory(engine)() as db:
        rows = db.execute(select(LoginSession).where(LoginSession.user_id == user_id)).all()
        return len(rows)


def _second_session(engine: Any, user_id: int) -> None:
    with session_factory(engine).begin() as db:
        security.create_session(db, db.get(User, user_id))  # type: ignore[arg-type]


def test_change_of_password_ends_every_session_of_the_user(app: Any) -> None:
    web, engine, user, _ = app
    _second_session(engine, user.user_id)  # e.g. a phone
    assert _sessions(engine, user.user_id) == 2
    c = client_as(web, user)
    body = {"current_password": "wrong-wrong-wrong", "new_password": "blå-cykel-vid-sjön"}
    assert c.post("/api/me/password", json=body).status_code == 401
    body["current_password"] = PASSWORD
    r = c.post("/api/me/password", json={**body, "new_password": "qwerty123456"})
    assert r.status_code == 422 and "vanligaste" in r.json()["detail"]
    r = c.post("/api/me/password", json=body)
    assert r.status_code == 200, r.text
    assert "Alla dina inloggningar har avslutats" in r.json()["detail"]
    assert _sessions(engine, user.user_id) == 0
    assert c.get("/api/me").json()["user"] is None
    with session_factory(engine)() as db:
        stored = db.get(User, user.user_id).password_hash  # type: ignore[union-attr]
    assert security.verify_password(stored, "blå-cykel-vid-sjön")


def test_change_of_password_by_the_form(app: Any) -> None:
    web, engine, user, _ = app
    c = client_as(web, user)
    page = c.get("/konto/losenord")
    assert page.status_code == 200 and "Byt lösenord" in page.text
    new = "blå-cykel-vid-sjön"
    form = {"csrf_token": user.csrf, "current_password": PASSWORD, "new_password": new,
            "new_password2": "annan-cykel-vid-sjön"}  # fmt: skip
    r = c.post("/konto/losenord", data=form)
    assert r.status_code == 422 and "inte lika" in r.text
    r = c.post("/konto/losenord", data={**form, "new_password2": "blå-cykel-vid-sjön"})
    assert r.status_code == 200 and "Lösenordet är bytt" in r.text
    assert _sessions(engine, user.user_id) == 0


def test_reset_link_works_once_and_ends_every_session(app: Any) -> None:
    web, engine, user, admin = app
    assert client_as(web, user).post(f"/api/users/{user.user_id}/password-reset").status_code == 403
    r = client_as(web, admin).post(f"/api/users/{user.user_id}/password-reset")
    assert r.status_code == 201, r.text
    link = r.json()["url"]
    assert link.startswith("http://testserver/losenord/aterstall?token=")
    anon = TestClient(web)
    page = anon.get(link.removeprefix("http://testserver"))
    assert page.status_code == 200 and "Välj ett nytt lösenord" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    new = "nytt-lösen-från-länken"
    form = {"csrf_token": csrf, "token": r.json()["token"], "new_password": new,
            "new_password2": new}  # fmt: skip
    done = anon.post("/losenord/aterstall", data=form)
    assert done.status_code == 200 and "Lösenordet är bytt" in done.text
    assert _sessions(engine, user.user_id) == 0
    other = "ett-annat-lösenord"
    again = anon.post("/losenord/aterstall", data={**form, "new_password": other,
                      "new_password2": other})  # fmt: skip
    assert again.status_code == 403 and "redan använd" in again.text


def test_reset_link_expires_and_a_new_one_replaces_the_old(app: Any) -> None:
    _, engine, user, admin = app
    actor = service.Actor(admin.user_id, Role.ADMIN, "admin")
    f = session_factory(engine)
    with f.begin() as db:
        old = service.issue_password_reset(db, actor, user.user_id)
        new = service.issue_password_reset(db, actor, user.user_id)
        short = service.issue_password_reset(db, actor, user.user_id, ttl=timedelta(seconds=-1))
    for token in (old["token"], new["token"], short["token"], "made-up"):
        with f.begin() as db, pytest.raises(PermissionDenied, match="ogiltig"):
            service.reset_password(db, token, "ett-helt-nytt-lösen")


def test_logging_in_as_someone_else_ends_the_earlier_session(app: Any) -> None:
    web, engine, user, admin = app
    with session_factory(engine).begin() as db:
        db.get(User, admin.user_id).password_hash = security.hash_password("admin-lösen-123")  # type: ignore[union-attr]
    c = client_as(web, user)
    assert c.get("/api/me").json()["user"]["id"] == user.user_id
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    form = {"email": "admin0@x.se", "password": "admin-lösen-123", "next": "/bidrag",
            "csrf_token": token.group(1) if token else user.csrf}  # fmt: skip
    r = c.post("/login", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert _sessions(engine, user.user_id) == 0  # the earlier login in this browser ended
    assert c.get("/api/me").json()["user"]["id"] == admin.user_id
