"""The API docs in a real browser (Chromium, offline).

``/docs`` draws the list of operations from FastAPI's OpenAPI 3.1 (Swagger UI 5 from the
installed package). The method explorer and the pages on a phone are tested in
``test_web_roles.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import serve_in_thread
from helpers import guarded_page

pytest.importorskip("playwright")
pytest.importorskip("uvicorn")


@pytest.fixture(scope="module")
def server(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from omradesbild.web.app import create_app
    from omradesbild.web.settings import WebSettings

    folder = tmp_path_factory.mktemp("tools")
    settings = WebSettings(
        store_path=demo_store, partners_url=f"sqlite:///{folder / 'partners.sqlite'}", draws=0
    )
    with serve_in_thread(create_app(settings, warm=False)) as base:
        yield base


@pytest.fixture()
def page(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    with guarded_page(browser, viewport={"width": 1366, "height": 900}) as (pg, outside):
        problems: list[str] = []
        pg.on("pageerror", lambda e: problems.append(str(e)))
        yield pg, outside
    assert problems == [], problems


def test_docs_renders_the_operations_list(server: str, page: tuple[Any, list[str]]) -> None:
    pg, outside = page
    pg.goto(f"{server}/docs")
    pg.wait_for_selector(".opblock .opblock-summary-path", state="attached")
    paths = pg.locator(".opblock .opblock-summary-path").all_inner_texts()
    assert "/api/index/explore" in [p.replace("\u200b", "") for p in paths]
    assert len(paths) > 10
    assert "Unable to render" not in pg.content()
    assert outside == [], outside
