"""The offline demo builds a store from the synthetic city and computes both pictures.

The run checked here is the one that built the session's ``demo_store``: that fixture runs
``omradesbild demo --out <folder>`` and keeps what it printed beside the store
(``conftest.DEMO_STDOUT``), so the city is built once per test run, not once more here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import DEMO_STDOUT
from omradesbild.store import Store

INDEX_CSVS = ("index_scb-omradestyp_regso.csv", "index_brott-trygghet_regso.csv")


@pytest.fixture(scope="module")
def demo_run(demo_store: Path) -> tuple[Path, str]:
    """The folder ``omradesbild demo`` wrote (this process's copy of it) and what it printed."""
    out = demo_store.parent
    return out, (out / DEMO_STDOUT).read_text(encoding="utf-8")


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its path relative to it, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_demo_is_labelled_synthetic(demo_run: tuple[Path, str]) -> None:
    out, text = demo_run
    assert "SYNTETISKA DATA" in text
    readme = (out / "sources" / "README.txt").read_text(encoding="utf-8").lower()
    assert "synt" in readme


def test_demo_store_holds_the_city(demo_run: tuple[Path, str]) -> None:
    out, _ = demo_run
    with Store(out / "exempelstad.duckdb", read_only=True) as s:
        info = s.summary()
        n = {(a["level"], a["version"]): a["n"] for a in info["areas"]}
        assert n[("deso", "deso2018")] == 150
        assert n[("regso", "regso2020")] == 45
        assert n[("district", "exempelstad2024")] == 8
        assert info["periods"][0] == "2012" and info["periods"][-1] == "2024"
        titles = s.sources()["title"]
        assert titles.str.contains("SYNTETISKA DATA").sum() >= 140


def test_demo_prints_both_pictures(demo_run: tuple[Path, str]) -> None:
    out, text = demo_run
    assert "Index scb-omradestyp för 45 RegSO, 2024" in text
    assert "Index brott-trygghet för 45 RegSO" in text
    # one synthetic city: its classes are relative to the city, not SCB's national types
    assert "relativt staden: klass 1" in text
    assert "Områdestyp 1" not in text
    assert (out / "index_scb-omradestyp_regso.csv").exists()


def test_demo_is_reproducible(demo_run: tuple[Path, str], tmp_path: Path) -> None:
    """Same inputs, same result bit for bit, shown link by link of the demo's chain.

    1. The city generated again from the same seed and written again gives the same
       source files, byte for byte, as those the demo wrote and ingested (generation and
       the writers, GeoPackages and xlsx included).
    2. Ingesting the same files gives the same store: pinned, for the statistics'
       ingest the demo uses (``ingest_observation_files``), by
       ``tests/test_ingest_workers.py``. (Ingesting the city once more here would cost
       more CPU than the rest of this module.)
    3. Both indices computed again from the demo's store give the same CSVs, byte for
       byte, as the demo wrote (the Monte-Carlo draws included).
    """
    from omradesbild.demo import demo_indices
    from omradesbild.synthetic import generate_city, write_city_files

    out, text = demo_run
    again = tmp_path / "sources"
    write_city_files(generate_city(), again)
    wrote = _files(out / "sources")
    assert len(wrote) > 100
    assert _files(again) == wrote

    with Store(out / "exempelstad.duckdb", read_only=True) as store:
        demo_indices(store, tmp_path)
    for name in INDEX_CSVS:
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name
    n_sources = re.search(r"\((\d+) (?:källor|sources),", text)
    assert n_sources is not None and int(n_sources.group(1)) > 100, text[:500]


def test_demo_builds_the_report_site(demo_run: tuple[Path, str]) -> None:
    out, text = demo_run
    site = out / "site" / "index.html"
    assert site.exists()
    assert len(list((out / "site" / "profiles").glob("*.html"))) == 45
    # The printed path is the site in the folder the command wrote; under pytest-xdist one
    # worker ran it and this process reads a copy of that folder.
    store = re.search(r"inlästa i (\S+) \(", text)
    assert store is not None, text[:500]
    printed = Path(store.group(1)).parent.resolve() / "site" / "index.html"
    assert str(printed) in text
    assert printed.read_bytes() == site.read_bytes()
