"""Moderation: the decision sets the visibility, a moderated submission's visibility can
change, every change is versioned and audited, the page previews and confirms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from conftest import postgres_test_engine
from helpers import HTML
from omradesbild.errors import InputError
from omradesbild.partners import service
from omradesbild.partners.db import drop_db, init_db, make_engine, session_factory
from omradesbild.partners.errors import ConflictError, PermissionDenied, VersionConflict
from omradesbild.partners.models import AuditEntry, Role, SubmissionVersion
from omradesbild.partners.service import Actor


@pytest.fixture(params=["sqlite", "postgresql"])
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """The partners' database on SQLite and on PostgreSQL (skipped without one)."""
    engine: Engine
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'p.sqlite'}")
    else:
        engine = postgres_test_engine()
    init_db(engine)
    yield session_factory(engine)
    if request.param != "sqlite":
        drop_db(engine)
    engine.dispose()


def _people(db: Session) -> dict[str, Actor]:
    admin = service.bootstrap_admin(db, email="a@x.se", name="Admin", password="admin-password")
    a = Actor(admin["id"], Role.ADMIN, "Admin")
    out = {"admin": a}
    for key, role in (("analyst", "analyst"), ("c1", "contributor"), ("reader", "reader")):
        info = service.create_user(db, a, email=f"{key}@x.se", name=key, role=role,
                                   password=f"{key}-password-1")  # fmt: skip
        out[key] = Actor(info["id"], Role(role), key)
    return out


def _submitted(db: Session, author: Actor, visibility: str = "internal") -> dict[str, Any]:
    return service.create_submission(db, author, kind="observation", title="Trygghetsvandring",
                                     body="Mörk gångväg", area_codes=["R1"],
                                     visibility=visibility, submit=True)  # fmt: skip


def _audit(db: Session, sid: int) -> list[tuple[str, dict[str, Any]]]:
    rows = db.execute(
        select(AuditEntry.action, AuditEntry.details)
        .where(AuditEntry.object_type == "submission", AuditEntry.object_id == str(sid))
        .order_by(AuditEntry.id)
    ).all()
    return [(a, d or {}) for a, d in rows]


def _public_titles(db: Session) -> list[str]:
    return [s["title"] for s in service.list_submissions(db, None)]


def test_approve_with_visibility_and_change_it_after(factory: sessionmaker[Session]) -> None:
    with factory.begin() as db:
        p = _people(db)
        sub = _submitted(db, p["c1"])
    with factory.begin() as db:
        rev = service.public_revision(db)
        done = service.moderate_submission(db, p["analyst"], sub["id"], decision="approve",
                                           visibility="public", expected_version=sub["version"],
                                           require_version=True)  # fmt: skip
        assert (done["status"], done["visibility"]) == ("approved", "public")
        assert done["version"] == sub["version"] + 1
    with factory.begin() as db:
        assert _public_titles(db) == ["Trygghetsvandring"]
        assert service.public_revision(db) > rev
        action, details = _audit(db, sub["id"])[-1]
        assert action == "submission.approve"
        assert (details["visibility_before"], details["visibility"]) == ("internal", "public")
        snap = db.execute(select(SubmissionVersion.snapshot).where(
            SubmissionVersion.submission_id == sub["id"],
            SubmissionVersion.version == done["version"])).scalar_one()  # fmt: skip
        assert snap["visibility"] == "public" and snap["status"] == "approved"
        rev = service.public_revision(db)
        hidden = service.set_visibility(db, p["analyst"], sub["id"], visibility="internal",
                                        expected_version=done["version"],
                                        require_version=True)  # fmt: skip
    with factory.begin() as db:
        assert hidden["version"] == done["version"] + 1 and hidden["status"] == "approved"
        assert _public_titles(db) == []  # anonymous visitors no longer see it
        assert [s["id"] for s in service.list_submissions(db, p["reader"])] == [sub["id"]]
        assert service.public_revision(db) > rev  # the public pages change
        action, details = _audit(db, sub["id"])[-1]
        assert action == "submission.visibility"
        assert (details["visibility_before"], details["visibility"]) == ("public", "internal")
        restricted = service.set_visibility(db, p["admin"], sub["id"], visibility="restricted")
    with factory.begin() as db:
        assert service.list_submissions(db, p["reader"]) == []
        assert restricted["version"] == hidden["version"] + 1
        n = len(_audit(db, sub["id"]))
        same = service.set_visibility(db, p["admin"], sub["id"], visibility="restricted")
        assert same["version"] == restricted["version"] and len(_audit(db, sub["id"])) == n


def test_reject_keeps_the_authors_visibility_unless_set(factory: sessionmaker[Session]) -> None:
    with factory.begin() as db:
        p = _people(db)
        sub = _submitted(db, p["c1"], visibility="public")
        out = service.moderate_submission(db, p["analyst"], sub["id"], decision="reject")
        assert (out["status"], out["visibility"]) == ("rejected", "public")
        assert _public_titles(db) == []


def test_visibility_changes_that_are_refused(factory: sessionmaker[Session]) -> None:
    with factory.begin() as db:
        p = _people(db)
        sub = _submitted(db, p["c1"])
        own = _submitted(db, p["analyst"])
    with factory() as db:
        with pytest.raises(ConflictError):  # waits for a decision
            service.set_visibility(db, p["analyst"], sub["id"], visibility="public")
        db.rollback()
        with pytest.raises(InputError):
            service.moderate_submission(db, p["analyst"], sub["id"], decision="approve",
                                        visibility="everyone")  # fmt: skip
        db.rollback()
    with factory.begin() as db:
        service.moderate_submission(db, p["admin"], own["id"], decision="approve")
        approved = service.moderate_submission(db, p["analyst"], sub["id"], decision="approve")
    with factory() as db:
        with pytest.raises(PermissionDenied):  # no one moderates their own
            service.set_visibility(db, p["analyst"], own["id"], visibility="public")
        db.rollback()
        with pytest.raises(PermissionDenied):
            service.set_visibility(db, p["c1"], sub["id"], visibility="public")
        db.rollback()
        with pytest.raises(VersionConflict):
            service.set_visibility(db, p["analyst"], sub["id"], visibility="public",
                                   expected_version=approved["version"] - 1,
                                   require_version=True)  # fmt: skip
        db.rollback()
    with factory() as db:
        assert service.get_submission(db, p["admin"], sub["id"])["visibility"] == "internal"


# -- the page -----------------------------------------------------------------------------
@pytest.fixture
def site(demo_store: Path, tmp_path: Path) -> Iterator[tuple[Any, str]]:
    """The web app on the synthetic city with an analyst and a contributor's submitted,
    internal observation of the first RegSO area; yields the app and the area code."""
    from fastapi.testclient import TestClient

    from omradesbild.web.app import create_app
    from omradesbild.web.settings import WebSettings

    settings = WebSettings(store_path=demo_store, draws=20,
                           partners_url=f"sqlite:///{tmp_path / 'p.sqlite'}")  # fmt: skip
    app = create_app(settings, warm=False)
    with TestClient(app) as c:
        code = c.get("/api/areas?level=regso").json()[0]["area_code"]
        with session_factory(app.state.partners_engine).begin() as db:
            p = _people(db)
            org = service.create_organisation(db, p["admin"], name="Föreningen", kind="other")
            member = service.create_user(db, p["admin"], email="m@x.se", name="Medlem",
                                         role="contributor", password="member-password-1",
                                         organisation_id=org["id"])  # fmt: skip
            service.create_submission(
                db, Actor(member["id"], Role.CONTRIBUTOR, "Medlem", org["id"]),
                kind="observation", title="Belysning <saknas>", body="Gångvägen är mörk",
                area_codes=[code], visibility="internal", submit=True,
            )  # fmt: skip
        yield app, code


def _logged_in(app: Any, email: str, password: str) -> Any:
    from fastapi.testclient import TestClient

    c = TestClient(app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert token
    r = c.post("/login", data={"email": email, "password": password,
                               "csrf_token": token.group(1)}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303, r.text[:300]
    return c


def _entries(html: str, start: str) -> list[str]:
    part = html[html.index(start) :]
    return [" ".join(e.split()) for e in re.findall(r'<li class="entry">(.*?)</li>', part, re.S)]


def _form(html: str, action: str) -> dict[str, str]:
    form = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', html, re.S)
    assert form, action
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(0)))
    return fields


def test_moderation_page_previews_approves_and_changes_visibility(site: tuple[Any, str]) -> None:
    from fastapi.testclient import TestClient

    app, code = site
    an = _logged_in(app, "analyst@x.se", "analyst-password-1")
    page = an.get("/bidrag/moderera", headers=HTML).text
    sid = int(re.search(r'action="/bidrag/(\d+)/moderera"', page).group(1))  # type: ignore[union-attr]
    preview = _entries(page, 'class="mod-preview"')[0]
    assert "Belysning &lt;saknas&gt;" in preview and "Föreningen" in preview
    anonymous = TestClient(app)
    assert "Belysning" not in anonymous.get(f"/omrade/{code}", headers=HTML).text

    form = _form(page, f"/bidrag/{sid}/moderera")
    r = an.post(f"/bidrag/{sid}/moderera", data={**form, "decision": "approve",
                                                  "visibility": "public"},
                follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    done = an.get(r.headers["location"], headers=HTML).text
    assert "Godkänd och publicerad som offentlig: ”Belysning &lt;saknas&gt;”." in done
    # Published exactly as the preview showed it.
    area = anonymous.get(f"/omrade/{code}", headers=HTML).text
    assert _entries(area, 'id="partner-input"') == [preview]
    assert f'id="visibility-{sid}"' in done  # now among the approved ones

    form = _form(done, f"/bidrag/{sid}/synlighet")
    r = an.post(f"/bidrag/{sid}/synlighet", data={**form, "visibility": "internal",
                                                   "lang": "en"},
                follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and "lang=en" in r.headers["location"]
    changed = an.get(r.headers["location"], headers=HTML).text
    assert "Visibility changed to internal (logged-in users)" in changed
    assert "Belysning" not in anonymous.get(f"/omrade/{code}", headers=HTML).text
    same = _form(changed, f"/bidrag/{sid}/synlighet")
    r = an.post(f"/bidrag/{sid}/synlighet", data={**same, "visibility": "internal"},
                follow_redirects=False)  # fmt: skip
    assert "No change" in an.get(r.headers["location"], headers=HTML).text  # the form's lang
    stale = an.post(f"/bidrag/{sid}/synlighet", data={**form, "visibility": "public"},
                    headers=HTML, follow_redirects=False)  # fmt: skip
    assert stale.status_code == 409  # the version read before the last change
    assert "Belysning" not in anonymous.get(f"/omrade/{code}", headers=HTML).text
