"""Every table written for a reader names its areas: ``area_name`` (and the kommun) beside
``area_code``, on the synthetic city and on Stockholm's real areas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

if TYPE_CHECKING:
    from conftest import CliRun

#: CLI commands with --out on the demo store: name -> (arguments, level); each writes q.csv
#: (or the files named in WRITES).
COMMANDS: dict[str, tuple[str, str]] = {
    "query": ("query pop_total -p 2022", "deso"),
    "indicators": ("indicators compute --level deso -p 2022 -i edu_low_25_64", "deso"),
    "index": ("index compute --method scb-omradestyp --level regso -p 2022", "regso"),
    "change": ("followup change --level regso --from 2018 --to 2022", "regso"),
    "trend": ("followup trend --level regso --from 2020", "regso"),
    "transitions": ("followup transitions --level regso --from 2018 --to 2022", "regso"),
    "police": ("followup police --level regso --period 2022 --police-year 2023", "regso"),
    "crime": ("followup crime --level regso", "regso"),
    "harmonize-apply": ("harmonize apply --to-version regso2020 -p 2022", "regso"),
    "district-index": (
        "index compute --method scb-omradestyp --level district -p 2022",
        "district",
    ),
}
#: The files a command writes instead of q.csv.
WRITES = {"police": ["q_flags.csv", "q_overlay.csv"]}


def _check_named(df: pd.DataFrame, level: str, what: str) -> None:
    head = list(df.columns)
    assert head[:2] == ["area_code", "area_name"], f"{what}: {head[:5]}"
    assert df["area_name"].notna().all() and (df["area_name"].astype(str) != "").all(), what
    if level in ("deso", "regso"):
        assert head[2:4] == ["kommun_code", "kommun_name"], f"{what}: {head[:5]}"
        assert df["kommun_name"].notna().all(), what
        assert set(df["kommun_name"]) == {"Exempelstad (syntetisk)"}, what


@pytest.mark.parametrize("name", COMMANDS)
def test_cli_tables_carry_names(demo_store: Path, tmp_path: Path, cli: CliRun, name: str) -> None:
    args, level = COMMANDS[name]
    files = WRITES.get(name, ["q.csv"])
    code, _, err = cli([*args.split(), "--out", str(tmp_path / "q.csv"), "--db", str(demo_store)])
    assert code == 0, err
    for f in files:
        df = pd.read_csv(tmp_path / f, dtype={"area_code": str, "kommun_code": str})
        assert len(df), f"{name}: {f} is empty"
        _check_named(df, level, f"{name} {f}")
    if level == "regso":
        regso = pd.read_csv(tmp_path / files[0], dtype=str)
        # a RegSO carries its own name, never the code
        assert (regso["area_name"] != regso["area_code"]).all()


def test_deso_named_after_its_regso(demo_store: Path) -> None:
    from omradesbild.services.names import area_name_frame
    from omradesbild.store import Store

    with Store(demo_store, read_only=True) as store:
        deso = area_name_frame(store, level="deso", version="deso2018")
        regso = store.areas(level="regso", version="regso2020").set_index("area_code")
        parents = store.areas(level="deso", version="deso2018").set_index("area_code")
    row = deso.iloc[0]
    parent = parents.at[row["area_code"], "parent_code"]
    assert row["area_name"] == f"del av {regso.at[parent, 'name']}"


def test_exports_carry_names(demo_store: Path, tmp_path: Path, cli: CliRun) -> None:
    from openpyxl import load_workbook

    args = ["export", "--period", "2022", "--level", "regso", "-f", "csv", "-f", "json"]
    code, _, err = cli([*args, "-f", "xlsx", "--out", str(tmp_path), "--db", str(demo_store)])
    assert code == 0, err
    _check_named(
        pd.read_csv(tmp_path / "omradesbild_regso_2022.csv", dtype={"kommun_code": str}),
        "regso",
        "export csv",
    )
    doc = json.loads((tmp_path / "omradesbild_regso_2022.json").read_text("utf-8"))
    for key in ("indicators", "index"):
        _check_named(pd.DataFrame(doc[key]), "regso", f"export json {key}")
    wb = load_workbook(tmp_path / "omradesbild_regso_2022.xlsx", read_only=True)
    for ws in wb.worksheets[:-1]:
        rows = list(ws.iter_rows(values_only=True))
        head = [str(h) for h in rows[0]]
        assert head[:4] == ["Områdeskod", "Område", "Kommunkod", "Kommunnamn"], ws.title
        assert all(r[1] and r[3] for r in rows[1:]), ws.title


def test_printed_flags_name_areas(demo_store: Path, cli: CliRun) -> None:
    args = ["followup", "police", "--level", "regso", "--period", "2022", "--police-year", "2023"]
    code, out, err = cli([*args, "--db", str(demo_store)])
    assert code == 0, err
    assert "area_name" in out and "kommun_name" in out


def test_name_columns_pure() -> None:
    from omradesbild.services.names import add_name_columns

    names = pd.DataFrame(
        {
            "area_code": ["A", "B"],
            "level": ["district", "district"],
            "area_name": ["Alfa", "Beta"],
            "kommun_code": [None, None],
            "kommun_name": [None, None],
        }
    )
    df = pd.DataFrame({"x": [1, 2, 3], "area_code": ["B", "A", "C"]})
    df.attrs["notes"] = ["kept"]
    out = add_name_columns(df, names)
    # no kommun known: no kommun columns; an unknown code is named by itself
    assert list(out.columns) == ["area_code", "area_name", "x"]
    assert out["area_name"].tolist() == ["Beta", "Alfa", "C"]
    assert out.attrs["notes"] == ["kept"]


@pytest.mark.realdata
def test_rinkeby_named_on_real_data(real_store: Path, tmp_path: Path, cli: CliRun) -> None:
    out = tmp_path / "idx.csv"
    args = ["index", "compute", "--method", "scb-omradestyp", "--level", "regso", "-p", "2022"]
    code, _, err = cli([*args, "--out", str(out), "--db", str(real_store)])
    assert code == 0, err
    df = pd.read_csv(out, dtype=str).set_index("area_code")
    assert df.at["0180R076", "area_name"] == "Rinkeby"
    assert df.at["0180R076", "kommun_name"] == "Stockholm"
    assert df.at["0180R036", "area_name"] == "Husby"
    q = tmp_path / "q.csv"
    code, _, err = cli(
        ["query", "pop_total", "-p", "2022", "--out", str(q), "--db", str(real_store)]
    )
    assert code == 0, err
    deso = pd.read_csv(q, dtype=str)
    assert deso["area_name"].notna().all() and deso["kommun_name"].notna().all()
    stockholm = deso[deso["kommun_code"] == "0180"]
    assert len(stockholm) == 544 and set(stockholm["kommun_name"]) == {"Stockholm"}
    assert stockholm["area_name"].str.startswith("del av ").all()


@pytest.mark.realdata
def test_period_without_the_variables_names_the_stored_periods(
    real_store: Path, tmp_path: Path, cli: CliRun
) -> None:
    # 2019 is in the store (offence counts) but the area-type indicators are only in 2022
    args = ["index", "compute", "--method", "scb-omradestyp", "--level", "regso", "-p", "2019"]
    code, _, err = cli([*args, "--out", str(tmp_path / "x.csv"), "--db", str(real_store)])
    assert code != 0
    assert "periods with them in the store: 2022" in err
    assert "not in the store" not in err
    args = ["indicators", "compute", "--level", "regso", "-p", "2019", "-i", "edu_low_25_64"]
    code, _, err = cli([*args, "--db", str(real_store)])
    assert code != 0 and "periods with them in the store: 2022" in err


def test_area_kommuner_follow_the_name_rule_on_real_data(
    real_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kommun of every stored area of every layer is the one its row of names states;
    DeSO and RegSO codes are placed by their code without reading the area registry."""
    from omradesbild.services import names
    from omradesbild.services.level import kommun_code
    from omradesbild.store import Store

    with Store(real_store, read_only=True) as store:
        layers = store.con.execute("SELECT DISTINCT level, version FROM areas").fetchall()
        for level, version in layers:
            codes = [*store.areas(level=level, version=version)["area_code"], "0180C1010", "x"]
            frame = names.area_name_frame(store, level=level, version=version, codes=codes)
            stated = dict(zip(frame["area_code"], frame["kommun_code"], strict=True))
            want = {c: k if isinstance(k, str) and k else kommun_code(c) for c, k in stated.items()}
            assert names.area_kommuner(store, codes, level=level, version=version) == want, version
        regso = list(store.areas(level="regso", version="regso2020")["area_code"])

        def unread(*args: object, **kwargs: object) -> pd.DataFrame:
            raise AssertionError("the area registry was read")

        monkeypatch.setattr(names, "area_name_frame", unread)
        kommuner = names.area_kommuner(store, regso, level="regso", version="regso2020")
    assert len(kommuner) == 3363 and kommuner["0180R001"] == "0180"


def test_names_of_some_areas_read_only_those(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Naming a table's areas reads the stored rows of its codes (and of the areas they are
    named after), not every stored area; the names are those of the whole registry."""
    from omradesbild.services.names import area_name_frame
    from omradesbild.store import Store

    with Store(demo_store, read_only=True) as store:
        deso = list(store.areas(level="deso")["area_code"])[:5]
        whole = area_name_frame(store, level="deso")
        every = Store.areas

        def some(self: Store, **kw: object) -> pd.DataFrame:
            assert any(kw.get(k) for k in ("level", "version", "codes")), "every area read"
            return every(self, **kw)  # type: ignore[arg-type]

        monkeypatch.setattr(Store, "areas", some)
        named = area_name_frame(store, level="deso", codes=[*deso, "x"])
    want = whole.set_index("area_code").loc[deso, "area_name"]
    assert named["area_name"].tolist() == [*want, "x"]
    assert all(n.startswith("del av ") for n in want)
