"""``omradesbild harmonize layer / apply / compare`` on the real data, and the comparison maths."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from conftest import run_cli
from omradesbild.cli.main import main
from omradesbild.config import DEFAULT_LEVEL
from omradesbild.index import load_method
from omradesbild.services import harmonize as harmonize_service
from omradesbild.services.harmonize import LayerComparison, compare_with_layer_classes
from omradesbild.services.pipeline import IndexSelection
from omradesbild.store import Store

STHLM = "stockholm_stadsdelar"
GBG = "goteborg_primaromraden2025"
GBG_CLASS = "gbg_socioekonomisk_omr_kod"
LAYER = ["harmonize", "layer", "--level", "district", "--version"]
APPLY = ["harmonize", "apply", "--to-version"]
COMPARE_GBG = ["harmonize", "compare", "--level", "district", "--version", GBG]


def run_failing(args: list[str]) -> int:
    """Run the command line expecting a clean failure; return the exit code."""
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code not in (0, None)
    return int(exc.value.code)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def layered(real_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the real store with links to Stockholm's stadsdelar and Göteborg's
    primärområden built by the command line."""
    db = tmp_path_factory.mktemp("harmonize") / "store.duckdb"
    shutil.copy(real_store, db)
    d = ["--db", str(db)]
    run_cli([*LAYER, STHLM, *d])
    run_cli([*LAYER, GBG, "--via-code-rule-to", "deso2025", "--renormalise", *d])
    return db


def kommun_total(db: Path, kommun: str) -> float:
    with Store(db, read_only=True) as s:
        obs = s.observations(variables=["pop_total"], periods=["2022"], area_version="deso2018")
    return float(obs.loc[obs["area_code"].str[:4] == kommun, "value"].sum())


def harmonised_pop(db: Path, version: str, tmp_path: Path) -> pd.DataFrame:
    out = tmp_path / f"{version}.csv"
    run_cli([*APPLY, version, "-v", "pop_total", "-p", "2022", "--out", str(out), "--db", str(db)])
    return pd.read_csv(out, dtype={"area_code": str, "period": str})


def index_of(db: Path, version: str, tmp_path: Path) -> pd.DataFrame:
    out = tmp_path / f"index-{version}.csv"
    run_cli(
        [
            "index",
            "compute",
            "--method",
            "scb-omradestyp",
            "--level",
            "district",
            "--version",
            version,
            "--period",
            "2022",
            "--out",
            str(out),
            "--db",
            str(db),
        ]
    )
    return pd.read_csv(out, dtype={"area_code": str})


def test_layer_links_are_stored_once(layered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Store(layered, read_only=True) as s:
        before = s.links(to_version=STHLM)
    assert set(before["method"]) == {"areal"}
    assert set(before["from_version"]) == {"deso2018"}
    capsys.readouterr()
    run_cli([*LAYER, STHLM, "--db", str(layered)])
    out = capsys.readouterr().out
    assert "(0 new)" in out
    assert f"{len(before)} links deso2018 -> {STHLM}" in out
    assert "Målområden utan källområden / targets without sources: 0" in out
    assert "--renormalise" in out  # coverage is incomplete without it
    with Store(layered, read_only=True) as s:
        after = s.links(to_version=STHLM)
        sources = s.sources()
    pd.testing.assert_frame_equal(before, after)
    assert (sources["table_id"] == f"areal-deso2018-{STHLM}").sum() == 1


def test_stockholm_stadsdelar_index_and_population(layered: Path, tmp_path: Path) -> None:
    with Store(layered, read_only=True) as s:
        stadsdelar = set(s.areas(level="district", version=STHLM)["area_code"])
    assert len(stadsdelar) == 117
    idx = index_of(layered, STHLM, tmp_path)
    assert set(idx["area_code"]) == stadsdelar
    assert idx["score"].notna().all() and idx["area_type"].notna().all()
    assert set(idx["area_type"]) <= {1, 2, 3, 4, 5}
    pop = harmonised_pop(layered, STHLM, tmp_path)
    assert set(pop["area_code"]) == stadsdelar and pop["value"].notna().all()
    total = kommun_total(layered, "0180")
    assert total > 900_000
    assert pop["value"].sum() == pytest.approx(total, rel=0.01)


def test_goteborg_primaromraden_via_code_rule(layered: Path, tmp_path: Path) -> None:
    with Store(layered, read_only=True) as s:
        links = s.links(to_version=GBG)
        prim = set(s.areas(level="district", version=GBG)["area_code"])
    assert len(prim) == 96
    assert set(links["method"]) <= {
        "code_rule+areal_normalised",
        "code_rule_population+areal_normalised",
    }
    np.testing.assert_allclose(links.groupby("from_code")["weight"].sum(), 1.0, atol=1e-9)
    idx = index_of(layered, GBG, tmp_path)
    assert set(idx["area_code"]) == prim
    assert idx["score"].notna().all() and idx["area_type"].notna().all()
    pop = harmonised_pop(layered, GBG, tmp_path)
    total = kommun_total(layered, "1480")
    assert total > 500_000
    assert pop["value"].sum() == pytest.approx(total, rel=0.01)


def test_indicators_for_a_layer(layered: Path, tmp_path: Path) -> None:
    out = tmp_path / "ind.csv"
    run_cli(
        [
            "indicators",
            "compute",
            "--level",
            "district",
            "--version",
            STHLM,
            "-p",
            "2022",
            "-i",
            "low_econ_standard",
            "--out",
            str(out),
            "--db",
            str(layered),
        ]
    )
    df = pd.read_csv(out)
    assert df["area_code"].nunique() == 117
    assert df["value"].between(0, 100).all()


def test_renormalise_with_kommun_replaces_links(
    layered: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copy(layered, db)
    capsys.readouterr()
    run_cli([*LAYER, STHLM, "--renormalise", "--kommun", "0180", "--db", str(db)])
    out = capsys.readouterr().out
    assert "earlier links" in out and "59 in other kommuner left out" in out
    with Store(db, read_only=True) as s:
        links = s.links(to_version=STHLM)
    assert set(links["method"]) == {"areal_normalised"}
    assert set(links["from_code"].str[:4]) == {"0180"}
    pop = harmonised_pop(db, STHLM, tmp_path)
    assert pop["value"].sum() == pytest.approx(kommun_total(db, "0180"), rel=1e-9)
    assert index_of(db, STHLM, tmp_path)["score"].notna().all()


def test_goteborg_comparison(
    layered: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command computes the comparison once (with the service's defaults); the result it
    # printed is the one checked here, and the arguments it was computed with.
    seen: list[tuple[dict[str, Any], LayerComparison]] = []

    def recording(store: Store, **kwargs: Any) -> LayerComparison:
        seen.append((kwargs, compare_with_layer_classes(store, **kwargs)))
        return seen[-1][1]

    monkeypatch.setattr(harmonize_service, "compare_with_layer_classes", recording)
    capsys.readouterr()
    run_cli([*COMPARE_GBG, "--attribute", GBG_CLASS, "--period", "2022", "--db", str(layered)])
    out = capsys.readouterr().out
    assert "Spearman rho" in out and "Ej klassificerat" in out
    [(kwargs, res)] = seen
    method = load_method("scb-omradestyp")
    layer = IndexSelection(method, "district", "2022", GBG, reference_level=DEFAULT_LEVEL)
    assert kwargs == {
        "selection": layer,
        "attribute": GBG_CLASS,
        "their_higher_is_better": True,
        "unclassified": ["99"],
    }
    tab, stats, per_area = res.table, res.agreement, res.per_area
    assert list(tab.columns[:2]) == ["their_class", "their_label"]
    assert tab["their_class"].tolist() == ["1", "2", "3", "4", "5", "6", "99"]
    our_cols = [c for c in tab.columns if c not in ("their_class", "their_label", "total")]
    assert set(our_cols) <= {"1", "2", "3", "4", "5", "saknas"}
    assert tab["total"].sum() == 96 == tab[our_cols].to_numpy().sum()
    assert stats.n == 94 and stats.n_unclassified == 2 and res.reference == "riket"
    assert np.isfinite(stats.spearman_score) and stats.spearman_score > 0
    assert stats.spearman_score_p < 0.01
    assert len(per_area) == 96 and per_area["score"].notna().all()


def test_clear_errors(layered: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = ["--db", str(layered)]
    run_failing([*LAYER, "stockholm", *d])
    err = capsys.readouterr().err
    assert "stockholm_stadsdelar" in err and "stored layers" in err
    run_failing(["harmonize", "layer", "--level", "regso", "--version", "regso2020", *d])
    assert "has no geometries" in capsys.readouterr().err
    out = str(tmp_path / "x.csv")
    run_failing([*APPLY, "malmo_delomraden", "--out", out, *d])
    assert "no links lead to version 'malmo_delomraden'" in capsys.readouterr().err
    run_failing([*APPLY, STHLM, "-v", "income_net_median_tkr", "--out", out, *d])
    assert "not a count" in capsys.readouterr().err
    run_failing([*COMPARE_GBG, "--attribute", "nope", "-p", "2022", *d])
    assert GBG_CLASS in capsys.readouterr().err
