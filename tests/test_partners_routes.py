"""Partners' routes in a stand-in FastAPI app (independent of the main web app)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import jinja2
import pandas as pd
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.templating import Jinja2Templates
from fastapi.testclient import TestClient

from omradesbild.errors import InputError, NotFoundError, OmradesbildError
from omradesbild.followup.did import difference_in_differences
from omradesbild.partners import service
from omradesbild.partners.db import init_db, make_engine, session_factory
from omradesbild.partners.errors import HTTP_STATUS
from omradesbild.partners.followup import FollowupView
from omradesbild.web import routes_interventions, routes_partners
from omradesbild.wording import fmt_num
from partners_live import copy_sqlite, migrated_sqlite

TEMPLATES = Path(routes_partners.__file__).parent / "templates"
BASE = """<!doctype html><html lang="{{ lang }}"><head><title>{% block title %}{% endblock %}
</title>{% block head %}{% endblock %}</head><body>{% if user %}<span id="who">{{ user.name }}
</span>{% endif %}<meta name="csrf" content="{{ csrf_token }}">{% block content %}{% endblock %}
</body></html>"""


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated database, made once: each test's app has a copy of it."""
    return migrated_sqlite(tmp_path_factory.mktemp("migrated"))


@pytest.fixture
def app(tmp_path: Path, migrated: Path) -> FastAPI:
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "base.html").write_text(BASE, encoding="utf-8")
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(tmp_path / "tpl"), jinja2.FileSystemLoader(TEMPLATES)]
        ),
        autoescape=True,
    )
    engine = make_engine(copy_sqlite(migrated, tmp_path))
    app = FastAPI()
    app.state.settings = SimpleNamespace(
        secret_key="test-secret",
        session_cookie_name="sess",
        cookie_secure=False,
        lang="sv",
        store_path=None,
    )
    app.state.partners_engine = engine
    app.state.templates = Jinja2Templates(env=env)
    app.include_router(routes_partners.router)

    @app.exception_handler(OmradesbildError)
    def _handle(request: Request, exc: OmradesbildError) -> JSONResponse:
        status = 500
        for cls, code in ((NotFoundError, 404), (InputError, 422), *HTTP_STATUS):
            if isinstance(exc, cls):
                status = code
                break
        return JSONResponse({"error": type(exc).__name__, "detail": str(exc)}, status)

    f = session_factory(engine)
    with f.begin() as db:
        admin = service.bootstrap_admin(
            db, email="admin@x.se", name="Admin", password="admin-password"
        )
        a = service.Actor(admin["id"], service.Role.ADMIN, "Admin")
        for key, role in [
            ("analyst", "analyst"),
            ("c1", "contributor"),
            ("c2", "contributor"),
            ("reader", "reader"),
        ]:
            service.create_user(
                db,
                a,
                email=f"{key}@x.se",
                name=key.upper(),
                role=role,
                password=f"{key}-password-1",
            )
    return app


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'name="csrf" content="([^"]+)"', html
    )
    assert m, html[:500]
    return m.group(1)


def post_login(
    client: TestClient, token: str, who: str, password: str = "", next_url: str = ""
) -> httpx.Response:
    """POST the login form as ``who`` (with their own password unless one is given)."""
    data = {
        "email": f"{who}@x.se",
        "password": password or f"{who}-password-1",
        "csrf_token": token,
    }
    if next_url:
        data["next"] = next_url
    return client.post("/login", data=data, follow_redirects=False)


def login(app: FastAPI, who: str) -> tuple[TestClient, str]:
    c = TestClient(app)
    r = post_login(c, _csrf(c.get("/login").text), who, next_url="/bidrag")
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/bidrag"
    cookie = r.headers["set-cookie"]
    assert "sess=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    me = c.get("/api/me").json()
    assert me["user"]["email"] == f"{who}@x.se"
    return c, me["csrf_token"]


def post_program(
    client: TestClient, token: str, kind: str, start: str, area_codes: list[str]
) -> httpx.Response:
    """POST an intervention titled "Program" with one goal; return the response."""
    return client.post(
        "/api/interventions",
        headers={"X-CSRF-Token": token},
        json={
            "type": kind,
            "title": "Program",
            "start_period": start,
            "area_codes": area_codes,
            "goals": [{"indicator": "unemployment_16_64"}],
        },
    )


def test_login_needs_csrf_and_right_password(app: FastAPI) -> None:
    c = TestClient(app)
    page = c.get("/login")
    assert page.status_code == 200 and "<form" in page.text
    token = _csrf(page.text)
    no_token = c.post("/login", data={"email": "c1@x.se", "password": "c1-password-1"})
    assert no_token.status_code == 403
    other = TestClient(app)  # a token from another visitor's page is useless
    other.get("/login")
    assert post_login(other, token, "c1").status_code == 403
    wrong = post_login(c, token, "c1", password="nope-nope-nope")
    assert wrong.status_code == 401 and "Fel e-postadress eller lösenord" in wrong.text
    evil = post_login(c, token, "c1", next_url="//evil.example/")
    assert evil.status_code == 303 and evil.headers["location"] == "/bidrag"


def test_login_rate_limited(app: FastAPI) -> None:
    c = TestClient(app)
    token = _csrf(c.get("/login").text)
    codes = [post_login(c, token, "c1", password="wrong-password").status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    r = post_login(c, token, "c1")
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


def test_api_flow_and_matrix(app: FastAPI) -> None:
    c1, t1 = login(app, "c1")
    body = {
        "kind": "observation",
        "title": "Otrygg passage",
        "body": "Mörkt.",
        "area_codes": ["0180R001"],
        "visibility": "public",
        "submit": True,
    }
    assert c1.post("/api/submissions", json=body).status_code == 403  # no CSRF header
    r = c1.post("/api/submissions", json=body, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    r = c1.post("/api/submissions", json=body, headers={"X-CSRF-Token": t1})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    big = {**body, "title": "x" * 201}
    r = c1.post("/api/submissions", json=big, headers={"X-CSRF-Token": t1})
    assert r.status_code == 422 and "title" in r.json()["detail"]

    anon = TestClient(app)
    assert anon.get("/api/submissions").json() == []
    assert anon.get(f"/api/submissions/{sid}").status_code == 404
    assert anon.post("/api/submissions", json=body).status_code == 403  # no CSRF first

    c2, t2 = login(app, "c2")
    r = c2.patch(f"/api/submissions/{sid}", json={"title": "x"}, headers={"X-CSRF-Token": t2})
    assert r.status_code == 404  # not visible to c2 before approval
    r = c2.post(
        f"/api/submissions/{sid}/moderate",
        json={"decision": "approve"},
        headers={"X-CSRF-Token": t2},
    )
    assert r.status_code == 403  # contributors never moderate
    reader, tr = login(app, "reader")
    assert (
        reader.post("/api/submissions", json=body, headers={"X-CSRF-Token": tr}).status_code == 403
    )

    an, ta = login(app, "analyst")
    r = an.post(
        f"/api/submissions/{sid}/moderate",
        json={"decision": "approve", "note": "ok", "version": 1},
        headers={"X-CSRF-Token": ta},
    )
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert [s["id"] for s in anon.get("/api/submissions").json()] == [sid]
    r = c2.patch(f"/api/submissions/{sid}", json={"title": "x"}, headers={"X-CSRF-Token": t2})
    assert r.status_code == 403  # visible now, but not c2's
    r = c1.patch(
        f"/api/submissions/{sid}",
        json={"title": "Otrygg gångtunnel", "version": 2},
        headers={"X-CSRF-Token": t1},
    )
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    versions = c1.get(f"/api/submissions/{sid}/versions").json()
    assert [v["action"] for v in versions] == ["create", "approve", "update"]
    audit = an.get("/api/audit").json()
    assert {"submission.create", "submission.approve", "user.login"} <= {a["action"] for a in audit}
    assert c1.get("/api/audit").status_code == 403
    assert anon.get("/api/audit").status_code == 401
    csv_text = an.get("/api/submissions/export.csv").text
    assert "Otrygg gångtunnel" in csv_text and csv_text.startswith("\ufeffid,")

    r = post_program(an, ta, "områdesprogram", "2020", ["0180R001"])
    assert r.status_code == 201
    assert (
        c1.post(
            "/api/interventions",
            headers={"X-CSRF-Token": t1},
            json={"type": "x", "title": "x", "start_period": "2020", "area_codes": ["A"]},
        ).status_code
        == 403
    )
    assert [i["title"] for i in anon.get("/api/interventions").json()] == ["Program"]

    r = c1.post("/logout", data={"csrf_token": t1}, follow_redirects=False)
    assert r.status_code == 303
    assert c1.get("/api/me").json()["user"] is None


def test_html_pages(app: FastAPI) -> None:
    anon = TestClient(app)
    page = anon.get("/bidrag")
    assert (
        page.status_code == 200
        and "Logga in" in page.text
        and 'id="new-submission"' not in page.text
    )
    c1, _ = login(app, "c1")
    page = c1.get("/bidrag")
    assert 'id="new-submission"' in page.text
    token = _csrf(page.text)
    form = {
        "kind": "proposal",
        "title": "<script>alert(1)</script>",
        "body": "Läxhjälp",
        "area_codes": "0180R001, 0180R002",
        "visibility": "internal",
        "action": "submit",
    }
    assert c1.post("/bidrag", data=form).status_code == 403  # CSRF
    r = c1.post("/bidrag", data={**form, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    listing = c1.get("/bidrag").text
    assert "&lt;script&gt;" in listing and "<script>alert" not in listing
    bad = c1.post("/bidrag", data={**form, "title": "", "csrf_token": token})
    assert bad.status_code == 422 and "title" in bad.text
    assert c1.get("/bidrag/moderera").status_code == 403
    an, _ = login(app, "analyst")
    mod = an.get("/bidrag/moderera")
    assert mod.status_code == 200 and "&lt;script&gt;" in mod.text
    sid = int(re.search(r'action="/bidrag/(\d+)/moderera"', mod.text).group(1))  # type: ignore[union-attr]
    version = re.search(r'name="version" value="(\d+)"', mod.text).group(1)  # type: ignore[union-attr]
    r = an.post(
        f"/bidrag/{sid}/moderera",
        data={"decision": "approve", "csrf_token": _csrf(mod.text), "version": version},
        follow_redirects=False,
    )
    assert r.status_code == 303
    reader, _ = login(app, "reader")
    assert "&lt;script&gt;" in reader.get("/bidrag").text
    assert "&lt;script&gt;" not in anon.get("/bidrag").text  # internal: not for anonymous
    ins = an.get("/insatser")
    assert ins.status_code == 200 and 'action="/insatser"' in ins.text
    r = an.post(
        "/insatser",
        data={
            "type": "pilot",
            "title": "Trygghetspilot",
            "start_period": "2022",
            "area_codes": "R1 R2",
            "goals": "survey_feel_safe",
            "csrf_token": _csrf(ins.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "Trygghetspilot" in anon.get("/insatser").text


def test_followup_page_states_assumptions(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    an, ta = login(app, "analyst")
    iv = post_program(an, ta, "program", "2018", ["T1", "T2"]).json()
    rows = [
        (a, str(y), 10.0 + (y - 2015) + (-2.0 if a.startswith("T") and y >= 2018 else 0))
        for a in ("T1", "T2", "C1", "C2", "C3")
        for y in range(2015, 2021)
    ]
    panel = pd.DataFrame(rows, columns=["area_code", "period", "value"])
    seen: dict[str, Any] = {}

    def fake(
        store: object, *, area_codes: list[str], start_period: str, indicator: str
    ) -> FollowupView:
        seen.update(areas=area_codes, start=start_period, indicator=indicator)
        did = difference_in_differences(
            panel, treated={"T1", "T2"}, start_period=start_period, comparison={"C1", "C2", "C3"}
        )
        return FollowupView(
            indicator=indicator,
            level="regso",
            treated=area_codes,
            start_period=start_period,
            type_period="2017",
            comparison=["C1", "C2", "C3"],
            comparison_rule="samma områdestyp",
            did=did,
            panel_means=did.means,
        )

    monkeypatch.setattr(routes_interventions, "intervention_followup", fake)
    app.dependency_overrides[routes_interventions.get_store] = lambda: object()
    page = TestClient(app).get(f"/insatser/{iv['id']}/uppfoljning")
    assert page.status_code == 200, page.text
    assert seen == {"areas": ["T1", "T2"], "start": "2018", "indicator": "unemployment_16_64"}
    assert "Parallella trender" in page.text and "-2,00" in page.text and "<svg" in page.text
    data = TestClient(app).get(f"/api/interventions/{iv['id']}/followup").json()
    assert data["followup"]["did"]["estimate"] == pytest.approx(-2.0)
    assert TestClient(app).get("/insatser/999/uppfoljning").status_code == 404


def _fake_followup(
    monkeypatch: pytest.MonkeyPatch, app: FastAPI, treated: list[str], comparison: list[str]
) -> None:
    """Make the follow-up read a panel where the intervention areas fall by 2 from 2018
    (each area's value 10 + years since 2015, the same trend everywhere, with some noise
    except in the intervention areas from the start, whose values are exact)."""

    def noise(i: int, y: int, a: str) -> float:
        return 0.0 if a in treated and y >= 2018 else 0.25 * ((i * 7 + y) % 5 - 2)

    rows = [
        (a, str(y), 10.0 + (y - 2015) + (-2.0 if a in treated and y >= 2018 else 0)
         + noise(i, y, a))
        for i, a in enumerate((*treated, *comparison))
        for y in range(2015, 2021)
    ]  # fmt: skip
    panel = pd.DataFrame(rows, columns=["area_code", "period", "value"])

    def fake(
        store: object, *, area_codes: list[str], start_period: str, indicator: str
    ) -> FollowupView:
        did = difference_in_differences(
            panel, treated=treated, start_period=start_period, comparison=comparison
        )
        return FollowupView(indicator=indicator, level="regso", treated=area_codes,
                            start_period=start_period, type_period="2017",
                            comparison=comparison, comparison_rule="samma områdestyp",
                            did=did, panel_means=did.means)  # fmt: skip

    monkeypatch.setattr(routes_interventions, "intervention_followup", fake)
    app.dependency_overrides[routes_interventions.get_store] = lambda: object()


def _program_with_target(app: FastAPI, areas: list[str], target: str | None) -> int:
    an, ta = login(app, "analyst")
    r = an.post("/api/interventions", headers={"X-CSRF-Token": ta}, json={
        "type": "program", "title": "Program", "start_period": "2018", "area_codes": areas,
        "goals": [{"indicator": "unemployment_16_64", "target": target}],
    })  # fmt: skip
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_followup_one_against_one_hides_interval_and_p_and_says_why(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_followup(monkeypatch, app, ["T1"], ["C1"])
    iv = _program_with_target(app, ["T1"], "högst 12")
    page = TestClient(app).get(f"/insatser/{iv}/uppfoljning").text
    assert "Skattad effekt δ" in page  # the estimate itself is shown
    assert "konfidensintervall" not in page and "p-värde</th>" not in page
    assert "för få för att skatta osäkerheten" in page
    assert "1 insatsområde och 1 jämförelseområde" in page
    assert "klusterrobusta intervallet är för smalt" not in page  # no note on a hidden interval
    # 2020: 10 + 5 - 2 = 13 in the intervention area, above the ceiling 12.
    verdict = re.search(r'data-verdict="(\w+)"><strong>([^<]+)<', page)
    assert verdict is not None and verdict.group(1) == "not_reached"
    assert "Inte nått" in verdict.group(2) and "högst 12,0 procent" in verdict.group(2)
    assert "13,0 procent år 2020" in verdict.group(2)
    assert '<text class="x-title"' in page and ">År</text>" in page
    y_title = re.search(r'<text class="y-title"[^>]*>([^<]+)</text>', page)
    assert y_title is not None and y_title.group(1).endswith("(procent)")
    assert "unemployment_16_64" not in y_title.group(1)
    data = TestClient(app).get(f"/api/interventions/{iv}/followup").json()["followup"]
    assert fmt_num(data["did"]["estimate"], "sv", 2) in page  # the estimate is shown
    assert data["did"]["ci_low"] is None and data["did"]["p_value"] is None
    assert "too few areas" in data["uncertainty_note"]
    assert data["verdict"]["verdict"] == "not_reached" and data["verdict"]["value"] == 13.0
    en = TestClient(app).get(f"/insatser/{iv}/uppfoljning?lang=en").text
    assert "confidence interval" not in en and "too few areas to estimate" in en
    assert "Not reached" in en and ">Year</text>" in en


@pytest.mark.parametrize(
    ("target", "verdict", "words"),
    [
        ("högst 14", "reached", "Nått. Målet är högst 14,0 procent"),
        ("≥ 14", "not_reached", "Inte nått. Målet är minst 14,0 procent"),
        ("13", "reached", "Nått. Målet är högst 13,0 procent"),  # higher is worse: a ceiling
        (None, "cannot_say", "Kan inte säga: insatsen har inget mål"),
        ("färre brott", "cannot_say", "Kan inte säga: målet ”färre brott”"),
    ],
)
def test_followup_with_enough_areas_shows_interval_and_verdict(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, target: str | None, verdict: str, words: str
) -> None:
    _fake_followup(monkeypatch, app, ["T1", "T2"], ["C1", "C2", "C3"])
    iv = _program_with_target(app, ["T1", "T2"], target)
    page = TestClient(app).get(f"/insatser/{iv}/uppfoljning").text
    assert "95 % konfidensintervall" in page and "p-värde" in page
    assert "för få för att skatta" not in page
    found = re.search(r'data-verdict="(\w+)"><strong>([^<]+)<', page)
    assert found is not None and found.group(1) == verdict
    assert found.group(2).startswith(words), found.group(2)
    if verdict != "cannot_say":
        assert "13,0 procent år 2020" in found.group(2)
    data = TestClient(app).get(f"/api/interventions/{iv}/followup").json()["followup"]
    assert data["did"]["ci_low"] < data["did"]["estimate"] < data["did"]["ci_high"]
    assert data["uncertainty_note"] is None and data["verdict"]["verdict"] == verdict


def test_visibility_through_the_json_api(app: FastAPI) -> None:
    c1, t1 = login(app, "c1")
    sub = c1.post("/api/submissions", headers={"X-CSRF-Token": t1}, json={
        "kind": "observation", "title": "Gatlyktor", "body": "Trasiga", "area_codes": ["R1"],
        "visibility": "internal", "submit": True,
    }).json()  # fmt: skip
    an, ta = login(app, "analyst")
    decision = {"decision": "approve", "visibility": "public", "version": sub["version"]}
    r = an.post(f"/api/submissions/{sub['id']}/moderate", headers={"X-CSRF-Token": ta},
                json=decision)  # fmt: skip
    assert r.status_code == 200 and r.json()["visibility"] == "public"
    assert [s["title"] for s in TestClient(app).get("/api/submissions").json()] == ["Gatlyktor"]
    url = f"/api/submissions/{sub['id']}/visibility"
    assert an.post(url, headers={"X-CSRF-Token": ta},
                   json={"visibility": "internal"}).status_code == 422  # no version  # fmt: skip
    r = an.post(url, headers={"X-CSRF-Token": ta, "If-Match": r.headers["ETag"]},
                json={"visibility": "internal"})  # fmt: skip
    assert r.status_code == 200 and r.json()["visibility"] == "internal"
    assert r.headers["ETag"] == f'"{sub["version"] + 2}"'
    assert TestClient(app).get("/api/submissions").json() == []
    assert c1.post(url, headers={"X-CSRF-Token": t1},
                   json={"visibility": "public", "version": 9}).status_code == 403  # fmt: skip


def test_intervention_form_picks_indicators_by_name(app: FastAPI) -> None:
    from omradesbild.indicators import default_catalogue

    an, _ = login(app, "analyst")
    catalogue = default_catalogue().indicators
    page = an.get("/insatser")
    options = dict(re.findall(r'<option value="([^"]+)">([^<]+)</option>', page.text))
    assert {i.id: f"{i.name_sv} ({i.id})" for i in catalogue}.items() <= options.items()
    english = an.get("/insatser?lang=en").text
    assert f'<option value="{catalogue[0].id}">{catalogue[0].name_en} ({catalogue[0].id})' in (
        english
    )
    picked = [i.id for i in catalogue[:2]]
    form = {"type": "pilot", "title": "Namnval", "start_period": "2022", "area_codes": "R1"}
    r = an.post(
        "/insatser",
        data={**form, "goals": picked, "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    row = re.search(r"Namnval.*?</tr>", an.get("/insatser").text, flags=re.S)
    assert row is not None and all(p in row.group(0) for p in picked)
    bad = an.post(
        "/insatser",
        data={**form, "goals": [picked[0], "no_such_indicator"], "csrf_token": _csrf(page.text)},
    )
    assert bad.status_code == 422
    assert "no_such_indicator" in bad.text
    assert f'<option value="{picked[0]}" selected>' in bad.text


def test_followup_note_explains_a_known_error_in_swedish(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from omradesbild.services.followup.error_notes import error_note
    from omradesbild.wording import text

    an, ta = login(app, "analyst")
    iv = post_program(an, ta, "program", "2018", ["T1"]).json()
    # The comparison areas have no values after the start: no estimate can be made.
    rows = [(a, str(y), 10.0) for a in ("T1", "C1", "C2") for y in range(2015, 2021)
            if a == "T1" or y < 2018]  # fmt: skip
    panel = pd.DataFrame(rows, columns=["area_code", "period", "value"])
    with pytest.raises(InputError) as caught:
        difference_in_differences(panel, treated={"T1"}, start_period="2018",
                                  comparison={"C1", "C2"})  # fmt: skip
    raw = str(caught.value)
    note = error_note("fu_no_estimate_because", caught.value)

    def fake(store: object, *, area_codes: list[str], start_period: str, indicator: str
             ) -> FollowupView:  # fmt: skip
        return FollowupView(indicator=indicator, level="regso", treated=area_codes,
                            start_period=start_period, type_period="2017",
                            comparison=["C1", "C2"], comparison_rule="samma områdestyp",
                            did=None, panel_means=panel.assign(group="treated"),
                            notes=[note])  # fmt: skip

    monkeypatch.setattr(routes_interventions, "intervention_followup", fake)
    app.dependency_overrides[routes_interventions.get_store] = lambda: object()
    page = TestClient(app).get(f"/insatser/{iv['id']}/uppfoljning")
    assert page.status_code == 200, page.text
    warning = re.search(r'<p class="warning">(.*?)</p>', page.text, flags=re.S)
    assert warning is not None
    swedish = text("fu_no_estimate_because", "sv", reason=text("fu_reason_no_values", "sv"))
    assert swedish in warning.group(1)
    detail = re.search(r'<span lang="en">([^<]*)</span>', warning.group(1))
    assert detail is not None and detail.group(1).replace("&#39;", "'") == raw
    assert raw not in warning.group(1).split('<span class="detail">')[0]


def test_unknown_audit_type_and_done_are_refused_naming_the_allowed_values(
    app: FastAPI,
) -> None:
    an, _ = login(app, "analyst")
    cases = (
        ("/api/audit", "object_type", "intervention, organisation, submission, user", {}),
        ("/bidrag/moderera", "done", "approve, reject, visibility, unchanged", {"id": 1}),
    )
    for path, field, allowed, more in cases:
        r = an.get(path, params={field: "nope", **more})
        assert r.status_code == 422
        assert (
            f"okänt värde 'nope' för {field}; tillåtna värden: {allowed} / "
            f"unknown value 'nope' of {field}; allowed values: {allowed}"
        ) in r.json()["detail"]
    assert an.get("/api/audit", params={"object_type": "user"}).json()  # the analyst's login
    assert an.get("/bidrag/moderera", params={"done": "unchanged"}).status_code == 200


def test_audit_entries_name_a_known_object_type(tmp_path: Path) -> None:
    from omradesbild.partners.service.audit import audit

    engine = make_engine(f"sqlite:///{tmp_path / 'a.sqlite'}")
    init_db(engine)
    with session_factory(engine)() as db, pytest.raises(ValueError, match="AUDIT_OBJECT_TYPES"):
        audit(db, None, "thing.create", "thing", 1)
