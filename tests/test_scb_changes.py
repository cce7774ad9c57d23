"""Crosswalks from SCB's DeSO change log: synthetic logs and the real files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.errors import InputError, NotFoundError
from omradesbild.harmonize.code_rule import code_rule_links
from omradesbild.harmonize.scb_changes import (
    change_kind,
    compare_with_code_rule,
    deso_change_links,
    regso_change_links,
)
from omradesbild.sources.deso2025 import (
    detect_scb_key_kind,
    read_change_log,
    read_deso2025_key,
)
from omradesbild.store import Store

COLS = ["deso_old", "deso_new", "change_type", "date"]


def log(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame([(*r, "2025-01-01") for r in rows], columns=COLS)


def weights(links: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {
        (a, b): round(w, 6)
        for a, b, w in links[["from_code", "to_code", "weight"]].itertuples(index=False)
    }


def test_change_kinds() -> None:
    assert change_kind("Upphör; till nybildad") == "ceases_to_new"
    assert change_kind("Utvidgas till territorialvattengräns") == "expanded_to_sea"
    assert change_kind("Utvidgas") == "expanded"
    assert change_kind("Kodändrad; annat än 20-22") == "recoded"
    assert change_kind("Flyttad") is None


def test_split_equal_then_population() -> None:
    changes = log(
        ("0114C1060", "0114C1061", "Upphör; till nybildad"),
        ("0114C1060", "0114C1062", "Upphör; till nybildad"),
    )
    old, new = ["0114C1060", "0114C1010"], ["0114C1061", "0114C1062", "0114C1010"]
    cw = deso_change_links(changes, old, new)
    w = weights(cw.forward)
    assert w == {("0114C1010", "0114C1010"): 1.0, ("0114C1060", "0114C1061"): 0.5,
                 ("0114C1060", "0114C1062"): 0.5}  # fmt: skip
    assert set(cw.forward.loc[cw.forward["from_code"] == "0114C1060", "method"]) == {
        "scb_changes_equal"
    }
    cw = deso_change_links(changes, old, new, new_basis={"0114C1061": 300, "0114C1062": 100})
    w = weights(cw.forward)
    assert w[("0114C1060", "0114C1061")] == 0.75
    assert set(cw.forward.loc[cw.forward["from_code"] == "0114C1060", "method"]) == {
        "scb_changes_population"
    }
    # each new part comes wholly from the old area
    assert weights(cw.backward)[("0114C1061", "0114C1060")] == 1.0
    assert cw.unreached_new == []


def test_merge_backward_weighted_by_old_population() -> None:
    changes = log(
        ("0114C1010", "0114C1030", "Upphör; till befintlig"),
        ("0114C1030", "0114C1030", "Utvidgas"),
    )
    old, new = ["0114C1010", "0114C1030"], ["0114C1030"]
    cw = deso_change_links(changes, old, new, old_basis={"0114C1010": 1000, "0114C1030": 3000})
    assert weights(cw.forward) == {("0114C1010", "0114C1030"): 1.0, ("0114C1030", "0114C1030"): 1.0}
    back = weights(cw.backward)
    assert back == {("0114C1030", "0114C1010"): 0.25, ("0114C1030", "0114C1030"): 0.75}
    assert set(cw.backward["method"]) == {"scb_changes_population"}
    # without a population each old area counts once
    assert weights(deso_change_links(changes, old, new).backward)[("0114C1030", "0114C1010")] == 0.5


def test_code_change_and_boundary_change_are_exact() -> None:
    changes = log(
        ("0586C2010", "0586B2010", "Kodändrad; annat än 20-22"),
        ("0586C2020", "0586C2020", "Utvidgas till territorialvattengräns"),
    )
    cw = deso_change_links(changes, ["0586C2010", "0586C2020"], ["0586B2010", "0586C2020"])
    assert weights(cw.forward) == {("0586C2010", "0586B2010"): 1.0, ("0586C2020", "0586C2020"): 1.0}
    assert set(cw.forward["method"]) == {"scb_changes"}


def test_reduced_area_gives_part_to_existing_and_rule_differs() -> None:
    changes = log(
        ("0120C1040", "0120A0010", "Ger del/delar till befintlig"),
        ("0120C1040", "0120C1040", "Minskas och ger del till befintlig eller nybildad"),
        ("0120A0010", "0120A0010", "Utvidgas"),
    )
    old = new = ["0120C1040", "0120A0010"]
    cw = deso_change_links(changes, old, new)
    assert weights(cw.forward)[("0120C1040", "0120A0010")] == 0.5
    cmp = compare_with_code_rule(cw.forward, code_rule_links(old, new))
    assert cmp.set_index("from_code")["status"].to_dict() == {
        "0120A0010": "same",
        "0120C1040": "different",
    }


def test_kommun_crossing_regso() -> None:
    changes = log(
        ("0184C1180", "0180C5261", "Ger del till nybildad"),
        ("0184C1180", "0184C1180", "Minskas och ger del till befintlig eller nybildad"),
    )
    cw = deso_change_links(
        changes, ["0184C1180", "0180C5250"], ["0184C1180", "0180C5261", "0180C5250"]
    )
    old_key = {"0184C1180": "0184R011", "0180C5250": "0180R114"}
    new_key = {"0184C1180": "0184R011", "0180C5261": "0180R114", "0180C5250": "0180R114"}
    fwd, back = regso_change_links(
        cw.forward, old_key, new_key, old_basis={"0184C1180": 2000, "0180C5250": 1000}
    )
    assert weights(fwd) == {("0184R011", "0180R114"): 0.5, ("0184R011", "0184R011"): 0.5,
                            ("0180R114", "0180R114"): 1.0}  # fmt: skip
    # Västra Matteus 2025: 1000 from its old self + 1000 (estimated) from Solna
    assert weights(back) == {("0180R114", "0180R114"): 0.5, ("0180R114", "0184R011"): 0.5,
                             ("0184R011", "0184R011"): 1.0}  # fmt: skip
    exact = fwd.set_index(["from_code", "to_code"])["method"]
    assert exact[("0180R114", "0180R114")] == "scb_changes"
    # population-weighted over the old DeSO, but the split of 0184C1180 itself was equal
    assert exact[("0184R011", "0184R011")] == "scb_changes_population+split_equal"


def test_bad_logs() -> None:
    with pytest.raises(InputError, match="unknown change type"):
        deso_change_links(log(("0114C1010", "0114C1011", "Flyttad")), ["0114C1010"], ["0114C1011"])
    with pytest.raises(InputError, match="not among the new version"):
        deso_change_links(
            log(("0114C1010", "0114C1019", "Upphör; till nybildad")), ["0114C1010"], ["0114C1011"]
        )
    with pytest.raises(InputError, match="neither in the change log"):
        deso_change_links(log(), ["0114C1010"], ["0114C1011"])
    # a change before the old version is skipped, not applied
    cw = deso_change_links(
        log(("1883A0010", "1883A0030", "Upphör; till nybildad")), ["1883A0030"], ["1883A0030"]
    )
    assert list(cw.skipped["reason"]) == ["before_old_version"]


@settings(max_examples=30, deadline=None)
@given(
    parts=st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=6),
    pops=st.lists(st.floats(min_value=0, max_value=5000), min_size=30, max_size=30),
)
def test_weights_sum_to_one(parts: list[int], pops: list[float]) -> None:
    rows, old, new = [], [], []
    for i, n in enumerate(parts):
        a = f"0114C{i + 1:03d}0"
        old.append(a)
        kids = [f"0114C{i + 1:03d}{k + 1}" for k in range(n)] if n > 1 else [a]
        new.extend(kids)
        if n > 1:
            rows += [(a, b, "Upphör; till nybildad") for b in kids]
    basis = dict(zip(new, pops, strict=False))
    cw = deso_change_links(log(*rows), old, new, new_basis=basis, old_basis=basis)
    for frame in (cw.forward, cw.backward):
        sums = frame.groupby("from_code")["weight"].sum()
        assert ((sums - 1).abs() < 1e-9).all()
    assert set(cw.forward["to_code"]) == set(new)


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8-sig"))
    return p


K18_HEAD = "Kommun,Kommunnamn,DeSO_2018,RegSO_2020,RegSOkod_2020\n"
K25_HEAD = "deso_2025,regso_2025_code,regso_2025_name,kommun\n"
CHG_HEAD = "deso_old,deso_new,change_type,date\n"


def write_keys(tmp_path: Path, k18: str, k25: str, chg: str) -> tuple[Path, Path, Path]:
    """Write the three SCB key files (rows under their headers): 2018 key, 2025 key, changes."""
    return (
        write(tmp_path, "k18.csv", K18_HEAD + k18),
        write(tmp_path, "k25.csv", K25_HEAD + k25),
        write(tmp_path, "chg.csv", CHG_HEAD + chg),
    )


def test_detect_and_ingest_in_one_transaction(tmp_path: Path) -> None:
    from omradesbild.services.versions import ingest_scb_keys

    k18, k25, chg = write_keys(
        tmp_path,
        "0114,Upplands Väsby,0114C1060,Runby,0114R001\n"
        "0114,Upplands Väsby,0114C1010,Runby,0114R001\n",
        "0114C1061,0114R001,Runby,0114\n0114C1062,0114R002,Runby norra,0114\n"
        "0114C1010,0114R001,Runby,0114\n",
        "0114C1060,0114C1061,Upphör; till nybildad,2025-01-01\n"
        "0114C1060,0114C1062,Upphör; till nybildad,2025-01-01\n",
    )
    assert detect_scb_key_kind(chg) == "deso_changes"
    assert detect_scb_key_kind(k25) == "deso2025_regso2025"
    with Store(":memory:") as store:
        with pytest.raises(NotFoundError, match="DeSO of version deso2025"):
            ingest_scb_keys(store, [k18, chg])
        assert store.areas(level="deso").empty  # nothing half-written
        reports, results, _ = ingest_scb_keys(store, [chg, k25, k18])
        assert len(reports) == 3
        links = store.links(from_version="regso2020", to_version="regso2025")
        assert weights(links) == {("0114R001", "0114R001"): 0.75, ("0114R001", "0114R002"): 0.25}
        # the code rule agrees here: 0114C1060 -> 0114C1061, 0114C1062
        assert results[0].code_rule_differs == 0
        assert store.areas(version="regso2025").set_index("area_code")["name"]["0114R002"] == (
            "Runby norra"
        )
        # the stored links compose: DeSO 2018 -> DeSO 2025 -> RegSO 2025
        from omradesbild.services.links import compose_links

        via = compose_links(store.links(), from_version="deso2018", to_version="regso2025")
        assert weights(via) == {("0114C1010", "0114R001"): 1.0, ("0114C1060", "0114R001"): 0.5,
                                ("0114C1060", "0114R002"): 0.5}  # fmt: skip


def test_cli_prints_code_rule_comparison(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from omradesbild.cli.main import main

    k18, k25, chg = write_keys(
        tmp_path,
        "0120,Värmdö,0120C1040,Gustavsberg,0120R001\n"
        "0120,Värmdö,0120A0010,Värmdö omland,0120R002\n",
        "0120C1040,0120R001,Gustavsberg,0120\n0120A0010,0120R002,Värmdö omland,0120\n",
        "0120C1040,0120A0010,Ger del/delar till befintlig,2025-01-01\n"
        "0120C1040,0120C1040,Minskas och ger del till befintlig eller nybildad,2025-01-01\n"
        "0120A0010,0120A0010,Utvidgas,2025-01-01\n",
    )
    with pytest.raises(SystemExit) as exc:
        main(["ingest", "scb-key", str(k18), str(k25), str(chg), "--db", str(tmp_path / "s.db")])
    assert exc.value.code in (0, None)
    out = capsys.readouterr().out
    assert "1 of 2 DeSO 2018 linked differently" in out
    assert "deso2018 -> deso2025: 3 links" in out and "scb_changes_equal 2" in out


def test_bad_key_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unexpected header"):
        detect_scb_key_kind(write(tmp_path, "x.csv", "a,b\n1,2\n"))
    bad = write(tmp_path, "k25.csv", K25_HEAD + "0114C1061,0180R001,Runby,0114\n")
    with pytest.raises(InputError, match="row 2"):
        read_deso2025_key(bad)
    bad = write(tmp_path, "c.csv", CHG_HEAD + "0114C1061,0114C1062,x,2025\n")
    with pytest.raises(InputError, match="not a date"):
        read_change_log(bad)


@pytest.mark.realdata
def test_real_change_log(shared_data: Path) -> None:
    from omradesbild.services.versions import change_log_links
    from omradesbild.sources.scb_key import read_scb_key
    from omradesbild.store.ingest import ingest_parsed

    d = shared_data / "scb"
    with Store(":memory:") as store:
        ingest_parsed(
            store,
            [
                read_scb_key(d / "koppling-deso2018-regso2020.csv"),
                read_deso2025_key(d / "deso2025/deso_regso_2025.csv"),
            ],
            kind="scb-key",
        )
        assert len(store.areas(level="deso", version="deso2025")) == 6160
        assert len(store.areas(level="regso", version="regso2025")) == 3363
        res = change_log_links(store, read_change_log(d / "deso2025/deso_forandringar.csv"))
    lk = res.links.links
    fwd = lk[lk["from_version"] == "deso2018"]
    assert fwd["from_code"].nunique() == 5984 and fwd["to_code"].nunique() == 6160
    sums = lk.groupby(["from_version", "from_code"])["weight"].sum()
    assert ((sums - 1).abs() < 1e-9).all()
    # the code rule links 251 DeSO 2018 differently from SCB's change log (9 not at all)
    assert res.code_rule_differs == 251
    assert (res.comparison["status"] == "rule_unmatched").sum() == 9
    assert len(res.skipped) == 2  # 1883A0010/20 -> 1883A0030, before DeSO 2018
    r = lk[lk["from_version"] == "regso2020"]
    assert r["from_code"].nunique() == 3363
    # Solna's 0184C1180 gives parts to Stockholm's Västra Matteus
    crossing = r[(r["from_code"].str[:4] == "0184") & (r["to_code"].str[:4] == "0180")]
    assert not crossing.empty
