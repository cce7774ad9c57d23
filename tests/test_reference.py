"""A classification states its reference population and names its classes after it.

SCB's type names ("Områdestyp 1 – …") only against the whole country; against one city's
areas the classes are "relativt staden: klass 1" …; ``harmonize compare`` and
``index compute`` agree for the same reference.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from omradesbild.areas.registry import kommuner
from omradesbild.index import load_method
from omradesbild.services.reference import Reference, reference_of, with_reference

if TYPE_CHECKING:
    from conftest import CliRun

SCB = load_method("scb-omradestyp")
PERIOD = "2022"


def test_reference_rule() -> None:
    assert reference_of([None, None]).kind == "layer"
    city = reference_of(["0180", "0180", None])
    assert city.kind == "city" and city.label("sv") == "staden Stockholm"
    assert city.label("en") == "the city of Stockholm"
    assert reference_of(["0180", "1480"]).label("sv") == "urvalet (2 kommuner)"
    every = kommuner()["code"].tolist()
    assert reference_of(every).national
    assert not reference_of(every[:-1]).national


def test_scb_names_only_against_the_country() -> None:
    result = pd.DataFrame(
        {
            "area_code": ["a", "b", "c"],
            "class": pd.array([1, 3, None], dtype="Int64"),
            "class_label": ["Områdestyp 1 – x", "Områdestyp 3 – y", None],
        }
    )
    city = with_reference(result, SCB, Reference("city", ("0180",), "Stockholm"))
    assert city["class_label"].tolist()[:2] == [
        "relativt staden: klass 1",
        "relativt staden: klass 3",
    ]
    assert pd.isna(city["class_label"].iloc[2])
    assert (city["reference"] == "staden Stockholm").all()
    assert list(city.columns) == ["area_code", "class", "class_label", "reference"]
    country = with_reference(result, SCB, Reference("country", ("0180",)))
    assert country["class_label"].tolist()[:2] == ["Områdestyp 1 – x", "Områdestyp 3 – y"]
    assert (country["reference"] == "riket").all()
    other = with_reference(result, load_method("imd-2019"), Reference("layer"))
    assert other["class_label"].tolist()[:2] == ["Områdestyp 1 – x", "Områdestyp 3 – y"]
    assert (other["reference"] == "lagrets egna områden").all()


@pytest.mark.parametrize("reference_level", [None, "regso"])
def test_compare_and_index_agree(demo_store: Path, reference_level: str | None) -> None:
    from omradesbild.services.index import index_from_store
    from omradesbild.services.pipeline import IndexSelection, area_index
    from omradesbild.store import Store

    with Store(demo_store, read_only=True) as store:
        version = store.areas(level="district")["version"].iloc[0]
        selection = IndexSelection(
            SCB, "district", PERIOD, version, reference_level=reference_level
        )
        compare = area_index(store, selection)
        run = index_from_store(store, selection)
    ours = run.table.set_index("area_code")
    theirs = compare.set_index("area_code")
    assert len(ours) == len(theirs) > 0
    assert (ours["area_type"] == theirs.loc[ours.index, "class"]).all()
    assert (ours["reference"] == theirs.loc[ours.index, "reference"]).all()
    # the synthetic city is one kommun: never SCB's national type names
    assert ours["reference"].iloc[0] == "staden Exempelstad (syntetisk)"
    assert ours["class_label"].str.startswith("relativt staden: klass").all()


def test_cli_states_the_reference(demo_store: Path, tmp_path: Path, cli: CliRun) -> None:
    out = tmp_path / "i.csv"
    args = ["index", "compute", "--method", "scb-omradestyp", "--level", "regso", "-p", PERIOD]
    code, printed, err = cli([*args, "--out", str(out), "--db", str(demo_store)])
    assert code == 0, err
    assert "Referens (klasserna beräknade mot): staden Exempelstad (syntetisk)" in printed
    df = pd.read_csv(out)
    assert not df["class_label"].str.contains("Områdestyp").any()


@pytest.mark.realdata
def test_national_reference_keeps_scb_names(real_store: Path, tmp_path: Path, cli: CliRun) -> None:
    out = tmp_path / "i.csv"
    args = ["index", "compute", "--method", "scb-omradestyp", "--level", "regso", "-p", PERIOD]
    code, printed, err = cli([*args, "--out", str(out), "--db", str(real_store)])
    assert code == 0, err
    df = pd.read_csv(out, dtype={"area_code": str})
    assert (df["reference"] == "riket").all()
    assert df["class_label"].str.startswith("Områdestyp").all()
    assert "riket" in printed


def test_selection_resolves_version_and_reference(demo_store: Path) -> None:
    from omradesbild.services.pipeline import IndexSelection
    from omradesbild.store import Store

    own = IndexSelection(SCB, "regso", PERIOD, reference_level="regso")
    assert own.of_reference() is None
    layer = IndexSelection(SCB, "district", PERIOD, "v1", reference_level="regso")
    assert layer.of_reference() == IndexSelection(SCB, "regso", PERIOD)
    with Store(demo_store, read_only=True) as store:
        stored = set(store.areas(level="regso")["version"])
        assert own.resolved(store).version in stored
        assert layer.resolved(store).version == "v1"
        assert IndexSelection(SCB, "country", PERIOD, "x").resolved(store).version is None
