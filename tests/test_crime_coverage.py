"""What reported-offence extracts cover, and crime tables that leave out uncovered years."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.followup.crime_coverage import (
    crime_coverage,
    flag_crime_rows,
    unusable_years,
)
from omradesbild.sources.base import Observations, SourceMeta
from omradesbild.sources.crime import read_crime_file
from omradesbild.sources.scb_key import read_scb_key
from omradesbild.store import Store
from test_crime import report, write


def rows(*items: tuple[str, str, str, str, str]) -> pd.DataFrame:
    """(offence date, registration date, deso, kommun, code) per report."""
    return pd.DataFrame(
        [
            {"offence_code": c, "period": d[:4], "deso_code": deso, "kommun_code": k,
             "count": 1, "offence_date": d, "registration_date": r}
            for d, r, deso, k, c in items
        ]
    )  # fmt: skip


def test_incomplete_and_ungeocoded_years() -> None:
    data = rows(
        ("2019-03-01", "2019-03-02", "", "0180", "1210"),
        ("2019-05-01", "2019-05-02", "", "", "1210"),
        ("2019-06-01", "2019-06-02", "0180C1010", "0180", "1210"),
        ("2020-01-01", "2020-01-01", "0180C1010", "0180", "1210"),
        ("2024-02-01", "2024-03-31", "0180C1010", "0180", "1210"),
        ("2018-12-30", "2019-01-01", "0180C1010", "0180", "1210"),
    )
    cov = crime_coverage(data, min_geocoded_share=0.8).set_index("period")
    assert cov.loc["2019", "reports"] == 3 and cov.loc["2019", "geocoded"] == 1
    assert cov.loc["2019", "no_kommun"] == 1
    assert cov.loc["2019", "geocoded_share"] == pytest.approx(1 / 3)
    assert bool(cov.loc["2019", "complete"]) and not bool(cov.loc["2019", "usable"])
    assert "33% geocoded" in cov.loc["2019", "note"]
    assert bool(cov.loc["2020", "usable"])
    # the extract ends 31 March 2024: 2024 is not complete
    assert not bool(cov.loc["2024", "complete"])
    assert "ends before 31 December" in cov.loc["2024", "note"]
    # the extract starts 1 January 2019: an offence of 2018 registered then is in an
    # incomplete year
    assert "starts after 1 January" in cov.loc["2018", "note"]
    assert unusable_years(cov.reset_index()) == {
        ("1210", "2018"),
        ("1210", "2019"),
        ("1210", "2024"),
    }


def test_flag_rows() -> None:
    cov = crime_coverage(
        rows(
            ("2019-03-01", "2019-01-01", "", "0180", "1210"),
            ("2020-03-01", "2020-12-31", "0180C1010", "0180", "1210"),
        )
    )
    frame = pd.DataFrame({"period": ["2019", "2020", "2019"], "x": [1, 2, 3]})
    out = flag_crime_rows(frame, cov, offence=["1210", "1210", ""])
    assert out["x"].tolist() == [2, 3]  # a non-crime row of 2019 stays
    kept = flag_crime_rows(frame, cov, offence=["1210", "1210", ""], include_incomplete=True)
    assert kept["coverage_ok"].tolist() == [False, True, True]


_CODES = st.sampled_from(["1210", "0300", "", None])
_YEARS = st.sampled_from(["2019", "2020", "2021"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(_CODES, _YEARS), max_size=25),
    st.sets(st.tuples(st.sampled_from(["1210", "0300"]), _YEARS)),
    st.booleans(),
)
def test_flag_rows_is_the_row_by_row_rule(
    items: list[tuple[str | None, str]], bad: set[tuple[str, str]], as_series: bool
) -> None:
    """A row is flagged exactly when its offence code is a non-empty string and (code, year)
    is an unusable year; rows without a code (None or "") are never flagged."""
    cov = pd.DataFrame(
        {
            "offence_code": [c for c, _ in sorted(bad)],
            "period": [p for _, p in sorted(bad)],
            "usable": [False] * len(bad),
        }
    )
    frame = pd.DataFrame({"period": [p for _, p in items], "i": range(len(items))})
    codes = [c for c, _ in items]
    offence = pd.Series(codes, dtype="string[pyarrow]") if as_series else codes
    got = flag_crime_rows(frame, cov, offence=offence, include_incomplete=True)
    expected = [not (bool(c) and (c, p) in bad) for c, p in items]
    assert got["coverage_ok"].tolist() == expected
    dropped = flag_crime_rows(frame, cov, offence=offence)
    assert dropped["i"].tolist() == [i for i, ok in enumerate(expected) if ok]


def test_reader_gives_coverage(tmp_path: Path) -> None:
    path = write(
        tmp_path / "brand.csv",
        [
            report(date="2019-05-01", reg="2019-05-02", deso=""),
            report(date="2019-06-01", reg="2019-06-01"),
            report(date="2020-06-01", reg="2020-06-01"),
            report(date="2020-06-01", reg="2024-03-31", antal="2"),
        ],
    )
    f = read_crime_file(path)
    cov = f.coverage.set_index("period")
    assert cov.loc["2020", "reports"] == 2 and cov.loc["2020", "offences"] == 3
    assert cov.loc["2019", "geocoded_share"] == 0.5
    assert cov.loc["2020", "extract_last_registration"] == "2024-03-31"
    assert f.observations.data["value"].sum() == 5


def _pop(codes: list[str], periods: list[str]) -> Observations:
    meta = SourceMeta(publisher="t", table_id="p", title="p", reference="p", checksum="1" * 64)
    df = pd.DataFrame(
        [(c, "deso2018", "pop_total", p, 2000.0, "antal personer") for c in codes for p in periods],
        columns=["area_code", "area_version", "variable", "period", "value", "unit"],
    )
    return Observations(source=meta, data=df)


def flagged_store(tmp_path: Path) -> Store:
    """A store of one DeSO with car-fire reports whose first and last years are flagged.

    2019 has mostly reports without a DeSO, and 2023 is cut short by the extract's end.
    """
    from omradesbild.services.crime import ingest_crime

    key = tmp_path / "key.csv"
    key.write_text(
        "Kommun,Kommunnamn,DeSO_2018,RegSO_2020,RegSOkod_2020\n"
        "0581,Norrköping,0581C1070,Centrum,0581R001\n",
        encoding="utf-8",
    )
    reports = [report(date="2019-05-01", reg="2019-05-02", deso="")] * 3
    reports += [report(date="2019-05-01", reg="2019-05-02")]
    for year in ("2020", "2021", "2022"):
        reports += [report(date=f"{year}-06-01", reg=f"{year}-06-02")] * 12
    reports += [report(date="2023-01-05", reg="2023-01-06")]  # extract ends 6 Jan 2023
    path = write(tmp_path / "bilbrand.csv", reports)
    store = Store(":memory:")
    store.ingest(read_scb_key(key))
    store.ingest(_pop(["0581C1070"], ["2019", "2020", "2021", "2022", "2023"]))
    ingest_crime(store, [path])
    return store


def test_crime_table_leaves_out_flagged_years(tmp_path: Path) -> None:
    from omradesbild.services.crime import crime_coverage as stored
    from omradesbild.services.followup import crime_table
    from omradesbild.services.levels import trend_table

    with flagged_store(tmp_path) as store:
        cov = stored(store).set_index("period")
        assert not cov.loc["2019", "usable"] and not cov.loc["2023", "usable"]
        res = crime_table(store, level="deso")
        assert sorted(res.rates["period"]) == ["2020", "2021", "2022"]
        assert res.rates["reliable"].all()  # 12 offences each
        assert any("left out" in n and "1211 2019" in n for n in res.notes)
        kept = crime_table(store, level="deso", include_incomplete=True)
        assert sorted(kept.rates["period"]) == ["2019", "2020", "2021", "2022", "2023"]
        k = kept.rates.set_index("period")
        assert not k.loc["2019", "coverage_ok"] and not k.loc["2023", "reliable"]  # 1 offence
        tr = trend_table(store, level="deso", indicators=["crime_rate_1211"])
        assert tr["n_periods"].tolist() == [3]
        tr = trend_table(
            store, level="deso", indicators=["crime_rate_1211"], include_incomplete=True
        )
        assert tr["n_periods"].tolist() == [5]
        from omradesbild.errors import NotFoundError
        from omradesbild.services.levels import change_table

        kw = {"level": "deso", "period_from": 2019, "period_to": 2022}
        only = "inga värden att jämföra på nivån deso utom brottstal för 2019, år"
        with pytest.raises(NotFoundError, match=only):  # an empty table before
            change_table(store, indicators=["crime_rate_1211"], **kw)
        both = change_table(store, indicators=["crime_rate_1211"], include_incomplete=True, **kw)
        assert len(both) == 1
        assert len(change_table(store, indicators=["crime_rate_1211"], level="deso",
                                period_from=2020, period_to=2022)) == 1  # fmt: skip


def test_cli_ingest_lists_flagged_years_and_coverage_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from omradesbild.cli.main import main

    path = write(
        tmp_path / "bilbrand.csv",
        [report(date="2019-05-01", reg="2019-05-02", deso=""), report(date="2020-02-01")],
    )
    key = tmp_path / "key.csv"
    key.write_text(
        "Kommun,Kommunnamn,DeSO_2018,RegSO_2020,RegSOkod_2020\n"
        "0581,Norrköping,0581C1070,Centrum,0581R001\n",
        encoding="utf-8",
    )
    db = str(tmp_path / "c.duckdb")
    steps = (["ingest", "scb-key", str(key)], ["ingest", "crime", str(path)])
    for args in (*steps, ["followup", "crime-coverage"]):
        with pytest.raises(SystemExit) as exc:
            main([*args, "--db", db])
        assert exc.value.code in (0, None)
    out = capsys.readouterr().out
    # the flagged year at ingest, and its note in 'crime-coverage', in Swedish and English
    assert "crime_1211 2019: 1 anmälan, 0 % geokodade" in out
    assert "crime_1211 2019: 1 report, 0% geocoded" in out
    sv = "året är inte komplett: uttaget börjar efter 1 januari; bara 0 % geokodade till en DeSO"
    en = "year not complete: the extract starts after 1 January; only 0% geocoded to a DeSO"
    assert out.count(sv) == 2 and out.count(en) == 2, out


def test_store_without_coverage_table_reads_empty() -> None:
    from omradesbild.services.crime import crime_coverage as stored

    with Store(":memory:") as store:
        store.con.execute("DROP TABLE crime_coverage")
        assert stored(store).empty


@pytest.mark.realdata
def test_real_arson_2019_and_2024(shared_data: Path) -> None:
    cov = read_crime_file(shared_data / "crime" / "brand brott.csv").coverage.set_index("period")
    y19 = cov.loc["2019"]
    # 1 753 reports of arson in 2019, 56 placed in a DeSO (3 %); 9 have no kommun either,
    # so 1 688 of the 1 744 reports with a kommun have no DeSO.
    assert (y19["reports"], y19["geocoded"], y19["no_kommun"]) == (1753, 56, 9)
    assert y19["reports"] - y19["no_kommun"] - y19["geocoded"] == 1688
    assert not y19["usable"] and y19["complete"]
    y24 = cov.loc["2024"]
    assert y24["extract_last_registration"] == "2024-03-31"
    assert not y24["complete"] and not y24["usable"]
    usable = sorted(cov.index[cov["usable"].astype(bool)])
    assert usable == ["2020", "2021", "2022", "2023"]


def test_the_population_year_is_read_when_another_note_follows(tmp_path: Path) -> None:
    """2023 divides by 2022's population (the only one stored) and has one offence: its
    note reads 'denominator from 2022; events 1 below 10', and ``population_period`` is
    2022, not '2022;'."""
    from omradesbild.services.crime import ingest_crime
    from omradesbild.services.followup import crime_table

    key = tmp_path / "key.csv"
    key.write_text(
        "Kommun,Kommunnamn,DeSO_2018,RegSO_2020,RegSOkod_2020\n"
        "0581,Norrköping,0581C1070,Centrum,0581R001\n",
        encoding="utf-8",
    )
    reports = [report(date="2023-06-01", reg="2023-06-02")]
    reports += [report(date="2024-01-05", reg="2024-01-06")]
    with Store(":memory:") as store:
        store.ingest(read_scb_key(key))
        store.ingest(_pop(["0581C1070"], ["2022"]))
        ingest_crime(store, [write(tmp_path / "bilbrand.csv", reports)])
        res = crime_table(store, level="deso", period_to=2023, include_incomplete=True)
    rates = res.rates.set_index("period")
    assert "denominator from 2022;" in rates.loc["2023", "note"]
    assert rates.loc["2023", "population_period"] == "2022"
    assert rates.loc["2023", "population_other_year"] and not rates.loc["2023", "reliable"]
