"""The admin page /admin: organisations and users, admins only, CSRF, audited, committed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

fastapi = pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import select  # noqa: E402

import test_web_personal_pages as personal  # noqa: E402
from omradesbild.partners import security, service  # noqa: E402
from omradesbild.partners.db import session_factory  # noqa: E402
from omradesbild.partners.models import AuditEntry, Organisation, Role, User  # noqa: E402

# The app on the synthetic city with an empty partners' database, and fast password hashes.
app = personal.app
HTML, COOKIE = personal.HTML, personal.COOKIE


def _db(app: Any) -> Any:
    return session_factory(app.state.partners_engine).begin()


def _client(app: Any, role: str) -> tuple[TestClient, dict[str, Any]]:
    """A client logged in as a new user of ``role`` (the first one made is the admin)."""
    with _db(app) as db:
        first = db.execute(select(User.id).where(User.role == "admin")).first() is None
        if first:
            info = service.bootstrap_admin(db, email="admin@x.se", name="Admin",
                                           password="admin-password-1")  # fmt: skip
        else:
            admin = db.execute(select(User).where(User.role == "admin")).scalars().first()
            info = service.create_user(db, service.Actor(admin.id, Role.ADMIN, admin.name),
                                       email=f"{role}@x.se", name=role.title(), role=role,
                                       password=f"{role}-password-1")  # fmt: skip
        token = security.create_session(db, db.get(User, info["id"]))
    c = TestClient(app)
    c.cookies.set(COOKIE, token)
    return c, info


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, html[:300]
    return m.group(1)


def _done(html: str) -> str:
    m = re.search(r'id="admin-done">(.*?)</div>', html, re.S)
    assert m, html[:2000]
    return re.sub(r"<[^>]+>|\s+", " ", m.group(1)).strip()


def _audit(app: Any, action: str) -> list[AuditEntry]:
    with _db(app) as db:
        q = select(AuditEntry).where(AuditEntry.action == action)
        return list(db.execute(q).scalars())


def test_admin_adds_an_organisation_invites_a_user_changes_role_and_deactivates(
    app: Any,
) -> None:
    admin, _ = _client(app, "admin")
    page = admin.get("/admin", headers=HTML)
    assert page.status_code == 200
    assert 'href="/admin?lang=sv"' in page.text  # in the menu for admins
    assert "<script>" not in page.text and "style=" not in page.text
    token = _csrf(page.text)

    r = admin.post("/admin/organisationer", data={"csrf_token": token, "name": "Fältgruppen",
                                                   "kind": "civil_society"})  # fmt: skip
    assert r.status_code == 200 and "Fältgruppen" in _done(r.text)
    with _db(app) as db:
        org = db.execute(
            select(Organisation).where(Organisation.name == "Fältgruppen")
        ).scalar_one()
        org_id = org.id

    r = admin.post("/admin/anvandare", data={"csrf_token": token, "email": "Ny@X.se",
                                              "role": "contributor",
                                              "organisation_id": str(org_id)})  # fmt: skip
    assert r.status_code == 200
    assert "ny@x.se" in _done(r.text) and "bidragsgivare" in _done(r.text)
    link = re.search(
        r'<code id="invite-link">[^<]*(/losenord/aterstall\?token=[^<]+)</code>', r.text
    )
    assert link
    with _db(app) as db:
        new = db.execute(select(User).where(User.email == "ny@x.se")).scalar_one()
        assert (new.role, new.organisation_id, new.active) == ("contributor", org_id, True)
        new_id, version = new.id, new.version
    # The invited user sets a password with the link, then logs in.
    anon = TestClient(app)
    reset = anon.get(link.group(1))
    assert reset.status_code == 200
    r = anon.post("/losenord/aterstall", data={
        "csrf_token": _csrf(reset.text), "token": link.group(1).split("token=")[1],
        "new_password": "ett-nytt-langt-losenord", "new_password2": "ett-nytt-langt-losenord",
    })  # fmt: skip
    assert r.status_code == 200

    r = admin.post(f"/admin/anvandare/{new_id}",
                   data={"csrf_token": token, "role": "analyst", "version": version})  # fmt: skip
    assert r.status_code == 200 and "analytiker" in _done(r.text)
    off = {"csrf_token": token, "active": "false", "version": version + 1}
    r = admin.post(f"/admin/anvandare/{new_id}", data=off)
    assert r.status_code == 200 and "inaktiverad" in _done(r.text)
    with _db(app) as db:
        u = db.get(User, new_id)
        assert (u.role, u.active) == ("analyst", False)
    # Each write is in the audit log.
    assert len(_audit(app, "organisation.create")) == 1
    assert len(_audit(app, "user.invite")) == 1
    assert len(_audit(app, "user.password_reset_issued")) == 1
    updates = [e.details for e in _audit(app, "user.update")]
    assert {"role": ["contributor", "analyst"], "version": version + 1} in updates
    assert {"active": [True, False], "version": version + 2} in updates


def test_a_refused_action_changes_nothing_and_says_why(app: Any) -> None:
    admin, me = _client(app, "admin")
    _, other = _client(app, "reader")
    token = _csrf(admin.get("/admin", headers=HTML).text)
    r = admin.post("/admin/anvandare", data={"csrf_token": token, "email": "reader@x.se",
                                              "role": "reader"})  # fmt: skip
    assert r.status_code == 409 and 'id="admin-error"' in r.text
    r = admin.post("/admin/anvandare", data={"csrf_token": token, "email": "x@y.se",
                                              "role": "emperor"})  # fmt: skip
    assert r.status_code == 422 and "Ingenting sparades" in r.text
    # A stale version (someone changed the user since) is refused.
    r = admin.post(f"/admin/anvandare/{other['id']}",
                   data={"csrf_token": token, "role": "admin", "version": 99})  # fmt: skip
    assert r.status_code == 409
    # An admin does not change themselves.
    off = {"csrf_token": token, "active": "false", "version": me["version"]}
    r = admin.post(f"/admin/anvandare/{me['id']}", data=off)
    assert r.status_code == 403
    with _db(app) as db:
        assert db.execute(select(User).where(User.email == "x@y.se")).first() is None
        assert db.get(User, other["id"]).role == "reader"
        assert db.get(User, me["id"]).active


@pytest.mark.parametrize("role", ["reader", "contributor", "analyst"])
def test_others_get_a_swedish_403_and_cannot_act(app: Any, role: str) -> None:
    _client(app, "admin")
    c, _ = _client(app, role)
    page = c.get("/admin", headers=HTML)
    assert page.status_code == 403
    assert "Åtkomst nekad" in page.text and "administratör" in page.text
    assert 'href="/admin' not in page.text
    token = _csrf(c.get("/konto/losenord", headers=HTML).text)
    r = c.post("/admin/organisationer", data={"csrf_token": token, "name": "Smyg",
                                               "kind": "other"}, headers=HTML)  # fmt: skip
    assert r.status_code == 403
    with _db(app) as db:
        assert db.execute(select(Organisation).where(Organisation.name == "Smyg")).first() is None


def test_anonymous_visitors_are_sent_to_login(app: Any) -> None:
    r = TestClient(app).get("/admin", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_writes_need_the_csrf_token(app: Any) -> None:
    admin, _ = _client(app, "admin")
    for path, data in [
        ("/admin/organisationer", {"name": "Utan token", "kind": "other"}),
        ("/admin/anvandare", {"email": "utan@x.se", "role": "reader"}),
    ]:
        assert admin.post(path, data=data).status_code == 403
        assert admin.post(path, data={**data, "csrf_token": "fel"}).status_code == 403
    with _db(app) as db:
        assert (
            db.execute(select(Organisation).where(Organisation.name == "Utan token")).first()
            is None
        )
        assert db.execute(select(User).where(User.email == "utan@x.se")).first() is None


def _member(app: Any, role: str) -> TestClient:
    """A client logged in as a new user of ``role`` (an admin is made first if none is)."""
    if _db_has_no_admin(app):
        _client(app, "admin")
    with _db(app) as db:
        admin = db.execute(select(User).where(User.role == "admin")).scalars().first()
        info = service.create_user(db, service.Actor(admin.id, Role.ADMIN, admin.name),
                                   email=f"menu-{role}@x.se", name=f"Meny {role}", role=role,
                                   password=f"{role}-password-1")  # fmt: skip
        token = security.create_session(db, db.get(User, info["id"]))
    c = TestClient(app)
    c.cookies.set(COOKIE, token)
    return c


def _db_has_no_admin(app: Any) -> bool:
    with _db(app) as db:
        return db.execute(select(User.id).where(User.role == "admin")).first() is None


@pytest.fixture(scope="module")
def menu_app(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One app for the menu's cases: each logs in a user of its own (``menu-<role>``) and
    only reads pages, so they share the start page the app renders once."""
    with personal.started(demo_store, tmp_path_factory.mktemp("menu")) as menu_app:
        yield menu_app


@pytest.mark.parametrize(
    ("role", "moderate", "admin_link"),
    [("contributor", False, False), ("analyst", True, False), ("admin", True, True)],
)
def test_partners_pages_have_the_sites_one_menu(
    menu_app: Any, role: str, moderate: bool, admin_link: bool
) -> None:
    """One menu on every page: the partners' pages add no second menu or second log-out
    button; moderation and the admin page are in the site's menu for those who may use them."""
    c = _member(menu_app, role)
    for path in ("/bidrag", "/insatser", "/"):
        html = c.get(path, headers=HTML).text
        assert html.count("<nav") == 1, path
        assert html.count('action="/logout"') == 1, path
        assert html.count('href="/konto/losenord') == 1, path
    html = c.get("/bidrag", headers=HTML).text
    nav = html[html.index("<nav") : html.index("</nav>")]
    assert ('href="/bidrag/moderera' in nav) is moderate
    assert ('href="/admin' in nav) is admin_link
