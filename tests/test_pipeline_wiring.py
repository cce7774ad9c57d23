"""The pipeline composes through SCB's change log and uses a level's own observations."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import shapely

from conftest import deso_change_links
from omradesbild.services.links import compose_links


def _w(links: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {
        (str(f), str(t)): float(x)
        for f, t, x in zip(links.from_code, links.to_code, links.weight, strict=True)
    }


@pytest.mark.parametrize("rule", ["code_rule", "code_rule_population"])
def test_change_log_links_win_over_code_rule(rule: str) -> None:
    rule_links = deso_change_links(
        [("0114C1060", "0114C1061", 0.5), ("0114C1060", "0114C1062", 0.5)], rule
    )
    log = pd.concat(
        [
            deso_change_links([("0114C1010", "0114C1010", 1.0)]),
            deso_change_links(
                [("0114C1060", "0114C1061", 0.8), ("0114C1060", "0114C1062", 0.2)],
                "scb_changes_population",
            ),
        ]
    )
    for stored in (pd.concat([rule_links, log]), pd.concat([log, rule_links])):
        out = compose_links(stored, from_version="deso2018", to_version="deso2025")
        assert set(out["method"]) == {"scb_changes", "scb_changes_population"}
        assert _w(out) == pytest.approx(
            {
                ("0114C1010", "0114C1010"): 1.0,
                ("0114C1060", "0114C1061"): 0.8,
                ("0114C1060", "0114C1062"): 0.2,
            }
        )
    # without the change log the code rule is used
    out = compose_links(rule_links, from_version="deso2018", to_version="deso2025")
    assert set(out["method"]) == {rule}


def test_area_indicators_one_source_per_indicator(tmp_path: Path) -> None:
    from omradesbild.services.pipeline import area_indicators
    from test_scb_csv import born_store

    with born_store(tmp_path) as store:
        one = area_indicators(store, level="regso", periods=["2022"], indicators=["foreign_born"])
        v = one.set_index("area_code")
        assert set(one["source"]) == {"aggregated"}
        assert v.loc["0114R001", "value"] == pytest.approx(30.0)
        assert v.loc["0114R001", "denominator"] == 1000  # never DeSO and RegSO counts summed
        three = area_indicators(
            store, level="regso", periods=["2020", "2021", "2022"], indicators=["foreign_born"]
        )
        # the RegSO series covers more years: it gives every year, 2022 included
        assert set(three["source"]) == {"native"}
        b = three[three["area_code"] == "0114R001"].set_index("period")["value"]
        assert b.to_dict() == pytest.approx({"2020": 50.0, "2021": 49.0, "2022": 48.0})


def test_area_indicators_leave_out_flagged_offence_years(tmp_path: Path) -> None:
    from omradesbild.services.pipeline import area_indicators
    from test_crime_coverage import flagged_store

    with flagged_store(tmp_path) as store:
        for level in ("deso", "regso"):
            ind = area_indicators(store, level=level, indicators=["crime_rate_1211"])
            assert sorted(ind["period"]) == ["2020", "2021", "2022"]
            kept = area_indicators(
                store, level=level, indicators=["crime_rate_1211"], include_incomplete_crime=True
            )
            assert sorted(kept["period"]) == ["2019", "2020", "2021", "2022", "2023"]


def test_layer_via_new_deso_composes_through_change_log() -> None:
    from omradesbild.services.harmonize import LayerRequest, build_layer_links
    from omradesbild.sources.base import Areas
    from omradesbild.store import Store
    from test_harmonize_areal import X0, Y0, _areas, _meta, square

    store = Store(":memory:")
    rows18 = [{"area_code": c, "level": "deso", "version": "deso2018"}
              for c in ("1480C1010", "1480C1020")]  # fmt: skip
    store.ingest(Areas(_meta("a18"), areas=_areas(rows18)))
    g25 = {"1480C1011": square(0, 0), "1480C1012": square(1, 0), "1480C1020": square(2, 0)}
    rows25 = [{"area_code": c, "level": "deso", "version": "deso2025", "geometry": g.wkb}
              for c, g in g25.items()]  # fmt: skip
    store.ingest(Areas(_meta("a25"), areas=_areas(rows25)))
    districts = {
        "W": shapely.box(X0, Y0, X0 + 1500, Y0 + 1000),
        "E": shapely.box(X0 + 1500, Y0, X0 + 3000, Y0 + 1000),
    }
    rowsd = [{"area_code": c, "level": "district", "version": "city", "geometry": g.wkb}
             for c, g in districts.items()]  # fmt: skip
    store.ingest(Areas(_meta("dist"), areas=_areas(rowsd)))
    req = LayerRequest(level="district", version="city", via_code_rule_to="deso2025")
    rule = build_layer_links(store, req)
    assert set(rule.links["method"]) == {"code_rule+areal"}
    log = pd.concat(
        [
            deso_change_links([("1480C1010", "1480C1011", 0.9), ("1480C1010", "1480C1012", 0.1)],
                              "scb_changes_population"),
            deso_change_links([("1480C1020", "1480C1020", 1.0)]),
        ]
    )  # fmt: skip
    store.ingest(Areas(_meta("log"), areas=_areas([]), links=log))
    built = build_layer_links(store, req)
    assert _w(built.links) == pytest.approx(
        {("1480C1010", "W"): 0.95, ("1480C1010", "E"): 0.05, ("1480C1020", "E"): 1.0}
    )
    assert set(built.links["method"]) == {"scb_changes_population+areal", "scb_changes+areal"}
    assert set(built.links["from_version"]) == {"deso2018"}
    assert any("change log" in n for n in built.notes)
