"""Checks the browser tests share: axe-core's accessibility rules and sideways scrolling,
and browser contexts that cannot leave the machine.

axe-core comes from the installed ``axe-playwright-python`` package (its bundled
``axe.min.js``), so the check runs offline.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: Where a page may load from without leaving the machine.
LOCAL_URLS = (
    "file://", "data:", "blob:", "about:",
    *(f"{s}://{h}" for s in ("http", "https") for h in ("127.0.0.1", "localhost")),
)  # fmt: skip

#: A loopback port bound but never listening: a connection to it is refused at once.
_REFUSING = socket.socket()
_REFUSING.bind(("127.0.0.1", 0))


def offline_context(browser: Any, **options: Any) -> tuple[Any, list[str]]:
    """A new context of ``browser`` (``options`` go to ``new_context``) from which no request
    leaves the machine, and the list that records each request that tried.

    Every request but those to loopback goes through a proxy at a port that refuses
    connections, so it fails at once, and each one the context's pages send is recorded.
    (Routing every request through the test process instead, with ``page.route``, would
    turn off the browser's cache and cost a round trip per request, where a web page of the
    app loads Plotly and its styles at every visit.)
    """
    port = _REFUSING.getsockname()[1]
    proxy = {"server": f"http://127.0.0.1:{port}", "bypass": "127.0.0.1,localhost,[::1]"}
    ctx = browser.new_context(proxy=proxy, **options)
    outside: list[str] = []
    ctx.on("request", lambda r: None if r.url.startswith(LOCAL_URLS) else outside.append(r.url))
    return ctx, outside


@contextmanager
def own_lists(page: Any, outside: list[str], *, console: bool = False) -> Iterator[list[str]]:
    """One test's part of a page its module's tests share (one context, so that Chromium
    compiles plotly.js once for them all): ``outside``, the list of requests that tried to
    leave the machine, is emptied at the start; the list yielded gets the uncaught script
    errors of the test's pages (and their console errors with ``console``); at the end the
    listeners are removed and the context's cookies cleared (a login ends with the test)."""
    outside.clear()
    errors: list[str] = []

    def on_console(m: Any) -> None:
        if m.type == "error":
            errors.append(m.text)

    def on_error(e: Any) -> None:
        errors.append(f"pageerror: {e}")

    page.on("pageerror", on_error)
    if console:
        page.on("console", on_console)
    try:
        yield errors
    finally:
        page.remove_listener("pageerror", on_error)
        if console:
            page.remove_listener("console", on_console)
        page.context.clear_cookies()


#: Each drawn chart of a report page (``div.plot[data-chart]``): its name and its counts of
#: SVG roots, paths and map area shapes, counted in the page in one call (an element handle
#: per path, and a map has hundreds, would cost a round trip to the browser each).
CHART_COUNTS_JS = """() => [...document.querySelectorAll('div.plot[data-chart]')].map(d => [
  d.dataset.chart, d.querySelectorAll('svg.main-svg').length,
  d.querySelectorAll('svg.main-svg path').length,
  d.querySelectorAll('path.choroplethlocation').length])"""


#: How often a ``wait_for_function`` condition is looked at, in ms. Playwright's default
#: looks at every animation frame, which keeps Chromium drawing frames (and its CPU busy)
#: while the page lays out its charts.
POLL_MS = 100


#: The impacts that fail a page (axe-core grades minor, moderate, serious, critical).
FAILING_IMPACTS = frozenset({"serious", "critical"})

#: The rule sets checked: WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


def axe_problems(
    page: Any, *, tags: tuple[str, ...] = WCAG_TAGS, skip: tuple[str, ...] = (), within: str = ""
) -> list[str]:
    """The serious and critical axe-core violations on ``page``, one line per rule.

    Each line names the rule, its impact, how many elements break it, the first few
    elements' selectors and axe's summary of what to fix, so a failing assertion says where
    to look. ``skip`` names rules not to run; ``within``, a CSS selector, limits the check
    to the elements it selects (and theirs), the whole document when empty. An empty list
    means the page passes. Only the rules tagged ``tags`` run (no best-practice or
    experimental ones), and axe-core's 570 kB script is sent to a document once, not at
    every check of it.
    """
    from axe_playwright_python.base import AxeResults
    from axe_playwright_python.sync_playwright import Axe

    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": list(tags)},
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": False} for rule in skip},
    }
    if page.evaluate("() => typeof window.axe") == "undefined":  # not yet on this document
        page.evaluate(Axe().axe_script)
    run = "([within, options]) => axe.run(within || document, options)"
    results = AxeResults(page.evaluate(run, [within, options]))
    out: list[str] = []
    for rule in results.response["violations"]:
        if rule.get("impact") not in FAILING_IMPACTS:
            continue
        nodes = rule["nodes"]
        where = ", ".join(" ".join(str(t) for t in n.get("target", [])) for n in nodes[:3])
        summary = " ".join(str(nodes[0].get("failureSummary", "")).split()) if nodes else ""
        out.append(f"{rule['id']} ({rule['impact']}) on {len(nodes)} element(s) [{where}]: "
                   f"{summary[:240]}")  # fmt: skip
    return out


def sideways_overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than its viewport (0 when it does not scroll
    sideways)."""
    width = int(page.evaluate("document.documentElement.scrollWidth"))
    viewport = int(page.evaluate("document.documentElement.clientWidth"))
    return max(0, width - viewport)


def check_page(page: Any, label: str, *, skip: tuple[str, ...] = (), within: str = "") -> list[str]:
    """Every problem of the page now shown: axe's serious or critical violations (but the
    rules in ``skip``; in the part at the CSS selector ``within`` only, when given) and a
    sideways scroll, each line prefixed with ``label``."""
    problems = [f"{label}: {p}" for p in axe_problems(page, skip=skip, within=within)]
    over = sideways_overflow(page)
    if over:
        problems.append(f"{label}: scrolls sideways by {over} px")
    return problems


def page_key(url: str, *, signed_in: str | None, state: str = "") -> tuple[str, str, str]:
    """What makes a page distinct for the accessibility check: its path with every segment
    that holds a digit (area codes, ids) as ``*``, its query's names (and the language), who
    sees it and ``state`` (what was done on the page since it loaded).

    ``signed_in`` is the role of the visitor, or None; it counts on the partners' pages
    (``/bidrag``, ``/insatser``, ``/admin``: what they show depends on the role), elsewhere
    only whether someone is signed in (the header then names the user and offers to log out).
    """
    from urllib.parse import parse_qsl, urlsplit

    parts = urlsplit(url)
    path = "/".join("*" if any(c.isdigit() for c in seg) else seg for seg in parts.path.split("/"))
    query = sorted(k if k != "lang" else f"lang={v}" for k, v in parse_qsl(parts.query, True))
    if signed_in is None:
        who = "anonymous"
    elif path.startswith(PARTNER_PAGES):
        who = signed_in
    else:
        who = "signed-in"
    return f"{path}?{'&'.join(query)}", who, state


#: Pages whose content depends on the role of the visitor signed in.
PARTNER_PAGES = ("/bidrag", "/insatser", "/admin")


def set_visibility(page: Any, base: str, submission: str, visibility: str) -> str:
    """On the moderation page (``page``, of an analyst or administrator), change the
    visibility of the approved contribution ``submission`` (its id) in the list of approved
    ones; return the page's confirmation once it is shown again with the new choice."""
    cell = page.locator(f"#visibility-{submission}")
    cell.scroll_into_view_if_needed()
    select = cell.locator("select[name=visibility]")
    button = cell.locator("button[type=submit]")
    assert select.is_visible() and button.is_visible()
    select.select_option(visibility)
    button.click()
    page.wait_for_url(f"{base}/bidrag/moderera?*done=visibility*")
    assert page.locator(f"#visibility-{submission} select").input_value() == visibility
    done = page.locator("#moderation-done")
    assert done.is_visible()
    return str(done.inner_text())


def log_in(page: Any, base: str, who: tuple[str, str]) -> None:
    """Log in on ``page`` through the web app's form at ``base``, as ``who`` (e-mail and
    password), and check the header then offers to log out."""
    page.goto(f"{base}/login?next=/bidrag")
    page.fill("input[name=email]", who[0])
    page.fill("input[name=password]", who[1])
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{base}/bidrag*")
    assert page.locator("header .account form[action='/logout']").count() == 1, who[0]


def seeded_demo_app(demo_store: Path, folder: Path, **settings: Any) -> Any:
    """The web app (not warmed) on a copy of the demo store in ``folder`` with the seeded
    partners (``seed_demo``: organisations, users of every role, observations,
    interventions) in a SQLite database beside it; ``settings`` go to ``WebSettings``."""
    import shutil

    from sqlalchemy.orm import Session

    from omradesbild.partners.db import init_db, make_engine
    from omradesbild.partners.seed import seed_demo
    from omradesbild.store import Store
    from omradesbild.web.app import create_app
    from omradesbild.web.settings import WebSettings

    store = folder / "demo.duckdb"
    shutil.copy(demo_store, store)
    url = f"sqlite:///{folder / 'partners.sqlite'}"
    engine = make_engine(url)
    init_db(engine)
    with Store(store, read_only=True) as st, Session(engine) as session:
        seed_demo(session, st)
        session.commit()
    engine.dispose()
    return create_app(WebSettings(store_path=store, partners_url=url, **settings), warm=False)
