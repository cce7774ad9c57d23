"""``omradesbild partners create-admin``: the first admin, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlalchemy")

from sqlalchemy import select
from typer.testing import CliRunner

from omradesbild.cli.main import app
from omradesbild.errors import InputError
from omradesbild.partners import security
from omradesbild.partners.db import make_engine, session_factory
from omradesbild.partners.errors import ConflictError
from omradesbild.partners.models import AuditEntry, Organisation, User

PASSWORD = "lingon-Trappa-1987-kvarn"


def _create(url: str, *extra: str, input: str | None = None, env: Any = None) -> Any:
    org = "Exempelstads stadsledningskontor"
    args = ["partners", "create-admin", "--email", "Chef@Stad.se",
            "--organisation", org, "--partners-url", url, *extra]  # fmt: skip
    return CliRunner().invoke(app, args, input=input, env=env)


def _users(url: str) -> list[tuple[str, str, str | None, str]]:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as db:
            rows = db.execute(
                select(User.email, User.role, Organisation.name, User.password_hash)
                .outerjoin(Organisation, Organisation.id == User.organisation_id)
                .order_by(User.id)
            ).all()
            return [tuple(r) for r in rows]  # type: ignore[misc]
    finally:
        engine.dispose()


def _check_created(url: str) -> None:
    ((email, role, org, password_hash),) = _users(url)
    assert (email, role, org) == ("chef@stad.se", "admin", "Exempelstads stadsledningskontor")
    assert security.verify_password(password_hash, PASSWORD)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as db:
            actions = set(db.execute(select(AuditEntry.action)).scalars())
    finally:
        engine.dispose()
    assert {"user.bootstrap_admin", "organisation.create"} <= actions


def _sqlite(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'partners.sqlite'}"


def test_password_from_stdin_creates_admin_and_organisation(tmp_path: Path) -> None:
    url = _sqlite(tmp_path)
    run = _create(url, "--password-stdin", input=PASSWORD + "\n")
    assert run.exit_code == 0, run.output
    assert "chef@stad.se" in run.output
    _check_created(url)


def test_prompt_asks_twice_and_refuses_different_passwords(tmp_path: Path) -> None:
    url = _sqlite(tmp_path)
    run = _create(url, input=f"{PASSWORD}\n{PASSWORD}x\n", env={"OMRADESBILD_ADMIN_PASSWORD": None})
    assert isinstance(run.exception, InputError)
    assert "inte lika" in str(run.exception)
    assert not (tmp_path / "partners.sqlite").exists()  # nothing made
    run = _create(url, input=f"{PASSWORD}\n{PASSWORD}\n", env={"OMRADESBILD_ADMIN_PASSWORD": None})
    assert run.exit_code == 0, run.output
    assert PASSWORD not in run.output  # hidden input
    _check_created(url)


@pytest.mark.parametrize(
    ("password", "words"),
    [("kort-ord-9", "minst 12"), ("ILoveMyFamily", "vanligaste"), ("aaaaaaaaaaaaaaaa", "gissa")],
)
def test_web_password_rules_apply(tmp_path: Path, password: str, words: str) -> None:
    url = _sqlite(tmp_path)
    run = _create(url, env={"OMRADESBILD_ADMIN_PASSWORD": password})
    assert isinstance(run.exception, InputError)
    assert words in str(run.exception)
    assert not (tmp_path / "partners.sqlite").exists()


def test_refused_once_an_admin_exists_and_organisation_is_reused(tmp_path: Path) -> None:
    url = _sqlite(tmp_path)
    env = {"OMRADESBILD_ADMIN_PASSWORD": PASSWORD}
    assert _create(url, env=env).exit_code == 0
    again = CliRunner().invoke(
        app,
        ["partners", "create-admin", "--email", "annan@stad.se", "--organisation",
         "Exempelstads stadsledningskontor", "--partners-url", url],
        env=env,
    )  # fmt: skip
    assert isinstance(again.exception, ConflictError)
    assert len(_users(url)) == 1


def test_unknown_organisation_kind_is_refused(tmp_path: Path) -> None:
    url = _sqlite(tmp_path)
    run = _create(url, "--organisation-kind", "bank", env={"OMRADESBILD_ADMIN_PASSWORD": PASSWORD})
    assert isinstance(run.exception, InputError)
    assert "city_district" in str(run.exception)
    assert _users(url) == []  # rolled back


def test_help_names_the_password_sources() -> None:
    run = CliRunner().invoke(app, ["partners", "create-admin", "--help"])
    assert run.exit_code == 0
    for word in ("--email", "--organisation", "--password-stdin", "OMRADESBILD_ADMIN_PASSWORD"):
        assert word in run.output


def test_postgresql(tmp_path: Path) -> None:
    from conftest import postgres_test_engine

    engine = postgres_test_engine()
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    run = _create(url, "--password-stdin", input=PASSWORD + "\n")
    assert run.exit_code == 0, run.output
    _check_created(url)
    again = _create(url, "--password-stdin", input=PASSWORD + "\n")
    assert isinstance(again.exception, ConflictError)
