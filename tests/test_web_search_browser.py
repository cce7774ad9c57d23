"""Find by name in a real browser (Debian's Chromium) at a laptop's and a phone's width:
typing a name of the synthetic city in the start page's search lands on the area's page,
the picker offers names with their codes last, a click on either map opens the clicked
area, and at 390 px the start page (its map included) does not scroll sideways."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_helpers import POLL_MS, own_lists
from conftest import serve_in_thread
from helpers import ADMIN_EMAIL, ADMIN_PASSWORD, guarded_page
from omradesbild.services.search import fold

pytest.importorskip("playwright")

#: Width of the page, its content and the map's box and drawing (script, no eval).
WIDTHS_JS = """() => {
  const root = document.documentElement;
  const box = document.getElementById('map-types');
  const svg = box.querySelector('.main-svg');
  return [root.scrollWidth, root.clientWidth, box.getBoundingClientRect().right,
          svg.getBoundingClientRect().right];
}"""


@pytest.fixture(scope="module")
def live_server(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on the synthetic city's store, on 127.0.0.1:<free port>, with one
    administrator (``helpers.ADMIN_EMAIL``) in its partners' database."""
    import httpx
    from sqlalchemy.orm import Session

    from omradesbild.partners.service import bootstrap_admin
    from omradesbild.web.app import create_app
    from omradesbild.web.settings import WebSettings

    partners = tmp_path_factory.mktemp("search-browser") / "partners.sqlite"
    settings = WebSettings(store_path=demo_store, partners_url=f"sqlite:///{partners}", draws=10)
    app = create_app(settings, warm=False)
    with serve_in_thread(app, lifespan="on") as base:
        with Session(app.state.partners_engine) as db:  # migrated at start-up
            bootstrap_admin(db, email=ADMIN_EMAIL, name="Admin", password=ADMIN_PASSWORD)
            db.commit()
        for path in ("/", "/karta"):  # computed before the browser's waits
            assert httpx.get(base + path, timeout=300).status_code == 200, path
        yield base


@pytest.fixture(scope="module")
def module_page(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """One offline page (:func:`helpers.guarded_page`) for the module's tests and the list
    of requests that tried to leave the machine: the browser then compiles plotly.js (the
    start page and the map load it) once for the module, not once a test."""
    with guarded_page(browser, viewport={"width": 1366, "height": 900}) as shared:
        yield shared


@pytest.fixture()
def guarded(module_page: tuple[Any, list[str]]) -> Iterator[Any]:
    """``guarded(width)``: the module's page at ``width`` (900 px high) and this test's own
    list of requests that tried to leave the machine (:func:`browser_helpers.own_lists`)."""
    page, outside = module_page

    def at(width: int) -> tuple[Any, list[str]]:
        page.set_viewport_size({"width": width, "height": 900})
        return page, outside

    with own_lists(page, outside):
        yield at


@pytest.mark.parametrize("width", [1366, 390])
def test_find_by_name_and_maps_in_chromium(live_server: str, guarded: Any, width: int) -> None:
    import httpx

    base = live_server
    regso = httpx.get(f"{base}/api/areas?level=regso", timeout=60).json()
    code, name = regso[1]["area_code"], regso[1]["name"]
    page, outside = guarded(width)
    page.goto(f"{base}/")
    page.locator("#map-types .main-svg").first.wait_for()
    if width == 390:
        # Plotly fits the drawing to its box on load: wait for that, not a fixed time.
        page.wait_for_function(
            f"() => {{ const w = ({WIDTHS_JS})(); return w[3] <= w[2] + 1; }}",
            polling=POLL_MS,
        )
        scroll, client, box, svg = page.evaluate(WIDTHS_JS)
        assert scroll <= client, f"the start page scrolls sideways: {scroll} > {client}"
        assert box <= client + 1 and svg <= box + 1, (box, svg, client)

    # The picker offers names first, codes last, as the visitor types.
    field = page.locator("#choose input[name=q]")
    field.fill(fold(name)[:4])
    page.locator("#start-search-areas option").first.wait_for(state="attached")
    offered = page.locator("#start-search-areas option").evaluate_all(
        "os => os.map(o => o.getAttribute('value') || '')"
    )  # one call, not one per option
    assert offered and all(o[:1] not in "0123456789" for o in offered), offered
    assert any(o.startswith(name) and o.endswith(code) for o in offered), offered

    # The name, in lower case and without accents, goes straight to the area's page.
    field.fill(fold(name))
    field.press("Enter")
    page.wait_for_url(f"{base}/omrade/{code}?lang=sv")
    assert name in page.locator("h1").inner_text()

    # A click on either map opens the clicked area's page.
    for path, div in (("/", "map-types"), ("/karta", "map")):
        page.goto(f"{base}{path}")
        shape = page.locator(f"#{div} path.choroplethlocation").nth(2)
        shape.wait_for()
        shape.click(force=True)
        page.wait_for_url(f"{base}/omrade/*")
        assert page.locator("h1").inner_text().strip(), path
    assert outside == [], f"requests left the machine: {outside}"


def test_partner_form_adds_an_area_found_by_name(live_server: str, guarded: Any) -> None:
    """In the contribution form, an area picked by its name joins the codes already typed."""
    import httpx

    base = live_server
    code, name = next(
        (r["area_code"], r["name"])
        for r in httpx.get(f"{base}/api/areas?level=regso", timeout=60).json()
    )
    label = httpx.get(f"{base}/api/search", params={"q": code}, timeout=60).json()
    page, outside = guarded(1366)
    page.goto(f"{base}/login?next=/bidrag")
    page.fill("input[name=email]", ADMIN_EMAIL)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{base}/bidrag*")
    codes = page.locator("#area_codes-field")
    codes.fill("9999R999")
    picker = page.locator("input[data-area-add='area_codes-field']")
    picker.fill(label["hits"][0]["label"])
    page.locator("#area_codes-picker option").first.wait_for(state="attached")
    picker.dispatch_event("change")
    assert codes.input_value() == f"9999R999, {code}", name
    assert picker.input_value() == ""
    assert outside == []
