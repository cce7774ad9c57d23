"""``omradesbild serve``: the web application (uvicorn), optionally on the demo city."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from omradesbild.cli.common import DbOption
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
    partners_url: Annotated[
        str | None,
        typer.Option(
            "--partners-url",
            envvar="OMRADESBILD_PARTNERS_URL",
            help="SQLAlchemy URL of the partners' database (default: SQLite beside the store).",
            show_default=False,
        ),
    ] = None,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo", help="Build the synthetic city Exempelstad into ./demo-output and serve it."
        ),
    ] = False,
    lang: Annotated[str | None, typer.Option(help="Default page language: sv or en.")] = None,
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
        from omradesbild.demo import build_demo_store

        typer.echo(both("cli_building_demo", path="./demo-output"))
        result = build_demo_store(Path("demo-output"), db=db)
        db = result.store_path
        url_env = WebSettings.from_env(store_path=db, partners_url=partners_url)
        if url_env.partners_url.startswith("sqlite:///"):
            Path(url_env.partners_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        _seed_demo(db, url_env.partners_url)
    settings = WebSettings.from_env(store_path=db, partners_url=partners_url, lang=lang)
    if not Path(settings.store_path).exists():
        from omradesbild.errors import StoreError

        raise StoreError(
            f"{settings.store_path}: no store here; build one with 'omradesbild ingest …' or "
            "'omradesbild demo', pass --db, or use 'omradesbild serve --demo'"
        )
    typer.echo(both("cli_serving", url=f"http://{host}:{port}/", store=settings.store_path))
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
