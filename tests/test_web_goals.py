"""The goals page /mal on the synthetic city: every goal with the service's status."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

fastapi = pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from helpers import HTML, module_client  # noqa: E402
from omradesbild.config import AREA_TYPE_METHOD  # noqa: E402
from omradesbild.services.goal_picture import GoalsPicture, goals_picture  # noqa: E402
from omradesbild.wording import fmt_num, text  # noqa: E402


@pytest.fixture(scope="module")
def client(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from module_client(demo_store, tmp_path_factory, draws=20)


def _picture(client: TestClient, lang: str) -> GoalsPicture:
    app = client.app
    pic = app.state.data.picture(AREA_TYPE_METHOD, app.state.settings.level)  # type: ignore[attr-defined]
    return goals_picture(pic, lang=lang)


def _section(html: str, goal_id: str) -> str:
    start = html.index(f'id="goal-{goal_id}"')
    end = html.find('<section class="goal"', start)
    return html[start : end if end > 0 else len(html)]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_demo_goal_is_shown_with_the_services_status(client: TestClient, lang: str) -> None:
    r = client.get(f"/mal?lang={lang}", headers=HTML)
    assert r.status_code == 200
    assert "<script>" not in r.text and "style=" not in r.text  # CSP-clean
    picture = _picture(client, lang)
    ids = re.findall(r'<section class="goal" id="goal-([^"]+)"', r.text)
    assert ids == [g.goal_id for g in picture.goals]
    assert len(ids) == 3  # the three goals of the shipped example file
    for g in picture.goals:
        part = _section(r.text, g.goal_id)
        assert g.title in part
        assert f"verdict-{g.verdict}" in part
        assert text(f"goal_verdict_{g.verdict}", lang) in part
        assert fmt_num(g.projection, lang, g.projection_decimals) in part
        if g.projection_low is not None and g.projection_high is not None:
            lo = fmt_num(g.projection_low, lang, g.projection_decimals)
            hi = fmt_num(g.projection_high, lang, g.projection_decimals)
            assert f"{lo}–{hi}" in part
        assert g.reasoning.replace('"', "&#34;").replace("'", "&#39;") in part


def test_goal_values_are_shown_at_their_precision(client: TestClient) -> None:
    """Base, current, target, projection and interval at the indicator's decimals (a gap
    in the share not employed: one), a count of areas whole with its target and projection
    at one decimal; the reasoning writes them alike. Never three significant digits."""
    from omradesbild.precision import indicator_decimals

    html = client.get("/mal", headers=HTML).text
    expected = {
        "no_regso_type1_2030": (0, 0, 1),  # target_value 0: a whole number
        "halve_employment_gap_2030": (indicator_decimals("not_employed_16_64"),) * 3,
    }
    assert expected["halve_employment_gap_2030"] == (1, 1, 1)
    goals = {g.goal_id: g for g in _picture(client, "sv").goals}
    for goal_id, (observed, target, projected) in expected.items():
        g = goals[goal_id]
        assert (g.decimals, g.target_decimals, g.projection_decimals) == expected[goal_id]
        cells = re.findall(
            r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td>', _section(html, goal_id)
        )
        shown = dict(cells)
        for key, d in (("base", observed), ("current", observed), ("target", target)):
            label = text(key, "sv")
            value = shown[label].rsplit(" ", 1)[-1]
            assert re.fullmatch(r"−?\d+" + (rf",\d{{{d}}}" if d else ""), value), (label, value)
        projection = shown[text("goals_projection", "sv")].split(": ", 1)[1]
        assert projection == fmt_num(g.projection, "sv", projected), projection
        numbers = re.findall(
            r"−?\d+(?:,\d+)?",
            shown[next(k for k in shown if k.startswith(text("goals_interval", "sv")))],
        )
        assert numbers and all(len(n.partition(",")[2]) == projected for n in numbers), numbers
        assert fmt_num(g.projection, "sv", projected) in g.reasoning


def test_on_track_is_said_only_when_the_interval_supports_it(client: TestClient) -> None:
    page = client.get("/mal", headers=HTML).text
    on_track = text("goal_verdict_clearly_on_track", "sv")
    for g in _picture(client, "sv").goals:
        part = _section(page, g.goal_id)
        said = on_track in part.split("</strong>")[0]
        clear = g.verdict == "clearly_on_track"
        assert said == clear
        if clear:
            lo, hi, target = g.projection_low, g.projection_high, g.target
            assert lo is not None and hi is not None and target is not None
            assert hi <= target + 1e-9 if g.comparison == "at_most" else lo >= target - 1e-9


def test_goals_page_is_in_the_menu_and_refuses_an_unknown_kommun(client: TestClient) -> None:
    assert 'href="/mal?lang=sv"' in client.get("/", headers=HTML).text
    r = client.get("/mal?kommun=1234", headers=HTML)
    assert r.status_code == 422
    assert "9999" in r.text  # names the kommun that has areas
    assert client.get("/mal?kommun=9999").status_code == 200


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_start_page_and_goals_page_give_each_goal_the_same_verdict(
    client: TestClient, lang: str
) -> None:
    """The start page's goal table says the goals page's plain verdict (an interval that
    contains the target is "uncertain" on both, not "off track" on one of them) and links
    to the goal on the goals page."""
    start = client.get(f"/?lang={lang}", headers=HTML).text
    goals_html = client.get(f"/mal?lang={lang}", headers=HTML).text
    box = start[start.index('id="goals"') :]
    box = box[: box.index("</table>")]
    verdicts = _picture(client, lang).goals
    assert {g.verdict for g in verdicts} >= {"uncertain"}  # the demo has one such goal
    for g in verdicts:
        row = re.search(rf"<tr><td>{re.escape(g.title)}</td>(.*?)</tr>", box, flags=re.S)
        assert row is not None, g.goal_id
        said = text(f"goal_verdict_{g.verdict}", lang)
        assert said in row.group(1)
        assert said in _section(goals_html, g.goal_id)
        assert f'href="/mal?kommun=9999&amp;lang={lang}#goal-{g.goal_id}"' in row.group(1)
    if lang == "sv":
        assert ">inte på väg<" not in box  # the bare projection status is not the verdict


def test_goals_page_names_its_kommun(client: TestClient) -> None:
    shown = re.sub(r"<[^>]+>", " ", client.get("/mal", headers=HTML).text)
    assert "Kommun Exempelstad (syntetisk)" in " ".join(shown.split())
    assert "Kommun 9999 " not in " ".join(shown.split())


@pytest.mark.parametrize(("lang", "unit"), [("sv", "Polisens egna områden"),
                                            ("en", "counted as police areas")])  # fmt: skip
def test_the_police_goal_says_it_counts_the_polices_own_areas(
    client: TestClient, lang: str, unit: str
) -> None:
    """The police goal counts the Police's own areas (Rinkeby/Tensta is one), while the start
    page's police list counts areas of the level (RegSO): its title says which it counts."""
    goal = next(g for g in _picture(client, lang).goals if g.goal_id == "no_sarskilt_utsatt_2030")
    assert unit in goal.title
