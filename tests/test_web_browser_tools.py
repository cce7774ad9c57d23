"""The API docs in a real browser (Chromium, offline).

``/docs`` draws the list of operations from FastAPI's OpenAPI 3.1 (Swagger UI 5 from the
installed package), and the method explorer names its themes in the page language. The
explorer's recomputing and the pages on a phone are tested in
``test_web_roles.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_helpers import own_lists
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


@pytest.fixture(scope="module")
def module_page(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """One offline page (:func:`helpers.guarded_page`) for the module's tests and the list
    of requests that tried to leave the machine: one browser context for the module, not
    one a test."""
    with guarded_page(browser, viewport={"width": 1366, "height": 900}) as (pg, outside):
        yield pg, outside


@pytest.fixture()
def page(module_page: tuple[Any, list[str]]) -> Iterator[tuple[Any, list[str]]]:
    """The module's page with this test's own lists of outside requests and uncaught script
    errors (asserted empty at the end; :func:`browser_helpers.own_lists`)."""
    pg, outside = module_page
    with own_lists(pg, outside) as problems:
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
    # An operation's header is one button (nothing focusable inside it): it opens and closes the
    # operation, whose "Try it out" sends the request and shows the answer.
    header = pg.locator(".opblock-summary-control:has([data-path='/api/levels'])")
    assert header.locator("a[href], button, input, select, [tabindex]").count() == 0
    header.click()
    operation = pg.locator(".opblock.is-open")
    operation.locator(".try-out__btn").click()
    with pg.expect_response(lambda r: r.url.endswith("/api/levels")) as sent:
        operation.locator(".btn.execute").click()
    assert sent.value.status == 200
    status = operation.locator(".live-responses-table tr.response .response-col_status").first
    assert status.inner_text() == "200"
    header.click()
    assert header.get_attribute("aria-expanded") == "false"
    assert pg.locator(".opblock.is-open").count() == 0
    assert outside == [], outside


def test_method_explorer_names_the_themes_in_the_page_language(
    server: str, page: tuple[Any, list[str]]
) -> None:
    pg, outside = page
    for lang, theme, weight in (
        ("sv", "Tema Anmälda brott", "Vikt för Anmälda brott"),
        ("en", "Theme Reported offences", "Weight of Reported offences"),
    ):
        pg.goto(f"{server}/metod?method=brott-trygghet&lang={lang}")
        pg.wait_for_selector("#weights input[name='w:anmalda_brott']")
        rows = pg.locator("#weights tbody").inner_text()
        assert theme in rows and "anmalda_brott" not in rows, rows
        field = pg.locator("#weights input[name='w:anmalda_brott']")
        assert field.get_attribute("aria-label") == weight
    assert outside == [], outside
