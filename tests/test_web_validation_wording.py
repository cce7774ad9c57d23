"""FastAPI's own request checks (missing value, wrong type, too short or long, out of
range) answer in Swedish and English, naming the parameter and what is allowed, on every
route: the API and the pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from conftest import page_text  # noqa: E402
from helpers import log_in, web_client  # noqa: E402

HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def client(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with web_client(demo_store, tmp_path_factory.mktemp("val") / "p.sqlite", draws=10) as c:
        yield c


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


def test_pages_word_the_checks_in_the_page(client: TestClient) -> None:
    assert "högst 100 tecken" in _page(client, "/sok", q="a" * 201)
    assert "at most 100 characters" in _page(client, "/sok", q="a" * 201, lang="en")
    kommun = _page(client, "/mal", kommun="x" * 9)
    assert "kommun får vara högst 8 tecken lång; fick 9 tecken" in kommun
    assert "kommun must be at most 8 characters long; got 9" in kommun
    assert "kommun har fel form" in _page(client, "/mal", kommun="01-80")
    log_in(client)
    bad_int = _page(client, "/bidrag", offset="tio")
    assert "offset ska vara ett heltal från 0 till och med " in bad_int
    assert "offset must be a whole number from 0 to " in _page(client, "/bidrag", offset="-1")
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
