"""A one-kommun report computed for the kommun only equals the whole level restricted to it.

:func:`~omradesbild.services.city.load_city` with ``kommun`` computes every indicator for
the kommun's areas only, the index's components for every area, and the kommun and country
references from the base counts (:mod:`omradesbild.services.level_scope`). On the real data
its city picture, every profile (indicators, references, ranks and rank intervals, types,
police per year, trends, changes) and the static site files equal those computed from the
whole level (every area's indicators and every kommun's references, the police list placed
on every area) and restricted to the kommun.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from omradesbild.services.city import CityData

DRAWS = 20
PERIOD = "2022"


@pytest.fixture(scope="module")
def national(real_store: Path) -> CityData:
    """Every RegSO of the real store, computed the whole level's way."""
    from omradesbild.services.city import load_city
    from omradesbild.store import Store

    with Store(real_store, read_only=True) as store:
        return load_city(store, level="regso", period=PERIOD, draws=DRAWS)


def _scoped(real_store: Path, kommun: str, *, fresh: bool = True) -> CityData:
    """The kommun's city data; ``fresh``: computed afresh, as one ``omradesbild report``
    does, not from the whole level that :func:`national` left in the service cache."""
    from omradesbild.config import SERVICE_CACHE_ENV
    from omradesbild.services.city import load_city
    from omradesbild.store import Store

    with pytest.MonkeyPatch.context() as mp, Store(real_store, read_only=True) as store:
        if fresh:
            mp.setenv(SERVICE_CACHE_ENV, "0")
        return load_city(store, level="regso", period=PERIOD, kommun=kommun, draws=DRAWS)


#: Each kommun's city data computed afresh with no cache folder (as :func:`_scoped` gives
#: it), computed once for the module: several tests compare against the same computation,
#: and a fresh computation of the same kommun gives the same data (which
#: :func:`test_kept_between_commands_equals_computed` checks to the last bit).
_FRESH: dict[str, CityData] = {}


def _computed(real_store: Path, kommun: str) -> CityData:
    """The kommun's city data computed afresh with no cache folder, once for the module."""
    from omradesbild.config import cache_dir

    assert cache_dir() is None
    if kommun not in _FRESH:
        _FRESH[kommun] = _scoped(real_store, kommun)
    return _FRESH[kommun]


#: The site of :func:`_computed`'s city data of Stockholm (0180), built once for the module
#: with the clock fixed (:class:`_FixedClock`): the reference several tests compare with.
_FRESH_SITE: dict[str, Path] = {}


def _computed_site(real_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built from :func:`_computed`'s Stockholm city data, once for the module."""
    from omradesbild.reports import site
    from omradesbild.reports.site import build_site

    if "0180" not in _FRESH_SITE:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(site, "datetime", _FixedClock)
            out = build_site(_computed(real_store, "0180"), tmp_path_factory.mktemp("fresh"))
        _FRESH_SITE["0180"] = out.out
    return _FRESH_SITE["0180"]


def _restricted(national: CityData, scoped: CityData) -> CityData:
    """The whole level's picture with the scoped run's areas: what the report showed when
    the kommun's report was computed from every area."""
    from omradesbild.services.city import city_picture, method_info
    from omradesbild.services.names import names_by_code

    picture = city_picture(
        national.pic,
        names_by_code(scoped.areas),
        period=scoped.period,
        lang=scoped.lang,
        threshold=scoped.threshold,
        has_geometry=set(scoped.has_geometry()),
    )
    info = method_info(national.pic, period=scoped.period, threshold=scoped.threshold, seed=0)
    return dataclasses.replace(scoped, pic=national.pic, picture=picture, method_info=info)


@pytest.mark.parametrize("kommun", ["0180", "1480"])
def test_scoped_city_equals_the_whole_level_restricted(
    real_store: Path, national: CityData, kommun: str
) -> None:
    scoped = _computed(real_store, kommun)
    assert scoped.pic.indicators.index_raw is not None  # the scoped path was taken
    shown = set(scoped.pic.indicators.raw["area_code"])
    assert shown < set(national.pic.indicators.raw["area_code"])
    whole = _restricted(national, scoped)
    assert scoped.picture.model_dump() == whole.picture.model_dump()
    assert scoped.method_info == whole.method_info
    assert len(scoped.profile_codes) > 100
    for code in scoped.profile_codes:
        got, want = scoped.profile(code), whole.profile(code)
        assert got.model_dump() == want.model_dump(), code
    # the national facts the profiles rest on
    assert scoped.picture.n_reference == national.picture.n_reference > 3000
    pic, nat = scoped.pic, national.pic
    assert pic.index is not None and nat.index is not None
    assert pic.index.classes == nat.index.classes
    for p in nat.index.periods:
        assert pic.index.results[p].equals(nat.index.results[p]), p
    got, want = pic.police, nat.police  # the kommun's areas placed, and every area
    scope = set(scoped.areas["area_code"])
    assert (got.years, got.unplaced) == (want.years, want.unplaced)
    assert got.known == want.known & scope
    assert got.unknown == {y: a & scope for y, a in want.unknown.items() if a & scope}
    for name in ("listed", "overlay"):
        frame = getattr(want, name)
        kept = frame.loc[frame["area_code"].isin(scope)].reset_index(drop=True)
        assert getattr(got, name).reset_index(drop=True).equals(kept), name
    assert pic.indicators.periods == nat.indicators.periods


def test_the_whole_level_police_list_is_police_data(real_store: Path, national: CityData) -> None:
    """The whole level's police list, placed with the area types its index already has, is
    the one :func:`~omradesbild.services.level_police.police_data` places (computing them)."""
    from omradesbild.config import SERVICE_CACHE_ENV
    from omradesbild.services.level_police import police_data
    from omradesbild.store import Store

    got = national.pic.police
    with pytest.MonkeyPatch.context() as mp, Store(real_store, read_only=True) as store:
        mp.setenv(SERVICE_CACHE_ENV, "0")
        nat = national.pic.indicators
        want = police_data(store, level=nat.level, version=nat.version, period=national.period)
    assert (got.years, got.known, got.notes, got.unknown, got.unplaced) == (
        want.years, want.known, want.notes, want.unknown, want.unplaced,
    )  # fmt: skip
    assert got.listed.equals(want.listed) and got.overlay.equals(want.overlay)
    assert len(got.known) > 400 and got.years == ["2023"]


def test_the_whole_level_at_hand_is_used(real_store: Path, national: CityData) -> None:
    """With the whole level's indicators and references kept (the web app, a run after
    the national report), the kommun's report takes them: the same picture."""
    from omradesbild.services import cache
    from omradesbild.services.level import level_indicators
    from omradesbild.store import Store

    nat = national.pic.indicators
    kw = {"level": nat.level, "version": nat.version, "base_version": nat.base_version}
    with Store(real_store, read_only=True) as store:
        kept = cache.peek(level_indicators, store, **kw, threshold=nat.threshold)
    if kept is None:
        pytest.skip("the whole level is no longer in the service cache")
    with_cache = _scoped(real_store, "0180", fresh=False)
    assert with_cache.pic.indicators is kept  # the whole level's
    assert with_cache.picture.model_dump() == _computed(real_store, "0180").picture.model_dump()


class _FixedClock(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> _FixedClock:
        return cls(2026, 1, 2, 3, 4, tzinfo=UTC)


def test_scoped_site_files_are_byte_identical(
    real_store: Path,
    national: CityData,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from omradesbild.reports import site
    from omradesbild.reports.site import build_site

    new = _computed_site(real_store, tmp_path_factory)  # the scoped city data's site
    monkeypatch.setattr(site, "datetime", _FixedClock)
    old = build_site(_restricted(national, _computed(real_store, "0180")), tmp_path / "old").out
    files = sorted(p.relative_to(old) for p in old.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(new) for p in new.rglob("*") if p.is_file())
    assert len(files) > 127
    for f in files:
        assert (new / f).read_bytes() == (old / f).read_bytes(), f


def _assert_same_city(got: CityData, want: CityData) -> None:
    """Two computations of one kommun's city data are equal, to the last bit."""
    import pandas as pd

    assert got.picture.model_dump() == want.picture.model_dump()
    assert got.method_info == want.method_info
    assert got.profile_codes == want.profile_codes
    for code in want.profile_codes:
        assert got.profile(code).model_dump() == want.profile(code).model_dump(), code
    a, b = got.pic, want.pic
    assert a.references == b.references
    for name in ("raw", "indicators", "index_raw", "index_disclosed"):
        x, y = getattr(a.indicators, name), getattr(b.indicators, name)
        pd.testing.assert_frame_equal(x, y, check_exact=True, obj=name)
    assert a.index is not None and b.index is not None
    assert a.index.periods == b.index.periods
    for p in b.index.periods:
        pd.testing.assert_frame_equal(a.index.results[p], b.index.results[p], check_exact=True)
        pd.testing.assert_frame_equal(a.index.published[p], b.index.published[p], check_exact=True)
    for name in ("by_area", "history", "classes", "references", "hidden", "n_scored", "method"):
        assert getattr(a.index, name) == getattr(b.index, name), name
    assert a.uncertainty(got.period) == b.uncertainty(want.period)


def test_kept_between_commands_equals_computed(
    real_store: Path,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The national parts kept on disk (:mod:`omradesbild.services.disk_cache`) give the same
    city data as computing them: a first command (cold), a later one of the same kommun and
    one of another kommun (warm, reading them and computing nothing national: neither the
    index nor the police years' placement on the DeSO and the areas, nor the map's
    shapes)."""
    from omradesbild.config import CACHE_DIR_ENV
    from omradesbild.reports import site
    from omradesbild.reports.site import build_site
    from omradesbild.services import base_counts, geometry, level, pipeline
    from omradesbild.services.followup import goals, police, police_place

    off = {k: _computed(real_store, k) for k in ("0180", "1480")}
    old = _computed_site(real_store, tmp_path_factory)  # the site of off["0180"]
    monkeypatch.setattr(site, "datetime", _FixedClock)
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "kept"))
    cold = _scoped(real_store, "0180")
    # national parts, index, intervals, the stored police years, their placement on the
    # DeSO, every area's police overlay, every area's map shape, the Police's list entries
    # with their kommun (what the police goal counts)
    assert len(list((tmp_path / "kept").rglob("*.pickle"))) == 8
    _assert_same_city(cold, off["0180"])

    def national_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("computed again although kept")

    monkeypatch.setattr(base_counts, "compute_base_counts", national_work)
    monkeypatch.setattr(base_counts, "compute_base_blocks", national_work)
    monkeypatch.setattr(pipeline, "rank_intervals", national_work)
    monkeypatch.setattr(level, "index_of", national_work)
    for step in ("stored_police", "police_years", "place", "widen", "targets"):
        monkeypatch.setattr(police_place, step, national_work)
    monkeypatch.setattr(police, "overlaid", national_work)
    monkeypatch.setattr(goals, "police_kommuner", national_work)
    for step in ("dissolve_by_links", "display_geojson", "_display_geometry"):
        monkeypatch.setattr(geometry, step, national_work)
    for kommun in ("1480", "0180"):
        warm = _scoped(real_store, kommun)
        _assert_same_city(warm, off[kommun])
    new = build_site(warm, tmp_path / "warm").out
    files = sorted(p.relative_to(old) for p in old.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(new) for p in new.rglob("*") if p.is_file())
    for f in files:
        assert (new / f).read_bytes() == (old / f).read_bytes(), f


_WARM_PROBE = """
import json, sys
from omradesbild.cli.main import main
try:
    main(sys.argv[1:])
    code = 0
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "loaded": sorted(set(sys.modules) & set(GEOMETRY))}))
"""

#: The geometry libraries a warm one-kommun report does not import.
GEOMETRY = ("geopandas", "shapely", "pyproj", "pyogrio")


def test_a_warm_report_does_no_geometry_work(
    real_store: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A one-kommun report after another kommun's (its cache folder filled by it: nothing of
    the kommun's own kept) places the police list and draws the map from what is kept,
    without importing a geometry library; the map is the one computed afresh (the site of
    :func:`_computed`, the city data a report with no cache folder gives). The first
    report (an empty cache folder) places the police list and draws every area's map
    shape with shapely and pyproj, without geopandas."""
    import json
    import os
    import subprocess
    import sys

    from omradesbild.config import CACHE_DIR_ENV

    env = {**os.environ, CACHE_DIR_ENV: str(tmp_path / "kept")}
    common = ["report", "--level", "regso", "--period", PERIOD, "--draws", str(DRAWS),
              "--db", str(real_store), "-q"]  # fmt: skip
    probe = f"GEOMETRY = {GEOMETRY!r}\n{_WARM_PROBE}"
    runs = {}
    for name, kommun in (("cold", "1480"), ("warm", "0180")):
        args = [*common, "--kommun", kommun, "--out", str(tmp_path / name)]
        done = subprocess.run(
            [sys.executable, "-c", probe, *args], env=env, capture_output=True, text=True,
            check=False,
        )  # fmt: skip
        runs[name] = json.loads(done.stdout.strip().splitlines()[-1])
        assert runs[name]["code"] == 0, done.stderr
    assert runs["cold"]["loaded"] == ["pyproj", "shapely"]  # the probe sees them
    assert runs["warm"]["loaded"] == []
    shapes = Path("assets") / "geo.js"
    fresh = _computed_site(real_store, tmp_path_factory) / shapes
    assert (tmp_path / "warm" / shapes).read_bytes() == fresh.read_bytes()
    assert len((tmp_path / "warm" / shapes).read_bytes()) > 10_000
