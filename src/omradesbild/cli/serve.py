"""``omradesbild serve``: the web application (uvicorn), optionally on the demo city."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from omradesbild.cli.common import DbOption, PartnersUrl
from omradesbild.wording import both


def _seed_demo(store_path: Path, partners_url: str) -> None:
    """Seed example organisations, users, observations and interventions."""
    from sqlalchemy.orm import Session

    from omradesbild.partners.db import init_db, make_engine
    from omradesbild.partners.seed import seed_demo
    from omradesbild.store import Store

    engine = make_engine(partners_url)
    init_db(engine)
    with Store(store_path, read_only=True) as store, Session(engine) as session:
        logins = seed_demo(session, store)
        session.commit()
    engine.dispose()
    if logins:
        typer.echo(f"{both('cli_demo_logins')}:")
        for acc in logins:
            email = getattr(acc, "email", None)
            if email is None:
                typer.echo(f"  {acc}")
                continue
            role = getattr(acc, "role", "")
            org = getattr(acc, "organisation", "")
            typer.echo(f"  {email} / {getattr(acc, 'password', '')}  ({role}, {org})")


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    partners_url: PartnersUrl = None,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Build the synthetic city Exempelstad into ./demo-output and serve it "
            "(refused in production, and when --partners-url or --db names an existing "
            "database: nothing is replaced or deleted).",
        ),
    ] = False,
    lang: Annotated[str | None, typer.Option(help="Default page language: sv or en.")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            envvar="OMRADESBILD_WORKERS",
            help="Server processes: about one per CPU core. Each keeps its own caches (memory "
            "grows with each) and precomputes the pages at start.",
        ),
    ] = 1,
) -> None:
    """Serve the web app: map, area pages, comparison, method explorer, downloads, API.

    Needs the ``web`` extra: ``pip install 'omradesbild[web]'``.
    """
    from omradesbild._compat import import_optional_dependency

    for module in ("fastapi", "sqlalchemy", "pydantic_settings"):
        import_optional_dependency(module, purpose="omradesbild serve")
    uvicorn = import_optional_dependency("uvicorn", purpose="omradesbild serve")

    from omradesbild.web.app import create_app
    from omradesbild.web.settings import WebSettings

    if demo:
        db, partners_url = _prepare_demo(db, partners_url)
    settings = WebSettings.from_env(store_path=db, partners_url=partners_url, lang=lang)
    if not Path(settings.store_path).exists():
        from omradesbild.errors import StoreError

        raise StoreError(both("err_no_store_serve", path=settings.store_path))
    typer.echo(both("cli_serving", url=f"http://{host}:{port}/", store=settings.store_path))
    options = {"host": host, "port": port, "log_level": "info", **settings.uvicorn_options()}
    if workers == 1:
        uvicorn.run(create_app(settings), **options)
        return
    # Several processes: each builds the app from the environment, given these settings
    # (one secret key for all, else a session made by one would be unknown to the others).
    import os

    os.environ.update({"OMRADESBILD_DB": str(settings.store_path),
                       "OMRADESBILD_PARTNERS_URL": settings.partners_url,
                       "OMRADESBILD_LANG": settings.lang,
                       "OMRADESBILD_SECRET_KEY": settings.secret_key})  # fmt: skip
    uvicorn.run("omradesbild.web.app:create_app", factory=True, workers=workers, **options)


def _existing_database(url: str) -> bool:
    """Whether ``url`` names a partners' database that exists (an SQLite file, or a server
    database holding tables)."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        return path not in ("", ":memory:") and Path(path).exists()
    if url.startswith("sqlite:"):
        return False
    from sqlalchemy import inspect

    from omradesbild.partners.db import make_engine

    engine = make_engine(url)
    try:
        return bool(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _prepare_demo(db: Path | None, partners_url: str | None) -> tuple[Path, str | None]:
    """Build Exempelstad and seed its partners' database; refuse where that could touch real
    data. Nothing is ever deleted: the demo's own database beside the demo store is reused
    (the seed adds nothing twice).

    Raises
    ------
    ConfigError
        In production (``OMRADESBILD_PRODUCTION``), when ``--partners-url`` /
        ``OMRADESBILD_PARTNERS_URL`` names a database that exists, or when ``--db`` /
        ``OMRADESBILD_DB`` names a store file that exists (the demo would replace it).
    """
    from omradesbild.demo import build_demo_store
    from omradesbild.errors import ConfigError
    from omradesbild.web.settings import WebSettings, production_from_env

    if production_from_env():
        raise ConfigError(both("err_svc_demo_production"))
    if partners_url and _existing_database(partners_url):
        raise ConfigError(both("err_svc_demo_partners_exists", url=partners_url))
    if db is not None and Path(db).exists():
        raise ConfigError(both("err_svc_demo_store_exists", path=db))
    typer.echo(both("cli_building_demo", path="./demo-output"))
    result = build_demo_store(Path("demo-output"), db=db)
    store = result.store_path
    url = partners_url or WebSettings.from_env(store_path=store).partners_url
    _seed_demo(store, url)
    return store, partners_url
