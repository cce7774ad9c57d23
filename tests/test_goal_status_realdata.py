"""One goal, one status: the command line, the web's goals page, the start page and the
report's overview state the same history of the police goal on the real store.

The goal "Inga särskilt utsatta områden (räknade som Polisens egna områden)" counts the
entries of the Police's own list in the kommun, placed on no level of areas: Stockholm has
Husby and Rinkeby/Tensta in 2023 (two entries) and Husby, Rinkeby and Tensta in 2025 (three);
Göteborg Bergsjön, Hammarkullen, Hjällbo and Lövgärdet in both years.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

fastapi = pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from conftest import page_text, run_cli  # noqa: E402
from helpers import HTML, module_client  # noqa: E402

GOAL = "no_sarskilt_utsatt_2030"

#: kommun -> the goal's history (period, count of the Police's own areas)
EXPECTED = {"0180": [("2023", 2), ("2025", 3)], "1480": [("2023", 4), ("2025", 4)]}


@pytest.fixture(scope="module")
def client(real_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from module_client(real_store, tmp_path_factory, draws=10)


@pytest.mark.parametrize("kommun", sorted(EXPECTED))
def test_the_command_line_counts_the_polices_own_areas(
    real_store: Path, kommun: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli(["goals", "status", "--level", "regso", "--kommun", kommun, "--db", str(real_store)])
    out = capsys.readouterr().out
    block = out[out.index(f"\n{GOAL}:") :]
    history = re.search(r"history: (.*)", block)
    assert history is not None
    said = ", ".join(f"{p}: {v}" for p, v in EXPECTED[kommun])
    assert history.group(1).strip() == said


@pytest.mark.parametrize("kommun", sorted(EXPECTED))
def test_the_goals_page_states_the_command_lines_latest_value(
    client: TestClient, kommun: str
) -> None:
    html = client.get(f"/mal?kommun={kommun}", headers=HTML).text
    assert f'id="goal-{GOAL}"' in html, "the goal is not skipped"
    start = html.index(f'id="goal-{GOAL}"')
    end = html.find('<section class="goal"', start)
    section = page_text(html[start : end if end > 0 else len(html)])
    period, value = EXPECTED[kommun][-1]
    assert f"Senast {period}: {value} " in section + " "


@pytest.mark.parametrize("kommun", sorted(EXPECTED))
def test_the_start_page_and_the_report_state_the_same_latest_value(
    client: TestClient, real_store: Path, kommun: str
) -> None:
    from omradesbild.services.city import load_city
    from omradesbild.store import Store

    (first, _), (period, value) = EXPECTED[kommun][0], EXPECTED[kommun][-1]
    html = client.get(f"/?kommun={kommun}", headers=HTML).text
    box = html[html.index('<section id="goals">') :]
    box = box[: box.index("</section>")]
    row = re.search(r"<tr><td>Inga särskilt utsatta områden[^<]*</td>(.*?)</tr>", box, re.S)
    assert row is not None, "the goal is not skipped on the start page"
    cells = [page_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]
    assert cells[0].startswith(f"{first}: ")
    assert cells[1] == f"{period}: {value}"
    with Store(real_store, read_only=True) as store:
        city = load_city(store, level="regso", kommun=kommun, draws=10)
    goal = next(g for g in city.picture.goals if g.goal_id == GOAL)
    assert (goal.base_period, goal.current_period, goal.current) == (first, period, value)


#: The shipped area-type goal: its base year 2018 is not in the real store's index (which
#: has 2022 only), so 2022 stands in for it, in every renderer alike.
TYPE_GOAL = "no_regso_type1_2030"
STAND_IN = {
    "sv": "basår 2018 saknas i indexet; 2022 används i stället",
    "en": "base year 2018 is not in the index; 2022 is used instead",
}


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_area_type_goal_starts_from_2022_in_every_renderer(
    client: TestClient,
    real_store: Path,
    tmp_path: Path,
    lang: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Stockholm's count of type-1 RegSO from the base year 2018's stand-in 2022: the command
    line, the goals page, the start page and the report's overview state the same base year
    and value and say why (the pages skipped the goal, the command line anchored at 2022)."""
    from omradesbild.reports.site import build_site
    from omradesbild.services.city import load_city
    from omradesbild.store import Store

    words = STAND_IN[lang]
    args = ["goals", "status", "--level", "regso", "--kommun", "0180", "--language", lang]
    run_cli([*args, "--db", str(real_store)])
    out = capsys.readouterr().out
    row = re.search(rf"^\s*{TYPE_GOAL}\s+2018\s+(\S+)\s+(\S+)\s", out, flags=re.M)
    assert row is not None, out
    base_period, value = row.group(1), int(float(row.group(2)))
    assert base_period == "2022"
    assert words in out[out.index(f"\n{TYPE_GOAL}:") :].split("\n\n")[0]
    said = f"{base_period}: {value} ({words})"
    html = client.get(f"/mal?kommun=0180&lang={lang}", headers=HTML).text
    start = html.index(f'id="goal-{TYPE_GOAL}"')
    section = page_text(html[start : html.find('<section class="goal"', start + 1)])
    assert said in section
    with Store(real_store, read_only=True) as store:
        city = load_city(
            store, level="regso", kommun="0180", lang=lang, draws=10, areas=["0180R036"]
        )
        build_site(city, tmp_path / "site")
    goal = next(g for g in city.picture.goals if g.goal_id == TYPE_GOAL)
    assert (goal.base_period, goal.base, goal.base_note) == (base_period, value, words)
    report = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    front = client.get(f"/?kommun=0180&lang={lang}", headers=HTML).text
    for page in (front, report):
        box = page[page.index('<section id="goals">') :]
        box = box[: box.index("</section>")]
        row_html = re.search(rf"<tr><td>{re.escape(goal.title)}</td>(.*?)</tr>", box, re.S)
        assert row_html is not None, "the goal is not in the table"
        cells = [page_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row_html.group(1), re.S)]
        assert cells[0] == said


def test_every_police_entry_has_a_kommun(real_store: Path) -> None:
    """Every entry of the Police's lists lies in a kommun. The 2023 polygon of Söder in
    Helsingborg (a risk area by the harbour) had none: it lies 203 m outside the stored,
    generalised polygon of Helsingborg (1283) and no DeSO polygon of Skåne is stored. Its
    kommun is the nearest one, the kommun the 2025 list gives the same area."""
    from omradesbild.services.followup.goals import police_entries
    from omradesbild.store import Store

    with Store(real_store, read_only=True) as store:
        entries = police_entries(store)
    assert entries["kommun"].notna().all(), entries.loc[entries["kommun"].isna()]
    by_code = entries.set_index(["area_code", "period"])["kommun"]
    assert by_code[("helsingborg-soder", "2023")] == by_code[("1283-soder", "2025")] == "1283"
