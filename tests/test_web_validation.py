"""Up-front validation: every form and API route refuses an unknown area code, indicator id,
method, period or level with 422 and a Swedish message naming the allowed values; a value
of the wrong type, length or range likewise names the parameter and what is allowed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import page_text
from helpers import HTML, form_token, log_in, web_client


@pytest.fixture(scope="module")
def client(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    partners = tmp_path_factory.mktemp("v") / "partners.sqlite"
    with web_client(demo_store, partners, draws=0) as c:
        yield c


@pytest.fixture(scope="module")
def csrf(client: TestClient) -> dict[str, str]:
    """The CSRF header for JSON writes of the module's client, logged in as an admin."""
    return log_in(client)


@pytest.fixture(scope="module")
def code(client: TestClient) -> str:
    return str(client.get("/api/areas", params={"level": "regso"}).json()[0]["area_code"])


def _refused(r: object, *named: str) -> str:
    status = getattr(r, "status_code", None)
    body = getattr(r, "text", "")
    assert status == 422, (status, body[:300])
    for word in named:
        assert word in body, (word, body[:400])
    return str(body)


# ------------------------------------------------------------------------ partners' input
def test_observation_for_an_unknown_area_is_refused(
    client: TestClient, csrf: dict[str, str], code: str
) -> None:
    body = {"kind": "observation", "title": "Trygghet", "body": "Text", "area_codes": ["XYZ123"]}
    r = client.post("/api/submissions", json=body, headers=csrf)
    _refused(r, "okänd områdeskod", "XYZ123", code[:4])
    ok = client.post("/api/submissions", json={**body, "area_codes": [code]}, headers=csrf)
    assert ok.status_code == 201, ok.text
    sid = ok.json()["id"]
    patch = client.patch(
        f"/api/submissions/{sid}",
        json={"area_codes": f"{code}, XYZ123", "version": ok.json()["version"]},
        headers=csrf,
    )
    _refused(patch, "okänd områdeskod", "XYZ123")
    assert client.get(f"/api/submissions/{sid}").json()["area_codes"] == [code]


def test_observation_form_with_an_unknown_area_is_refused_on_the_page(
    client: TestClient, csrf: dict[str, str]
) -> None:
    token = form_token(client, "/bidrag")
    r = client.post(
        "/bidrag",
        data={"kind": "observation", "title": "T", "body": "B", "area_codes": "XYZ123",
              "csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )  # fmt: skip
    page = _refused(r, "XYZ123")
    assert "okänd områdeskod" in page


def test_intervention_for_an_unknown_area_or_indicator_is_refused(
    client: TestClient, csrf: dict[str, str], code: str
) -> None:
    body = {
        "type": "program",
        "title": "Läxhjälp",
        "start_period": "2020",
        "area_codes": ["ZZZ999"],
        "goals": [{"indicator": "foo_bar"}],
    }
    _refused(client.post("/api/interventions", json=body, headers=csrf), "ZZZ999")
    r = client.post("/api/interventions", json={**body, "area_codes": [code]}, headers=csrf)
    detail = _refused(r, "foo_bar", "okänt värde", "tillåtna värden", "unemployment_16_64")
    assert "goals" in detail
    good = {**body, "area_codes": [code], "goals": [{"indicator": "unemployment_16_64"}]}
    assert client.post("/api/interventions", json=good, headers=csrf).status_code == 201
    assert client.get("/api/interventions").json()[-1]["area_codes"] == [code]


def test_intervention_form_with_an_unknown_indicator_is_refused_on_the_page(
    client: TestClient, csrf: dict[str, str], code: str
) -> None:
    token = form_token(client, "/insatser")
    form = {"type": "program", "title": "T", "start_period": "2020", "area_codes": code,
            "goals": "foo_bar", "csrf_token": token}  # fmt: skip
    r = client.post("/insatser", data=form, headers=HTML)
    _refused(r, "foo_bar")
    r = client.post("/insatser", data={**form, "area_codes": "ZZZ999", "goals": ""})
    _refused(r, "ZZZ999")


# ----------------------------------------------------------------------- query parameters
@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("/api/submissions?area_code=XYZ123", "XYZ123"),
        ("/api/interventions?area_code=XYZ123", "XYZ123"),
        ("/bidrag?area_code=XYZ123", "XYZ123"),
        ("/jamfor?areas=XYZ123&areas=ZZZ999", "XYZ123"),
        ("/api/indicators/values?indicator=foo_bar", "unemployment_16_64"),
        ("/karta?layer=foo_bar", "index"),
        ("/insatser/1/uppfoljning?indicator=foo_bar", "unemployment_16_64"),
        ("/api/index?method=nope", "scb-omradestyp"),
        ("/metod?method=nope", "scb-omradestyp"),
        ("/api/index?period=1850", "2012"),
        ("/api/export/index.csv?period=1850", "2012"),
        ("/api/areas?level=zz", "regso"),
        ("/karta?level=zz", "regso"),
    ],
)
def test_unknown_query_values_are_422_naming_the_allowed_ones(
    client: TestClient, url: str, named: str
) -> None:
    r = client.get(url)
    detail = _refused(r, named)
    assert "okän" in detail  # Swedish first


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"method": "nope"}, "scb-omradestyp"),
        ({"level": "zz"}, "regso"),
        ({"period": "1850"}, "2012"),
        ({"indicators": ["foo_bar"]}, "edu_low_25_64"),
        ({"weights": {"foo_bar": 1}}, "edu_low_25_64"),
        ({"method": "brott-trygghet", "weights": {"edu_low_25_64": 1}}, "trygghet"),
        ({"indicators": []}, "minst en indikator"),
        ({"weights": {"edu_low_25_64": -1}}, "≥ 0"),
        (
            {"weights": {"edu_low_25_64": 0, "low_econ_standard": 0, "ekbist_longterm_20_64": 0}},
            "summerar till 0",
        ),
    ],
)
def test_method_explorer_body_is_checked_up_front(
    client: TestClient, body: dict[str, object], named: str
) -> None:
    r = client.post("/api/index/explore", json=body)
    detail = _refused(r, named)
    assert r.json()["error"] == "InputError", detail


def test_html_error_page_names_the_allowed_values(client: TestClient) -> None:
    r = client.get("/karta?layer=foo_bar", headers=HTML)
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert "foo_bar" in r.text and "index" in r.text


def test_known_values_pass_the_gate(client: TestClient, code: str) -> None:
    for url in (
        f"/api/submissions?area_code={code}",
        f"/api/interventions?area_code={code}",
        "/api/indicators/values?indicator=unemployment_16_64",
        "/karta?layer=index",
    ):
        assert client.get(url).status_code == 200, url


# ------------------------------------------ FastAPI's own checks: type, length and range
def _detail(client: TestClient, url: str, **params: object) -> str:
    r = client.get(url, params=params)
    assert r.status_code == 422, (url, params, r.status_code, r.text[:300])
    assert r.json()["error"] == "RequestValidationError"
    return str(r.json()["detail"])


def test_api_search_messages_name_the_parameter_and_the_allowed_range(
    client: TestClient,
) -> None:
    empty = _detail(client, "/api/search", q="")
    assert empty == (
        "q ska vara 1–100 tecken lång; fick 0 tecken / q must be 1–100 characters long; got 0"
    )
    assert "String should" not in empty
    assert _detail(client, "/api/search") == (
        "q saknas: ett värde måste anges / q is missing: a value is required"
    )
    limit = _detail(client, "/api/search", q="x", limit=0)
    assert limit == (
        "limit ska vara ett heltal från 1 till och med 200; fick '0' / "
        "limit must be a whole number from 1 to 200; got '0'"
    )
    word = _detail(client, "/api/search", q="x", limit="tio")
    assert word.startswith("limit ska vara ett heltal från 1 till och med 200; fick 'tio'")
    long = _detail(client, "/api/search", q="a" * 201)
    assert long.startswith("q ska vara 1–100 tecken lång; fick 201 tecken / ")


def test_explore_body_names_the_field_and_its_range(client: TestClient) -> None:
    r = client.post("/api/index/explore", json={"draws": -1})
    assert r.status_code == 422 and r.json()["error"] == "RequestValidationError"
    assert r.json()["detail"].startswith("draws ska vara ett heltal från 0 till och med ")


def _page(client: TestClient, url: str, **params: object) -> str:
    r = client.get(url, params=params, headers=HTML)
    assert r.status_code == 422, (url, params, r.status_code)
    assert r.headers["content-type"].startswith("text/html")
    return page_text(r.text)


def test_pages_word_the_checks_in_the_page(client: TestClient, csrf: dict[str, str]) -> None:
    assert "högst 100 tecken" in _page(client, "/sok", q="a" * 201)
    assert "at most 100 characters" in _page(client, "/sok", q="a" * 201, lang="en")
    kommun = _page(client, "/mal", kommun="x" * 9)
    assert "kommun får vara högst 8 tecken lång; fick 9 tecken" in kommun
    assert "kommun must be at most 8 characters long" not in kommun  # the page's language
    english = _page(client, "/mal", kommun="x" * 9, lang="en")
    assert "kommun must be at most 8 characters long; got 9" in english
    assert "högst 8 tecken" not in english
    assert "kommun har fel form" in _page(client, "/mal", kommun="01-80")
    bad_int = _page(client, "/bidrag", offset="tio")
    assert "offset ska vara ett heltal från 0 till och med " in bad_int
    assert "offset must be a whole number from 0 to " in _page(
        client, "/bidrag", offset="-1", lang="en"
    )
    assert "Input should" not in bad_int and "String should" not in kommun


KINDS = [
    ("missing", {}),
    ("int_parsing", {}),
    ("float_parsing", {}),
    ("greater_than_equal", {"ge": 1}),
    ("less_than", {"lt": 2.5}),
    ("string_too_short", {"min_length": 1}),
    ("string_too_long", {"max_length": 100}),
    ("literal_error", {"expected": "'a' or 'b'"}),
    ("bool_parsing", {}),
    ("string_pattern_mismatch", {"pattern": "^[0-9]+$"}),
    ("value_error", {}),
    ("json_invalid", {}),
]


@settings(max_examples=60, deadline=None)
@given(
    name=st.from_regex(r"[a-z_]{1,20}", fullmatch=True),
    place=st.sampled_from(["query", "path", "body", "header"]),
    kind=st.sampled_from(KINDS),
    value=st.one_of(st.text(max_size=300), st.integers(), st.none()),
)
def test_every_message_names_the_parameter_in_both_languages(
    name: str, place: str, kind: tuple[str, dict[str, object]], value: object
) -> None:
    from omradesbild.web.errors import validation_message

    err = {"loc": (place, name), "type": kind[0], "ctx": kind[1], "input": value, "msg": "m"}
    message = validation_message(err)
    sv, _, en = message.partition(" / ")
    assert sv.startswith(name) and en.startswith(name), message
    assert "{" in str(value) or "{" not in message, message  # every placeholder filled
    assert len(message) < 600  # long values are cut


def test_an_area_asked_for_at_another_level_is_a_422_naming_its_levels(
    client: TestClient, code: str
) -> None:
    """A stored RegSO asked for at level deso is not "not in the store" (a 404): it is a 422
    saying, in the page's language first, at which levels the area is; a code that is
    stored nowhere stays a 404, worded in Swedish too."""
    for url in (f"/omrade/{code}?level=deso", f"/api/areas/{code}?level=deso"):
        body = _refused(client.get(url, headers=HTML), "finns inte på nivån", "regso", code)
        assert "finns inte" in page_text(body) and "inget område med koden" not in body
    missing = client.get("/omrade/XYZ999?level=deso", headers=HTML)
    assert missing.status_code == 404
    assert "finns inte" in page_text(missing.text)
    api = client.get("/api/areas/XYZ999")
    assert api.status_code == 404 and "inget område med koden 'XYZ999'" in api.json()["detail"]


def test_partner_lists_name_the_areas_before_their_codes(
    client: TestClient, csrf: dict[str, str], code: str
) -> None:
    """The contributions list (as on the moderation and interventions pages) shows an
    area by its name, the code second, not by the code alone."""
    area = next(a for a in client.get("/api/areas", params={"level": "regso"}).json()
                if a["area_code"] == code)  # fmt: skip
    body = {"kind": "observation", "title": "Namn först", "body": "Text", "area_codes": [code]}
    assert client.post("/api/submissions", json=body, headers=csrf).status_code == 201
    html = client.get("/bidrag", headers=HTML).text
    row = next(r for r in html.split("<tr") if "Namn först" in r)
    assert f"<td>{area['name']} ({code})</td>" in row


# ------------------------------------- values the store has but the layer or index has not
@dataclass(frozen=True)
class Gaps:
    """Years, layers and methods the store has but a layer, an index or a level has not."""

    indicator: str  # an indicator of the default level with fewer years than the level
    held: list[str]  # its years
    lacks: str  # a year of the level it lacks
    method: str  # an index with fewer years than the level
    index_years: list[str]
    index_lacks: str
    other: str  # a method computed at the default level but not at ``nowhere``
    nowhere: str
    not_at_deso: str  # an indicator of the default level that DeSO has not


@pytest.fixture(scope="module")
def gaps(client: TestClient) -> Gaps:
    """From the app's own data: an indicator of the default level with fewer years than the
    level and a year it lacks, an index method with fewer years than the level and a year
    it lacks, and a method that can be computed at the default level but not at another."""
    data = client.app.state.data  # type: ignore[attr-defined]
    lv = data.level("regso")
    years: dict[str, list[str]] = {}
    for period, ind in lv.by_period_indicator:
        years.setdefault(ind, []).append(period)
    ind, held = next((i, sorted(p)) for i, p in years.items() if len(p) < len(lv.periods))
    from omradesbild.web.cache import shipped_method_ids

    index = {m: data.try_index(m, lv) for m in shipped_method_ids()}
    ix = next(x for x in index.values() if x is not None and len(x.periods) < len(lv.periods))
    levels = data.info().level_names()
    other, nowhere = next(
        (m, lvl)
        for m, x in index.items()
        for lvl in levels
        if x is not None and data.try_index(m, data.level(lvl)) is None
    )
    return Gaps(
        indicator=ind, held=held, lacks=next(p for p in lv.periods if p not in held),
        method=ix.method.id, index_years=ix.periods,
        index_lacks=next(p for p in lv.periods if p not in ix.periods),
        other=other, nowhere=nowhere,
        not_at_deso=next(i for i in lv.indicator_ids if i not in data.level("deso").indicator_ids),
    )  # fmt: skip


def _period_refused(r: object, lacks: str, held: list[str]) -> None:
    body = _refused(r, f"okänd period '{lacks}'", f"unknown period '{lacks}'")
    assert ", ".join(held) in body, body[:400]  # names the layer's own years


def test_map_refuses_a_year_the_layer_does_not_have(client: TestClient, gaps: Gaps) -> None:
    """A year the store has but the map's indicator or index does not is a 422 naming the
    layer's years, as a page or as JSON, never the layer's latest year shown instead."""
    ind, lacks, held = gaps.indicator, gaps.lacks, gaps.held
    _period_refused(client.get(f"/karta?layer={ind}&period={lacks}"), lacks, held)
    page = client.get(f"/karta?layer={ind}&period={lacks}", headers=HTML)
    assert page.status_code == 422 and "text/html" in page.headers["content-type"]
    assert f"okänd period '{lacks}'" in page_text(page.text)
    method, years = gaps.method, gaps.index_years
    url = f"/karta?layer=index&method={method}&period={gaps.index_lacks}"
    _period_refused(client.get(url), gaps.index_lacks, years)
    ok = client.get(f"/karta?layer={ind}&period={held[0]}", headers=HTML)
    assert ok.status_code == 200 and f"({held[0]})</h1>" in ok.text


def test_map_refuses_a_layer_or_method_the_level_does_not_have(
    client: TestClient, gaps: Gaps
) -> None:
    """An indicator the level does not have is refused in Swedish and English; a method
    whose index cannot be computed at the level is refused when the index is asked for,
    by ``layer=index`` or by the method alone, not replaced by an indicator."""
    absent = gaps.not_at_deso
    body = _refused(client.get(f"/karta?layer={absent}&level=deso"), f"'{absent}'")
    assert "okänt värde" in body and "unknown value" in body and "low_econ_standard" in body
    method, level = gaps.other, gaps.nowhere
    for url in (f"/karta?method={method}&level={level}",
                f"/karta?layer=index&method={method}&level={level}"):  # fmt: skip
        body = _refused(client.get(url), f"indexet {method} kan inte beräknas på nivån {level}")
        assert f"the index {method} cannot be computed at the level {level}" in body
    # Another layer at that level still shows, whatever the method picker says.
    assert client.get(f"/karta?method={method}&level={level}&layer=area_type").status_code == 200


def test_map_form_keeps_the_latest_year_when_no_year_was_picked(
    client: TestClient, gaps: Gaps
) -> None:
    """The year picker's first choice is the layer's latest (an empty ``period``): the form
    sent from the default map to a layer with other years shows that layer's latest."""
    plain = client.get("/karta", headers=HTML).text
    assert '<option value="" selected>senaste (' in plain
    ind, held = gaps.indicator, gaps.held
    r = client.get(f"/karta?layer={ind}&period=&method=scb-omradestyp", headers=HTML)
    assert r.status_code == 200, r.text[:300]
    assert f"({held[-1]})</h1>" in r.text
    assert f'<option value="" selected>senaste ({held[-1]})</option>' in r.text
    picked = client.get(f"/karta?layer={ind}&period={held[0]}", headers=HTML).text
    assert f'<option value="{held[0]}" selected>' in picked
    assert '<option value="" selected>' not in picked


def test_api_refuses_a_year_the_index_or_indicators_do_not_have(
    client: TestClient, gaps: Gaps
) -> None:
    """The index table and its downloads, the Excel workbook with a method, and the
    indicator values refuse a year the index or the indicators asked for do not have."""
    method, lacks, years = gaps.method, gaps.index_lacks, gaps.index_years
    for url in ("/api/index", "/api/export/index.csv", "/api/export/excel.xlsx"):
        _period_refused(client.get(f"{url}?method={method}&period={lacks}"), lacks, years)
    ind, held = gaps.indicator, gaps.held
    url = f"/api/indicators/values?indicator={ind}&period={gaps.lacks}"
    _period_refused(client.get(url), gaps.lacks, held)
    url = f"/api/indicators/values?indicator={gaps.not_at_deso}&level=deso"
    assert "okänt värde" in _refused(client.get(url), "low_econ_standard")
    for url in ("/api/index", "/api/export/index.csv", "/api/export/excel.xlsx"):
        r = client.get(f"{url}?method={gaps.other}&level={gaps.nowhere}")
        body = _refused(r, f"indexet {gaps.other} kan inte beräknas på nivån {gaps.nowhere}")
        assert f"the index {gaps.other} cannot be computed at the level {gaps.nowhere}" in body
    # Without a method the default method's workbook; an empty value is no value.
    for url in (
        f"/api/export/excel.xlsx?level={gaps.nowhere}",
        "/api/index?period=",
        f"/api/export/index.csv?method={method}&period=",
        "/api/indicators/values?period=",
    ):
        assert client.get(url).status_code == 200, url


def test_area_api_says_which_year_its_index_is_of(
    client: TestClient, gaps: Gaps, code: str
) -> None:
    """An area asked for in a year without the index gives that year's indicators and the
    index of its own (the latest) year, saying so in ``index.period`` and in the heading of
    the area page's index section."""
    method, lacks, years = gaps.method, gaps.index_lacks, gaps.index_years
    doc = client.get(f"/api/areas/{code}?method={method}&period={lacks}").json()
    assert doc["period"] == lacks
    assert doc["index"]["period"] == years[-1]
    html = client.get(f"/omrade/{code}?method={method}&period={lacks}", headers=HTML).text
    heading = html.split('<section id="index">', 1)[1].split("</h2>", 1)[0]
    assert heading.endswith(f" ({years[-1]})"), heading
    same = client.get(f"/api/areas/{code}?method={method}&period={years[0]}").json()
    assert same["index"]["period"] == same["period"] == years[0]


def test_api_boundary_version_and_empty_indicator(client: TestClient) -> None:
    """An unknown boundary ``version`` is refused naming the level's versions in Swedish
    and English, like the other query values; an empty ``indicator`` is none (all)."""
    levels = client.get("/api/levels").json()
    level = levels[0]["level"]
    versions = ", ".join(sorted(r["version"] for r in levels if r["level"] == level))
    for url in ("/api/areas", "/api/geojson", "/api/indicators/values"):
        body = _refused(client.get(f"{url}?level={level}&version=x1"), "'x1'")
        assert f"okänt värde 'x1' för version; tillåtna värden: {versions} / " in body
        assert f"unknown value 'x1' of version; allowed values: {versions}" in body
    every = client.get("/api/indicators/values?indicator=").json()
    assert every["indicators"] == client.get("/api/indicators/values").json()["indicators"]


# ------------------------------------------------------- the error page and its wording
def test_error_page_shows_the_message_without_an_english_prefix_and_the_banner(
    client: TestClient,
) -> None:
    from omradesbild.wording import text

    r = client.get("/karta", params={"period": "1999"}, headers=HTML)
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    shown = page_text(r.text)
    assert "field 'period'" not in shown
    assert "okänd period '1999'; perioder med uppgifter: 2012" in shown
    assert text("synthetic", "sv") in shown  # the demo store's banner, as on other pages
    api = client.get("/api/areas", params={"level": "regso", "period": "1999"})
    assert api.status_code == 422
    assert api.json()["detail"].startswith("okänd period '1999'; perioder med uppgifter: 2012")


AREA_1999 = "/omrade/9999R043"
SWEDISH_1999 = "okänd period '1999'; perioder med uppgifter: 2012"
ENGLISH_1999 = "unknown period '1999'; periods with data: 2012"


@pytest.mark.parametrize("lang", ["sv", "en", None])
def test_an_error_page_shows_the_error_in_the_pages_language_alone(
    client: TestClient, lang: str | None
) -> None:
    """A 422 of the area page made by ``both()`` reads in the page's language only (the
    app's language, Swedish, when the request names none)."""
    params = {"period": "1999"} | ({} if lang is None else {"lang": lang})
    r = client.get(AREA_1999, params=params, headers=HTML)
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    texts = {"sv": SWEDISH_1999, "en": ENGLISH_1999}
    shown = texts.pop(lang or "sv")
    assert shown in page_text(r.text) and texts.popitem()[1] not in page_text(r.text)


def test_an_api_error_is_in_the_language_the_request_names(client: TestClient) -> None:
    """JSON errors: in ``?lang=``'s language alone; without it in Swedish and English."""
    for url in (AREA_1999, "/api/areas/9999R043"):
        english = client.get(url, params={"period": "1999", "lang": "en"}).json()["detail"]
        assert english.startswith(ENGLISH_1999) and "okänd" not in english
        swedish = client.get(url, params={"period": "1999", "lang": "sv"}).json()["detail"]
        assert swedish.startswith(SWEDISH_1999) and "unknown" not in swedish
        unnamed = client.get(url, params={"period": "1999"}).json()["detail"]
        assert unnamed.startswith(SWEDISH_1999) and f" / {ENGLISH_1999}" in unnamed
    checked = client.get("/api/search", params={"q": "", "lang": "en"}).json()["detail"]
    assert checked == "q must be 1–100 characters long; got 0"


def test_every_error_of_the_package_is_worded_in_one_language() -> None:
    """An error made with ``both()`` keeps each language's text (also after pickling);
    the command line's "svenska / English" stays as it was."""
    import pickle

    from omradesbild.errors import ConfigError, InputError, NotFoundError
    from omradesbild.web.errors import error_detail
    from omradesbild.wording import both

    store = NotFoundError(both("err_svc_no_obs", version="regso2020"))
    assert str(store) == f"{error_detail(store, 'sv')} / {error_detail(store, 'en')}"
    assert error_detail(store, "en") == "the store holds no observations of regso2020 areas"
    again = pickle.loads(pickle.dumps(store))
    assert str(again) == str(store) and again.worded("sv") == store.worded("sv")
    param = InputError(both("web_unknown_value", value="'x'", param="lang", allowed="sv, en"),
                       field="lang")  # fmt: skip
    assert str(param).startswith("field 'lang': okänt värde 'x' för lang; ")
    assert error_detail(param, "en") == "unknown value 'x' of lang; allowed values: sv, en"
    plain = ConfigError("an English text only")
    assert error_detail(plain, "sv") == "an English text only"


def test_checked_period_names_the_level_in_both_languages() -> None:
    from omradesbild.errors import InputError
    from omradesbild.web.validation import checked_period

    assert checked_period("2022", ["2022"], level="regso") == "2022"
    with pytest.raises(InputError) as of_index:
        checked_period("1999", ["2021", "2022"], level="regso", of="scb-omradestyp")
    assert of_index.value.message == (
        "okänd period '1999'; perioder med uppgifter: 2021, 2022 (scb-omradestyp, nivån regso)"
        " / unknown period '1999'; periods with data: 2021, 2022 (scb-omradestyp, level regso)"
    )
    with pytest.raises(InputError) as of_level:
        checked_period("1999", ["2022"], level="deso")
    assert of_level.value.message == (
        "okänd period '1999'; perioder med uppgifter: 2022 (nivån deso)"
        " / unknown period '1999'; periods with data: 2022 (level deso)"
    )


def test_compare_refusals_in_swedish_and_english(client: TestClient, code: str) -> None:
    one = client.get("/jamfor", params={"areas": [code]})
    assert one.status_code == 422
    assert one.json()["detail"] == "jämför 2–4 områden, 1 angavs / compare 2–4 areas, got 1"
    found = client.get("/jamfor", params={"find": ["a", "b", "c", "d", "e"]})
    assert found.status_code == 422
    assert found.json()["detail"] == "jämför 2–4 områden, 5 angavs / compare 2–4 areas, got 5"
    twice = client.get("/jamfor", params={"areas": [code, code]})
    assert twice.status_code == 422
    assert twice.json()["detail"] == (
        "samma område anges två gånger / the same area is given twice"
    )
