"""Method files: the shipped methods load, and every bad file gives a clear MethodError."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from omradesbild.errors import MethodError
from omradesbild.index.method import load_method, method_from_yaml, parse_method, shipped_methods

BASE: dict[str, Any] = {
    "id": "t",
    "version": "1",
    "title_sv": "T",
    "title_en": "T",
    "indicators": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
}


def with_(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return data


def test_shipped_methods_load() -> None:
    assert shipped_methods() == [
        "brott-anmalda",
        "brott-trygghet",
        "cdc-svi-2018",
        "imd-2019",
        "scb-omradestyp",
    ]
    svi = load_method("cdc-svi-2018")
    assert [t.output_column for t in svi.resolved_themes()] == [
        f"RPL_THEME{i}" for i in range(1, 5)
    ]
    assert [len(t.indicators) for t in svi.resolved_themes()] == [4, 4, 2, 5]
    assert svi.indicator("EP_PCI").direction == -1
    assert svi.normalisation.digits == 4
    imd = load_method("imd-2019")
    assert imd.weighting.weights is not None
    # IMD 2019's weights as published sum to 99.9 % and are declared as such.
    assert imd.weighting.as_published
    assert math.fsum(imd.weighting.weights.values()) == pytest.approx(0.999, abs=1e-12)
    assert imd.weighting.weights["income_score"] == 0.225
    scb = load_method("scb-omradestyp")
    assert scb.classification is not None and scb.classification.kind == "mean_sd"
    assert scb.classification.k == [2, 1, 0, -1]
    assert scb.fallbacks[0].column == "unemployment_16_64"


def test_load_from_path_and_unknown(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(BASE), encoding="utf-8")
    assert load_method(path).id == "t"
    with pytest.raises(MethodError, match=r"unknown index method 'nope'.*scb-omradestyp"):
        load_method("nope")
    with pytest.raises(MethodError, match="not found"):
        load_method(tmp_path / "missing.yaml")
    with pytest.raises(MethodError, match="not valid YAML"):
        method_from_yaml("id: [unclosed", source="x.yaml")


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        (
            with_(weighting={"method": "explicit", "weights": {"a": 0.5, "b": 0.3, "c": 0.1}}),
            r"weighting.*weights sum to 0\.9.*expected 1",
        ),
        (
            with_(weighting={"method": "explicit", "weights": {"a": 0.5, "b": 0.5}}),
            r"weighting\.weights.*missing \['c'\]",
        ),
        (
            with_(weighting={"method": "explicit", "weights": {"a": 0.5, "b": 0.5, "z": 0.0}}),
            r"missing \['c'\], unknown \['z'\]",
        ),
        (
            with_(indicators=[{"id": "a"}, {"id": "a"}]),
            r"duplicate indicator ids \['a'\]",
        ),
        (
            with_(
                themes=[
                    {"id": "t1", "indicators": ["a", "b", "x"]},
                    {"id": "t2", "indicators": ["c"]},
                ]
            ),
            r"themes\.t1\.indicators: unknown indicator\(s\) \['x'\]",
        ),
        (
            with_(themes=[{"id": "t1", "indicators": ["a", "b"]}]),
            r"indicator\(s\) \['c'\] belong to no theme",
        ),
        (
            with_(
                themes=[
                    {"id": "t1", "indicators": ["a", "b"]},
                    {"id": "t2", "indicators": ["b", "c"]},
                ]
            ),
            r"'b' is already in theme 't1'",
        ),
        (
            with_(classification={"kind": "mean_sd", "k": [2, 1, 1, -1], "labels": list("abcde")}),
            r"classification.*k must be strictly decreasing",
        ),
        (
            with_(classification={"kind": "mean_sd", "k": [], "labels": ["a"]}),
            r"classification.*at least one",
        ),
        (
            with_(classification={"kind": "mean_sd", "k": [1, 0], "labels": ["a", "b"]}),
            r"classification.*2 thresholds need 3 labels, got 2",
        ),
        (
            with_(
                classification={"kind": "fixed", "thresholds": [1, 3, 2], "labels": list("abcd")}
            ),
            r"classification.*strictly increasing",
        ),
        (
            with_(classification={"kind": "fixed", "thresholds": [1, 2], "labels": list("ab")}),
            r"classification.*2 thresholds need 3 labels",
        ),
        (
            with_(classification={"kind": "quantiles", "n": 1}),
            r"classification\.quantiles\.n",
        ),
        (
            with_(classification={"kind": "bands"}),
            r"classification",
        ),
        (
            with_(normalisation={"method": "percentrank_inc", "significance": 0}),
            r"normalisation\.significance",
        ),
        (
            with_(fallbacks=[{"indicator": "zz", "column": "y"}]),
            r"fallbacks: unknown indicator 'zz'",
        ),
        (
            with_(indicators=[{"id": "a", "output": "score"}]),
            r"output column names collide: \['score'\]",
        ),
        (with_(indicators=[{"id": "a", "direction": 2}]), r"indicators\.0\.direction"),
        (with_(surprise=1), r"surprise"),
    ],
)
def test_bad_method_files(data: dict[str, Any], pattern: str) -> None:
    with pytest.raises(MethodError, match=pattern):
        parse_method(data, source="bad.yaml")


def test_error_names_file() -> None:
    with pytest.raises(MethodError, match=r"^bad\.yaml: "):
        parse_method(with_(indicators=[]), source="bad.yaml")
    with pytest.raises(MethodError, match="must be a YAML mapping"):
        method_from_yaml("- a\n- b\n", source="list.yaml")


def test_theme_from_indicator_field_and_weights_at_theme_level() -> None:
    m = parse_method(
        with_(
            indicators=[
                {"id": "a", "theme": "x"},
                {"id": "b", "theme": "y"},
                {"id": "c", "theme": "x"},
            ],
            weighting={"method": "explicit", "weights": {"x": 0.25, "y": 0.75}},
        )
    )
    assert [(t.id, t.indicators) for t in m.resolved_themes()] == [("x", ["a", "c"]), ("y", ["b"])]
    with pytest.raises(MethodError, match=r"indicators\.a\.theme: unknown theme 'q'"):
        parse_method(
            with_(
                indicators=[{"id": "a", "theme": "q"}, {"id": "b"}],
                themes=[{"id": "t", "indicators": ["b"]}],
            )
        )


def test_shipped_themes_have_titles_in_both_languages() -> None:
    for name in shipped_methods():
        for theme in load_method(name).resolved_themes():
            assert theme.title_sv and theme.title_en, (name, theme.id)
            assert theme.name_in("sv") == theme.title_sv
            assert theme.name_in("en") == theme.title_en
    bare = load_method("cdc-svi-2018").resolved_themes()[0].model_copy(update={"title_sv": None})
    assert bare.name_in("sv") == bare.title_en  # the other language rather than the id


def test_a_shipped_method_is_read_once_and_shared() -> None:
    """The package's method files do not change while it runs: a shipped id is read once
    (the frozen model shared by every caller), equal to a fresh read; an unknown id is
    refused every time."""
    from importlib import resources

    first = load_method("scb-omradestyp")
    assert load_method("scb-omradestyp") is first
    text = (resources.files("omradesbild.index") / "methods" / "scb-omradestyp.yaml").read_text(
        encoding="utf-8"
    )
    assert first == method_from_yaml(text, source="methods/scb-omradestyp.yaml")
    for _ in range(2):
        with pytest.raises(MethodError, match="unknown index method"):
            load_method("no-such-method")
