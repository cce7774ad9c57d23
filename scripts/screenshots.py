"""Screenshots of the web app on real data: the start page, an area page and the goals page.

Usage::

    python scripts/screenshots.py --data PATH/TO/shared/data --out screenshots/
    python scripts/screenshots.py --db real.duckdb --out screenshots/ --area 0180R036

With ``--data`` the store is built first (``OUT/real.duckdb``) from the SCB tables, the DeSO
boundaries, the police's areas and list and the crime reports in that folder, through the
same ``omradesbild ingest`` commands the README shows; ``--db`` uses a store built before.
The web app then runs on 127.0.0.1 (an empty partners' database in ``OUT``), and headless
Chromium (Playwright; ``$OMRADESBILD_CHROMIUM`` or ``chromium`` on PATH, else Playwright's
own) writes full-page PNGs ``OUT/{start,area,goals}-{width}.png`` at 1366 and 390 px.
Nothing leaves the machine: every request to another host is refused.

Requires the ``web`` and ``dev`` extras (``pip install -e '.[web,dev]'``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: The pages shot: (file stem, path; ``{area}`` is the area's code, ``{lang}`` the language).
PAGES = (
    ("start", "/?lang={lang}"),
    ("area", "/omrade/{area}?lang={lang}"),
    ("goals", "/mal?lang={lang}"),
)
#: The figure each page draws last, waited for before the shot when the page has it.
DRAWN = {"start": "#map-types", "area": "#headline-plot", "goals": None}
WIDTHS = (1366, 390)


def ingest_plan(data: Path) -> list[tuple[str, list[Path], list[str]]]:
    """The ingest commands for the real data folder ``data``: (command, files, options)."""
    scb = data / "scb"
    return [
        ("scb-key", [scb / "koppling-deso2018-regso2020.csv"], []),
        ("scb-xlsx", sorted((scb / "deso2018_tables_2022").glob("*.xlsx")), []),
        ("boundaries", [data / "geo" / "stockholms_lan_deso2018_simplified.geojson"], []),
        ("police-areas", [data / "police" / "uso_2023" / "uso_2023.shp"], ["--year", "2023"]),
        ("police-list", [data / "police" / "utsatta_omraden_2025_list.csv"], []),
        ("crime", sorted((data / "crime").glob("*.csv")), []),
    ]


def build_store(data: Path, db: Path) -> Path:
    """A new store at ``db`` with the real files of ``data`` ingested (the CLI's commands)."""
    from omradesbild.cli.main import main

    if db.exists():
        db.unlink()

    def run(args: list[str]) -> None:
        print("omradesbild", " ".join(args[:2]), "…", file=sys.stderr)
        try:
            main([*args, "--db", str(db)])
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise SystemExit(f"omradesbild {' '.join(args[:2])} failed ({exc.code})") from exc

    for command, files, options in ingest_plan(data):
        missing = [f for f in files if not f.exists()] or ([] if files else [data])
        if missing:
            raise SystemExit(f"{missing[0]}: not found; --data must be the real data folder")
        run(["ingest", command, *(str(f) for f in files), *options])
    return db


@contextmanager
def running_app(db: Path, out: Path, kommun: str) -> Iterator[str]:
    """The web app on ``db`` under uvicorn on a free loopback port; yields its base URL."""
    import socket

    import uvicorn

    from omradesbild.web.app import create_app
    from omradesbild.web.settings import WebSettings

    partners = out / "partners.sqlite"
    settings = WebSettings(store_path=db, partners_url=f"sqlite:///{partners}", kommun=kommun)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    app = create_app(settings, warm=False)  # only three pages are asked for: no precomputing
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    worker = threading.Thread(target=server.run, daemon=True)
    worker.start()
    for _ in range(1200):
        if server.started or not worker.is_alive():
            break
        time.sleep(0.1)
    if not server.started:
        raise SystemExit("the web app did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        worker.join(timeout=30)


def local_only(route: Any) -> None:
    """Let requests to this machine through; refuse every other."""
    if route.request.url.startswith(("http://127.0.0.1", "data:", "blob:", "about:")):
        route.continue_()
    else:
        route.abort()


def wait_drawn(page: Any, figure: str) -> None:
    """Wait until plotly.js has drawn into ``figure``; say so on stderr if it never does."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.locator(f"{figure} .main-svg").first.wait_for(state="attached")
    except PlaywrightTimeout:
        print(f"{page.url}: {figure} was not drawn in time; shot as it is", file=sys.stderr)


def shoot(base: str, out: Path, *, area: str, lang: str, timeout_s: float) -> list[Path]:
    """Full-page PNGs of :data:`PAGES` at each of :data:`WIDTHS` in ``out``."""
    from playwright.sync_api import sync_playwright

    exe = os.environ.get("OMRADESBILD_CHROMIUM") or shutil.which("chromium")
    written: list[Path] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        for width in WIDTHS:
            ctx = browser.new_context(
                viewport={"width": width, "height": 900 if width > 600 else 844},
                is_mobile=width < 600,
            )
            page = ctx.new_page()
            page.set_default_timeout(timeout_s * 1000)
            page.route("**/*", local_only)
            for stem, path in PAGES:
                response = page.goto(base + path.format(area=area, lang=lang))
                if response is None or response.status != 200:
                    status = response.status if response else "no answer"
                    raise SystemExit(f"{path.format(area=area, lang=lang)}: HTTP {status}")
                figure = DRAWN[stem]
                if figure and page.locator(figure).count():
                    wait_drawn(page, figure)
                page.wait_for_load_state("networkidle")
                png = out / f"{stem}-{width}.png"
                page.screenshot(path=str(png), full_page=True)
                written.append(png)
                print(png, file=sys.stderr)
            ctx.close()
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    """Parse the options, build or open the store, serve it and write the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path, help="the real data folder: build a store from it")
    source.add_argument("--db", type=Path, help="a store built before")
    parser.add_argument("--out", type=Path, default=Path("screenshots"), help="folder of PNGs")
    parser.add_argument("--area", default="0180R036", help="area of the area page (Husby)")
    parser.add_argument("--kommun", default="0180", help="city of the start and goals pages")
    parser.add_argument("--lang", choices=("sv", "en"), default="sv")
    parser.add_argument("--timeout", type=float, default=600, help="seconds a page may take")
    args = parser.parse_args(argv)

    args.out.mkdir(parents=True, exist_ok=True)
    db = build_store(args.data, args.out / "real.duckdb") if args.data else args.db
    if not db.exists():
        parser.error(f"--db {db}: no such store")
    with running_app(db, args.out, args.kommun) as base:
        shoot(base, args.out, area=args.area, lang=args.lang, timeout_s=args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
