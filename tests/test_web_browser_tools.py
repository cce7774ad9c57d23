"""The API docs and the method explorer in a real browser (Chromium, offline).

``/docs`` draws the list of operations from FastAPI's OpenAPI 3.1 (Swagger UI 5 from the
installed package); the method explorer's default weights are valid form values, and
unticking an indicator and pressing "Räkna om" recomputes the ranking.
"""

from __future__ import annotations

import json
import re
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


def _ranking(pg: Any) -> str:
    return str(
        pg.evaluate(
            "JSON.stringify([...document.querySelectorAll('#explore-result tbody tr')]"
            ".map(r => [r.cells[0].innerText, r.cells[1].innerText]))"
        )
    )


def test_method_explorer_recomputes_after_unticking(
    server: str, page: tuple[Any, list[str]]
) -> None:
    import httpx

    assert httpx.get(f"{server}/metod", timeout=300).status_code == 200  # computed first
    pg, outside = page
    pg.goto(f"{server}/metod")
    pg.wait_for_selector("#explore-result tbody tr")
    # The default weights (e.g. 0.333) are valid values: the form can be submitted.
    assert pg.evaluate("document.getElementById('explore-form').checkValidity()") is True
    before = _ranking(pg)
    boxes = pg.locator("#weights input[name='include']")
    assert boxes.count() >= 2
    with pg.expect_response(lambda r: r.url.endswith("/api/index/explore")) as sent:
        boxes.nth(0).uncheck()
        pg.get_by_role("button", name="Räkna om").click()
    response = sent.value
    assert response.status == 200, response.text()
    request = json.loads(response.request.post_data or "{}")
    assert boxes.nth(0).get_attribute("value") not in request["indicators"]
    pg.wait_for_function(
        "b => JSON.stringify([...document.querySelectorAll('#explore-result tbody tr')]"
        ".map(r => [r.cells[0].innerText, r.cells[1].innerText])) !== b",
        arg=before,
    )
    assert _ranking(pg) != before
    pg.wait_for_function(
        "/\\d+ områden/.test(document.getElementById('explore-summary').innerText)"
    )
    summary = pg.locator("#explore-summary").inner_text()
    assert "422" not in summary and "{" not in summary, summary  # plurals worded
    assert re.search(r"\d+ områden, \d+ byter klass", summary), summary
    # Indicators by name, the id second.
    assert "Andel" in pg.locator("#weights tbody").inner_text()
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


def _contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2.1 contrast ratio of two sRGB colours."""

    def lum(c: tuple[int, int, int]) -> float:
        lin = [x / 255 for x in c]
        lin = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in lin]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_no_page_scrolls_sideways_on_a_phone(server: str, browser: Any) -> None:
    import httpx

    areas = httpx.get(f"{server}/api/areas?level=regso", timeout=300).json()
    a, b = areas[0]["area_code"], areas[1]["area_code"]
    paths = ["/", "/karta", f"/omrade/{a}", "/metod", "/nedladdning",
             f"/jamfor?areas={a}&areas={b}", "/bidrag", "/insatser", "/login", "/docs",
             "/nope"]  # fmt: skip
    for path in paths:  # computed before the browser's waits
        httpx.get(server + path, timeout=300)
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}
    with guarded_page(browser, **phone) as (pg, _outside):
        wide = {}
        for path in paths:
            pg.goto(server + path)
            pg.wait_for_load_state("load")
            width = pg.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                wide[path] = width
        assert wide == {}, wide
        # Forms stack: the fields of the map's form are one above the other.
        pg.goto(f"{server}/karta")
        tops = pg.evaluate(
            "[...document.querySelectorAll('form.controls label')]"
            ".map(l => Math.round(l.getBoundingClientRect().top))"
        )
        assert len(tops) >= 2 and len(set(tops)) == len(tops), tops
        # The area-type swatches stand out from white by at least 3:1.
        pg.goto(f"{server}/omrade/{a}")
        for cls in range(1, 6):
            colour = pg.evaluate(
                "c => { const r = document.createElement('tr'); r.className = 'type-' + c;"
                " const d = document.createElement('td'); r.appendChild(d);"
                " const t = document.createElement('table'); t.appendChild(r);"
                " document.body.appendChild(t);"
                " const s = getComputedStyle(d).borderLeftColor; t.remove(); return s; }",
                cls,
            )
            rgb = tuple(int(x) for x in colour[colour.index("(") + 1 : -1].split(",")[:3])
            assert _contrast(rgb, (255, 255, 255)) >= 3, (cls, colour)  # type: ignore[arg-type]
