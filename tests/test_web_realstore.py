"""The web app on the store built from the real files: what only the national data shows
(3 363 RegSO, thousands in the numbers)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

fastapi = pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from conftest import page_text  # noqa: E402
from helpers import HTML, app_client  # noqa: E402

HUSBY = "0180R036"


@pytest.fixture(scope="module")
def client(real_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    partners = tmp_path_factory.mktemp("real-web") / "partners.sqlite"
    with app_client(real_store, partners, draws=10) as c:
        yield c


@pytest.mark.parametrize(("lang", "n"), [("sv", "3 363"), ("en", "3,363")])
def test_the_rank_is_written_alike_in_the_summary_and_the_index_box(
    client: TestClient, lang: str, n: str
) -> None:
    """Husby's rank among the 3 363 RegSO: the summary and the index box below it both
    write the count with the page's thousands separator."""
    html = client.get(f"/omrade/{HUSBY}?lang={lang}", headers=HTML).text
    summary = re.search(r'<dd class="rank">(.*?)</dd>', html, flags=re.S)
    box = re.search(r'<td class="num rank">(.*?)</td>', html, flags=re.S)
    assert summary is not None and box is not None
    of = "av" if lang == "sv" else "of"
    assert f" {of} {n}" in page_text(summary.group(1))
    assert page_text(box.group(1)).endswith(f" {of} {n}")
    rank = page_text(box.group(1)).split(f" {of} ")[0]
    assert page_text(summary.group(1)).startswith(f"{rank} {of} {n}")


@pytest.mark.parametrize(("lang", "n"), [("sv", "3 363"), ("en", "3,363")])
def test_the_comparison_writes_the_rank_with_the_thousands_separator(
    client: TestClient, lang: str, n: str
) -> None:
    html = client.get(f"/jamfor?areas={HUSBY}&areas=0180R076&lang={lang}", headers=HTML).text
    row = re.search(r"<tr><th>(?:Rang|Rank)</th>(.*?)</tr>", html, flags=re.S)
    assert row is not None
    of = "av" if lang == "sv" else "of"
    cells = [page_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))]
    assert len(cells) == 2 and all(c.endswith(f" {of} {n}") for c in cells), cells
