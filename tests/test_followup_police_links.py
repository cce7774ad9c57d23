"""A police list without polygons placed on DeSO 2018 / RegSO 2020 through stored links."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from omradesbild.followup.police import listed_areas, police_shares_from_links, police_status


def test_share_of_residents_linked_to_listed_codes() -> None:
    # RegSO 2025 codes N1 (listed särskilt utsatt by p1 and utsatt by p2) and N2 (p2)
    codes = pd.DataFrame(
        {
            "police_code": ["p1", "p2", "p2"],
            "period": "2025",
            "category": ["sarskilt_utsatt", "utsatt", "utsatt"],
            "code": ["N1", "N1", "N2"],
        }
    )
    # DeSO 2018 d1 (300 residents) -> N1; d2 (100) half in N1, half in N3; d3 (600) -> N3
    base_to_codes = pd.DataFrame(
        {
            "from_code": ["d1", "d2", "d2", "d3", "d4"],
            "to_code": ["N1", "N1", "N3", "N3", "N2"],
            "weight": [1.0, 0.5, 0.5, 1.0, 1.0],
        }
    )
    # the areas analysed: A = d1 + d2 + d3, B = d4
    base_to_areas = pd.DataFrame(
        {"from_code": ["d1", "d2", "d3", "d4"], "to_code": ["A", "A", "A", "B"], "weight": 1.0}
    )
    pop = pd.Series({"d1": 300.0, "d2": 100.0, "d3": 600.0, "d4": 50.0})
    ov = police_shares_from_links(codes, base_to_codes, base_to_areas=base_to_areas, population=pop)
    got = {
        (a, p): s for a, p, s in zip(ov.area_code, ov.police_code, ov.share_population, strict=True)
    }
    # N1 counts once, for the most severe category: A has (300 + 50) / 1000 in it
    assert got == pytest.approx({("A", "p1"): 0.35, ("B", "p2"): 1.0})
    assert set(ov["basis"]) == {"links_population"}
    listed = listed_areas(ov, threshold=0.5).set_index("area_code")
    assert not listed.loc["A", "on_list"] and listed.loc["B", "on_list"]
    assert listed_areas(ov, threshold=0.3).set_index("area_code").loc["A", "on_list"]
    # without population every base area counts as one: A = (1 + 0.5) / 3
    eq = police_shares_from_links(codes, base_to_codes, base_to_areas=base_to_areas)
    a = eq.loc[eq["area_code"] == "A"]
    assert a["share_area"].tolist() == pytest.approx([0.5]) and set(eq["basis"]) == {"links_equal"}
    # one row per area and year, with category, share and basis
    st = police_status(listed_areas(ov), ov, areas=["A", "B", "C"], years=["2023", "2025"])
    st = st.set_index(["area_code", "period"])
    assert st.loc[("B", "2025"), "category"] == "utsatt"
    assert st.loc[("A", "2025"), "category"] == "not_listed"
    assert st.loc[("A", "2025"), "share"] == pytest.approx(0.35)
    assert st.loc[("C", "2025"), "share"] == 0.0 and st.loc[("B", "2025"), "basis"] == (
        "links_population"
    )
    assert st.loc[("B", "2023"), "category"] == "not_listed" and pd.isna(
        st.loc[("B", "2023"), "basis"]
    )
    # the base areas themselves
    d = police_shares_from_links(codes, base_to_codes, population=pop).set_index("area_code")
    assert d["share_population"].to_dict() == pytest.approx({"d1": 1.0, "d2": 0.5, "d4": 1.0})


@pytest.mark.realdata
def test_real_2025_list_on_regso2020(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import run_cli

    data, db = shared_data, tmp_path / "s.db"
    d = ["--db", str(db)]
    tables = [str(p) for p in sorted((data / "scb/deso2018_tables_2022").glob("*.xlsx"))]
    new = data / "scb" / "deso2025"
    for args in (
        ["ingest", "scb-key", str(data / "scb/koppling-deso2018-regso2020.csv"), *d],
        ["ingest", "scb-xlsx", *tables, *d],
        ["ingest", "scb-key", str(new / "deso_regso_2025.csv"),
         str(new / "deso_forandringar.csv"), *d],
        ["ingest", "police-list", str(data / "police/utsatta_omraden_2025_list.csv"), *d],
    ):  # fmt: skip
        run_cli(args)
    out = tmp_path / "F.csv"
    capsys.readouterr()
    run_cli(["followup", "police", "--level", "regso", "--period", "2022",
             "--police-year", "2025", "--out", str(out), *d])  # fmt: skip
    printed = capsys.readouterr().out
    assert "on no stored list (2025)" in printed and "inte på någon lagrad lista" in printed
    assert "never" not in printed and "aldrig" not in printed
    flags = pd.read_csv(tmp_path / "F_flags.csv", dtype={"area_code": str, "period": str})
    from omradesbild.store import Store

    with Store(db, read_only=True) as store:
        names = store.areas(level="regso", version="regso2020").set_index("area_code")["name"]
    flags["name"] = flags["area_code"].map(names)
    assert set(flags["stored_years"].astype(str)) == {"2025"}
    listed = flags.loc[flags["listed"].astype(bool) & (flags["category"] == "sarskilt_utsatt")]
    got = set(listed["name"])
    for name in ("Rinkeby", "Husby", "Tensta", "Fittja"):
        assert name in got, name
    assert {"0180R076", "0180R036"} <= set(listed["area_code"])
    assert any(n.startswith("Alby") for n in got) and any(n.startswith("Ronna") for n in got)
    from omradesbild.services.followup import police_status as status

    with Store(db, read_only=True) as store:
        st = status(store, level="regso", period="2022")
    rinkeby = st.loc[st["area_code"] == "0180R076"].set_index("period")
    assert rinkeby.loc["2025", "category"] == "sarskilt_utsatt"
    assert rinkeby.loc["2025", "basis"] == "links_population"
    assert rinkeby.loc["2025", "share"] >= 0.5
    overlay = pd.read_csv(tmp_path / "F_overlay.csv")
    assert set(overlay["basis"]) == {"links_population"}
    assert overlay["share_population"].between(0, 1).all()


def test_police_names_meet_across_the_lists_spellings() -> None:
    """The 2023 polygons' and the 2025 list's names of the same police area meet; others do
    not (the names are as the Police's two files spell them)."""
    from omradesbild.followup.police_links import police_name_parts, police_names_meet

    assert police_name_parts("Tynnered / Grevgården / Opaltorget") == {
        "tynnered",
        "grevgården",
        "opaltorget",
    }
    assert police_name_parts("Södra Sofielund (Seved)") == {"södra sofielund", "seved"}
    same = [
        ("Tynnered / Grevgården / Opaltorget", "Tynnered/Grevegården/Opaltorget"),
        ("Hallunda / Norsborg", "Hallunda/Norsborg"),
        ("Rinkeby / Tensta", "Tensta"),
        ("Hässelby / Vällingby", "Hässelby Gård"),
        ("Södra Sofielund (Seved)", "Södra Sofielund/Seved"),
        ("Biskopsgården", "biskopsgården "),
    ]
    for a, b in same:
        assert police_names_meet(a, b) and police_names_meet(b, a), (a, b)
    for a, b in [("Bergsjön", "Hjällbo"), ("Söder", "Södra Sofielund/Seved"), ("Husby", "")]:
        assert not police_names_meet(a, b), (a, b)
