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


def test_an_offline_context_records_and_refuses_outside_requests(
    browser: Any, tmp_path: Path
) -> None:
    """``browser_helpers.offline_context``: a request to a name or to an address off the
    machine is recorded and fails (the proxy refuses it), a loopback server is reached."""
    from browser_helpers import offline_context
    from conftest import serve_in_thread

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/html")]})  # fmt: skip
        await send({"type": "http.response.body", "body": b"<p id=local>here</p>"})

    outside_urls = ["https://example.invalid/x.png", "http://192.0.2.1/y.png"]
    with serve_in_thread(app) as base:
        html = tmp_path / "p.html"
        html.write_text(
            "<html><body>"
            + "".join(f"<img src='{u}'>" for u in outside_urls)
            + f"<iframe src='{base}/'></iframe></body></html>"
        )
        ctx, outside = offline_context(browser)
        try:
            page = ctx.new_page()
            failed: list[str] = []
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.goto(html.as_uri())
            page.frame_locator("iframe").locator("#local").wait_for()
            page.wait_for_function("[...document.images].every(i => i.complete)")
        finally:
            ctx.close()
    assert sorted(outside) == sorted(outside_urls)
    assert sorted(failed) == sorted(outside_urls)
