"""The offline demo builds a store from the synthetic city and computes both pictures."""

from __future__ import annotations

from pathlib import Path

import pytest

from omradesbild.cli.main import main
from omradesbild.store import Store


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("demo")
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        try:
            main(["demo", "--out", str(out)])
        except SystemExit as exc:
            assert exc.code in (0, None)
    return out, buf.getvalue()


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


def test_demo_is_reproducible(demo_store: Path, demo_run: tuple[Path, str]) -> None:
    import re

    out, text = demo_run
    # The session's demo store is a second, independent build of the same city.
    again = demo_store.parent
    for name in ("index_scb-omradestyp_regso.csv", "index_brott-trygghet_regso.csv"):
        assert (again / name).read_bytes() == (out / name).read_bytes(), name
    n_sources = re.search(r"\((\d+) (?:källor|sources),", text)
    assert n_sources is not None and int(n_sources.group(1)) > 100, text[:500]


def test_demo_builds_the_report_site(demo_run: tuple[Path, str]) -> None:
    out, text = demo_run
    site = out / "site" / "index.html"
    assert site.exists()
    assert str(site.resolve()) in text
    assert len(list((out / "site" / "profiles").glob("*.html"))) == 45
