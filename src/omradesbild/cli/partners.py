"""``omradesbild partners``: the first admin, backup and restore of the partners' database,
reset links."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from omradesbild.cli.common import DbOption, PartnersUrl, command_group, grouped
from omradesbild.wording import both

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

app = command_group(
    "The partners' database: the first admin, backup, restore, password reset links."
)


@dataclass(frozen=True)
class PartnersDatabase:
    """The partners' database a command works on: ``--partners-url``, or the SQLite file
    beside the store (``--db``)."""

    db: DbOption = None
    partners_url: PartnersUrl = None

    @property
    def url(self) -> str:
        """The database's SQLAlchemy URL (SQLAlchemy must be installed)."""
        from omradesbild._compat import import_optional_dependency

        import_optional_dependency("sqlalchemy", purpose="omradesbild partners")
        from omradesbild.config import default_partners_url
        from omradesbild.store.store import default_db_path

        return self.partners_url or default_partners_url(self.db or default_db_path())


def _database_command(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a command named ``name`` that works on the partners' database: it takes the
    :class:`PartnersDatabase` options last and gets them as its parameter ``database``."""

    def register(command: Callable[..., None]) -> Callable[..., None]:
        return app.command(name)(grouped("database", PartnersDatabase)(command))

    return register


@contextmanager
def _session(url: str) -> Iterator[Session]:
    """A transaction on the database at ``url``, created or upgraded to the latest schema
    first; the engine is disposed of afterwards."""
    from omradesbild.partners.db import init_db, make_engine, session_factory

    engine = make_engine(url)
    try:
        init_db(engine)
        with session_factory(engine).begin() as session:
            yield session
    finally:
        engine.dispose()


@_database_command("backup")
def backup_cmd(
    file: Annotated[Path, typer.Argument(help="The backup file to write (must not exist).")],
    *,
    database: PartnersDatabase,
) -> None:
    """Copy the SQLite partners' database to FILE while the web app runs (consistent).

    PostgreSQL: use pg_dump (docs/security.md).
    """
    from omradesbild.partners.backup import backup

    revision = backup(database.url, file)
    typer.echo(f"{file} (schema {revision})")


@_database_command("restore")
def restore_cmd(
    file: Annotated[Path, typer.Argument(help="A file written by 'partners backup'.")],
    *,
    database: PartnersDatabase,
) -> None:
    """Replace the SQLite partners' database by the backup FILE (stop the web app first).

    The database as it was is kept beside it (…before-restore-<time>). PostgreSQL: use
    pg_restore (docs/security.md).
    """
    from omradesbild.partners.backup import restore

    kept = restore(database.url, file)
    typer.echo(f"{file} -> {database.url} (earlier content kept in {kept})")


@_database_command("reset-link")
def reset_link_cmd(
    email: Annotated[str, typer.Argument(help="The user's e-mail address.")],
    base_url: Annotated[
        str, typer.Option(help="The web app's public address, e.g. https://omradesbild.stad.se")
    ] = "http://127.0.0.1:8000",
    *,
    database: PartnersDatabase,
) -> None:
    """Print a single-use link (24 h) for the user to choose a new password; give it to them
    (nothing is e-mailed). Earlier links of the user stop working."""
    from omradesbild.partners import service

    with _session(database.url) as session:
        out = service.issue_password_reset_by_operator(session, email)
    hours = int(service.RESET_TTL.total_seconds() // 3600)
    url = base_url.rstrip("/") + out["path"]
    typer.echo(both("password_reset_link", email=out["email"], hours=hours, url=url))


#: Environment variable a script may give the first admin's password in.
ADMIN_PASSWORD_ENV = "OMRADESBILD_ADMIN_PASSWORD"


def _new_password(from_stdin: bool) -> str:
    """The password: the first line of standard input, ``$OMRADESBILD_ADMIN_PASSWORD``, or
    typed twice at a hidden prompt (checked before it is asked again)."""
    import os
    import sys

    from omradesbild.errors import InputError
    from omradesbild.partners.security import MIN_PASSWORD, check_password

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    given = os.environ.get(ADMIN_PASSWORD_ENV)
    if given is not None:
        return given
    password = str(typer.prompt(both("password_new", min=MIN_PASSWORD), hide_input=True))
    check_password(password)
    if str(typer.prompt(both("password_repeat"), hide_input=True)) != password:
        raise InputError(both("password_mismatch"), field="password",
                         expected="the same password twice")  # fmt: skip
    return password


@_database_command("create-admin")
def create_admin_cmd(
    email: Annotated[str, typer.Option(help="The admin's e-mail address (their login).")],
    organisation: Annotated[
        str,
        typer.Option(help="The admin's organisation, by name (registered if new)."),
    ],
    name: Annotated[
        str | None, typer.Option(help="The admin's name (default: the e-mail address).")
    ] = None,
    organisation_kind: Annotated[
        str,
        typer.Option(
            help="Kind of a new organisation: city_district, police, civil_society, "
            "academia, crime_prevention or other."
        ),
    ] = "other",
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from the first line of standard input (for scripts).",
        ),
    ] = False,
    *,
    database: PartnersDatabase,
) -> None:
    """Create the first admin of the partners' database (SQLite or PostgreSQL).

    The password is asked twice at a hidden prompt, or read from --password-stdin or the
    OMRADESBILD_ADMIN_PASSWORD variable; the web app's rules apply (at least 12
    characters, not a common or easily guessed password). The database is created or
    upgraded to the latest schema first. Refused once any admin exists: that admin
    creates the other users in the web app.
    """
    from omradesbild.partners import service
    from omradesbild.partners.security import check_password

    url = database.url
    password = _new_password(password_stdin)
    check_password(password)  # before the database is created or touched
    with _session(url) as session:
        user = service.bootstrap_admin(
            session, email=email, name=name or email, password=password,
            organisation=organisation, organisation_kind=organisation_kind,
        )  # fmt: skip
    typer.echo(both("admin_created", email=user["email"], organisation=organisation))
