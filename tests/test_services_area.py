"""The service layer's area and city picture on the synthetic city, and its rules where the
old copies of the pages disagreed (rank interval as whole ranks, score hidden with a
suppressed component)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import CliRun
from omradesbild.services.city import CityData
from omradesbild.services.level import rank_bounds


@pytest.fixture(scope="module")
def strict(demo_store: Path) -> CityData:
    """The demo city with a high disclosure threshold (many values suppressed)."""
    from omradesbild.services.city import load_city
    from omradesbild.store import Store

    with Store(demo_store, read_only=True) as store:
        return load_city(store, level="regso", draws=20, threshold=200)


@given(
    lo=st.floats(min_value=1, max_value=5000, allow_nan=False),
    width=st.floats(min_value=0, max_value=5000, allow_nan=False),
)
def test_rank_bounds_contain_the_percentiles(lo: float, width: float) -> None:
    low, high = rank_bounds({"rank_p05": lo, "rank_p95": lo + width})
    assert low is not None and high is not None
    assert low <= lo + 1e-6 and high >= lo + width - 1e-6
    assert lo - low < 1 and high - (lo + width) < 1


def test_rank_bounds_of_whole_ranks_and_missing() -> None:
    assert rank_bounds({"rank_p05": 3.0, "rank_p95": 7.0}) == (3, 7)
    assert rank_bounds({"rank_p05": 3.4, "rank_p95": 6.2}) == (3, 7)
    assert rank_bounds({}) == (None, None)


def test_score_hidden_where_a_component_is_suppressed(strict: CityData) -> None:
    ix = strict.pic.index
    assert ix is not None
    hidden = sorted(ix.hidden[strict.period])
    assert hidden, "the threshold should suppress some component"
    p = strict.profile(hidden[0])
    assert p.rank is not None and p.rank.score is None
    assert p.drivers == ()
    row = next(r for r in strict.picture.ranking if r.code == hidden[0])
    assert row.score is None and row.rank == p.rank.rank
    shown = [c for c in strict.profile_codes if c not in ix.hidden[strict.period]]
    if shown:
        q = strict.profile(shown[0])
        assert q.rank is not None and q.rank.score is not None and q.drivers


def test_profile_and_overview_agree(strict: CityData) -> None:
    for row in strict.picture.ranking[:10]:
        p = strict.profile(row.code)
        assert p.rank is not None
        assert (p.rank.rank, p.rank.low, p.rank.high, p.rank.cls) == (
            row.rank,
            row.low,
            row.high,
            row.cls,
        )
        assert [v.period for v in p.indicators] == [strict.period] * len(p.indicators)
        masked = [v for v in p.indicator_history if v.masked]
        assert all(v.value is None and v.reliability == "masked" for v in masked)


def test_published_area_types_next_to_ours(demo_store: Path, tmp_path: Path, cli: CliRun) -> None:
    """SCB's published types, once ingested, are in the profile and on every rendering of it,
    as a series of their own next to the types Områdesbild computes."""
    from omradesbild.reports.pdf import PdfProfiles
    from omradesbild.services.city import load_city
    from omradesbild.services.official import regso_names
    from omradesbild.store import Store

    db = tmp_path / "demo.duckdb"
    db.write_bytes(demo_store.read_bytes())
    with Store(db, read_only=True) as s:
        names = regso_names(s)
    code, kommun, regso = names.iloc[0][["area_code", "kommun_name", "regso_name"]]
    published = tmp_path / "pub.csv"
    published.write_text(f"Område,2023\n{kommun} ({regso}),2\n", encoding="utf-8-sig")
    rc, _, err = cli(["ingest", "scb-omradestyp", str(published), "--db", str(db)])
    assert rc == 0, err
    with Store(db, read_only=True) as s:
        city = load_city(s, level="regso", draws=10, areas=[code])
    profile = city.profile(code)
    assert [(o.period, o.cls) for o in profile.official_types] == [("2023", 2)]
    assert [
        (o.period, o.cls) for o in city.profile(names.iloc[1]["area_code"]).official_types
    ] == []
    html = PdfProfiles(city).html(code)
    assert "SCB:s publicerade områdestyp" in html and "<span>2023: 2</span>" in html


def test_n_reference_is_the_number_of_scored_areas(strict: CityData) -> None:
    """Counted once per period when the index is computed, the same count as the scores."""
    ix = strict.pic.index
    assert ix is not None
    assert set(ix.n_scored) == set(ix.results)
    for p, res in ix.results.items():
        n = int(res["score"].notna().sum())
        assert ix.n_reference(p) == n == ix.n_scored[p] > 0
    rank = strict.profile(strict.profile_codes[0]).rank
    assert rank is not None and rank.n == ix.n_reference(strict.period)
