"""End to end in a real browser: the web app under uvicorn, driven by Debian's Chromium.

One journey through the partners' workflow and the explore pages of the synthetic city:
a contributor submits an observation through the form, an analyst approves it, the area page
shows it; the method explorer re-ranks when a weight changes; the map draws. Every request
the page makes is checked: nothing may leave the machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_helpers import POLL_MS, log_in, seeded_demo_app
from conftest import serve_in_thread
from helpers import guarded_page

pytest.importorskip("playwright")

CONTRIBUTOR = ("polis@exempelstad.example", "demo-contributor-pass")
ANALYST = ("analytiker@exempelstad.example", "demo-analyst-pass")
READER = ("lasare@exempelstad.example", "demo-reader-pass")
#: Seeded by seed_demo: approved, restricted (analysts only) / internal (logged-in only).
RESTRICTED_TITLE = "Lägesbild narkotikaförsäljning"
INTERNAL_TITLE = "Läxhjälp saknas"


@pytest.fixture(scope="module")
def live_server(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a copy of the demo store with seeded partners, on 127.0.0.1:<free port>."""
    # Few draws: the rank intervals are drawn, but not computed at the default's cost.
    app = seeded_demo_app(demo_store, tmp_path_factory.mktemp("journey"), draws=10)
    with serve_in_thread(app, lifespan="on") as base:
        yield base


@pytest.fixture()
def guarded(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """Like ``offline_page``: requests leaving file:// and loopback are recorded and aborted."""
    with guarded_page(browser, timeout_ms=15_000, viewport={"width": 1200, "height": 900}) as pg:
        yield pg


def _logout(page: Any, base: str) -> None:
    page.goto(f"{base}/bidrag")
    page.click("header .account form[action='/logout'] button")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/bidrag")
    assert page.locator("header .account form[action='/logout']").count() == 0, "still logged in"


def _nonblank(png: Path) -> None:
    """The screenshot exists and is not one flat colour."""
    from PIL import Image

    with Image.open(png) as im:
        lo, hi = (int(v) for v in im.convert("L").getextrema())  # type: ignore[arg-type]
    assert png.stat().st_size > 5_000, png
    assert hi - lo > 50, f"{png} is blank: grey levels {lo}..{hi}"


def _ranking(page: Any) -> list[tuple[str, str]]:
    """Each row's first two cells (rank, area), read in one call (the rows hold only td)."""
    rows = page.locator("#explore-result tbody tr")
    cells = rows.evaluate_all("rs => rs.map(r => [r.cells[0].innerText, r.cells[1].innerText])")
    return [(rank, area) for rank, area in cells]


def test_partner_journey_and_explore_pages_in_chromium(
    live_server: str, guarded: tuple[Any, list[str]], tmp_path: Path
) -> None:
    page, outside = guarded
    base = live_server
    import httpx

    area = httpx.get(f"{base}/api/areas?level=regso", timeout=30).json()[0]["area_code"]
    for path in (f"/omrade/{area}", "/karta", "/metod"):  # computed before the browser's waits
        assert httpx.get(base + path, timeout=300).status_code == 200, path
    text = f"Ny belysning vid gångtunneln i {area} uppskattas (testiakttagelse)."
    title = f"Belysning {area} (test)"

    # Anonymous: only public, approved contributions.
    page.goto(f"{base}/bidrag")
    assert page.locator("table.submissions").is_visible()
    listing = page.locator("table.submissions").inner_text()
    assert "Ökad oro kring torget" in listing
    assert INTERNAL_TITLE not in listing and RESTRICTED_TITLE not in listing

    # (a) The contributor submits an observation through the form (CSRF field from the page).
    log_in(page, base, CONTRIBUTOR)
    form = page.locator("form#new-submission")
    assert form.locator("input[name=csrf_token]").get_attribute("value")
    form.locator("select[name=kind]").select_option("observation")
    form.locator("input[name=title]").fill(title)
    form.locator("textarea[name=body]").fill(text)
    form.locator("input[name=area_codes]").fill(area)
    form.locator("select[name=visibility]").select_option("public")
    form.locator("button[value=submit]").click()
    page.wait_for_url(f"{base}/bidrag?created=*")
    assert page.locator("p.ok").is_visible()
    _logout(page, base)

    # Not yet approved: anonymous visitors do not see it on the area page.
    page.goto(f"{base}/omrade/{area}")
    assert text not in page.locator("#partner-input").inner_text()

    # A reader sees internal but never restricted contributions.
    log_in(page, base, READER)
    listing = page.locator("table.submissions").inner_text()
    assert INTERNAL_TITLE in listing
    assert RESTRICTED_TITLE not in listing
    _logout(page, base)

    # (b) The analyst approves it.
    log_in(page, base, ANALYST)
    page.goto(f"{base}/bidrag/moderera")
    item = page.locator("article.submission", has_text=title)
    assert item.count() == 1
    item.locator("button[value=approve]").click()
    page.wait_for_url(f"{base}/bidrag/moderera?*")
    assert title in page.locator("#moderation-done").inner_text()
    assert page.locator("article.submission", has_text=title).count() == 0
    # Every page knows who is logged in (the header offers to log out).
    page.goto(f"{base}/karta")
    assert page.locator("form[action='/logout']").count() == 1
    _logout(page, base)
    page.goto(f"{base}/karta")
    assert page.locator("form[action='/logout']").count() == 0

    # (c) The area page shows it (anonymous: it is public and approved now).
    page.goto(f"{base}/omrade/{area}")
    section = page.locator("#partner-input")
    assert text in section.inner_text()
    assert RESTRICTED_TITLE not in section.inner_text()
    page.wait_for_selector("#headline-plot svg", state="attached")
    shot = tmp_path / "omrade.png"
    page.screenshot(path=str(shot), full_page=True)
    _nonblank(shot)

    # (d) The method explorer re-ranks when a weight changes.
    page.goto(f"{base}/metod")
    page.wait_for_selector("#explore-result tbody tr")
    before = _ranking(page)
    assert len(before) > 3
    weights = page.locator("#weights input[name^='w:']")
    assert weights.count() >= 2
    weights.nth(0).fill("25")
    weights.nth(0).dispatch_event("input")
    page.wait_for_function(
        "b => JSON.stringify([...document.querySelectorAll('#explore-result tbody tr')]"
        ".map(r => [r.cells[0].innerText, r.cells[1].innerText])) !== b",
        arg=_js_json(before),
        timeout=15_000,
        polling=POLL_MS,
    )
    after = _ranking(page)
    assert after != before
    assert sorted(n for _, n in after) == sorted(n for _, n in before)  # same areas re-ranked
    shot = tmp_path / "metod.png"
    page.screenshot(path=str(shot), full_page=True)
    _nonblank(shot)

    # (e) The map draws (Plotly SVG paths).
    page.goto(f"{base}/karta")
    # A locator, not a string expression: the app's policy forbids the eval it would need.
    page.locator("#map svg path").nth(10).wait_for(state="attached", timeout=20_000)
    assert page.locator("#map svg path").count() > 10

    assert outside == [], f"requests left the machine: {outside}"


def _js_json(rows: list[tuple[str, str]]) -> str:
    import json

    return json.dumps([list(r) for r in rows], ensure_ascii=False, separators=(",", ":"))
