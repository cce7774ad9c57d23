"""A period the store has but a level or an area has not, and the comparison's ``level`` and
``period``: refused with a 422 naming what there is (Swedish first, then English), or
honoured, never ignored; a 404 only for an area the store does not hold."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from conftest import page_text
from helpers import HTML, web_client


@dataclass(frozen=True)
class GapStore:
    """The demo store with a year no level has and a DeSO without data in its first year."""

    client: TestClient
    extra: str  # a year of the store that no level has indicators in
    gap: str  # a DeSO without observations in ``first``
    first: str  # the first year of the levels
    held: list[str]  # the years of ``gap``
    other: str  # another DeSO (with data in ``first``)


@pytest.fixture(scope="module")
def gaps(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GapStore]:
    import duckdb

    folder = tmp_path_factory.mktemp("period-gaps")
    db = folder / "gaps.duckdb"
    shutil.copy(demo_store, db)
    con = duckdb.connect(str(db))
    deso = [c for (c,) in con.execute(
        "SELECT DISTINCT area_code FROM areas WHERE level = 'deso' ORDER BY 1 LIMIT 2"
    ).fetchall()]  # fmt: skip
    periods = [p for (p,) in con.execute(
        "SELECT DISTINCT period FROM observations ORDER BY 1"
    ).fetchall()]  # fmt: skip
    first = periods[0]
    extra = str(int(first) - 1)
    # A variable no indicator reads: the store has the year, no level has data in it.
    con.execute(
        "INSERT INTO observations SELECT area_code, area_version, 'x_not_read', ?, revision, "
        "value, unit, missing_reason, source_id, ingested_at FROM observations "
        "WHERE area_code = ? LIMIT 1",
        [extra, deso[0]],
    )
    con.execute("DELETE FROM observations WHERE area_code = ? AND period = ?", [deso[0], first])
    con.close()
    with web_client(db, folder / "partners.sqlite", draws=0) as c:
        yield GapStore(client=c, extra=extra, gap=deso[0], first=first,
                       held=[p for p in periods if p != first], other=deso[1])  # fmt: skip


def _refused(r: object, *named: str) -> str:
    status, body = getattr(r, "status_code", None), str(getattr(r, "text", ""))
    assert status == 422, (status, body[:300])
    for word in named:
        assert word in body, (word, body[:500])
    return body


def test_a_year_the_level_lacks_is_a_422_naming_the_levels_years(gaps: GapStore) -> None:
    """``/api/areas/{code}`` and ``/omrade/{code}`` with a year of the store that the level
    has no indicators in: a 422 in Swedish and English naming the level's years, as JSON
    and as a page (it was a 404 in English only)."""
    c, code, extra = gaps.client, gaps.gap, gaps.extra
    years = ", ".join([gaps.first, *gaps.held])
    sv = f"okänd period '{extra}' för nivån deso; perioder med uppgifter på nivån: {years}"
    en = f"unknown period '{extra}' at the level deso; periods with data at the level: {years}"
    doc = _refused(c.get(f"/api/areas/{code}?period={extra}"), sv, en)
    assert c.get(f"/api/areas/{code}?period={extra}").json()["error"] == "InputError", doc
    page = c.get(f"/omrade/{code}?period={extra}", headers=HTML)
    assert "text/html" in page.headers["content-type"]
    assert sv in page_text(_refused(page))
    english = c.get(f"/omrade/{code}?period={extra}&lang=en", headers=HTML)
    assert en in page_text(_refused(english))


def test_a_year_the_area_lacks_is_a_422_naming_the_areas_years(gaps: GapStore) -> None:
    """An area asked for in a year its level has but it has no data in is refused naming
    the area's own years (it was an empty profile of that year); another area of the
    level is shown in that year, and an area the store does not hold stays a 404."""
    c, code, first = gaps.client, gaps.gap, gaps.first
    held = ", ".join(gaps.held)
    sv = f"okänd period '{first}' för området {code}; perioder med uppgifter för området: {held}"
    en = f"unknown period '{first}' for the area {code}; periods with data for the area: {held}"
    _refused(c.get(f"/api/areas/{code}?period={first}"), sv, en)
    _refused(c.get(f"/omrade/{code}?period={first}", headers=HTML), "okänd period")
    ok = c.get(f"/api/areas/{gaps.other}?period={first}")
    assert ok.status_code == 200 and ok.json()["period"] == first
    assert c.get(f"/api/areas/{code}?period={gaps.held[0]}").status_code == 200
    assert c.get(f"/api/areas/{code}").json()["period"] == gaps.held[-1]
    assert c.get("/api/areas/XYZ999?period=2015").status_code == 404


def test_compare_shows_the_year_asked_for(gaps: GapStore) -> None:
    """``/jamfor?period=`` gives each area's indicators of that year (it showed the latest
    whatever was asked) and the index's own year in a row of its table; a year one of the
    areas has no data in is a 422 naming its years."""
    c, first = gaps.client, gaps.first
    year = gaps.held[0]
    html = c.get(f"/jamfor?areas={gaps.other}&areas={gaps.gap}&period={year}", headers=HTML)
    assert html.status_code == 200, html.text[:300]
    head = html.text.split('<section id="compare-indicators">', 1)[1].split("</thead>", 1)[0]
    assert head.count(f"({year})</th>") == 2, head
    latest = c.get(f"/jamfor?areas={gaps.other}&areas={gaps.gap}", headers=HTML).text
    head = latest.split('<section id="compare-indicators">', 1)[1].split("</thead>", 1)[0]
    assert head.count(f"({gaps.held[-1]})</th>") == 2, head
    assert '<td class="num period">' in latest
    url = f"/jamfor?areas={gaps.other}&areas={gaps.gap}&period={first}"
    _refused(c.get(url), f"okänd period '{first}' för området {gaps.gap}", ", ".join(gaps.held))
    _refused(c.get(url + "&lang=en", headers=HTML), "unknown period")


def test_compare_honours_the_level_and_keeps_it_in_the_form(gaps: GapStore) -> None:
    """``/jamfor?level=`` finds each area at that level: an area that is not there is a
    422 naming its levels (it was shown at its own level); the form's search keeps the
    level and the year in its redirect."""
    c = gaps.client
    regso = [a["area_code"] for a in c.get("/api/areas?level=regso").json()[:2]]
    url = f"/jamfor?areas={regso[0]}&areas={regso[1]}"
    body = _refused(c.get(url + "&level=deso"), "finns inte på nivån", "regso")
    assert "is not at the level" in body
    assert c.get(url + "&level=regso", headers=HTML).status_code == 200
    year = gaps.held[0]
    r = c.get(f"/jamfor?find={regso[0]}&find={regso[1]}&level=regso&period={year}",
              follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert "level=regso" in r.headers["location"] and f"period={year}" in r.headers["location"]
    page = c.get(r.headers["location"], headers=HTML).text
    assert f'name="period" value="{year}"' in page and 'name="level" value="regso"' in page


@pytest.mark.parametrize("field", ["kind", "status"])
def test_submission_filters_refuse_values_no_submission_has(gaps: GapStore, field: str) -> None:
    """A ``kind`` or ``status`` no submission can have is a 422 naming the allowed ones
    (it was an empty list, as if there were none)."""
    c = gaps.client
    allowed = {"kind": "observation, analysis, proposal",
               "status": "draft, submitted, approved, rejected"}[field]  # fmt: skip
    for url in ("/api/submissions", "/api/submissions/export.csv"):
        body = _refused(c.get(f"{url}?{field}=nope"), "okänt värde 'nope'", allowed)
        assert "unknown value 'nope'" in body
    known = allowed.split(", ")[0]
    assert c.get(f"/api/submissions?{field}={known}").status_code == 200


def test_an_index_the_areas_level_cannot_have_is_refused(gaps: GapStore) -> None:
    """An index ``method`` asked for that cannot be computed at the area's level is a 422
    on the area page, ``/api/areas/{code}`` and ``/jamfor`` (as on ``/karta``); they
    showed the area without an index, as if none were asked for."""
    from omradesbild.web.cache import shipped_method_ids

    c, code = gaps.client, gaps.other
    data = c.app.state.data  # type: ignore[attr-defined]
    method = next(m for m in shipped_method_ids() if data.try_index(m, data.level("deso")) is None)
    sv = f"indexet {method} kan inte beräknas på nivån deso"
    en = f"the index {method} cannot be computed at the level deso"
    for url in (f"/api/areas/{code}?method={method}", f"/omrade/{code}?method={method}",
                f"/jamfor?areas={code}&areas={gaps.gap}&method={method}"):  # fmt: skip
        _refused(c.get(url), sv, en)
    assert (
        "text/html"
        in c.get(f"/omrade/{code}?method={method}", headers=HTML).headers["content-type"]
    )
    assert c.get(f"/api/areas/{code}").status_code == 200
    assert c.get(f"/jamfor?areas={code}&areas={gaps.gap}", headers=HTML).status_code == 200
