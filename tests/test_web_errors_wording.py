"""The errors of the partners' database and the web app read Swedish, then English.

Each case triggers one error with real bad input (a partners' database on SQLite, the web
settings, a backup file) and checks the whole message holds the Swedish and the English
text. A form that shows an error again (the password page, the admin page, the
contributions page) shows it in the page's language alone.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlalchemy")

from sqlalchemy.orm import Session

from omradesbild.errors import ConfigError, InputError, NotFoundError, OmradesbildError, StoreError
from omradesbild.partners import security, service
from omradesbild.partners.backup import backup, restore, sqlite_path
from omradesbild.partners.db import make_engine, session_factory
from omradesbild.partners.errors import ConflictError, NotAuthenticated, PermissionDenied
from omradesbild.partners.models import LoginAttempt
from omradesbild.partners.service import Actor
from omradesbild.partners.service._common import check_version

PASSWORD = "gröna-äpplen-i-maj"


class People:
    """An admin, an analyst, a contributor and a reader, and a submitted contribution of
    the contributor."""

    def __init__(self, db: Session) -> None:
        info = service.bootstrap_admin(db, email="admin@x.se", name="Admin", password=PASSWORD)
        self.admin = Actor(info["id"], service.Role.ADMIN, "Admin")
        org = service.create_organisation(db, self.admin, name="Polisen", kind="police")
        self.org = org["id"]
        for role in ("analyst", "contributor", "reader"):
            made = service.create_user(db, self.admin, email=f"{role}@x.se", name=role,
                                       password=PASSWORD, role=role,
                                       organisation_id=self.org)  # fmt: skip
            setattr(self, role, Actor(made["id"], service.Role(role), role, self.org))
        self.sub = _submit(db, self.contributor, submit=True)


@pytest.fixture(scope="module")
def people_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, People]:
    """A SQLite partners' database with :class:`People` in it, made and closed once for
    the module; each test works on its own copy (:func:`partners`)."""
    from partners_live import migrated_sqlite

    path = migrated_sqlite(tmp_path_factory.mktemp("people"))
    engine = make_engine(f"sqlite:///{path}")
    with session_factory(engine)() as db:
        people = People(db)
        db.commit()
    engine.dispose()
    return path, people


@pytest.fixture
def partners(people_db: tuple[Path, People], tmp_path: Path) -> Iterator[tuple[Session, People]]:
    """A session of a new copy of :func:`people_db`, so no test sees what another one wrote
    (passwords hashed at the suite's quick cost, ``conftest._quick_password_hashing``)."""
    from partners_live import copy_sqlite

    template, people = people_db
    engine = make_engine(copy_sqlite(template, tmp_path))
    with session_factory(engine)() as db:
        yield db, people
    engine.dispose()


def _submit(db: Session, who: Actor | None, **changed: Any) -> object:
    """A new contribution of ``who``, with ``changed`` fields."""
    fields: dict[str, Any] = {"kind": "observation", "title": "t", "body": "b",
                              "area_codes": ["0180R001"], **changed}  # fmt: skip
    return service.create_submission(db, who, **fields)


#: id -> (the call that fails, the class raised, Swedish text, English text)
Case = tuple[Callable[[Session, People], object], type[OmradesbildError], str, str]
SERVICE_CASES: dict[str, Case] = {
    "_common: not logged in": (
        lambda db, p: _submit(db, None),
        NotAuthenticated,
        "logga in för att skapa bidrag",
        "log in to create submissions",
    ),
    "_common: role too low": (
        lambda db, p: service.create_intervention(
            db, p.contributor, type="t", title="t", start_period="2021", area_codes=["A"]
        ),
        PermissionDenied,
        "rollen 'contributor' får inte registrera insatser",
        "the role 'contributor' may not register interventions",
    ),
    "_common: text too long": (
        lambda db, p: _submit(db, p.contributor, title="x" * 201),
        InputError,
        "fältet 'title': har 201 tecken (väntat: högst 200 tecken)",
        "field 'title': has 201 characters (expected at most 200 characters)",
    ),
    "_common: unknown area": (
        lambda db, p: _submit(db, p.contributor, area_codes=["0180R999"], known_areas={"0180R001"}),
        InputError,
        "fältet 'area_codes': okänd områdeskod '0180R999' (väntat: koder för områden i datalagret)",
        "field 'area_codes': unknown area code '0180R999' (expected codes of areas in the store)",
    ),
    "_common: version missing": (
        lambda db, p: check_version(1, 1, None, required=True),
        InputError,
        "fältet 'version': saknas (väntat: versionen du läste (eller If-Match))",
        "field 'version': is missing (expected the version you read (or If-Match))",
    ),
    "users: not an e-mail address": (
        lambda db, p: service.create_user(
            db, p.admin, email="ingen-adress", name="n", password=PASSWORD, role="reader"
        ),
        InputError,
        "fältet 'email': 'ingen-adress' är ingen e-postadress (väntat: namn@domän.se)",
        "field 'email': 'ingen-adress' is not an e-mail address (expected name@domain.se)",
    ),
    "users: a second first admin": (
        lambda db, p: service.bootstrap_admin(db, email="ny@x.se", name="Ny", password=PASSWORD),
        ConflictError,
        "det finns redan en administratör; be hen skapa användarna",
        "an admin exists already; ask them to create users",
    ),
    "users: own role": (
        lambda db, p: service.set_user(db, p.admin, p.admin.id, role="reader"),
        PermissionDenied,
        "en administratör kan inte ändra sin egen roll eller inaktivera sig själv",
        "admins cannot change their own role or deactivate themselves",
    ),
    "accounts: no such user": (
        lambda db, p: service.issue_password_reset(db, p.admin, 999),
        NotFoundError,
        "användare 999: det finns ingen sådan användare",
        "user 999: no such user",
    ),
    "accounts: wrong password": (
        lambda db, p: service.change_password(
            db, p.reader, current_password="fel-lösenord", new_password="blå-cykel-vid-sjön"
        ),
        NotAuthenticated,
        "Det nuvarande lösenordet stämmer inte.",
        "The current password is wrong.",
    ),
    "interventions: end before start": (
        lambda db, p: service.create_intervention(
            db,
            p.analyst,
            type="t",
            title="t",
            start_period="2021",
            end_period="2019",
            area_codes=["A"],
        ),
        InputError,
        "fältet 'end_period': 2019 ligger före starten 2021",
        "field 'end_period': 2019 is before the start 2021",
    ),
    "interventions: no such intervention": (
        lambda db, p: service.get_intervention(db, p.analyst, 77),
        NotFoundError,
        "insats 77: det finns ingen sådan insats",
        "intervention 77: no such intervention",
    ),
    "moderation: not a decision": (
        lambda db, p: service.moderate_submission(db, p.analyst, p.sub["id"], decision="kanske"),
        InputError,
        "fältet 'decision': 'kanske' är inget beslut (väntat: approve | reject)",
        "field 'decision': 'kanske' is not a decision (expected approve | reject)",
    ),
    "moderation: not submitted": (
        lambda db, p: [
            service.moderate_submission(db, p.analyst, p.sub["id"], decision=d)
            for d in ("approve", "approve")
        ],
        ConflictError,
        "har statusen approved; bara inskickade bidrag kan granskas",
        "is approved; only submitted ones can be moderated",
    ),
    "submissions: field that cannot change": (
        lambda db, p: service.update_submission(db, p.contributor, p.sub["id"], {"status": "x"}),
        InputError,
        "fältet 'status': kan inte ändra status (väntat: fälten",
        "field 'status': cannot change status (expected fields",
    ),
    "submissions: edit by another": (
        lambda db, p: service.update_submission(db, p.analyst, p.sub["id"], {"title": "Ny"}),
        PermissionDenied,
        "bara dess författare eller en administratör får redigera det",
        "only its author or an admin may edit it",
    ),
    "submissions: export format": (
        lambda db, p: service.export_submissions(db, p.analyst, fmt="xml"),  # type: ignore[arg-type]
        InputError,
        "fältet 'format': 'xml' är inget exportformat (väntat: csv | json)",
        "field 'format': 'xml' is not an export format (expected csv | json)",
    ),
    "security: short password": (
        lambda db, p: security.check_password("kort"),
        InputError,
        "fältet 'password': Lösenordet har 4 tecken; det ska ha minst 12 tecken."
        " (väntat: minst 12 tecken)",
        "field 'password': The password has 4 characters; it needs at least 12."
        " (expected at least 12 characters)",
    ),
    "security: wrong login": (
        lambda db, p: security.authenticate(db, "reader@x.se", "fel", ip="10.0.0.1"),
        NotAuthenticated,
        "fel e-postadress eller lösenord",
        "wrong e-mail address or password",
    ),
}


@pytest.mark.parametrize("case", list(SERVICE_CASES), ids=list(SERVICE_CASES))
def test_the_partners_errors_read_swedish_then_english(
    partners: tuple[Session, People], case: str
) -> None:
    call, cls, swedish, english = SERVICE_CASES[case]
    with pytest.raises(cls) as info:
        call(*partners)
    message = str(info.value)
    assert swedish in message and english in message
    assert message.index(swedish) < message.index(english)


def test_too_many_failed_logins_say_when_to_try_again(partners: tuple[Session, People]) -> None:
    from datetime import timedelta

    db, _ = partners
    now = security.utcnow()
    for i in range(security.MAX_FAILURES):
        db.add(LoginAttempt(email="reader@x.se", ip=f"10.0.0.{i}", success=False,
                            at=now - timedelta(seconds=30)))  # fmt: skip
    with pytest.raises(security.RateLimited) as info:
        security.authenticate(db, "reader@x.se", PASSWORD, ip="10.0.1.1", now=now)
    minutes = info.value.retry_after // 60 + 1
    assert str(info.value) == (
        f"för många misslyckade inloggningar för det här kontot; försök igen om {minutes} minuter"
        f" / too many failed logins for this account; try again in {minutes} minutes"
    )
    assert info.value.worded("en").startswith("too many failed logins for this account")


BACKUP_CASES: dict[str, tuple[Callable[[Path], object], type[OmradesbildError], str, str]] = {
    "db: unsupported database": (
        lambda tmp: make_engine("mysql://u:p@host/db"),
        ConfigError,
        "partners_url: databasen 'mysql' stöds inte",
        "partners_url: database 'mysql' is not supported",
    ),
    "backup: PostgreSQL": (
        lambda tmp: sqlite_path("postgresql+psycopg://u:p@127.0.0.1:1/db"),
        ConfigError,
        "partners_url är en postgresql-databas: säkerhetskopiera PostgreSQL med pg_dump",
        "partners_url is a postgresql database: back up PostgreSQL with pg_dump",
    ),
    "backup: no database": (
        lambda tmp: backup(f"sqlite:///{tmp / 'none.sqlite'}", tmp / "b.sqlite"),
        StoreError,
        "none.sqlite: här finns ingen databas för samverkanspartner",
        "none.sqlite: no partners' database here",
    ),
    "backup: restore of no file": (
        lambda tmp: restore(f"sqlite:///{tmp / 'p.sqlite'}", tmp / "saknas.sqlite"),
        InputError,
        "saknas.sqlite: filen finns inte (väntat: en säkerhetskopia)",
        "no such file (expected a backup file)",
    ),
    "backup: restore of a file that is no database": (
        lambda tmp: restore(f"sqlite:///{tmp / 'p.sqlite'}", _junk(tmp)),
        InputError,
        "junk.sqlite: ingen databas för samverkanspartner (",
        "not a partners' database (",
    ),
}


def _junk(folder: Path) -> Path:
    path = folder / "junk.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    return path


@pytest.mark.parametrize("case", list(BACKUP_CASES), ids=list(BACKUP_CASES))
def test_the_database_and_backup_errors_read_swedish_then_english(
    tmp_path: Path, case: str
) -> None:
    call, cls, swedish, english = BACKUP_CASES[case]
    with pytest.raises(cls) as info:
        call(tmp_path)
    message = str(info.value)
    assert swedish in message and english in message
    assert message.index(swedish) < message.index(english)


def test_the_demo_seed_is_refused_in_production(partners: tuple[Session, People]) -> None:
    from omradesbild.partners.seed import seed_demo

    with pytest.raises(ConfigError) as info:
        seed_demo(partners[0], None, production=True)  # type: ignore[arg-type]
    assert str(info.value).startswith("demoanvändare med publicerade lösenord skapas inte")
    assert " / refusing to create demo users with published passwords in production" in str(
        info.value
    )


@pytest.mark.parametrize(
    ("env", "swedish", "english"),
    [
        (
            {"OMRADESBILD_COOKIE_SECURE": "kanske"},
            "'kanske': väntat 1/0, true/false, yes/no, on/off eller ja/nej",
            "'kanske': expected 1/0, true/false, yes/no, on/off or ja/nej",
        ),
        (
            {"OMRADESBILD_TRUSTED_PROXIES": "proxy"},
            "'proxy' är ingen IP-adress eller nätverk",
            "'proxy' is not an IP address or network",
        ),
        (
            {"OMRADESBILD_PRODUCTION": "1", "OMRADESBILD_SECRET_KEY": ""},
            "produktionsläget behöver en hemlig nyckel",
            "production mode needs a secret key",
        ),
    ],
)
def test_the_web_settings_errors_read_swedish_then_english(
    env: dict[str, str], swedish: str, english: str
) -> None:
    from omradesbild.web.settings import WebSettings

    with pytest.raises(ConfigError) as info:
        WebSettings.from_env(env)
    message = str(info.value)
    assert message.startswith("ogiltiga webbinställningar: ")
    swedish_part, english_part = message.split(" / invalid web settings: ")
    assert swedish in swedish_part and english in english_part


# -------------------------------------------------------------- through the command line
@pytest.mark.parametrize(
    ("args", "code", "swedish", "english"),
    [
        (
            ["partners", "backup", "b.sqlite", "--partners-url", "postgresql+psycopg://u:p@h:1/db"],
            2,
            "partners_url är en postgresql-databas: säkerhetskopiera PostgreSQL med pg_dump",
            "partners_url is a postgresql database: back up PostgreSQL with pg_dump",
        ),
        (
            ["partners", "restore", "saknas.sqlite", "--partners-url", "sqlite:///p.sqlite"],
            2,
            "saknas.sqlite: filen finns inte (väntat: en säkerhetskopia)",
            "no such file (expected a backup file)",
        ),
        (
            ["partners", "backup", "b.sqlite", "--partners-url", "sqlite:///saknas.sqlite"],
            3,
            "saknas.sqlite: här finns ingen databas för samverkanspartner",
            "saknas.sqlite: no partners' database here",
        ),
    ],
)
def test_the_partners_commands_word_their_errors(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    args: list[str], code: int, swedish: str, english: str,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    exit_code, _, err = cli(args)
    assert exit_code == code
    assert swedish in err and english in err and err.index(swedish) < err.index(english)


# ------------------------------------------------------------ forms in the page's language
@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """The started app with an admin and a reader, once for the module: every request of
    these tests is refused, so none changes what another test finds."""
    pytest.importorskip("fastapi")
    from omradesbild.partners.models import Role
    from partners_live import started_app

    folder = tmp_path_factory.mktemp("forms")
    with started_app(folder, Role.ADMIN, Role.READER) as (app, _, (admin, reader)):
        yield app, (admin, reader)


#: page -> (the user (0: the admin, 1: a reader), the path, the form, the status, Swedish,
#: English): a form whose refusal the page shows again.
FORMS: dict[str, tuple[int, str, dict[str, str], int, str, str]] = {
    "password": (
        1, "/konto/losenord",
        {"current_password": "x", "new_password": "blå-cykel-vid-sjön", "new_password2": "blå"},
        422, "De två nya lösenorden är inte lika.", "The two new passwords differ.",
    ),
    "admin": (
        0, "/admin/anvandare/{me}", {"role": "reader", "version": "1"},
        403, "en administratör kan inte ändra sin egen roll", "admins cannot change their own role",
    ),
    "contributions": (
        0, "/bidrag", {"kind": "observation", "title": "t", "body": " ", "area_codes": "0180R001"},
        422, "fältet 'body': är tomt (väntat: en text som inte är tom)",
        "field 'body': is empty (expected a non-empty text)",
    ),
}  # fmt: skip


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("page", list(FORMS))
def test_a_form_shows_its_refusal_in_the_pages_language(
    web: tuple[Any, Any], page: str, lang: str
) -> None:
    from partners_live import client_as

    app, users = web
    who, path, form, status, swedish, english = FORMS[page]
    user = users[who]
    url = path.format(me=user.user_id) + f"?lang={lang}"
    r = client_as(app, user).post(url, data={"csrf_token": user.csrf, **form})
    assert r.status_code == status, r.text
    shown, not_shown = (swedish, english) if lang == "sv" else (english, swedish)
    page_text = html.unescape(r.text)
    assert shown in page_text and not_shown not in page_text


def test_the_api_names_the_field_a_refusal_is_about(web: tuple[Any, Any]) -> None:
    """A body's field is named in the JSON detail when the message does not name it."""
    from partners_live import client_as

    app, (admin, _) = web
    body = {"kind": "observation", "title": "x" * 201, "body": "b", "area_codes": ["0180R001"]}
    r = client_as(app, admin).post("/api/submissions", json=body)
    assert r.status_code == 422
    assert r.json() == {
        "error": "InputError",
        "detail": "fältet 'title': har 201 tecken (väntat: högst 200 tecken)"
        " / field 'title': has 201 characters (expected at most 200 characters)",
    }
