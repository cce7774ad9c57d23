"""Indicators summed from base counts computed once equal those computed afresh per call.

:func:`~omradesbild.services.pipeline.area_indicators` computes the base areas' counts once
for every stored period (:mod:`omradesbild.services.base_counts`) and sums them to each
level. :func:`reference_area_indicators` below is the direct computation it replaced: every
call reads all of the base areas' observations and runs
:func:`~omradesbild.indicators.compute_indicators` on them for the periods and indicators
asked. Both must give the same frame, cell by cell, dtypes and row order included.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omradesbild.config import BASE_VERSION, SERVICE_CACHE_ENV
from omradesbild.indicators import compute_indicators, default_catalogue
from omradesbild.indicators.catalogue import parse_age_band
from omradesbild.indicators.counts import needed_variables
from omradesbild.indicators.levels import combine_levels
from omradesbild.services import cache
from omradesbild.services.base_counts import base_counts
from omradesbild.services.crime import crime_coverage, drop_flagged_crime_indicators
from omradesbild.services.links import compose_links
from omradesbild.services.pipeline import area_indicators, resolve_version
from omradesbild.store import Store
from omradesbild.store.reads import indicator_observations, stored_periods, stored_variables

#: (level, version) of the synthetic city's store that are computed from base counts.
DEMO_LEVELS = (
    ("deso", None),
    ("deso", "deso2025"),
    ("regso", None),
    ("district", None),
    ("kommun", None),
    ("country", None),
)


def on_the_demo_store(max_examples: int) -> settings:
    """Hypothesis settings for examples drawn against the demo store: a fixture shared by
    the examples, and slow enough per example that no deadline holds."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def reference_area_indicators(
    store: Store,
    *,
    level: str,
    version: str | None = None,
    base_obs: pd.DataFrame | None = None,
    **asked: Sequence[str] | None,
) -> pd.DataFrame:
    """``area_indicators`` as computed before the counts were shared (the reference);
    ``asked`` may name ``periods`` and ``indicators``; ``base_obs`` is the store's base
    observations when already read (they are the same for every level)."""
    periods, indicators = asked.get("periods"), asked.get("indicators")
    ver = resolve_version(store, level, version) if level != "country" else "country"
    obs = store.observations(area_version=BASE_VERSION) if base_obs is None else base_obs
    links = None
    if ver != BASE_VERSION and level != "country":
        links = compose_links(store.links(), from_version=BASE_VERSION, to_version=ver)
    kw = {
        "periods": [str(p) for p in periods] if periods else None,
        "indicators": list(indicators) if indicators else None,
    }
    out = compute_indicators(obs, links=links, level=level, **kw)  # type: ignore[arg-type]
    if ver != BASE_VERSION and level != "country":
        native = store.observations(area_version=ver)
        if not native.empty:
            own = compute_indicators(native, level=level, **kw)  # type: ignore[arg-type]
            out = combine_levels(out, own, periods=kw["periods"])
    coverage = crime_coverage(store)
    if not coverage.empty and not out.empty:
        out = drop_flagged_crime_indicators(out, coverage)
    return out


@pytest.fixture()
def fresh_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(SERVICE_CACHE_ENV, raising=False)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def demo(demo_store: Path) -> Iterator[Store]:
    with Store(demo_store, read_only=True) as store:
        yield store


@pytest.fixture(scope="module")
def demo_obs(demo: Store) -> pd.DataFrame:
    """The synthetic city's base observations, read once for the reference and the full
    read the narrow read is compared with (the store is read-only, and neither the
    reference nor the tests change the frame)."""
    return demo.observations(area_version=BASE_VERSION)


@pytest.mark.parametrize(("level", "version"), DEMO_LEVELS)
def test_every_indicator_equals_the_direct_computation(
    demo: Store, demo_obs: pd.DataFrame, fresh_cache: None, level: str, version: str | None
) -> None:
    want = reference_area_indicators(demo, level=level, version=version, base_obs=demo_obs)
    assert not want.empty
    got = area_indicators(demo, level=level, version=version)
    pd.testing.assert_frame_equal(got, want)
    # the second call sums the shared counts again: still the same
    pd.testing.assert_frame_equal(area_indicators(demo, level=level, version=version), want)


@on_the_demo_store(max_examples=15)
@given(data=st.data())
def test_some_periods_and_indicators_equal_the_direct_computation(
    demo: Store, demo_obs: pd.DataFrame, fresh_cache: None, data: st.DataObject
) -> None:
    periods = stored_periods(demo, area_version=BASE_VERSION)
    asked = data.draw(st.lists(st.sampled_from(periods), min_size=1, max_size=3, unique=True))
    ids = default_catalogue().ids
    inds = data.draw(
        st.none() | st.lists(st.sampled_from(ids), min_size=1, max_size=6, unique=True)
    )
    level, version = data.draw(st.sampled_from(DEMO_LEVELS))
    kw = {"level": level, "version": version, "periods": asked, "indicators": inds}
    want = reference_area_indicators(demo, base_obs=demo_obs, **kw)  # type: ignore[arg-type]
    got = area_indicators(demo, **kw)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))


def test_the_narrow_read_gives_the_rows_of_the_full_read(
    demo: Store, demo_obs: pd.DataFrame
) -> None:
    full = demo_obs  # the full read, made once for the module
    narrow = indicator_observations(demo, area_version=BASE_VERSION)
    pd.testing.assert_frame_equal(narrow, full[list(narrow.columns)])
    some = ["pop_total", "unemployed_16_64", "no_such_variable"]
    want = demo.observations(area_version=BASE_VERSION, variables=some)
    got = indicator_observations(demo, area_version=BASE_VERSION, variables=some)
    # a column of missing values only is text here, object in the full read
    reason = "missing_reason"
    pd.testing.assert_frame_equal(
        got.drop(columns=reason), want[list(got.columns)].drop(columns=reason)
    )
    assert got[reason].dtype == "str"
    assert got[reason].isna().all() and want[reason].isna().all()
    none = indicator_observations(demo, area_version=BASE_VERSION, variables=[])
    pd.testing.assert_frame_equal(none, full[list(none.columns)].iloc[0:0])
    assert stored_variables(demo, area_version=BASE_VERSION) == sorted(full["variable"].unique())
    assert stored_periods(demo, area_version=BASE_VERSION) == sorted(full["period"].unique())


def test_the_narrow_read_keeps_the_current_revision_and_the_order_of_the_full_read(
    demo_store: Path, tmp_path: Path
) -> None:
    """Revised rows (the window picks the latest) and keys whose text order is not their
    insertion order (sorted by code point, as the database sorts UTF-8 text)."""
    db = tmp_path / "revised.duckdb"
    shutil.copy(demo_store, db)
    with Store(db) as store:
        codes = [c for (c,) in store.con.execute(
            "SELECT DISTINCT area_code FROM observations WHERE area_version = ? "
            "ORDER BY 1 DESC LIMIT 3", [BASE_VERSION]).fetchall()]  # fmt: skip
        # a first read with every row of revision 1: no window needed
        first = indicator_observations(store, area_version=BASE_VERSION)
        pd.testing.assert_frame_equal(
            first, store.observations(area_version=BASE_VERSION)[list(first.columns)]
        )
        store.con.execute(
            "INSERT INTO observations SELECT area_code, area_version, variable, period, "
            "revision + 1, value + 1, unit, missing_reason, source_id, ingested_at "
            "FROM observations WHERE area_version = ? AND area_code IN (?, ?, ?) "
            "AND variable = 'pop_total'",
            [BASE_VERSION, *codes],
        )
        # rows of new variables whose names sort before and after the others by code point
        for variable in ("Ärende_x", "a_x", "é_x", "Z_x"):
            store.con.execute(
                "INSERT INTO observations SELECT area_code, area_version, ?, period, "
                "revision, value, unit, missing_reason, source_id, ingested_at "
                "FROM observations WHERE area_version = ? AND variable = 'pop_total' "
                "AND revision = 1",
                [variable, BASE_VERSION],
            )
        got = indicator_observations(store, area_version=BASE_VERSION)
        want = store.observations(area_version=BASE_VERSION)[list(got.columns)]
        pd.testing.assert_frame_equal(got, want)
        revised = got.loc[got["area_code"].isin(codes) & (got["variable"] == "pop_total")]
        old = first.loc[first["area_code"].isin(codes) & (first["variable"] == "pop_total")]
        assert len(revised) == len(old) > 0
        assert (revised["value"].to_numpy() == old["value"].to_numpy() + 1).all()
        assert {"Ärende_x", "a_x", "é_x", "Z_x"} <= set(got["variable"].unique())


def test_the_counts_read_only_the_variables_the_indicators_need(demo: Store) -> None:
    held = stored_variables(demo, area_version=BASE_VERSION)
    need = needed_variables(held, indicators=["unemployment_16_64"])
    assert set(need) <= set(held)
    assert need and "pop_total" not in need
    assert set(need) < set(needed_variables(held))
    # age bands: every band variable held is read (the bands are chosen among them)
    bands = {v for v in held if parse_age_band(v) is not None}
    assert bands
    assert bands <= set(needed_variables(held, indicators=["age_0_19"]))
    assert not bands & set(needed_variables(held, indicators=["unemployment_16_64"]))


def test_the_counts_are_kept_apart_from_the_cached_results(demo: Store, fresh_cache: None) -> None:
    first = base_counts(demo, base_version=BASE_VERSION)
    assert base_counts(demo, base_version=BASE_VERSION) is first
    assert cache.cached_count() == 0
    cache.clear()
    assert base_counts(demo, base_version=BASE_VERSION) is not first


@pytest.mark.realdata
def test_real_data_indicators_equal_the_direct_computation(
    real_store: Path, fresh_cache: None
) -> None:
    """Every path on the real store: RegSO (sums over links only), kommun (sums over links,
    combined with the municipalities' own series) and the country, each in full; DeSO (the
    base level itself) in the newest period and the periods that together hold every stored
    variable, so every indicator the data allow is compared there (the direct DeSO
    computation of all 14 periods repeats those indicators at most of the test's cost)."""
    with Store(real_store, read_only=True) as store:
        obs = store.observations(area_version=BASE_VERSION)
        for level in ("regso", "kommun", "country"):
            want = reference_area_indicators(store, level=level, base_obs=obs)
            pd.testing.assert_frame_equal(area_indicators(store, level=level), want)
        periods = _periods_holding_every_variable(store)
        want = reference_area_indicators(store, level="deso", periods=periods, base_obs=obs)
        got = area_indicators(store, level="deso", periods=periods)
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))


def _periods_holding_every_variable(store: Store) -> list[str]:
    """The newest base period and a few that together hold every stored base variable."""
    held = store.con.execute(
        "SELECT period, list(DISTINCT variable) FROM current_observations "
        "WHERE area_version = ? GROUP BY period ORDER BY period",
        [BASE_VERSION],
    ).fetchall()
    left = set(stored_variables(store, area_version=BASE_VERSION))
    chosen = [held[-1][0]]
    while left:
        period, variables = max(held, key=lambda pv: len(left & set(pv[1])))
        chosen.append(period)
        left -= set(variables)
    return sorted(set(chosen))


def test_a_read_only_store_keeps_the_fingerprint_of_its_content(
    demo_store: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(demo_store, copy)
    with Store(copy, read_only=True) as reader:
        seen = cache.store_fingerprint(reader)
        assert cache.store_fingerprint(reader) == seen
    with Store(copy) as writer:
        assert cache.store_fingerprint(writer) == seen
        writer.con.execute(
            "DELETE FROM observations WHERE period = (SELECT min(period) FROM observations)"
        )
        changed = cache.store_fingerprint(writer)
        assert changed != seen
    with Store(copy, read_only=True) as reader:
        assert cache.store_fingerprint(reader) == changed


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["b", "a", "Ä", "é", "Z", "aa", ""]),
            st.sampled_from(["x", "Y", "å"]),
            st.integers(0, 3),
        ),
        max_size=40,
    ),
    one_number=st.booleans(),
)
def test_rows_are_sorted_as_the_database_sorts_text(
    rows: list[tuple[str, str, int]], one_number: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow as pa

    from omradesbild.store import reads

    # the fallback for too many combinations of keys, or one number made of the ranks
    monkeypatch.setattr(reads.math, "prod", (lambda _: 2**63) if not one_number else math.prod)
    table = pa.table(
        {
            "k1": [r[0] for r in rows],
            "k2": [r[1] for r in rows],
            "n": [r[2] for r in rows],
            "t": [str(r[2]) for r in rows],  # another text, by its codes
            "one": ["v"] * len(rows),  # one value on every row, kept as it is
        },
        schema=pa.schema(
            [
                ("k1", pa.string()),
                ("k2", pa.string()),
                ("n", pa.int64()),
                ("t", pa.string()),
                ("one", pa.string()),
            ]
        ),
    )
    got = reads._sorted_by(table, ("k1", "k2"), ("one",)).to_pylist()
    want = sorted(table.to_pylist(), key=lambda r: (r["k1"].encode(), r["k2"].encode()))
    assert got == want


@pytest.fixture(scope="module")
def every_counts(demo: Store) -> pd.DataFrame:
    """Every indicator's base counts of the synthetic city (:func:`base_counts`), computed
    once for the examples that use them (read-only, as the counts kept in the cache are),
    and not left in the cache."""
    cache.clear()
    counts = base_counts(demo, base_version=BASE_VERSION)
    cache.clear()
    return counts


@on_the_demo_store(max_examples=12)
@given(data=st.data())
def test_some_indicators_from_every_indicators_counts_equal_their_own(
    demo: Store,
    every_counts: pd.DataFrame,
    fresh_cache: None,
    monkeypatch: pytest.MonkeyPatch,
    data: st.DataObject,
) -> None:
    """Every indicator's counts at hand (``base``) serve some indicators in any order: the
    values of those indicators' own counts, indicator by indicator in the order asked, and
    no counts computed again. (Within an indicator the rows come in the order of every
    indicator's counts, as the whole level has them: the order in which each area's
    periods first appear among the variables read.)"""
    ids = default_catalogue().ids
    inds = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=6, unique=True))
    level, version = data.draw(st.sampled_from(DEMO_LEVELS))
    want = area_indicators(demo, level=level, version=version, indicators=inds)
    every = every_counts
    cache.clear()

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the counts at hand were not used")

    with monkeypatch.context() as m:
        m.setattr("omradesbild.services.base_counts.compute_base_counts", refuse)
        got = area_indicators(demo, level=level, version=version, indicators=inds, base=every)
    assert got["indicator"].unique().tolist() == want["indicator"].unique().tolist()

    def by_keys(frame: pd.DataFrame) -> pd.DataFrame:
        order = {i: k for k, i in enumerate(inds)}
        keys = frame.assign(_i=frame["indicator"].map(order))
        keys = keys.sort_values(["_i", "area_code", "period"], kind="stable")
        return keys.drop(columns="_i").reset_index(drop=True)

    pd.testing.assert_frame_equal(by_keys(got), by_keys(want), check_exact=True)


def test_kommun_references_from_their_own_areas_rows_equal_those_from_every_row(
    demo: Store,
) -> None:
    from omradesbild.indicators import kommun_links, reference_values_from_counts

    counts = base_counts(demo, base_version=BASE_VERSION)
    links = kommun_links(counts["area_code"].unique())
    kommun = sorted(links["to_code"].unique())[0]
    links = links.loc[links["to_code"] == kommun]
    mine = counts.loc[counts["area_code"].isin(links["from_code"])]
    assert 0 < len(mine) < len(counts) or len(links["to_code"].unique()) == 1
    want = reference_values_from_counts(counts, kommun_links_frame=links)
    got = reference_values_from_counts(counts, kommun_links_frame=links, kommun_counts=mine)
    assert set(want["level"]) == {"kommun", "country"}
    pd.testing.assert_frame_equal(got, want)


def test_the_links_to_a_level_are_composed_once(
    demo: Store, fresh_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A level's indicators of some areas and of some indicators sum over the same links:
    composed once per store content."""
    from omradesbild.services import links

    calls: list[str] = []
    compose = links.compose_links

    def counted(*args: object, **kwargs: object) -> pd.DataFrame:
        calls.append(str(kwargs.get("to_version")))
        return compose(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(links, "compose_links", counted)
    every = area_indicators(demo, level="regso")
    some = every["area_code"].astype(str).unique()[:2]
    area_indicators(demo, level="regso", areas=some)
    area_indicators(demo, level="regso", indicators=["foreign_born"])
    assert len(calls) == 1


def test_the_read_of_some_kommuner_gives_the_rows_whose_code_starts_with_theirs(
    demo_store: Path, tmp_path: Path
) -> None:
    """Codes at the edges of a kommun's range of codes: the code itself, a longer one, a
    shorter one and the first code of the next kommun."""
    db = tmp_path / "edges.duckdb"
    shutil.copy(demo_store, db)
    with Store(db) as store:
        # the first code of the full read (ordered by code), asked of the database
        first = store.con.execute(
            "SELECT min(area_code) FROM observations WHERE area_version = ?", [BASE_VERSION]
        ).fetchone()
        assert first is not None
        kommun = str(first[0])[:4]
        after = kommun[:3] + chr(ord(kommun[3]) + 1)
        for code in (kommun, kommun + "Ö", kommun[:3], after, after + "0"):
            store.con.execute(
                "INSERT INTO observations SELECT ?, area_version, variable, period, revision, "
                "value, unit, missing_reason, source_id, ingested_at FROM observations "
                "WHERE area_version = ? AND area_code = ?",
                [code, BASE_VERSION, str(first[0])],
            )
        full = store.observations(area_version=BASE_VERSION)
        prefix = full["area_code"].str[:4]
        cols = ["area_code", "area_version", "variable", "period", "value"]
        for asked in ([kommun], [kommun, after], ["nope"], [kommun[:3]], []):
            got = indicator_observations(store, area_version=BASE_VERSION, kommuner=asked)
            want = full.loc[prefix.isin(asked)]
            # the sets of codes from each column's distinct values (not row by row)
            assert set(got["area_code"].unique()) == set(want["area_code"].unique())
            pd.testing.assert_frame_equal(
                got[cols].reset_index(drop=True), want[cols].reset_index(drop=True)
            )
        both = indicator_observations(store, area_version=BASE_VERSION, kommuner=[kommun, after])
        assert {kommun, kommun + "Ö", after, after + "0"} <= set(both["area_code"].unique())
