"""The synthetic city Exempelstad: determinism, exact nesting, consistency, files."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.areas.codes import deso_2018_to_2025_stem, validate_code
from omradesbild.sources.base import AREA_COLUMNS, CLASSIFICATION_COLUMNS, OBS_COLUMNS
from omradesbild.synthetic import (
    POLICE_YEARS,
    SCB_TABLES,
    TITLE_PREFIX,
    SyntheticCity,
    generate_city,
    write_city_files,
)
from omradesbild.synthetic.constants import AGE_BANDS
from omradesbild.synthetic.helpers import allocate


@pytest.fixture(scope="module")
def city() -> SyntheticCity:
    return generate_city()


@pytest.fixture(scope="module")
def written(city: SyntheticCity, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_city_files(city, tmp_path_factory.mktemp("city_a"))


def _frames(c: SyntheticCity) -> dict[str, pd.DataFrame]:
    return {k: v for k, v in vars(c).items() if isinstance(v, pd.DataFrame)}


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    if isinstance(df, gpd.GeoDataFrame):
        out = pd.DataFrame(df.drop(columns=df.geometry.name))
        out["_wkb"] = shapely.to_wkb(df.geometry.values)
        return out
    return df


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- determinism --------------------------------------------------------------------------


def test_same_seed_gives_identical_frames(city: SyntheticCity) -> None:
    again = generate_city()
    for name, frame in _frames(city).items():
        pd.testing.assert_frame_equal(_plain(frame), _plain(_frames(again)[name]), obj=name)


def test_other_seed_gives_another_city(city: SyntheticCity) -> None:
    other = generate_city(seed=7)
    assert not city.deso_stats["pop_total"].equals(other.deso_stats["pop_total"])


def test_files_are_byte_identical_across_writes(
    city: SyntheticCity, written: dict[str, Path], tmp_path: Path
) -> None:
    again = write_city_files(city, tmp_path / "b")
    assert written.keys() == again.keys()
    for key, path in written.items():
        assert _sha(path) == _sha(again[key]), key


def _city_digest(c: SyntheticCity) -> str:
    """SHA-256 of every field of the city: dtypes and full-precision CSV of each frame."""
    h = hashlib.sha256()
    for field in dataclasses.fields(c):
        value = getattr(c, field.name)
        h.update(field.name.encode())
        if isinstance(value, pd.DataFrame):
            frame = pd.DataFrame(value)
            if isinstance(value, gpd.GeoDataFrame):
                frame = pd.DataFrame(value.drop(columns=value.geometry.name)).assign(
                    _wkb=shapely.to_wkb(value.geometry.values, hex=True)
                )
            h.update(repr(frame.dtypes.astype(str).to_dict()).encode())
            h.update(frame.to_csv().encode())
        else:
            h.update(repr(value).encode())
    return h.hexdigest()


# Pinned digests of the generated city. The generator was split into modules with these
# digests unchanged; a change of either means the demo city itself changed.
_DIGEST_DEFAULT = "3efd17003421f6a0fa28c68fbe6a09ea2c2535de36473a251abc43c265eb7469"
_DIGEST_SMALL = "4bf0334f829db544057b0622bd3b6f99db347a8662f50b4c52c0efb5859d1640"


def test_default_city_is_bit_for_bit_pinned(city: SyntheticCity) -> None:
    assert _city_digest(city) == _DIGEST_DEFAULT


def test_small_city_is_bit_for_bit_pinned() -> None:
    small = generate_city(seed=7, n_deso=40, n_regso=12, n_districts=3, years=range(2018, 2022))
    assert _city_digest(small) == _DIGEST_SMALL


# ---- areas and nesting --------------------------------------------------------------------


def test_counts_and_codes(city: SyntheticCity) -> None:
    assert len(city.deso) == 150 and city.deso["area_code"].is_unique
    assert len(city.regso) == 45 and len(city.districts) == 8
    assert all(validate_code(c, "deso") is None for c in city.deso["area_code"])
    assert all(validate_code(c, "regso") is None for c in city.regso["area_code"])
    assert set(city.deso["area_code"].str[4]) == {"A", "B", "C"}
    assert (city.deso["area_code"].str[:4] == "9999").all()
    assert set(city.deso["regso_code"]) == set(city.regso["area_code"])
    assert set(city.regso["district_code"]) == set(city.districts["area_code"])


def _same_shape(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    return bool(a.symmetric_difference(b).area < 1e-3)


def test_nesting_is_exact(city: SyntheticCity) -> None:
    for rec in city.regso.itertuples():
        members = city.deso[city.deso["regso_code"] == rec.area_code]
        assert _same_shape(rec.geometry, shapely.union_all(list(members.geometry)))
    for rec in city.districts.itertuples():
        members = city.regso[city.regso["district_code"] == rec.area_code]
        assert _same_shape(rec.geometry, shapely.union_all(list(members.geometry)))
    outline = city.kommun.geometry.iloc[0]
    assert city.deso.area.sum() == pytest.approx(outline.area, rel=1e-9)
    assert city.regso.area.sum() == pytest.approx(outline.area, rel=1e-9)
    assert city.deso.is_valid.all() and city.deso.crs.to_epsg() == 3006


def test_deso2025_splits_follow_the_reserve_digit_rule(city: SyntheticCity) -> None:
    d25 = city.deso2025
    split = d25[d25["area_code"] != d25["deso2018_code"]]
    parents = split["deso2018_code"].unique()
    assert 3 <= len(parents) <= 5
    pop25 = city.observations_deso2025
    for parent in parents:
        kids = split[split["deso2018_code"] == parent]
        assert len(kids) == 2
        assert all(deso_2018_to_2025_stem(parent) == k[:8] for k in kids["area_code"])
        geom = city.deso.set_index("area_code").geometry[parent]
        assert _same_shape(geom, shapely.union_all(list(kids.geometry)))
        last = pop25[(pop25["period"] == "2024") & pop25["area_code"].isin(kids["area_code"])]
        parent_pop = city.deso_stats.query("area_code == @parent and year == 2024")["pop_total"]
        assert last["value"].sum() == parent_pop.iloc[0]


def test_contract_frames(city: SyntheticCity) -> None:
    assert tuple(city.observations.columns) == OBS_COLUMNS
    assert tuple(city.areas.columns) == AREA_COLUMNS
    assert tuple(city.classifications.columns) == CLASSIFICATION_COLUMNS
    attrs = city.areas["attributes"].map(json.loads)
    assert attrs.map(lambda a: a["synthetic"] is True).all()
    assert set(city.areas["level"]) == {"lan", "kommun", "district", "regso", "deso", "police_area"}


# ---- statistics ---------------------------------------------------------------------------


def test_internal_consistency(city: SyntheticCity) -> None:
    s = city.deso_stats.fillna(0)
    ages = [var for _, var, _, _ in AGE_BANDS]
    assert (s[ages].sum(axis=1) == s["pop_total"]).all()
    assert (s["employed_16_64"] + s["unemployed_16_64"] <= s["labour_force_16_64"]).all()
    full = city.deso_stats.dropna(subset=["unemployed_16_64"])
    assert (full["employed_16_64"] + full["unemployed_16_64"] == full["labour_force_16_64"]).all()
    assert (s["labour_force_16_64"] + s["outside_labour_force_16_64"] == s["pop_16_64"]).all()
    assert (s["pop_swedish_background"] + s["pop_foreign_background"] == s["pop_total"]).all()
    born = ["pop_born_sweden", "pop_born_europe_excl_sweden", "pop_born_rest_of_world"]
    assert (s[born].sum(axis=1) == s["pop_total"]).all()
    assert (s["pop_born_sweden"] >= s["pop_swedish_background"]).all()
    house = [var for _, var in SCB_TABLES["000005LO"].columns[:5]]
    assert (s[house].sum(axis=1) <= s["persons_house_total"]).all()
    assert (s["persons_house_total"] == s["pop_total"]).all()
    edu = [var for _, var in SCB_TABLES["000005MO"].columns]
    pop_25_64 = s[[f"pop_age_{lo}_{lo + 4}" for lo in range(25, 65, 5)]].sum(axis=1)
    assert (s[edu].sum(axis=1) <= pop_25_64).all()
    assert (s["pop_20_64"] <= s["pop_16_64"]).all()
    assert (s["ekbist_or_longterm_unemployed_20_64"] < s["pop_20_64"]).all()
    assert (s["income_net_mean_tkr"] > s["income_net_median_tkr"]).all()
    assert s[["low_econ_standard_pct", "high_econ_standard_pct"]].stack().between(0, 100).all()
    counts = city.deso_stats.drop(
        columns=["area_code", "year", "income_net_median_tkr", "income_net_mean_tkr"]
    )
    values = counts.to_numpy().ravel()
    values = values[~np.isnan(values)]
    assert (values >= 0).all() and (values == np.round(values)).all()


def test_magnitudes_are_swedish(city: SyntheticCity) -> None:
    s = city.deso_stats.merge(city.deso[["area_code", "split_2025"]], on="area_code")
    normal = s[~s["split_2025"]]
    assert normal["pop_total"].between(700, 2700).all()
    assert s["pop_total"].max() < 3600
    assert s["income_net_median_tkr"].between(150, 500).all()
    assert 250 < s.loc[s["year"] == 2024, "income_net_median_tkr"].median() < 330


def test_suppressions_are_missing_with_reason(city: SyntheticCity) -> None:
    assert len(city.suppressed) >= 3
    obs = city.observations
    missing = obs[obs["value"].isna()]
    assert len(missing) == len(city.suppressed)
    assert missing["missing_reason"].str.startswith("..").all()
    assert obs.loc[obs["value"].notna(), "missing_reason"].isna().all()


def test_trajectories_drive_the_statistics(city: SyntheticCity) -> None:
    d = city.deso
    assert set(d["trajectory"]) == {"improving", "declining", "stable"}
    assert (d["trajectory"] == "stable").mean() > 0.5
    s = city.deso_stats
    first = s[s["year"] == 2012].set_index("area_code")["low_econ_standard_pct"]
    last = s[s["year"] == 2024].set_index("area_code")["low_econ_standard_pct"]
    change = (last - first).reindex(d["area_code"]).to_numpy()
    traj = d["trajectory"].to_numpy()
    assert change[traj == "improving"].mean() < -2
    assert change[traj == "declining"].mean() > 2
    # the latent factor shows in every domain
    s24 = s[s["year"] == 2024].set_index("area_code").reindex(d["area_code"])
    dep = d["deprivation_last"].to_numpy()
    assert np.corrcoef(dep, s24["income_net_median_tkr"])[0, 1] < -0.7
    assert np.corrcoef(dep, s24["pop_foreign_background"] / s24["pop_total"])[0, 1] > 0.7


# ---- police, crime, surveys ---------------------------------------------------------------


def test_police_lists(city: SyntheticCity) -> None:
    cls = city.classifications
    assert set(cls["category"]) == {"sarskilt_utsatt", "utsatt", "risk"}
    assert set(cls["period"].astype(int)) == set(POLICE_YEARS)
    assert (cls["version"] == "police" + cls["period"]).all()
    d = city.deso.set_index("area_code")
    q80 = d["deprivation_last"].quantile(0.8)
    latest = set(cls.loc[cls["period"] == str(POLICE_YEARS[-1]), "area_code"])
    left = city.police_areas[~city.police_areas["area_code"].isin(latest)]
    assert not left.empty
    left_still_vulnerable = improved_and_left = False
    for _, grp in left.groupby("area_code"):
        members = grp["deso_codes"].iloc[0].split(";")
        if d.loc[members, "deprivation_last"].mean() >= q80:
            left_still_vulnerable = True
        if (d.loc[members, "trajectory"] == "improving").all():
            improved_and_left = True
    assert left_still_vulnerable and improved_and_left
    # police polygons roughly cover their DeSO
    for rec in city.police_areas.itertuples():
        members = shapely.union_all(list(d.loc[rec.deso_codes.split(";")].geometry))
        assert rec.geometry.intersection(members).area > 0.8 * members.area
    assert set(city.police_list["area_code"]) == latest


def test_crime_follows_vulnerability(city: SyntheticCity) -> None:
    rep = city.crime_reports
    assert set(rep["offence_code"]) == {"1211", "1210", "1311", "1615", "1701", "1702"}
    assert rep["deso_code"].isna().sum() > 0
    assert (
        rep.loc[rep["offence_code"] == "1311", "offence_date"].str[:4].astype(int) >= 2019
    ).all()
    per_deso = rep.dropna(subset=["deso_code"]).groupby("deso_code").size()
    pop = city.deso_stats.groupby("area_code")["pop_total"].sum()
    rate = (per_deso.reindex(pop.index).fillna(0) / pop).rank()
    dep = city.deso.set_index("area_code")["deprivation_last"].reindex(pop.index).rank()
    assert np.corrcoef(rate, dep)[0, 1] > 0.5
    counts = city.crime_counts
    geocoded = rep.dropna(subset=["deso_code"])
    assert counts["value"].sum() == len(geocoded)


def test_surveys(city: SyntheticCity) -> None:
    sv = city.surveys
    assert set(sv["period"]) == {"2015", "2017", "2019", "2021", "2023"}
    assert set(sv["level"]) == {"regso"}
    pct = sv[sv["unit"] == "procent"]["value"]
    assert pct.between(0, 100).all()
    assert (sv.loc[sv["variable"] == "survey_respondents", "value"] > 0).all()
    safe = sv[(sv["variable"] == "survey_feel_safe_pct") & (sv["period"] == "2023")]
    dep = city.deso.groupby("regso_code")["deprivation_last"].mean()
    assert np.corrcoef(safe.set_index("area_code")["value"].reindex(dep.index), dep)[0, 1] < -0.5


# ---- files --------------------------------------------------------------------------------


def test_xlsx_files_have_scb_layout(city: SyntheticCity, written: dict[str, Path]) -> None:
    assert sum(k.startswith("scb/0") and "deso2025" not in k for k in written) == 11 * 13
    wb = openpyxl.load_workbook(written["scb/000005F8/2022"])
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][0].startswith(TITLE_PREFIX) and wb.active["A1"].font.b
    assert rows[1] == (None,) * len(rows[1]) and rows[2][1] == "2022"
    assert rows[3][1:] == tuple(label for label, _ in SCB_TABLES["000005F8"].columns)
    data = [r for r in rows if isinstance(r[0], str) and r[0].startswith("9999")]
    assert len(data) == 150
    ref = city.deso_stats.query("year == 2022").set_index("area_code")
    assert data[0][1] == ref.loc[data[0][0], "hh_couple_children"]
    assert rows[-2][0] == "Intern referenskod:" and rows[-1][0] == "000005F8"
    # suppressed cells are written as SCB's ".."
    sup = city.suppressed.iloc[0]
    spec = next(t for t in SCB_TABLES.values() if sup["variable"] in [v for _, v in t.columns])
    frame = pd.read_excel(
        written[f"scb/{spec.table_id}/{sup['year']}"], header=None, dtype=object, engine="openpyxl"
    )
    assert (frame == "..").to_numpy().sum() >= 1


def test_other_files_are_readable(city: SyntheticCity, written: dict[str, Path]) -> None:
    key = pd.read_csv(written["scb/key"], dtype=str, encoding="utf-8-sig")
    assert list(key.columns) == ["Kommun", "Kommunnamn", "DeSO_2018", "RegSO_2020", "RegSOkod_2020"]
    assert len(key) == 150
    deso = gpd.read_file(written["geo/deso2018"])
    assert len(deso) == 150 and deso.crs.to_epsg() == 3006 and deso["synthetic"].all()
    assert {"desokod", "regsokod"} <= set(deso.columns)
    assert len(gpd.read_file(written["geo/deso2025"])) == len(city.deso2025)
    pol = gpd.read_file(written[f"police/areas/{POLICE_YEARS[0]}"])
    assert {"NAMN", "KATEGORI"} <= set(pol.columns)
    lst = pd.read_csv(written["police/list"], dtype=str)
    assert list(lst.columns)[:3] == ["name", "kommun", "category"]
    crime = pd.read_csv(written["crime/1211"], dtype=str, keep_default_na=False)
    assert list(crime.columns)[1:] == [
        "Id", "Brottskod", "Brottskod.klartext", "Inskrivningsdatum", "Brottsdatum", "Kommun",
        "Län", "DeSO.område", "Antal",
    ]  # fmt: skip
    assert (crime["DeSO.område"] == "").any()
    surveys = pd.read_csv(written["surveys"])
    assert list(surveys.columns) == ["area_code", "period", "variable", "value", "unit"]
    readme = written["readme"].read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme and "SYNTETISKA" in readme


def test_smaller_city_keeps_the_invariants() -> None:
    small = generate_city(seed=3, n_deso=40, n_regso=12, n_districts=3, years=range(2016, 2025))
    assert (len(small.deso), len(small.regso), len(small.districts)) == (40, 12, 3)
    for rec in small.regso.itertuples():
        members = small.deso[small.deso["regso_code"] == rec.area_code]
        assert _same_shape(rec.geometry, shapely.union_all(list(members.geometry)))
    assert set(small.deso_stats["year"]) == set(range(2016, 2025))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 5000), min_size=1, max_size=5),
    st.lists(st.floats(0.001, 10.0), min_size=2, max_size=6),
)
def test_allocate_parts_sum_to_totals(totals: list[int], weights: list[float]) -> None:
    shares = np.tile(np.asarray(weights), (len(totals), 1))
    parts = allocate(np.asarray(totals), shares)
    assert (parts >= 0).all()
    assert (parts.sum(axis=1) == np.asarray(totals)).all()
    exact = np.asarray(totals)[:, None] * shares / shares.sum(axis=1, keepdims=True)
    assert (np.abs(parts - exact) < 1.0 + 1e-9).all()
