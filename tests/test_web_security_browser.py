"""The pages work under the app's Content-Security-Policy, in a real browser (Chromium).

Every page the visitor uses is opened; the browser must report no CSP violation and no
script error, and the Plotly figures and the method explorer must still draw.
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


@pytest.fixture()
def server(demo_store: Path, tmp_path: Path) -> Iterator[str]:
    from omradesbild.web.app import create_app
    from omradesbild.web.settings import WebSettings

    settings = WebSettings(
        store_path=demo_store, partners_url=f"sqlite:///{tmp_path / 'partners.sqlite'}"
    )
    with serve_in_thread(create_app(settings, warm=False)) as base:
        yield base


def test_pages_run_under_the_content_security_policy(server: str, browser: Any) -> None:
    import httpx

    base = server
    area = httpx.get(f"{base}/api/areas?level=regso", timeout=120).json()[0]["area_code"]
    for path in (f"/omrade/{area}", "/karta", "/metod", "/"):  # computed before the browser
        assert httpx.get(base + path, timeout=300).status_code == 200, path
    problems: list[str] = []
    with guarded_page(browser, viewport={"width": 1200, "height": 900}) as (page, outside):
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => "
            "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
        )
        response = page.goto(f"{base}/omrade/{area}")
        assert response is not None
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector("#headline-plot svg", state="attached")
        page.goto(f"{base}/")  # the lägesbild: its map of area types is drawn
        # more than 10 areas drawn (a locator, not a string predicate: the policy forbids eval)
        page.locator("#map-types svg path").nth(10).wait_for(state="attached")
        page.goto(f"{base}/karta")
        page.locator("#map svg path").nth(10).wait_for(state="attached")
        page.goto(f"{base}/metod")
        page.wait_for_selector("#explore-result tbody tr")
        page.goto(f"{base}/docs")
        # Swagger UI ran (its inline start-up script is allowed by hash) and drew itself.
        page.wait_for_selector("#swagger-ui .swagger-ui", state="attached")
    assert problems == [], problems
    assert outside == [], outside
