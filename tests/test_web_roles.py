"""Each role's job in a real browser (Chromium), on a laptop (1366 px) and a phone (390 px).

The web app runs once for the module on the synthetic city with the seeded partners; each
role logs in once, and one browser context per role and width is kept for the module. Every
page a journey visits is checked with axe-core (no serious or critical violation of WCAG 2.1
AA) and must not scroll sideways; the axe check runs once per distinct page (its address
pattern, the width, who sees it and what was done on it: ``browser_helpers.page_key``), so a
page the every-page test has checked is not checked again by a journey, or the other way
round. No page may raise a script error, break the app's Content-Security-Policy (the
browser reports each violation) or send a request off the machine. One test runs the checks
on every page of the app, as each role sees it, one walks on a phone for sideways scrolling
the anonymous visitor's pages no journey checks at that width, and one walks the start and
area pages with the keyboard.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from browser_helpers import (
    POLL_MS,
    check_page,
    log_in,
    offline_context,
    page_key,
    seeded_demo_app,
    set_visibility,
    sideways_overflow,
)
from conftest import serve_in_thread

pytest.importorskip("playwright")
pytest.importorskip("axe_playwright_python")

#: Seeded by ``seed_demo``: (e-mail, password) of one user of each role.
ACCOUNTS = {
    "reader": ("lasare@exempelstad.example", "demo-reader-pass"),
    "contributor": ("polis@exempelstad.example", "demo-contributor-pass"),
    "analyst": ("analytiker@exempelstad.example", "demo-analyst-pass"),
    "admin": ("admin@exempelstad.example", "demo-admin-pass"),
}
WIDTHS = (1366, 390)

#: Reports each Content-Security-Policy violation of a document as a console error.
CSP_REPORTER = (
    "document.addEventListener('securitypolicyviolation', e => "
    "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
)


@dataclass
class Site:
    """The running app, the browser, each role's saved login (cookies), the area the reader
    looks for (code and name), the codes of the first two areas, the pages already checked
    with axe-core (:func:`browser_helpers.page_key`) and the open visits."""

    base: str
    browser: Any
    logins: dict[str, Any]
    area: str
    area_name: str
    first_two: tuple[str, str]
    checked: set[tuple[str, ...]] = field(default_factory=set)
    visits: dict[tuple[str | None, int], Visit] = field(default_factory=dict)


@pytest.fixture(scope="module")
def site(
    demo_store: Path, browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """The app on a copy of the demo store with the seeded partners (each role logs in at
    its first visit: :class:`Visit`)."""
    import httpx

    app = seeded_demo_app(demo_store, tmp_path_factory.mktemp("roles"), draws=0)
    # One client for every request (each ``httpx.get`` would build its own TLS context).
    with serve_in_thread(app, lifespan="on") as base, httpx.Client(timeout=300) as client:
        areas = client.get(f"{base}/api/areas?level=regso").json()
        # The second area: its name alone leads to it (no other area has that name).
        area = areas[1]
        for path in ("/", f"/omrade/{area['area_code']}", "/mal", "/metod", "/karta"):
            assert client.get(base + path).status_code == 200, path  # computed once
        pair = (areas[0]["area_code"], area["area_code"])
        s = Site(base, browser, {}, area["area_code"], area["name"], pair)
        yield s
        for v in s.visits.values():
            v.ctx.close()


class Visit:
    """The page of one role at one width, kept for the module; :meth:`go` loads a path and
    checks it, :meth:`done` asserts what the test's visit left (and forgets it).

    The first visit of a role logs in through the form, and the session cookie it gets is
    kept in ``site.logins`` for the role's visit at the other width.
    """

    def __init__(self, site: Site, role: str | None, width: int) -> None:
        viewport = {"width": width, "height": 900 if width > 600 else 844}
        state = site.logins.get(role) if role else None
        self.site = site
        self.role = role
        self.ctx, self.outside = offline_context(
            site.browser, viewport=viewport, is_mobile=width < 600, storage_state=state
        )
        self.page = self.ctx.new_page()
        self.page.set_default_timeout(30_000)
        self.errors: list[str] = []
        self.failed: set[str] = set()  # the addresses loaded with an expected error status
        self.page.add_init_script(CSP_REPORTER)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", self._console)
        self.problems: list[str] = []
        self.width = width
        self.label = f"{role or 'anonymous'}@{width}"
        if role and state is None:
            log_in(self.page, site.base, ACCOUNTS[role])
            site.logins[role] = self.ctx.storage_state()

    def _console(self, message: Any) -> None:
        """Record a console error (a CSP violation among them), but the browser's note that a
        page loaded with the error status the test expected failed to load."""
        if message.type != "error":
            return
        expected = message.location.get("url") in self.failed
        if not (expected and message.text.startswith("Failed to load resource")):
            self.errors.append(f"{message.location.get('url')}: {message.text}")

    def go(self, path: str, *, status: int = 200, check: bool = True) -> Any:
        """Load ``path`` (expecting ``status``) and check it unless ``check`` is false; the
        response is kept in ``response``."""
        if status >= 400:
            self.failed.add(self.site.base + path)
        response = self.response = self.page.goto(self.site.base + path)
        assert response is not None and response.status == status, (path, response)
        if check:  # one error page of each status is one page, wherever it is
            self.check(like=f"/error-{status}" if status >= 400 else None)
        return self.page

    def check(self, state: str = "", *, like: str | None = None, within: str = "") -> None:
        """axe-core (unless this page, or the page at ``like`` in this ``state``, was checked
        at this width already; only the part at the CSS selector ``within`` when given) and
        sideways scrolling on the page as it is now."""
        url = self.page.url
        key = (*page_key(like or url, signed_in=self.role, state=state), str(self.width))
        where = f"{self.label} {url.removeprefix(self.site.base)} {state}".rstrip()
        if key in self.site.checked:
            over = sideways_overflow(self.page)
            self.problems += [f"{where}: scrolls sideways by {over} px"] if over else []
            return
        self.site.checked.add(key)
        self.problems += check_page(self.page, where, within=within)

    def done(self) -> None:
        outside, errors, problems = list(self.outside), list(self.errors), list(self.problems)
        for seen in (self.outside, self.errors, self.problems):
            seen.clear()
        assert outside == [], f"requests left the machine: {outside}"
        assert errors == [], errors
        assert problems == [], "\n".join(problems)


@pytest.fixture()
def visit(site: Site) -> Iterator[Any]:
    """``visit(role, width)`` gives the :class:`Visit` of that role and width; what each
    left is asserted at the end of the test."""
    used: list[Visit] = []

    def open_(role: str | None, width: int) -> Visit:
        v = site.visits.get((role, width))
        if v is None:
            v = site.visits[(role, width)] = Visit(site, role, width)
        used.append(v)
        return v

    yield open_
    for v in dict.fromkeys(used):
        v.done()


def _submit(v: Visit, kind: str, title: str, area: str) -> None:
    """The contributor fills in and sends the form of a new contribution."""
    page = v.go("/bidrag")
    form = page.locator("form#new-submission")
    form.locator("select[name=kind]").select_option(kind)
    form.locator("input[name=title]").fill(title)
    form.locator("textarea[name=body]").fill(f"{title}: iakttagelse från testet.")
    form.locator("input[name=area_codes]").fill(area)
    form.locator("select[name=visibility]").select_option("public")
    form.locator("button[value=submit]").click()
    page.wait_for_url("**/bidrag?created=*")
    assert page.locator("p.ok").is_visible()
    v.check()


#: The colour of the left border of a table row of each area type, as the browser draws it.
ROW_COLOURS_JS = """() => {
  const table = document.createElement('table');
  table.className = 'data';
  table.innerHTML = [1, 2, 3, 4, 5].map(k => `<tr class="type-${k}"><td>${k}</td></tr>`).join('');
  document.querySelector('main').appendChild(table);
  const colours = [...table.rows].map(r => getComputedStyle(r.cells[0]).borderLeftColor);
  table.remove();
  return colours;
}"""


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.mark.parametrize("width", WIDTHS)
def test_reader_finds_an_area_by_name_and_reads_its_summary(
    site: Site, visit: Any, width: int
) -> None:
    from omradesbild import config

    v = visit("reader", width)
    page = v.go("/")
    # Table rows of each area type are drawn in the map's colours (those of the legend).
    assert page.evaluate(ROW_COLOURS_JS) == [_rgb(c) for c in config.AREA_TYPE_COLOURS]
    # The reader types the area's name into the search field of the menu.
    field = page.locator("header form.site-search input[name=q]")
    assert field.is_visible()
    field.fill(site.area_name)
    field.press("Enter")
    page.wait_for_url(f"**/omrade/{site.area}?*")
    v.check()
    assert site.area_name in page.locator("h1").inner_text()
    summary = page.locator("#summary")
    assert summary.is_visible()
    assert len(summary.inner_text()) > 40


@pytest.mark.parametrize("width", WIDTHS)
def test_contributor_submits_an_observation_and_a_proposal(
    site: Site, visit: Any, width: int
) -> None:
    v = visit("contributor", width)
    titles = {kind: f"{kind} {site.area} vid {width} px" for kind in ("observation", "proposal")}
    for kind, title in titles.items():
        _submit(v, kind, title, site.area)
    listing = v.go("/bidrag").locator("table.submissions").inner_text()
    for title in titles.values():
        assert title in listing


@pytest.mark.parametrize("width", WIDTHS)
def test_analyst_moderates(site: Site, visit: Any, width: int) -> None:
    """The analyst approves a public observation as internal (signed-in readers only), then
    publishes it from the list of approved ones; an anonymous visitor of the area page sees
    it only then."""
    title = f"Att granska {site.area} vid {width} px"
    _submit(visit("contributor", width), "observation", title, site.area)
    v = visit("analyst", width)
    page = v.go("/bidrag/moderera")
    item = page.locator("article.submission", has_text=title)
    assert item.count() == 1
    assert item.locator("select[name=visibility]").input_value() == "public"  # as sent
    item.locator("select[name=visibility]").select_option("internal")
    item.locator("input[name=note]").fill("Godkänd i testet.")
    item.locator("button[value=approve]").click()
    page.wait_for_url("**/bidrag/moderera?*done=*")
    v.check()
    assert "intern (inloggade)" in page.locator("#moderation-done").inner_text()
    assert page.locator("article.submission", has_text=title).count() == 0
    cell = page.locator("#approved tr", has_text=title).locator("td[id^='visibility-']")
    sid = (cell.get_attribute("id") or "").removeprefix("visibility-")
    assert cell.locator("select").input_value() == "internal", sid
    anon = visit(None, width)
    area_page = f"/omrade/{site.area}"
    assert title not in anon.go(area_page).locator("#partner-input").inner_text()
    # Published from the list of approved ones: the anonymous visitor reads it now.
    assert "Synligheten ändrad till offentlig" in set_visibility(page, site.base, sid, "public")
    box = page.locator("#moderation-done").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1
    v.check()
    assert title in anon.go(area_page).locator("#partner-input").inner_text()


@pytest.mark.parametrize("width", WIDTHS)
def test_admin_adds_a_user(site: Site, visit: Any, width: int) -> None:
    v = visit("admin", width)
    page = v.go("/admin")
    email = f"ny-{width}@exempelstad.example"
    form = page.locator("form#invite-form")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=name]").fill(f"Ny Användare {width}")
    form.locator("select[name=role]").select_option("contributor")
    form.locator("button[type=submit]").click()
    page.locator("#admin-done").wait_for()
    v.check("after adding a user")
    assert "/losenord/aterstall?token=" in page.locator("#invite-link").inner_text()
    assert email in page.locator("#users table").inner_text()


@pytest.mark.parametrize("width", WIDTHS)
def test_everyone_sees_the_goals_page(site: Site, visit: Any, width: int) -> None:
    for role in (None, *ACCOUNTS):
        page = visit(role, width).go("/mal")
        assert page.locator("h1").inner_text().strip()
        assert page.locator("section.goal").count() >= 1, role
        assert page.locator("section.goal .verdict").first.is_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_reader_reads_the_area_types_on_the_map_page(site: Site, visit: Any, width: int) -> None:
    """On /karta the reader picks the layer "Områdestyp": the map draws the areas in the
    area types' colours beside a titled legend that says what each colour means (each
    swatch showing its number), and the page passes axe and does not scroll sideways."""
    from omradesbild import config

    v = visit(None, width)
    page = v.go("/karta")
    page.locator("form.controls select[name=layer]").select_option("area_type")
    page.locator("form.controls button[type=submit]").click()
    page.wait_for_url("**layer=area_type*")
    page.locator("#map svg path").nth(10).wait_for(state="attached", timeout=20_000)
    legend = page.locator("#map-section .legend")
    assert legend.is_visible()
    assert legend.locator("h3").inner_text().strip() == "Områdestyp – färgen på kartan"
    items = legend.locator("li")
    assert items.count() == 5
    assert "Typ 1 – störst utmaningar" in items.nth(0).inner_text()
    assert "Typ 5 – minst utmaningar" in items.nth(4).inner_text()
    swatches = legend.locator(".swatch").evaluate_all(
        "ss => ss.map(s => [s.innerText.trim(), getComputedStyle(s).backgroundColor])"
    )
    assert swatches == [[str(k), _rgb(c)] for k, c in enumerate(config.AREA_TYPE_COLOURS, 1)]
    # The map's areas are filled with the same five colours.
    fills = page.locator("#map path.choroplethlocation").evaluate_all(
        "ps => [...new Set(ps.map(p => getComputedStyle(p).fill))]"
    )
    assert set(fills) <= {_rgb(c) for c in config.AREA_TYPE_COLOURS} and len(fills) >= 3, fills
    v.check("area types")


def test_reader_switches_the_map_to_a_layer_with_other_years(site: Site, visit: Any) -> None:
    """The map's year picker starts at "senaste (…)": switching to a layer whose latest
    year is another (the survey, every other year) shows that layer's latest year, not an
    error; a year the layer does not have is refused with a page naming its years."""
    v = visit(None, WIDTHS[0])
    page = v.go("/karta")
    picked = page.locator("form.controls select[name=period] option:checked")
    assert picked.inner_text().startswith("senaste (")
    page.locator("form.controls select[name=layer]").select_option("survey_feel_safe")
    page.locator("form.controls button[type=submit]").click()
    page.wait_for_url("**layer=survey_feel_safe*")
    options = page.locator("form.controls select[name=period] option")
    years = [y for y in options.evaluate_all("os => os.map(o => o.value)") if y]
    assert page.locator("h1").inner_text().endswith(f"({years[-1]})")
    assert picked.inner_text() == f"senaste ({years[-1]})"
    v.check("another layer")
    lacks = next(str(y) for y in range(int(years[0]), int(years[-1])) if str(y) not in years)
    page = v.go(f"/karta?layer=survey_feel_safe&period={lacks}", status=422)
    assert f"okänd period '{lacks}'" in page.locator("main").inner_text()
    assert ", ".join(years) in page.locator("main").inner_text()


@pytest.mark.parametrize("width", WIDTHS)
def test_method_explorer_recomputes_after_unticking(site: Site, visit: Any, width: int) -> None:
    v = visit(None, width)
    page = v.go("/metod")
    page.wait_for_selector("#explore-result tbody tr")
    # The default weights (e.g. 0.333) are valid values: the form can be submitted.
    assert page.evaluate("document.getElementById('explore-form').checkValidity()") is True
    # Indicators by name, the id second.
    assert "Andel" in page.locator("#weights tbody").inner_text()
    script = (
        "JSON.stringify([...document.querySelectorAll('#explore-result tbody tr')]"
        ".map(r => [r.cells[0].innerText, r.cells[1].innerText]))"
    )
    before = page.evaluate(script)
    box = page.locator("#weights input[name='include']").first
    with page.expect_response(lambda r: r.url.endswith("/api/index/explore")) as sent:
        box.uncheck()
        page.get_by_role("button", name="Räkna om").click()
    assert sent.value.status == 200, sent.value.text()
    request = json.loads(sent.value.request.post_data or "{}")
    assert box.get_attribute("value") not in request["indicators"]
    page.wait_for_function(f"b => {script} !== b", arg=before, polling=POLL_MS)
    page.wait_for_function(
        "() => /\\d+ områden/.test(document.getElementById('explore-summary').innerText)",
        polling=POLL_MS,
    )
    summary = page.locator("#explore-summary").inner_text()
    assert "422" not in summary and "{" not in summary, summary  # plurals worded
    assert re.search(r"\d+ områden, \d+ byter klass", summary), summary
    v.check("after recomputing")


@pytest.mark.parametrize("width", WIDTHS)
def test_docs_renders_the_operations_list(site: Site, visit: Any, width: int) -> None:
    v = visit(None, width)
    page = v.go("/docs", check=False)
    page.wait_for_selector(".opblock .opblock-summary-path", state="attached")
    v.check("drawn")
    paths = [
        p.replace("\u200b", "") for p in page.locator(".opblock-summary-path").all_inner_texts()
    ]
    assert "/api/index/explore" in paths
    # An operation with parameters, opened: its parameters, responses and examples pass too.
    header = page.locator(".opblock-summary-control:has([data-path='/api/areas'])")
    header.click()
    page.locator(".opblock.is-open .parameters").wait_for()
    assert header.get_attribute("aria-expanded") == "true"
    # Opening it draws its parameters, responses and examples inside its own block and
    # changes nothing outside it (the page as drawn was checked above): axe-core checks
    # that block, the opened operation, and the sideways scroll the whole page.
    assert page.locator(".opblock.is-open").count() == 1
    v.check("operation expanded", within=".opblock.is-open")


def test_every_page_passes_the_accessibility_check(site: Site, visit: Any) -> None:
    """Every page as each role sees it, including the error pages, at 1366 px (the journeys
    above check the pages they use at 390 px too, /docs among them)."""
    a, b = site.first_two
    anon = visit(None, 1366)
    for path in ("/", f"/omrade/{a}", "/karta", "/karta?layer=area_type",
                 f"/jamfor?areas={a}&areas={b}", "/metod",
                 "/nedladdning", "/mal", "/bidrag", "/insatser", "/login",
                 "/losenord/aterstall?token=x", "/?lang=en", f"/omrade/{a}?lang=en"):  # fmt: skip
        anon.go(path, status=403 if path.startswith("/losenord") else 200)
    anon.go("/finns-inte", status=404)
    anon.go("/omrade/XXXX", status=404)
    for role in ACCOUNTS:
        v = visit(role, 1366)
        v.go("/bidrag")
        v.go("/insatser")
        v.go("/konto/losenord")
        if role in ("analyst", "admin"):
            v.go("/bidrag/moderera")
        else:
            v.go("/bidrag/moderera", status=403)
        v.go("/admin", status=200 if role == "admin" else 403)
    followup = visit("analyst", 1366)
    page = followup.go("/insatser")
    href = page.locator("a[href*='/uppfoljning']").first.get_attribute("href")
    assert href
    followup.go(href)


def test_keyboard_reaches_the_content_and_skips_chart_toolbars(site: Site, visit: Any) -> None:
    """The first Tab lands on the skip link, which moves the focus to the main content; the
    map is a figure with a text alternative; the charts' toolbar buttons are out of the tab
    order."""
    v = visit(None, 1366)
    page = v.go("/")
    page.locator("#map-types .main-svg").first.wait_for(state="attached")
    label = page.locator("#map-types").get_attribute("aria-label") or ""
    assert page.locator("#map-types").get_attribute("role") == "figure" and len(label) > 20
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    assert skip.evaluate("e => e === document.activeElement")
    assert skip.is_visible() and skip.bounding_box()["y"] >= 0
    page.keyboard.press("Enter")
    page.wait_for_url("**#main")
    assert page.locator("main").evaluate("e => e === document.activeElement")
    page = v.go(f"/omrade/{site.area}")
    page.locator("#headline-plot .modebar-btn").first.wait_for(state="attached")
    tabbable = page.locator(".modebar-btn:not([tabindex='-1'])")
    assert page.locator(".modebar-btn").count() > 0 and tabbable.count() == 0
    # No toolbar button leads to another host (Plotly's logo, its "Share chart…").
    titles = page.locator(".modebar-btn").evaluate_all("bs => bs.map(b => b.dataset.title)")
    cloud = re.compile("share|dela diagram|cloud|studio", re.I)
    assert not [t for t in titles if cloud.search(t or "")], titles
    hosts = page.locator(".modebar a[href]").evaluate_all(
        "as => as.map(a => new URL(a.href, location.href).origin)"
    )
    assert set(hosts) <= {site.base}, hosts


def _contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """WCAG 2.1 contrast ratio of two sRGB colours."""

    def lum(c: tuple[int, ...]) -> float:
        lin = [x / 255 for x in c]
        lin = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in lin]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_no_page_scrolls_sideways_on_a_phone(site: Site, visit: Any) -> None:
    """At 390 px no page of the anonymous visitor is wider than the screen; the map's form
    stacks its fields; the area types' colours (those the tables draw: the reader's test)
    stand out from white by at least 3:1.

    The journeys check the pages they use at 390 px, the signed-in ones among them, for
    sideways scrolling too (:meth:`Visit.check`); of the anonymous visitor's pages, /metod
    (the method explorer's test), /docs (the operations list's) and /mal (the goals page's)
    are checked there, at every run of the module, so they are not loaded again here.
    """
    from omradesbild import config

    a, b = site.first_two
    v = visit(None, 390)
    for path in ("/", "/karta?layer=area_type", f"/omrade/{a}", "/nedladdning",
                 f"/jamfor?areas={a}&areas={b}", "/bidrag", "/insatser", "/login"):  # fmt: skip
        v.go(path, check=False)
        over = sideways_overflow(v.page)
        v.problems += [f"{v.label} {path}: scrolls sideways by {over} px"] if over else []
    v.go("/finns-inte", status=404, check=False)
    assert sideways_overflow(v.page) == 0
    # Forms stack: the fields of the map's form are one above the other.
    tops = v.go("/karta", check=False).evaluate(
        "[...document.querySelectorAll('form.controls label')]"
        ".map(l => Math.round(l.getBoundingClientRect().top))"
    )
    assert len(tops) >= 2 and len(set(tops)) == len(tops), tops
    assert sideways_overflow(v.page) == 0
    for colour in config.AREA_TYPE_COLOURS:
        rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
        assert _contrast(rgb, (255, 255, 255)) >= 3, colour


def test_boxes_that_scroll_on_a_phone_take_the_focus(site: Site, visit: Any) -> None:
    """At 390 px what scrolls sideways in its own box can be reached by the keyboard: the
    follow-up page's chart (axe-core's check, as an analyst sees it) and the start page's
    police list × area type, whose focusable box scrolls, not the table inside it."""
    followup = visit("analyst", 390)
    page = followup.go("/insatser", check=False)
    href = page.locator("a[href*='/uppfoljning']").first.get_attribute("href")
    assert href
    followup.go(href)  # axe-core: a chart that scrolls sideways is focusable
    assert page.locator("figure.fu-chart[tabindex='0']").count() == 1
    start = visit(None, 390).go("/", check=False)
    box = start.locator("#police .scroll[tabindex='0']").last
    style = box.locator("table").evaluate("t => [getComputedStyle(t).display, "
                                          "getComputedStyle(t).overflowX]")  # fmt: skip
    assert style == ["table", "visible"], style
    assert box.evaluate("b => getComputedStyle(b).overflowX") == "auto"


def test_pages_run_under_the_content_security_policy(site: Site, visit: Any) -> None:
    """The app sends its Content-Security-Policy, and under it the Plotly figures still draw
    (every visit of this module reports a violation or a script error as a failure).

    The method explorer and Swagger UI (its inline start-up script allowed by hash) draw
    under it too: the method explorer's test and the operations list's test wait, at
    1366 px as here, for the very rows and operations they draw, at every run of the
    module, so those pages are not loaded again here.
    """
    v = visit(None, 1366)
    page = v.go(f"/omrade/{site.area}", check=False)
    assert "script-src 'self'" in v.response.headers["content-security-policy"]
    page.wait_for_selector("#headline-plot svg", state="attached")
    # more than 10 areas drawn (a locator, not a string predicate: the policy forbids eval)
    v.go("/", check=False).locator("#map-types svg path").nth(10).wait_for(state="attached")
    v.go("/karta", check=False).locator("#map svg path").nth(10).wait_for(state="attached")
