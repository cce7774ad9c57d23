"""Static files: gzip, ETag, immutable versioned URLs, the favicon, /docs from the package."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from omradesbild.web.app import create_app
from omradesbild.web.assets import IMMUTABLE, REVALIDATE, AssetRegistry, make_asset
from omradesbild.web.settings import WebSettings

GZIP = {"accept-encoding": "gzip"}
PLAIN = {"accept-encoding": "identity"}


@pytest.fixture(scope="module")
def client(demo_store: Path) -> Iterator[TestClient]:
    with TestClient(create_app(WebSettings(store_path=demo_store, draws=0), warm=False)) as c:
        yield c


@pytest.mark.parametrize(
    "url",
    ["/static/web.css", "/static/metod.js", "/static/vendor/plotly.min.js",
     "/static/vendor/plotly-geo-assets.js", "/static/vendor/plotly-locale-sv.js",
     "/static/swagger/swagger-ui-bundle.js"],
)  # fmt: skip
def test_static_files_are_sent_gzipped_to_clients_that_accept_it(
    client: TestClient, url: str
) -> None:
    packed = client.get(url, headers=GZIP)
    plain = client.get(url, headers=PLAIN)
    assert packed.status_code == plain.status_code == 200
    assert packed.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert "accept-encoding" in packed.headers["vary"].lower()
    assert int(packed.headers["content-length"]) < int(plain.headers["content-length"])
    assert packed.content == plain.content  # httpx decodes the gzip body
    assert packed.headers["etag"] == plain.headers["etag"]
    assert packed.headers["x-content-type-options"] == "nosniff"  # inside the guards


def test_plotly_is_sent_compressed_to_a_third() -> None:
    registry = AssetRegistry()
    from importlib import resources

    path = Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))
    registry.add_file("/static/vendor/plotly.min.js", path)
    asset = registry.get("/static/vendor/plotly.min.js")
    assert asset is not None and asset.gzipped is not None
    assert len(asset.gzipped) < len(asset.body) / 3
    assert gzip.decompress(asset.gzipped) == asset.body


def test_etag_answers_304_and_versioned_urls_are_immutable(client: TestClient) -> None:
    html = client.get("/metod", headers={"accept": "text/html"}).text
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert any(u.startswith("/static/web.css?v=") for u in urls), urls
    assert any(u.startswith("/static/metod.js?v=") for u in urls), urls
    for url in urls:
        assert "?v=" in url, url
        r = client.get(url)
        assert r.status_code == 200, url
        assert r.headers["cache-control"] == IMMUTABLE.decode(), url
        again = client.get(url, headers={"if-none-match": r.headers["etag"]})
        assert again.status_code == 304 and again.content == b"", url
        assert again.headers["etag"] == r.headers["etag"]
    bare = client.get("/static/web.css")
    assert bare.headers["cache-control"] == REVALIDATE.decode()
    wrong = client.get("/static/web.css?v=0000")  # an old version: not kept for a year
    assert wrong.headers["cache-control"] == REVALIDATE.decode()
    changed = client.get("/static/web.css", headers={"if-none-match": '"other"'})
    assert changed.status_code == 200 and changed.content


def test_unknown_and_escaping_static_paths_are_404(client: TestClient) -> None:
    for url in ("/static/nope.css", "/static/%2e%2e/app.py", "/static/swagger/..%2f..%2fapp.py"):
        assert client.get(url).status_code == 404, url
    assert client.post("/static/web.css").status_code in (404, 405)


def test_favicon_is_the_projects_svg(client: TestClient) -> None:
    r = client.get("/favicon.ico")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/svg+xml"
    assert r.text.startswith("<svg") and "Områdesbild" in r.text
    assert "http" not in r.text.replace("http://www.w3.org/2000/svg", "")
    html = client.get("/", headers={"accept": "text/html"}).text
    assert re.search(r'<link rel="icon" href="/static/favicon\.svg\?v=\w+"', html)


def test_docs_uses_swagger_ui_5_from_the_installed_package(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    srcs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert srcs and all(s.startswith("/static/") for s in srcs), srcs
    js = next(s for s in srcs if "swagger-ui-bundle.js" in s)
    bundle = client.get(js).text
    version = re.search(r'PACKAGE_VERSION:"(\d+)\.', bundle)
    assert version is not None and int(version.group(1)) >= 5  # reads OpenAPI 3.1
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")


def test_make_asset_skips_gzip_when_it_does_not_pay() -> None:
    small = make_asset(b"x" * 10, "a.css")
    assert small.gzipped is None and small.media_type.startswith("text/css")
    big = make_asset(b"body { color: red }\n" * 200, "a.css")
    assert big.gzipped is not None and gzip.decompress(big.gzipped) == big.body
    assert make_asset(b"a", "a.css").version != make_asset(b"b", "a.css").version
