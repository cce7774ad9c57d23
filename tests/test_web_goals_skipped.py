"""Goals that cannot be evaluated on the data are listed with the reason on / and /mal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

fastapi = pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from helpers import HTML, app_client  # noqa: E402
from omradesbild.config import AREA_TYPE_METHOD  # noqa: E402
from omradesbild.followup import goal_file  # noqa: E402
from omradesbild.services.goal_picture import goals_picture  # noqa: E402
from omradesbild.web import cache  # noqa: E402
from omradesbild.web.lru import ByteLRU  # noqa: E402
from omradesbild.wording import text  # noqa: E402

OTHER_METHOD = "imd-2019"
BAD_GOALS = [
    {
        "id": "other_method_goal",
        "kind": "count_of_areas",
        "title_sv": "Mål med annan metod",
        "title_en": "Goal under another method",
        "areas": {"source": "area_type", "classes": [1], "method": OTHER_METHOD},
        "base_year": 2018,
        "target_year": 2030,
        "target_value": 0,
    },
    {
        "id": "missing_indicator_goal",
        "kind": "indicator",
        "title_sv": "Mål med saknad indikator",
        "title_en": "Goal with a missing indicator",
        "indicator": "no_such_indicator",
        "area_code": "0000",
        "base_year": 2018,
        "target_year": 2030,
        "target_value": 1,
    },
]


@pytest.fixture()
def goals_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped goals plus two that cannot be evaluated, as the default goal file."""
    shipped = yaml.safe_load(goal_file.EXAMPLE_GOALS_PATH.read_text(encoding="utf-8"))
    shipped["goals"] = shipped["goals"] + BAD_GOALS
    path = tmp_path / "goals.yaml"
    path.write_text(yaml.safe_dump(shipped, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(goal_file, "EXAMPLE_GOALS_PATH", path)
    # Pages built with the shipped file by other tests are not to be served from the cache.
    monkeypatch.setattr(cache, "_CACHE", ByteLRU(1_000, 256 * 1024**2))
    return path


@pytest.fixture()
def client(demo_store: Path, tmp_path: Path, goals_file: Path) -> Iterator[TestClient]:
    with app_client(demo_store, tmp_path / "partners.sqlite", draws=20) as c:
        yield c


def _reasons(lang: str) -> dict[str, str]:
    return {
        "other_method_goal": text(
            "goals_skip_method", lang, goal_method=OTHER_METHOD, method=AREA_TYPE_METHOD
        ),
        "missing_indicator_goal": text("goals_skip_indicator", lang, indicator="no_such_indicator"),
    }


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_goals_that_cannot_be_evaluated_are_listed_with_the_reason(
    client: TestClient, lang: str
) -> None:
    app = client.app
    pic = app.state.data.picture(AREA_TYPE_METHOD, app.state.settings.level)  # type: ignore[attr-defined]
    picture = goals_picture(pic, lang=lang)
    assert [g.goal_id for g in picture.goals] == [
        "no_sarskilt_utsatt_2030",
        "no_regso_type1_2030",
        "halve_employment_gap_2030",
    ]
    assert {s.goal_id: s.reason for s in picture.skipped} == _reasons(lang)
    assert {s.reason_key for s in picture.skipped} == {"goals_skip_method", "goals_skip_indicator"}
    for url in (f"/mal?lang={lang}", f"/?lang={lang}"):
        r = client.get(url, headers=HTML)
        assert r.status_code == 200
        assert text("goals_skipped", lang) in r.text
        for goal in BAD_GOALS:
            title = goal["title_en" if lang == "en" else "title_sv"]
            reason = _reasons(lang)[str(goal["id"])]
            assert f'id="goal-skipped-{goal["id"]}">{title}: {reason}</li>' in r.text
        for g in picture.goals:
            assert g.title in r.text


def test_a_bug_is_not_taken_for_a_goal_that_cannot_be_evaluated(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from omradesbild.followup import goals

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("bug")

    monkeypatch.setattr(goals, "goal_history", broken)
    app = client.app
    pic = app.state.data.picture(AREA_TYPE_METHOD, app.state.settings.level)  # type: ignore[attr-defined]
    with pytest.raises(KeyError, match="bug"):
        goals_picture(pic, lang="sv")
