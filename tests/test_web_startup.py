"""Start-up precomputation: the server is ``ready`` once the default level and the start
page are computed, ``warm`` once every area page is prepared; a prepared page is the page a
first visit renders."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from omradesbild.web.app import create_app
from omradesbild.web.cache import clear_caches
from omradesbild.web.routes import pages
from omradesbild.web.settings import WebSettings


def test_prepared_pages_equal_first_renderings(
    demo_store: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    partners = tmp_path_factory.mktemp("startup") / "partners.sqlite"
    settings = WebSettings(store_path=demo_store, partners_url=f"sqlite:///{partners}")
    clear_caches()
    app = create_app(settings, warm=True)
    with TestClient(app) as client:
        deadline = time.monotonic() + 600
        status = client.get("/api/status").json()
        while not status["warm"] and time.monotonic() < deadline:
            time.sleep(0.2)
            status = client.get("/api/status").json()
        assert status["ready"] and status["warm"]
        codes = sorted(app.state.data.level(settings.level).names)
        assert status["pages_prepared"] == len(codes) > 10
        picked = [codes[0], codes[len(codes) // 2], codes[-1]]
        rendered: list[str] = []
        render = pages.render_area_page

        def counted(request: Any, data: Any, view: Any, *args: Any, **kw: Any) -> bytes:
            rendered.append(view.profile.code)
            return render(request, data, view, *args, **kw)

        monkeypatch.setattr(pages, "render_area_page", counted)
        prepared = {url: client.get(url).text for url in ["/", *[f"/omrade/{c}" for c in picked]]}
        assert rendered == []  # served as prepared at start-up
        clear_caches()  # the same pages rendered afresh by a first visit
        for url, body in prepared.items():
            fresh = client.get(url)
            assert fresh.status_code == 200
            assert fresh.text == body, url
        assert rendered == picked
        assert "<html" in prepared[f"/omrade/{picked[0]}"]
        assert picked[0] in prepared[f"/omrade/{picked[0]}"]
