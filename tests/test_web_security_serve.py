"""``omradesbild serve`` as deployed: login throttling behind (and without) proxies, the
production guard of ``--demo`` (docs/security.md, "Web front: ...")."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from omradesbild.cli.main import main  # noqa: E402

PASSWORD = "Korrekt-Häst-Batteri-Häftklammer-42"
EMAIL = "admin@exempel.example"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("PRODUCTION", "SECRET_KEY", "COOKIE_SECURE", "TRUSTED_PROXIES", "PARTNERS_URL"):
        monkeypatch.delenv(f"OMRADESBILD_{var}", raising=False)
    monkeypatch.delenv("OMRADESBILD_DB", raising=False)


@pytest.fixture(autouse=True)
def _no_warm_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app ``serve`` builds, ready at once: these tests are about its options and guards,
    not the pages it prepares on start-up (test_web_startup.py). Each start of a served app
    would otherwise leave a thread preparing every area page of the store behind it, still
    at work during the tests that follow on the worker."""
    from omradesbild.web import app as web_app

    def ready_at_once(app: Any) -> None:
        app.state.ready = app.state.warm_done = True

    monkeypatch.setattr(web_app, "_warm", ready_at_once)


def _served(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> dict[str, Any]:
    """What ``omradesbild serve`` hands to ``uvicorn.run`` (which is not started)."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw, app=app))
    try:
        main(["serve", *args])
    except SystemExit as exc:
        assert exc.code in (0, None), exc.code
    return seen


def _as_uvicorn_runs_it(seen: dict[str, Any]) -> Any:
    """The ASGI app as uvicorn serves it with those options (its proxy-header middleware)."""
    options = {k: seen[k] for k in ("proxy_headers", "forwarded_allow_ips") if k in seen}
    config = uvicorn.Config(seen["app"], **options)
    config.load()
    return config.loaded_app


def _csrf(client: TestClient) -> str:
    page = client.get("/login").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def _login(client: TestClient, email: str, password: str, **headers: str) -> int:
    token = _csrf(client)
    r = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        headers=headers,
        follow_redirects=False,
    )
    return r.status_code


@pytest.fixture()
def served(
    demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Any, Any]]:
    """(ASGI app as uvicorn runs it, the FastAPI app) of ``serve --db <demo store>``, with
    one admin account."""
    monkeypatch.setenv("OMRADESBILD_PARTNERS_URL", f"sqlite:///{tmp_path / 'p.sqlite'}")
    seen = _served(monkeypatch, ["--db", str(demo_store)])
    app = seen["app"]
    with TestClient(app):  # start-up: the partners' database
        from omradesbild.partners.service import bootstrap_admin

        with Session(app.state.partners_engine) as db:
            bootstrap_admin(db, email=EMAIL, name="Admin", password=PASSWORD)
            db.commit()
    yield _as_uvicorn_runs_it(seen), app


# ------------------------------------------------------------------------------ F4
def test_serve_trusts_no_proxy_by_default(
    demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMRADESBILD_PARTNERS_URL", f"sqlite:///{tmp_path / 'p.sqlite'}")
    seen = _served(monkeypatch, ["--db", str(demo_store)])
    assert seen["proxy_headers"] is False  # uvicorn's default would believe 127.0.0.1
    assert seen["forwarded_allow_ips"] == []


def test_a_locked_account_stays_locked_with_x_forwarded_for(served: tuple[Any, Any]) -> None:
    asgi, _ = served
    with TestClient(asgi, client=("127.0.0.1", 40000)) as local:
        codes = [_login(local, EMAIL, f"fel-lösenord-{i}") for i in range(5)]
        assert codes == [401] * 5
        assert _login(local, EMAIL, PASSWORD) == 429
        assert _login(local, EMAIL, PASSWORD, **{"X-Forwarded-For": "10.9.9.9"}) == 429
    with TestClient(asgi, client=("10.4.4.4", 40000)) as elsewhere:
        assert _login(elsewhere, EMAIL, PASSWORD) == 429  # the account, not the address


def test_one_address_trying_many_accounts_is_throttled(served: tuple[Any, Any]) -> None:
    from omradesbild.partners.security import MAX_IP_FAILURES

    asgi, _ = served
    with TestClient(asgi, client=("10.5.5.5", 40000)) as c:
        codes = [_login(c, f"user{i}@exempel.example", "gissning-123") for i in range(25)]
        assert codes[:MAX_IP_FAILURES] == [401] * MAX_IP_FAILURES
        assert set(codes[MAX_IP_FAILURES:]) == {429}
        assert _login(c, EMAIL, PASSWORD) == 429  # the right password too, from there
    with TestClient(asgi, client=("10.6.6.6", 40000)) as other:
        assert _login(other, EMAIL, PASSWORD) == 303  # another address is not affected


def test_a_trusted_proxy_forwards_the_client_address(
    demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMRADESBILD_PARTNERS_URL", f"sqlite:///{tmp_path / 'p.sqlite'}")
    monkeypatch.setenv("OMRADESBILD_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    seen = _served(monkeypatch, ["--db", str(demo_store)])
    assert seen["proxy_headers"] is True
    assert seen["forwarded_allow_ips"] == ["127.0.0.1", "10.0.0.0/8"]
    with TestClient(_as_uvicorn_runs_it(seen), client=("10.0.0.2", 40000)) as proxied:
        for i in range(3):
            code = _login(proxied, f"x{i}@e.example", "fel", **{"X-Forwarded-For": "192.0.2.7"})
            assert code == 401
        from sqlalchemy import select

        from omradesbild.partners.models import LoginAttempt

        with Session(seen["app"].state.partners_engine) as db:
            ips = set(db.execute(select(LoginAttempt.ip)).scalars())
        assert ips == {"192.0.2.7"}, ips


def test_trusted_proxies_must_be_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    from omradesbild.errors import ConfigError
    from omradesbild.web.settings import WebSettings

    with pytest.raises(ConfigError, match="OMRADESBILD_TRUSTED_PROXIES"):
        WebSettings.from_env({"OMRADESBILD_TRUSTED_PROXIES": "proxy.example"})


# ------------------------------------------------------------------------------ F6
@pytest.fixture
def refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[[list[str]], str]:
    """Run ``omradesbild serve ARGS``, which must exit non-zero without serving; its stderr."""
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("served"))

    def run(args: list[str]) -> str:
        with pytest.raises(SystemExit) as info:
            main(["serve", *args])
        assert info.value.code not in (0, None)
        return capsys.readouterr().err

    return run


def test_demo_is_refused_in_production(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refused: Callable[[list[str]], str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OMRADESBILD_PRODUCTION", "1")
    monkeypatch.setenv("OMRADESBILD_SECRET_KEY", "k" * 64)
    err = refused(["--demo"])
    assert "--demo is refused in production" in err
    assert not (tmp_path / "demo-output").exists()


@pytest.mark.parametrize(
    ("name", "content", "named_by", "says"),
    [
        ("real-partners.sqlite", b"SQLite format 3\x00" + b"\x01" * 200, "env", "exists"),
        ("city.duckdb", b"not really a store", "--db", "would replace it"),
    ],
    ids=["partners-database", "store"],
)
def test_demo_never_touches_an_existing_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    refused: Callable[[list[str]], str],
    name: str,
    content: bytes,
    named_by: str,
    says: str,
) -> None:
    """``--demo`` refuses a partners' database (``OMRADESBILD_PARTNERS_URL``) or a store
    (``--db``) that already exists, and leaves it as it was."""
    monkeypatch.chdir(tmp_path)
    existing = tmp_path / name
    existing.write_bytes(content)
    args = ["--demo"]
    if named_by == "env":
        monkeypatch.setenv("OMRADESBILD_PARTNERS_URL", f"sqlite:///{existing}")
    else:
        args += ["--db", str(existing)]
    err = refused(args)
    assert says in err and str(existing) in err
    assert existing.read_bytes() == content
    assert not (tmp_path / "demo-output").exists()


def test_production_needs_a_secret_key_and_secure_cookies(
    demo_store: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    refused: Callable[[list[str]], str],
) -> None:
    monkeypatch.setenv("OMRADESBILD_PARTNERS_URL", f"sqlite:///{tmp_path / 'p.sqlite'}")
    monkeypatch.setenv("OMRADESBILD_PRODUCTION", "1")
    assert "OMRADESBILD_SECRET_KEY" in refused(["--db", str(demo_store)])
    monkeypatch.setenv("OMRADESBILD_SECRET_KEY", "k" * 64)
    monkeypatch.setenv("OMRADESBILD_COOKIE_SECURE", "0")
    assert "HTTPS" in refused(["--db", str(demo_store)])
    monkeypatch.delenv("OMRADESBILD_COOKIE_SECURE")
    seen = _served(monkeypatch, ["--db", str(demo_store)])
    with TestClient(seen["app"], base_url="https://testserver") as c:
        cookie = c.get("/login").headers["set-cookie"]
        assert "secure" in cookie.lower() and "httponly" in cookie.lower()
