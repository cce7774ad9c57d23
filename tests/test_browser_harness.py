"""The browser harness itself: pages run offline, and outside requests are caught."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def test_outside_requests_are_caught(offline_page: tuple[Any, list[str]], tmp_path: Path) -> None:
    page, outside = offline_page
    html = tmp_path / "p.html"
    html.write_text(
        "<html><body><img src='https://example.invalid/x.png'>"
        "<script>document.body.dataset.ready = 'yes'</script></body></html>"
    )
    page.goto(html.as_uri())
    assert page.evaluate("document.body.dataset.ready") == "yes"
    assert outside == ["https://example.invalid/x.png"]
