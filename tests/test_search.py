"""Finding an area by name or code (omradesbild.services.search): any area's own name finds
it whatever the case and accents, exact names and codes come first, labels put the name
before the code; on the synthetic city and on SCB's real RegSO names."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from omradesbild.errors import InputError
from omradesbild.services.search import (
    MATCHES,
    MAX_QUERY,
    AreaHit,
    SearchIndex,
    build_index,
    fold,
    resolve_area,
    search_areas,
    search_index,
    search_names,
)

LETTERS = "abcdefghijklmnopqrstuvwxyzåäöéüABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖÉ"
NAMES = st.text(alphabet=LETTERS + " -", min_size=1, max_size=20).filter(lambda s: fold(s) != "")


@st.composite
def indexes(draw: st.DrawFn) -> SearchIndex:
    """An index of 1–30 areas with unique codes, random Swedish-looking names and levels."""
    n = draw(st.integers(1, 30))
    names = draw(st.lists(NAMES, min_size=n, max_size=n))
    levels = draw(st.lists(st.sampled_from(["deso", "regso", "district", "kommun"]),
                           min_size=n, max_size=n))  # fmt: skip
    kommun = draw(st.sampled_from([None, "Exempelstad", "Örebro"]))
    hits = [
        AreaHit(
            code=f"9999X{i:04d}",
            name=nm,
            level=lv,
            kommun_code="9999" if kommun else None,
            kommun_name=kommun,
        )
        for i, (nm, lv) in enumerate(zip(names, levels, strict=True))
    ]
    return build_index(hits)


def test_fold() -> None:
    assert fold("Sjöängen") == "sjoangen"
    assert fold("  Rinkeby-Kista ") == "rinkeby kista"
    assert fold("HUSBY") == fold("husby") == "husby"
    assert fold("Husby (Stockholm) — RegSO, 0180R036") == "husby stockholm regso 0180r036"


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(index=indexes(), data=st.data())
def test_an_areas_own_name_finds_it(index: SearchIndex, data: st.DataObject) -> None:
    hit = data.draw(st.sampled_from(index.hits))
    for query in (hit.name, hit.name.upper(), hit.name.lower(), fold(hit.name), hit.code.lower()):
        found = search_areas(index, query, limit=None)
        assert hit.code in [h.code for h in found.hits], query
        assert found.n_found == len(found.hits)
    # A part of the name finds it too.
    name = fold(hit.name)
    i = data.draw(st.integers(0, len(name) - 1))
    j = data.draw(st.integers(i + 1, len(name)))
    assume(fold(name[i:j]))
    assert hit.code in [h.code for h in search_areas(index, name[i:j], limit=None).hits]
    # Its label (what the pickers offer) names it first, its code last, and finds it alone.
    label = hit.labelled()
    assert label.startswith(hit.name) and label.endswith(hit.code)
    assert search_areas(index, label).target == hit.model_copy(update={"match": "code"})


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(index=indexes(), query=NAMES)
def test_hits_are_ordered_by_match(index: SearchIndex, query: str) -> None:
    found = search_areas(index, query, limit=None)
    ranks = [MATCHES.index(h.match) for h in found.hits]
    assert ranks == sorted(ranks)
    assert len({h.code for h in found.hits}) == len(found.hits)
    # Straight to an area only when it is the one hit, or the one exact hit.
    exact = [h for h in found.hits if h.match in ("code", "name")]
    if found.target is not None:
        assert len(found.hits) == 1 or exact == [found.target]
    else:
        assert len(found.hits) != 1 and len(exact) != 1
    limited = search_areas(index, query, limit=2)
    assert limited.hits == found.hits[:2] and limited.n_found == found.n_found


def _index() -> SearchIndex:
    def hit(code: str, name: str, level: str, kommun: str | None = "Stockholm") -> AreaHit:
        return AreaHit(code=code, name=name, level=level, kommun_code="0180" if kommun else None,
                       kommun_name=kommun)  # fmt: skip

    return build_index([
        hit("0180C6310", "del av Husby", "deso"),
        hit("0180R036", "Husby", "regso"),
        hit("2083R004", "Långshytte-Husby området", "regso", "Hedemora"),
        hit("0380R019", "Norra Luthagen-Börjetull-Husbyborg", "regso", "Uppsala"),
        hit("0180R076", "Rinkeby", "regso"),
        hit("0180", "Stockholm", "kommun", None),
    ])  # fmt: skip


def test_exact_names_and_codes_first() -> None:
    index = _index()
    found = search_areas(index, "husby")
    # The exact name, then names with a word starting so: larger levels first, by name.
    assert [h.code for h in found.hits] == [
        "0180R036", "2083R004", "0380R019", "0180C6310"
    ]  # fmt: skip
    assert [h.match for h in found.hits] == ["name", "word", "word", "word"]
    assert [h.match for h in search_areas(index, "usby").hits] == ["part"] * 4
    assert found.target is not None and found.target.code == "0180R036"
    assert search_areas(index, "0180r036").target.code == "0180R036"  # type: ignore[union-attr]
    assert search_areas(index, "Husby Stockholm").target.code == "0180R036"  # type: ignore[union-attr]
    assert search_areas(index, "RINKEBY").target.code == "0180R076"  # type: ignore[union-attr]
    # Several prefix hits, none exact: a list.
    assert search_areas(index, "hus").target is None
    assert search_areas(index, "husby", level="deso").target.code == "0180C6310"  # type: ignore[union-attr]
    assert search_areas(index, "zzz").hits == ()


def test_bad_queries() -> None:
    index = _index()
    for q in ("", "   ", "—,"):
        with pytest.raises(InputError, match="name or code"):
            search_areas(index, q)
    with pytest.raises(InputError, match=f"at most {MAX_QUERY}"):
        search_areas(index, "a" * (MAX_QUERY + 1))


def test_resolve_area() -> None:
    index = _index()
    assert resolve_area(index, "Rinkeby").code == "0180R076"
    with pytest.raises(InputError, match="hus") as exc:
        resolve_area(index, "hus")
    assert "Husby (Stockholm) — RegSO, 0180R036" in str(exc.value)
    with pytest.raises(InputError, match="zzz"):
        resolve_area(index, "zzz")


def test_the_synthetic_city(demo_store: Path) -> None:
    from omradesbild.store import Store

    with Store(demo_store, read_only=True) as store:
        index = search_index(store)
        en = search_index(store, lang="en")
        areas = store.areas()
    levels = {h.level for h in index.hits}
    assert {"deso", "regso", "district", "kommun"} <= levels
    assert not levels & {"country", "police_area"}
    regso = areas[areas["level"] == "regso"]
    for code, name in zip(regso["area_code"], regso["name"], strict=True):
        found = search_areas(index, fold(name).upper())
        assert found.target is not None and found.target.code == code, name
        assert found.target.kommun_name == "Exempelstad (syntetisk)"
    # A DeSO is named after its RegSO, in the page's language.
    deso = [h for h in index.hits if h.level == "deso"]
    assert deso and all(h.name.startswith("del av ") for h in deso)
    assert all(h.name.startswith("part of ") for h in en.hits if h.level == "deso")
    # DeSO in one RegSO share that name: the code told last keeps every hit apart.
    labels = [h.labelled() for h in deso]
    assert len({h.name for h in deso}) < len(deso) and len(set(labels)) == len(labels)
    assert all(label.endswith(f" — DeSO, {h.code}") for h, label in zip(deso, labels, strict=True))


@pytest.mark.realdata
def test_husby_is_found_in_the_real_key(shared_data: Path, tmp_path: Path) -> None:
    from conftest import run_cli
    from omradesbild.store import Store

    db = tmp_path / "key.duckdb"
    key = shared_data / "scb" / "koppling-deso2018-regso2020.csv"
    run_cli(["ingest", "scb-key", str(key), "--db", str(db)])
    with Store(db, read_only=True) as store:
        index = search_index(store)
    for q in ("Husby", "husby", "HUSBY", "0180R036", "Husby Stockholm"):
        found = search_areas(index, q)
        assert found.target is not None, q
        assert (found.target.code, found.target.name, found.target.level) == (
            "0180R036", "Husby", "regso"
        ), q  # fmt: skip
        assert found.target.kommun_name == "Stockholm"
    found = search_areas(index, "rinkeby")
    assert found.target is not None and found.target.code == "0180R076"
    assert any(h.level == "deso" and h.name == "del av Rinkeby" for h in found.hits)


def test_search_names_finds_indicators_by_swedish_name() -> None:
    from omradesbild.services.area import catalogue_names

    names, _, _ = catalogue_names("sv")
    found = search_names(names, "LAG EKONOMISK")
    assert found[0] == ("low_econ_standard", names["low_econ_standard"])
    assert ("high_econ_standard", names["high_econ_standard"]) in search_names(names, "ekonomisk")
    assert search_names(names, "low_econ_standard")[0][0] == "low_econ_standard"
    assert search_names(names, "zzqx") == () and search_names(names, " ") == ()


def test_a_district_without_a_kommun_field_gets_it_from_the_crosswalk(
    demo_store: Path, tmp_path: Path
) -> None:
    """A district stored with no parent kommun and no kommun attribute (a city's layer
    without the field) is shown with the kommun of the RegSO linked to it, like a RegSO."""
    import shutil

    from helpers import app_client
    from omradesbild.store import Store

    db = tmp_path / "districts.duckdb"
    shutil.copy(demo_store, db)
    with Store(db) as store:
        store.con.execute(
            "UPDATE areas SET parent_code = NULL, parent_level = NULL, parent_version = NULL, "
            "attributes = NULL WHERE level = 'district'"
        )
    with Store(db, read_only=True) as store:
        index = search_index(store)
    districts = [h for h in index.hits if h.level == "district"]
    assert len(districts) == 8
    for h in districts:
        assert (h.kommun_code, h.kommun_name) == ("9999", "Exempelstad (syntetisk)"), h
        assert h.labelled() == f"{h.name} (Exempelstad (syntetisk)) — stadsdel, {h.code}"
    name = districts[0].name
    with app_client(db, tmp_path / "p.sqlite", draws=5) as client:
        hit = client.get("/api/search", params={"q": name, "level": "district"}).json()["hits"][0]
        assert hit["kommun_name"] == "Exempelstad (syntetisk)"
        assert "(Exempelstad (syntetisk))" in hit["label"]
        params = {"q": "exempelstad", "level": "district"}
        page = client.get("/sok", params=params, headers={"accept": "text/html"}).text
        for h in districts:
            assert f">{h.name}</a> (Exempelstad (syntetisk))" in page, h.name


@pytest.mark.realdata
def test_city_districts_are_found_with_their_kommun(shared_data: Path, tmp_path: Path) -> None:
    from omradesbild.sources.boundaries import read_known_boundaries
    from omradesbild.store import Store

    db = tmp_path / "districts.duckdb"
    with Store(db) as store:
        for name in ("stockholm_stadsdelar.geojson", "malmo_delomraden.gpkg"):
            store.ingest_areas(read_known_boundaries(shared_data / "geo" / name))
    with Store(db, read_only=True) as store:
        index = search_index(store)
    for q, kommun in (("Akalla", "Stockholm"), ("Klagshamn", "Malmö")):
        found = search_areas(index, q, level="district")
        assert found.target is not None, q
        assert found.target.kommun_name == kommun, found.target
