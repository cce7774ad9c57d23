"""Statistikdatabasen CSV exports keyed by RegSO label, and RegSO-level indicators."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from omradesbild.errors import InputError
from omradesbild.indicators.levels import choose_level_sources, combine_levels
from omradesbild.sources.base import Observations, SourceMeta
from omradesbild.sources.regso_labels import match_regso_labels, normalise_label
from omradesbild.sources.scb_csv import read_scb_csv
from omradesbild.sources.scb_key import read_scb_key
from omradesbild.store import Store

AREAS = pd.DataFrame(
    {
        "area_code": ["0114R001", "0114R002", "0180R001", "0181R001"],
        "name": ["Bollstanäs", "Tuna", "Tuna", "Centrum"],
        "kommun_name": ["Upplands Väsby", "Upplands Väsby", "Stockholm", "Södertälje"],
    }
)


def test_match_labels_exact_normalised_unmatched() -> None:
    m = match_regso_labels(
        [
            "Upplands Väsby (Bollstanäs)",
            "Upplands Väsby (Tuna )",  # SCB's export keeps a space before ")"
            "Stockholm (Tuna)",
            "Stockholm (Tuna)",
            "Solna (Centrum)",
        ],
        AREAS,
    )
    assert m.mapping() == {
        "Upplands Väsby (Bollstanäs)": "0114R001",
        "Upplands Väsby (Tuna )": "0114R002",
        "Stockholm (Tuna)": "0180R001",  # same RegSO name, told apart by the kommun
    }
    assert (m.n_exact, m.n_normalised) == (2, 1)
    assert m.unmatched == ["Solna (Centrum)"]
    assert normalise_label("  Eslöv  (Eslöv  centrum )") == "eslöv (eslöv centrum)"


def test_ambiguous_labels_are_reported() -> None:
    twice = pd.concat([AREAS, AREAS.iloc[[0]].assign(area_code="0114R009")])
    m = match_regso_labels(["Upplands Väsby (Bollstanäs)"], twice)
    assert m.ambiguous == {"Upplands Väsby (Bollstanäs)": ["0114R001", "0114R009"]}
    with pytest.raises(InputError, match="kommun_name"):
        match_regso_labels(["x"], AREAS.drop(columns="kommun_name"))


KEY = (
    "Kommun,Kommunnamn,DeSO_2018,RegSO_2020,RegSOkod_2020\n"
    "0114,Upplands Väsby,0114C1010,Bollstanäs,0114R001\n"
    "0114,Upplands Väsby,0114C1020,Bollstanäs,0114R001\n"
    "0114,Upplands Väsby,0114C1030,Tuna,0114R002\n"
)
BORN = (
    '"region","födelseregion","kön","Antal 2020","Antal 2021","Antal 2022"\n'
    '"Upplands Väsby (Bollstanäs)","Sverige","totalt",500,510,520\n'
    '"Upplands Väsby (Bollstanäs)","totalt","totalt",1000,1000,1000\n'
    '"Upplands Väsby (Tuna )","Sverige","totalt",..,300,-\n'
    '"Upplands Väsby (Tuna )","totalt","totalt",800,800,800\n'
)
INCOME = (
    '"region","inkomstkomponent","kön","Medelvärde för samtliga, tkr 2020"\n'
    '"Upplands Väsby (Bollstanäs)","löneinkomst ","totalt",438.3\n'
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8-sig"))
    return p


def test_read_scb_csv(tmp_path: Path) -> None:
    t = read_scb_csv(write(tmp_path, "born.csv", BORN))
    d = t.data.set_index(["label", "variable", "period"])
    assert d.loc[("Upplands Väsby (Bollstanäs)", "pop_born_sweden", "2021"), "value"] == 510
    assert d.loc[("Upplands Väsby (Tuna )", "pop_total", "2022"), "unit"] == "antal personer"
    missing = d.loc[("Upplands Väsby (Tuna )", "pop_born_sweden", "2020")]
    assert math.isnan(missing["value"]) and missing["missing_reason"].startswith("..")
    assert d.loc[("Upplands Väsby (Tuna )", "pop_born_sweden", "2022"), "missing_reason"]
    assert int(d.loc[("Upplands Väsby (Tuna )", "pop_born_sweden", "2020"), "row"]) == 4
    inc = read_scb_csv(write(tmp_path, "inc.csv", INCOME)).data
    assert inc["variable"].tolist() == ["salary_income_mean_tkr"]
    assert inc["value"].tolist() == [438.3] and inc["unit"].tolist() == ["tkr"]


def test_bad_scb_csv(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="row 3"):
        read_scb_csv(write(tmp_path, "a.csv", BORN.replace("1000,1000,1000", "1000,1 000,1000")))
    with pytest.raises(InputError, match="ending in a year"):
        read_scb_csv(write(tmp_path, "b.csv", '"region","x"\n"a","b"\n'))
    with pytest.raises(InputError, match="two values"):
        read_scb_csv(write(tmp_path, "c.csv", BORN + BORN.splitlines()[1] + "\n"))


def _store(tmp_path: Path) -> Store:
    store = Store(":memory:")
    store.ingest(read_scb_key(write(tmp_path, "key.csv", KEY)))
    return store


def test_ingest_unmatched_label_is_an_error(tmp_path: Path) -> None:
    from omradesbild.services.labelled import ingest_scb_csv

    bad = write(tmp_path, "born.csv", BORN + '"Upplands Väsby (Runby)","totalt","totalt",1,1,1\n')
    with _store(tmp_path) as store:
        with pytest.raises(InputError, match=r"born\.csv: .*row 6.*'Upplands Väsby \(Runby\)'"):
            ingest_scb_csv(store, [write(tmp_path, "ok.csv", INCOME), bad])
        assert store.observations().empty  # nothing half-written
        _, matches = ingest_scb_csv(store, [bad], allow_unmatched=True)
        assert matches[0].match.unmatched == ["Upplands Väsby (Runby)"]
        assert "Runby" in matches[0].line() and "row 6" in matches[0].line()
        assert set(store.observations()["area_code"]) == {"0114R001", "0114R002"}


def _obs(rows: list[tuple[str, str, str, str, float]]) -> Observations:
    meta = SourceMeta(publisher="t", table_id="t", title="t", reference="t", checksum="0" * 64)
    df = pd.DataFrame(rows, columns=["area_code", "area_version", "variable", "period", "value"])
    return Observations(source=meta, data=df.assign(unit="antal personer", missing_reason=None))


def born_store(tmp_path: Path) -> Store:
    """The RegSO file of foreign-born (2020-2022) and DeSO counts of 2022 in one store.

    The DeSO counts give Bollstanäs 300 of 1000 born abroad; the RegSO file 480.
    """
    from omradesbild.services.labelled import ingest_scb_csv

    store = _store(tmp_path)
    ingest_scb_csv(store, [write(tmp_path, "born.csv", BORN)])
    store.ingest(_obs([
        ("0114C1010", "deso2018", "pop_total", "2022", 600),
        ("0114C1010", "deso2018", "pop_born_sweden", "2022", 400),
        ("0114C1020", "deso2018", "pop_total", "2022", 400),
        ("0114C1020", "deso2018", "pop_born_sweden", "2022", 300),
        ("0114C1030", "deso2018", "pop_total", "2022", 800),
        ("0114C1030", "deso2018", "pop_born_sweden", "2022", 500),
    ]))  # fmt: skip
    return store


def test_one_source_per_indicator_no_double_counting(tmp_path: Path) -> None:
    from omradesbild.services.levels import change_table, level_indicators, trend_table

    with born_store(tmp_path) as store:
        one, _, src = level_indicators(
            store, level="regso", periods=["2022"], indicators=["foreign_born"]
        )
        # a tie (one period each): the summed DeSO counts win, and only they count
        assert src == {"foreign_born": "aggregated"}
        v = one.set_index("area_code")
        assert v.loc["0114R001", "value"] == pytest.approx(30.0)
        assert v.loc["0114R001", "denominator"] == 1000  # not 2000: never both sources
        three, _, src = level_indicators(
            store, level="regso", periods=["2020", "2021", "2022"], indicators=["foreign_born"]
        )
        assert src == {"foreign_born": "native"}
        b = three[three["area_code"] == "0114R001"].set_index("period")["value"]
        assert b.to_dict() == pytest.approx({"2020": 50.0, "2021": 49.0, "2022": 48.0})
        ch = change_table(
            store, level="regso", period_from=2020, period_to=2021, indicators=["foreign_born"]
        )
        assert set(ch["source"]) == {"native"} and len(ch) == 2
        # Tuna's 2020 value is SCB's "..": the kommun's share is unknown, not understated
        assert ch["kommun_from"].isna().all()
        assert ch.set_index("area_code").loc["0114R001", "value_to"] == pytest.approx(49.0)
        tr = trend_table(store, level="regso", indicators=["foreign_born"])
        assert tr.set_index("area_code").loc["0114R001", "n_periods"] == 3


def test_choose_sources_pure() -> None:
    agg = pd.DataFrame(
        {"area_code": "A", "indicator": ["x", "y"], "period": "2022", "value": [1.0, 2.0]}
    )
    nat = pd.DataFrame(
        {"area_code": "A", "indicator": ["x", "x", "y"], "period": ["2021", "2022", "2022"],
         "value": [3.0, 4.0, float("nan")]}
    )  # fmt: skip
    assert choose_level_sources(agg, nat) == {"x": "native", "y": "aggregated"}
    assert choose_level_sources(agg, nat, periods=["2022"]) == {
        "x": "aggregated",
        "y": "aggregated",
    }
    out = combine_levels(agg, nat)
    assert sorted(zip(out["indicator"], out["source"], strict=True)) == [
        ("x", "native"), ("x", "native"), ("y", "aggregated")
    ]  # fmt: skip


@pytest.mark.realdata
def test_real_regso_series(shared_data: Path, tmp_path: Path) -> None:
    from omradesbild.cli.main import main
    from omradesbild.services.labelled import ingest_scb_csv
    from omradesbild.services.levels import change_table, trend_table

    series = sorted((shared_data / "scb/regso2020_series_2020_2023").glob("*.csv"))
    db = tmp_path / "regso.duckdb"
    with Store(db) as store:
        store.ingest(read_scb_key(shared_data / "scb/koppling-deso2018-regso2020.csv"))
        _, matches = ingest_scb_csv(store, series)
        for m in matches:
            assert len(m.match.matched) == 3363 and not m.match.unmatched
            assert m.match.n_normalised == 29  # "Botkyrka (Tuna )" and 28 more
        pop = store.observations(variables=["pop_total"], periods=["2020"])
        assert pop["value"].sum() == 10_379_295  # Sweden's population 31 Dec 2020
        ch = change_table(
            store,
            level="regso",
            period_from=2020,
            period_to=2023,
            indicators=["foreign_born", "rental_share"],
        )
        for ind in ("foreign_born", "rental_share"):
            sub = ch[ch["indicator"] == ind]
            assert sub["area_code"].nunique() == 3363
        fb = ch[ch["indicator"] == "foreign_born"]
        assert fb["value_from"].notna().all()
        assert fb["country_from"].iloc[0] == pytest.approx(19.7, abs=0.05)
        tr = trend_table(store, level="regso", indicators=["foreign_born"], period_from=2020)
        assert (tr["n_periods"] == 4).all() and len(tr) == 3363
    out = tmp_path / "change.csv"
    args = ["followup", "change", "--level", "regso", "--from", "2020", "--to", "2023"]
    args += ["-i", "foreign_born", "-i", "rental_share", "--db", str(db), "--out", str(out)]
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code in (0, None)
    cli = pd.read_csv(out, dtype={"area_code": str})
    assert cli.groupby("indicator")["area_code"].nunique().to_dict() == {
        "foreign_born": 3363,
        "rental_share": 3363,
    }
