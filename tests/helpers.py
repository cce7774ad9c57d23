"""Small builders the test modules share (import them as ``from helpers import ...``)."""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import pytest
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

    from omradesbild.partners.service import Actor


def half_up(x: float, digits: int) -> float:
    """``x`` rounded to ``digits`` decimals, halves away from zero, worked out in decimal
    arithmetic on the number's shortest text (NaN stays NaN): what a published figure is."""
    if math.isnan(x):
        return x
    q = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP))


def two_areas(**columns: object) -> pd.DataFrame:
    """A frame of the areas ``A`` and ``B`` in 2024 with ``columns`` (one value per area, or
    one for both) after ``area_code`` and ``period``."""
    return pd.DataFrame({"area_code": ["A", "B"], "period": "2024", **columns})


#: The test suite's own data files (cases, facts).
DATA = Path(__file__).parent / "data"


@dataclasses.dataclass(frozen=True)
class CaseFile:
    """The cases of one ``data/<name>.toml`` file.

    Attributes
    ----------
    base : dict of str to list of str
        The file's ``[base]`` table: the arguments several cases start with, by name.
    cases : dict of str to dict
        Each ``[[case]]`` table by its ``id``, its ``args`` after those of its ``base``.
    """

    base: dict[str, list[str]]
    cases: dict[str, dict[str, Any]]


def read_cases(name: str, **values: str) -> CaseFile:
    """The cases of ``data/<name>.toml``, the ``{placeholders}`` of their ``sv`` and ``en``
    texts filled in from ``values`` (``str.format``: a placeholder without a value fails).

    Parameters
    ----------
    name : str
        The file's name without ``.toml``.
    **values : str
        The values of the placeholders.

    Returns
    -------
    CaseFile
        The file's ``[base]`` table and its cases by id (an id stands once).
    """
    doc = tomllib.loads((DATA / f"{name}.toml").read_text(encoding="utf-8"))
    base: dict[str, list[str]] = doc.get("base", {})
    cases: dict[str, dict[str, Any]] = {}
    for case in doc["case"]:
        assert case["id"] not in cases, f"{name}.toml: the id {case['id']!r} stands twice"
        before = base[case["base"]] if "base" in case else []
        cases[case["id"]] = {
            **case,
            "args": [*before, *case["args"]],
            "sv": case["sv"].format(**values),
            "en": case["en"].format(**values),
        }
    return CaseFile(base, cases)


#: Request headers of a browser asking for a page (errors then come as HTML pages, not JSON).
HTML = {"accept": "text/html"}

#: The administrator :func:`web_client` creates and :func:`log_in` logs in.
ADMIN_EMAIL = "admin@exempel.example"
ADMIN_PASSWORD = "Korrekt-Häst-Batteri-Häftklammer-42"


@contextmanager
def app_client(store: Path, partners: Path, **settings: Any) -> Iterator[TestClient]:
    """A test client of the web app on ``store`` with an empty partners' database at
    ``partners``; ``settings`` go to ``WebSettings``. Server errors are raised."""
    from fastapi.testclient import TestClient

    from omradesbild.web.app import create_app
    from omradesbild.web.settings import WebSettings

    s = WebSettings(store_path=store, partners_url=f"sqlite:///{partners}", **settings)
    with TestClient(create_app(s, warm=False)) as c:
        yield c


def module_client(
    store: Path, tmp_path_factory: pytest.TempPathFactory, **settings: Any
) -> Iterator[TestClient]:
    """:func:`app_client` on ``store`` with a new empty partners' database, for a
    module-scoped ``client`` fixture (``yield from module_client(...)``)."""
    partners = tmp_path_factory.mktemp("web") / "partners.sqlite"
    with app_client(store, partners, **settings) as c:
        yield c


@contextmanager
def web_client(store: Path, partners: Path, **settings: Any) -> Iterator[TestClient]:
    """A test client of the web app on ``store`` with a partners' database at ``partners``
    holding one administrator (:data:`ADMIN_EMAIL`); ``settings`` go to ``WebSettings``.
    Server errors come back as responses."""
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

    from omradesbild.partners.service import bootstrap_admin
    from omradesbild.web.app import create_app
    from omradesbild.web.settings import WebSettings

    s = WebSettings(store_path=store, partners_url=f"sqlite:///{partners}", **settings)
    app = create_app(s, warm=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        with Session(app.state.partners_engine) as db:
            bootstrap_admin(db, email=ADMIN_EMAIL, name="Admin", password=ADMIN_PASSWORD)
            db.commit()
        yield c


def log_in(client: TestClient) -> dict[str, str]:
    """Logs ``client`` in as the administrator of :func:`web_client`; returns the CSRF
    header for JSON writes."""
    token = form_token(client, "/login")
    r = client.post(
        "/login",
        data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]
    return {"X-CSRF-Token": client.get("/api/me").json()["csrf_token"]}


def form_token(client: TestClient, path: str) -> str:
    """The CSRF token of the form on the page at ``path``."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert token, path
    return token.group(1)


def approved_observation(
    db: Session, *, prefix: str, organisation: str, title: str, body: str, area_code: str
) -> tuple[Actor, int]:
    """Seeds an administrator (``{prefix}admin@example.org``), an organisation and one of its
    contributors (``{prefix}c@example.org``), whose public observation of ``area_code`` is
    approved; returns the administrator's actor and the organisation's id."""
    from omradesbild.partners import service
    from omradesbild.partners.models import Role

    admin = service.bootstrap_admin(
        db, email=f"{prefix}admin@example.org", name="Admin", password="admin-password-1"
    )
    admin_actor = service.Actor(admin["id"], Role.ADMIN, "Admin")
    org = service.create_organisation(db, admin_actor, name=organisation, kind="civil_society")
    author = service.create_user(
        db, admin_actor, email=f"{prefix}c@example.org", name="Bidragsgivare",
        password="contributor-pw-1", role="contributor", organisation_id=org["id"],
    )  # fmt: skip
    actor = service.Actor(author["id"], Role.CONTRIBUTOR, "Bidragsgivare", org["id"])
    sub = service.create_submission(
        db, actor, kind="observation", title=title, body=body, area_codes=[area_code],
        visibility="public", submit=True,
    )  # fmt: skip
    service.moderate_submission(db, admin_actor, sub["id"], decision="approve")
    return admin_actor, int(org["id"])


@contextmanager
def guarded_page(
    browser: Any, *, timeout_ms: float = 60_000, **context: Any
) -> Iterator[tuple[Any, list[str]]]:
    """A page in a new context of ``browser`` (``context`` goes to ``new_context``) whose
    requests leaving file:// and loopback are recorded and refused
    (:func:`browser_helpers.offline_context`); yields the page and the list of refused URLs,
    and closes the context on exit."""
    from browser_helpers import offline_context

    ctx, outside = offline_context(browser, **context)
    try:
        page = ctx.new_page()
        page.set_default_timeout(timeout_ms)
        yield page, outside
    finally:
        ctx.close()


#: English words that no Swedish sentence holds: one of them on a Swedish page is an
#: untranslated text (:func:`english_words`).
ENGLISH_WORDS = frozenset({
    "the", "of", "and", "with", "from", "which", "are", "this", "that", "these", "was", "were",
    "been", "has", "have", "draws", "seed", "catalogue", "interval", "intervals", "area",
    "areas", "municipality", "country",
})  # fmt: skip


def english_words(text: str) -> set[str]:
    """The :data:`ENGLISH_WORDS` in ``text`` (whole words, any case: a table id such as
    ``police_areas_2015`` is one name, not the word "areas")."""
    return set(ENGLISH_WORDS.intersection(re.findall(r"\w+", text.lower())))
