"""Errors of the analyses (harmonisation, follow-up, index, indicators, measures) read
Swedish then English, with the file and row named where there is one.

Each case feeds one analysis a bad input and checks the error's whole Swedish and English
wording (a method, goal or indicator catalogue file names the file and the key in both).
A few go through the command line, as a user meets them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from omradesbild.errors import ConfigError, InputError, MethodError, OmradesbildError
from omradesbild.harmonize.scb_changes import CHANGE_KINDS
from omradesbild.indicators.catalogue import DOMAINS
from omradesbild.precision import PRECISIONS

if TYPE_CHECKING:
    from conftest import CliRun

METHOD_HEAD = "id: m\nversion: '1'\ntitle_sv: m\ntitle_en: m\n"


def _method(body: str) -> object:
    from omradesbild.index.method import method_from_yaml

    return method_from_yaml(METHOD_HEAD + body, source="metod.yaml")


def _method_not_a_mapping() -> object:
    from omradesbild.index.method import method_from_yaml

    return method_from_yaml("- a\n", source="metod.yaml")


def _index(table: pd.DataFrame, **kw: object) -> object:
    from omradesbild.index import compute_index
    from omradesbild.index.method import method_from_yaml

    method = method_from_yaml(METHOD_HEAD + "indicators: [{id: a}, {id: b}]\n")
    return compute_index(table, method=method, id_column="area_code", **kw)


def _layer(crs: str | None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": ["A"]}, geometry=[shapely.box(0, 0, 10, 10)], crs=crs)


def _crosswalk_without_crs() -> object:
    from omradesbild.harmonize.areal import build_crosswalk

    return build_crosswalk(
        _layer(None), _layer("EPSG:3006"), source_id="code", target_id="code",
        from_level="a", from_version="1", to_level="b", to_version="1",
    )  # fmt: skip


def _apply_unknown_kind() -> object:
    from omradesbild.harmonize.apply import apply_crosswalk

    values = pd.DataFrame({"area_code": ["A"], "period": ["2020"], "variable": ["x"], "value": [1]})
    links = pd.DataFrame({"from_code": ["A"], "to_code": ["B"], "weight": [1.0]})
    return apply_crosswalk(values, links, kind="nope")  # type: ignore[arg-type]


def _code_rule_bad_code() -> object:
    from omradesbild.harmonize.code_rule import code_rule_crosswalk

    return code_rule_crosswalk(["0114A0010", "nope"], ["0114A0010"])


def _change_log_bad_type() -> object:
    from omradesbild.harmonize.scb_changes import deso_change_links

    changes = pd.DataFrame(
        {"deso_old": ["0114A0010"], "deso_new": ["0114A0011"], "change_type": ["Flyttad"]}
    )
    return deso_change_links(changes, ["0114A0010"], ["0114A0011"])


def _goals(goals: list[dict[str, object]]) -> object:
    from omradesbild.followup.goal_file import goals_from_dict

    return goals_from_dict({"goals": goals}, file="mal.yaml")


BAD_GOAL = {
    "id": "g1",
    "kind": "indicator",
    "title_sv": "m",
    "title_en": "g",
    "indicator": "x",
    "area_code": "0180R001",
    "base_year": 2020,
    "target_year": 2010,
    "target_value": 1.0,
}


GOOD_GOAL = {**BAD_GOAL, "target_year": 2030}


def _goal_file_missing() -> object:
    from omradesbild.followup.goal_file import load_goals

    return load_goals("finns-inte.yaml")


def _precision() -> object:
    from omradesbild.precision import check_precision

    return check_precision("nope")


def _did_bad_confidence() -> object:
    from omradesbild.followup.did import difference_in_differences

    panel = pd.DataFrame({"area_code": ["A"], "period": ["2020"], "value": [1.0]})
    return difference_in_differences(
        panel, treated=["A"], comparison=["B"], start_period="2020", confidence=2.0
    )


def _transitions_missing_period() -> object:
    from omradesbild.followup.transitions import class_transitions

    classes = pd.DataFrame({"area_code": ["A", "A"], "period": ["2020", "2021"], "class": [1, 2]})
    return class_transitions(classes, period_from="2020", period_to="2024")


def _period_not_a_year() -> object:
    from omradesbild.followup._common import period_to_year

    return period_to_year("våren")


def _trend_min_periods() -> object:
    from omradesbild.followup.trends import trend

    return trend(pd.DataFrame(), min_periods=2)


def _catalogue_bad_domain() -> object:
    from omradesbild.indicators import default_catalogue
    from omradesbild.indicators.catalogue import catalogue_from_dict

    ind = default_catalogue().indicators[0].model_dump(mode="json", exclude_none=True)
    ind.update(id="x", domain="nope")
    return catalogue_from_dict({"indicators": [ind]}, file="katalog.yaml")


def _poisson_bad_method() -> object:
    from omradesbild.indicators.intervals import poisson_interval

    return poisson_interval([1.0], method="nope")  # type: ignore[arg-type]


def _kommun_of_bad_code() -> object:
    from omradesbild.indicators.aggregate import kommun_links

    return kommun_links(["nope"])


def _agreement_without_class() -> object:
    from omradesbild.measures.agreement import compare_classifications

    ours = pd.DataFrame({"area_code": ["A"]})
    theirs = pd.DataFrame({"area_code": ["A"], "class": [1]})
    return compare_classifications(ours, theirs)


def _sensitivity() -> object:
    from omradesbild.index.uncertainty import check_sensitivity

    return check_sensitivity(["nope"])


def _pca_too_few() -> object:
    from omradesbild.index.weights import pca_weights

    return pca_weights(np.array([[1.0, 2.0]]))


#: id -> (call, error class, Swedish, English); the error's text must be "<sv> / <en>"
#: or, for an input error with a file, "<file>: <sv> / <en>".
CASES: dict[str, tuple[Callable[[], object], type[OmradesbildError], str, str]] = {
    "method: weights not summing to 1": (
        lambda: _method(
            "indicators: [{id: a}, {id: b}]\n"
            "weighting: {method: explicit, weights: {a: 0.5, b: 0.4}}\n"
        ),
        MethodError,
        "metod.yaml: fel i metodfilen: fältet 'weighting': vikterna summerar till 0.9, "
        "väntat 1 (inom 1e-09)",
        "metod.yaml: field 'weighting': weights sum to 0.9, expected 1 (within 1e-09)",
    ),
    "method: class labels": (
        lambda: _method(
            "indicators: [{id: a}]\n"
            "classification: {kind: fixed, thresholds: [1, 2], labels: [x, y]}\n"
        ),
        MethodError,
        "metod.yaml: fel i metodfilen: fältet 'classification.fixed': labels: 2 trösklar "
        "kräver 3 etiketter, fick 2",
        "metod.yaml: field 'classification.fixed': labels: 2 thresholds need 3 labels, got 2",
    ),
    "method: unknown theme member": (
        lambda: _method("indicators: [{id: a}, {id: b}]\nthemes: [{id: t, indicators: [a, c]}]\n"),
        MethodError,
        "metod.yaml: fel i metodfilen: themes.t.indicators: okända indikatorer ['c']; "
        "indikatorer: ['a', 'b']",
        "metod.yaml: themes.t.indicators: unknown indicator(s) ['c']; indicators are ['a', 'b']",
    ),
    "method: misspelt key": (
        lambda: _method("indicators: [{id: a}]\nweightng: equal\n"),
        MethodError,
        "metod.yaml: fel i metodfilen: fältet 'weightng': okänd nyckel (andra nycklar än de "
        "kända är inte tillåtna)",
        "metod.yaml: field 'weightng': Extra inputs are not permitted",
    ),
    "method: missing key": (
        lambda: _method(""),
        MethodError,
        "metod.yaml: fel i metodfilen: fältet 'indicators': fältet krävs",
        "metod.yaml: field 'indicators': Field required",
    ),
    "method: not a mapping": (
        _method_not_a_mapping,
        MethodError,
        "metod.yaml: en metodfil ska vara en YAML-mappning, fick list",
        "metod.yaml: a method file must be a YAML mapping, got list",
    ),
    "index: area twice": (
        lambda: _index(pd.DataFrame({"area_code": ["A", "A"], "a": [1.0, 2.0], "b": [1.0, 2.0]})),
        InputError,
        "rad 2, fältet 'area_code': tabellen: området 'A' förekommer mer än en gång "
        "(väntat: en rad per område)",
        "row 2, field 'area_code': table: area 'A' occurs more than once "
        "(expected one row per area)",
    ),
    "index: sensitivity": (
        _sensitivity,
        MethodError,
        "okänd känslighetsanalys 'nope'; väntat en eller flera av ['weights', 'normalisation']",
        "unknown sensitivity 'nope'; expected one or more of ['weights', 'normalisation']",
    ),
    "index: pca with one area": (
        _pca_too_few,
        MethodError,
        "pca-viktning kräver minst 2 områden med alla komponenter, fick 1",
        "pca weighting needs at least 2 areas with all components, got 1",
    ),
    "harmonize: layer without CRS": (
        _crosswalk_without_crs,
        InputError,
        "fältet 'crs': källskiktet saknar CRS (väntat: ett skikt med CRS (ange det med "
        "GeoDataFrame.set_crs om du vet vilket det är))",
        "field 'crs': the source layer has no CRS (expected a layer with a CRS (set it with "
        "GeoDataFrame.set_crs if you know it))",
    ),
    "harmonize: unknown kind": (
        _apply_unknown_kind,
        InputError,
        "fältet 'kind': okänt slag 'nope' (väntat: 'extensive' eller 'intensive')",
        "field 'kind': unknown kind 'nope' (expected 'extensive' or 'intensive')",
    ),
    "harmonize: not a DeSO code": (
        _code_rule_bad_code,
        InputError,
        "fältet 'deso2018': post 2: 'nope' är ingen DeSO-kod (väntat: 9 tecken: fyrsiffrig "
        "kommunkod, A/B/C, 4 siffror, t.ex. 0114C1010)",
        "field 'deso2018': item 2: 'nope' is not a DeSO code (expected 9 characters: 4-digit "
        "kommun, A/B/C, 4 digits, e.g. 0114C1010)",
    ),
    "harmonize: change log type": (
        _change_log_bad_type,
        InputError,
        "rad 2, fältet 'change_type': okänd ändringstyp 'Flyttad' (väntat: en av SCB:s typer: "
        f"{'; '.join(CHANGE_KINDS)})",
        "row 2, field 'change_type': unknown change type 'Flyttad' (expected one of SCB's "
        f"types: {'; '.join(CHANGE_KINDS)})",
    ),
    "followup: goal file": (
        lambda: _goals([BAD_GOAL]),
        ConfigError,
        "mal.yaml: ogiltig målfil: målet 'g1' (goals[0]), fältet '(målet)': "
        "target_year ska ligga efter base_year",
        "mal.yaml: invalid goal file: goal 'g1' (goals[0]), field '(the goal)': "
        "target_year must be after base_year",
    ),
    "followup: goal id twice": (
        lambda: _goals([GOOD_GOAL, GOOD_GOAL]),
        ConfigError,
        "mal.yaml: ogiltig målfil: målfilen, fältet '(översta nivån)': mål-id 'g1' förekommer "
        "mer än en gång",
        "mal.yaml: invalid goal file: goal file, field '(top level)': duplicate goal id 'g1'",
    ),
    "followup: goal file missing": (
        _goal_file_missing,
        ConfigError,
        "finns-inte.yaml: kan inte läsa målfilen (No such file or directory)",
        "finns-inte.yaml: cannot read the goal file (No such file or directory)",
    ),
    "precision: unknown": (
        _precision,
        InputError,
        f"fältet 'precision': okänd precision 'nope' (väntat: {', '.join(PRECISIONS)})",
        f"field 'precision': unknown precision 'nope' (expected {', '.join(PRECISIONS)})",
    ),
    "followup: DiD confidence": (
        _did_bad_confidence,
        InputError,
        "fältet 'confidence': 2.0 är ingen konfidensnivå (väntat: ett tal mellan 0 och 1)",
        "field 'confidence': 2.0 is not a level (expected a number between 0 and 1)",
    ),
    "followup: transitions period": (
        _transitions_missing_period,
        InputError,
        "fältet 'period': perioden '2024' finns inte i klasstabellen; perioder som finns: "
        "2020, 2021 (väntat: rader för perioden '2024')",
        "field 'period': period '2024' is not in the class table; periods present: 2020, 2021 "
        "(expected rows for period '2024')",
    ),
    "followup: period not a year": (
        _period_not_a_year,
        InputError,
        "fältet 'period': kan inte läsa perioden 'våren' som ett år (väntat: ett år som 2022, "
        "eller 2022-06 / 2022-Q2)",
        "field 'period': cannot read the period 'våren' as a year (expected a year such as "
        "2022, or 2022-06 / 2022-Q2)",
    ),
    "followup: trend periods": (
        _trend_min_periods,
        ConfigError,
        "min_periods ska vara minst 3, fick 2",
        "min_periods must be at least 3, got 2",
    ),
    "indicators: catalogue file": (
        _catalogue_bad_domain,
        ConfigError,
        "katalog.yaml: ogiltig indikatorkatalog: indikator nr 1 (x), fältet 'domain': okänd "
        f"domän 'nope'; väntat en av {', '.join(DOMAINS)}",
        "katalog.yaml: invalid indicator catalogue: indicator #1 (x), field 'domain': unknown "
        f"domain 'nope'; expected one of {', '.join(DOMAINS)}",
    ),
    "indicators: Poisson method": (
        _poisson_bad_method,
        ConfigError,
        "okänd metod för Poisson-intervall 'nope' (väntat 'auto', 'exact' eller 'byar')",
        "unknown Poisson interval method 'nope' (expected 'auto', 'exact' or 'byar')",
    ),
    "indicators: kommun of a code": (
        _kommun_of_bad_code,
        InputError,
        "fältet 'area_code': kan inte härleda kommunen för områdeskoden 'nope' (väntat: en "
        "DeSO-, RegSO- eller kommunkod (eller ange länkarna uttryckligen))",
        "field 'area_code': cannot derive the kommun of area code 'nope' (expected a DeSO, "
        "RegSO or kommun code (or pass links explicitly))",
    ),
    "measures: our classes missing": (
        _agreement_without_class,
        InputError,
        "fältet 'class': ours saknar kolumnerna class (väntat: ours med area_code och class)",
        "field 'class': ours lacks column(s) class (expected ours with area_code and class)",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_analysis_errors_in_swedish_and_english(case: str) -> None:
    call, kind, sv, en = CASES[case]
    with pytest.raises(kind) as info:
        call()
    assert str(info.value) == f"{sv} / {en}"


def _cli_table(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "tabell.csv"
    frame.to_csv(path, index=False)
    return path


def test_bad_method_file_on_the_command_line(tmp_path: Path, cli: CliRun) -> None:
    method = tmp_path / "metod.yaml"
    method.write_text(
        METHOD_HEAD + "indicators: [{id: a}, {id: b}]\n"
        "weighting: {method: explicit, weights: {a: 0.5, b: 0.4}}\n",
        encoding="utf-8",
    )
    table = _cli_table(tmp_path, pd.DataFrame({"area_code": ["A"], "a": [1.0], "b": [2.0]}))
    args = ["index", "compute", "--method", str(method), "--table", str(table)]
    code, _, err = cli([*args, "--out", str(tmp_path / "o.csv")])
    assert code == 2
    assert err.strip() == (
        f"fel / error: {method}: fel i metodfilen: fältet 'weighting': vikterna summerar till "
        f"0.9, väntat 1 (inom 1e-09) / {method}: field 'weighting': weights sum to 0.9, "
        "expected 1 (within 1e-09)"
    )


def test_bad_table_on_the_command_line_names_the_row(tmp_path: Path, cli: CliRun) -> None:
    frame = pd.DataFrame({"area_code": ["A", "B"], "a": [1.0, "många"], "b": [2.0, 3.0]})
    table = _cli_table(tmp_path, frame)
    method = tmp_path / "metod.yaml"
    method.write_text(METHOD_HEAD + "indicators: [{id: a}, {id: b}]\n", encoding="utf-8")
    args = ["index", "compute", "--method", str(method), "--table", str(table)]
    code, _, err = cli([*args, "--out", str(tmp_path / "o.csv")])
    assert code == 2
    line = err.strip()
    assert "rad 3, fältet 'a': tabellen: icke-numeriskt värde 'många' i indikatorkolumnen" in line
    assert " / row 3, field 'a': table: non-numeric value 'många' in indicator column" in line


def test_bad_goal_file_on_the_command_line(demo_store: Path, tmp_path: Path, cli: CliRun) -> None:
    import yaml

    goals = tmp_path / "mal.yaml"
    goals.write_text(yaml.safe_dump({"goals": [BAD_GOAL]}), encoding="utf-8")
    code, _, err = cli(["goals", "status", "--file", str(goals), "--db", str(demo_store)])
    assert code == 2
    assert err.strip() == (
        f"fel / error: {goals}: ogiltig målfil: målet 'g1' (goals[0]), fältet '(målet)': "
        f"target_year ska ligga efter base_year / {goals}: invalid goal file: goal 'g1' "
        "(goals[0]), field '(the goal)': target_year must be after base_year"
    )
