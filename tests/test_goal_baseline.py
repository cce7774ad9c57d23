"""A goal counted on the index whose base year the index lacks: one rule, every renderer.

The rule (:func:`omradesbild.services.goal_baseline.index_baseline`): the base is the base
year's when the index has it, else the first later year of the index's, said in words
("basår 2018 saknas i indexet; 2019 används i stället"); with no year at or after the base
year the goal is listed as skipped with the reason. The command line's ``goals status``,
the web's goals page and start page and the report's overview all state the same.

The store is the synthetic city's with every observation of 2018 removed: the index has
2012–2017 and 2019–2024, and the shipped goals "Inget RegSO av områdestyp 1 år 2030" and
"Halvera sysselsättningsgapet …" have the base year 2018 (the command line used to anchor
at the nearest year, 2017; the pages skipped the area-type goal).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from conftest import cli_output, page_text
from omradesbild.followup import goal_file
from omradesbild.followup.goals import goals_from_dict
from omradesbild.services.goal_baseline import counts_on_index, index_baseline
from omradesbild.wording import text

COUNT, GAP, POLICE = "no_regso_type1_2030", "halve_employment_gap_2030", "no_sarskilt_utsatt_2030"
STAND_IN = "2019"  # the first year after 2018 that the index has


def _goal(base_year: int, **kw: object) -> goal_file.AnyGoal:
    goal = {
        "id": "g",
        "kind": "count_of_areas",
        "title_sv": "Mål",
        "title_en": "Goal",
        "areas": {"source": "area_type", "classes": [1], "method": "scb-omradestyp"},
        "base_year": base_year,
        "target_year": 2030,
        "target_value": 0,
    }
    return goals_from_dict({"version": 1, "goals": [goal | kw]}).goals[0]


@pytest.mark.parametrize(
    ("base_year", "period"),
    [(2018, "2018"), (2016, "2018"), (2020, "2022"), (2010, "2018"), (2023, None)],
)
def test_the_base_is_the_base_year_or_the_first_later_year_of_the_index(
    base_year: int, period: str | None
) -> None:
    """The base year when the index has it, else the first later year (never an earlier
    one, even a nearer one), else none."""
    baseline = index_baseline(_goal(base_year), ["2022", "2018", "2019"])
    assert baseline.period == period
    assert baseline.stand_in == (period is not None and period != str(base_year))
    assert baseline.periods == ("2018", "2019", "2022")
    if period is None:
        assert baseline.reason("sv") == (
            "varken basår 2023 eller ett senare år finns i indexet (det har bara 2018, 2019, 2022)"
        )
        assert baseline.reason("en") == (
            "neither the base year 2023 nor a later year is in the index "
            "(it has only 2018, 2019, 2022)"
        )


def test_the_status_starts_from_the_given_base_period_never_an_earlier_one() -> None:
    """``goal_status`` with the service's base period: the base is that period's value and
    the reasoning and ``base_note`` name the stand-in; where the period has no value, the
    next point's (said as a missing base year), not the nearer earlier one's."""
    import pandas as pd

    from omradesbild.followup.goals import goal_status

    goal = _goal(2018)
    hist = pd.DataFrame({"period": ["2016", "2017", "2019", "2020"], "value": [5, 4, 3, 2]})
    own = goal_status(goal, hist, language="sv")
    assert (own.base_period, own.base) == ("2017", 4.0)  # the rule without a base period
    given = goal_status(goal, hist, language="sv", base_period="2019")
    assert (given.base_period, given.base) == ("2019", 3.0)
    assert given.base_note == "basår 2018 saknas i indexet; 2019 används i stället"
    assert given.base_note in given.reasoning
    gap = goal_status(goal, hist.drop(index=2), language="en", base_period="2019")
    assert (gap.base_period, gap.base) == ("2020", 2.0)
    assert gap.base_note == "base year 2018 missing; base taken from 2020"
    at_base = goal_status(_goal(2019), hist, language="en", base_period="2019")
    assert (at_base.base_period, at_base.base_note) == ("2019", None)


def test_the_rule_is_for_goals_counted_on_the_index() -> None:
    shipped = {g.id: g for g in goal_file.load_goals().goals}
    assert {gid for gid, g in shipped.items() if counts_on_index(g)} == {COUNT, GAP}


@pytest.fixture(scope="module")
def no_2018(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic city's store without any observation of 2018."""
    import duckdb

    db = tmp_path_factory.mktemp("no-2018") / "no2018.duckdb"
    shutil.copy(demo_store, db)
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM observations WHERE period = '2018'")
    con.close()
    return db


@pytest.fixture(scope="module")
def client(no_2018: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    pytest.importorskip("fastapi")
    from helpers import module_client

    yield from module_client(no_2018, tmp_path_factory, draws=0)


def _cli_bases(db: Path, lang: str, *extra: str) -> tuple[dict[str, str], str]:
    """Each goal's base period as ``goals status`` prints it, and what it prints."""
    code, out, err = cli_output(["goals", "status", "--language", lang, "--db", str(db), *extra])
    assert code == 0, err
    bases = {}
    for gid in (POLICE, COUNT, GAP):
        row = re.search(rf"^\s*{gid}\s+(\d{{4}})\s+(\S+)\s", out, flags=re.M)
        if row is not None:
            bases[gid] = row.group(2)
    return bases, out


def _stand_in(lang: str) -> str:
    return text("goal_base_stand_in", lang, base_year=2018, period=STAND_IN)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_command_line_the_pages_and_the_report_start_from_the_same_year(
    no_2018: Path, client: object, tmp_path: Path, lang: str
) -> None:
    from helpers import HTML
    from omradesbild.reports.site import build_site
    from omradesbild.services.city import load_city
    from omradesbild.store import Store

    words = _stand_in(lang)
    assert words == (
        "basår 2018 saknas i indexet; 2019 används i stället"
        if lang == "sv"
        else "base year 2018 is not in the index; 2019 is used instead"
    )
    # the command line: the table's base period and the goal's reasoning
    bases, out = _cli_bases(no_2018, lang)
    assert bases[COUNT] == bases[GAP] == STAND_IN
    for gid in (COUNT, GAP):
        block = out[out.index(f"\n{gid}:") :]
        assert words in block.split("\n\n")[0]
    # the web's goals page: the base row, with the words beside it
    html = client.get(f"/mal?lang={lang}", headers=HTML).text  # type: ignore[attr-defined]
    for gid in (COUNT, GAP):
        start = html.index(f'id="goal-{gid}"')
        end = html.find('<section class="goal"', start + 1)
        section = page_text(html[start : end if end > 0 else len(html)])
        assert re.search(rf"{text('base', lang)} {STAND_IN}: \S+ \({re.escape(words)}\)", section)
    assert f'id="goal-skipped-{COUNT}"' not in html
    # the web's start page and the report's overview: the base cell of the goals' table
    start = client.get(f"/?kommun=9999&lang={lang}", headers=HTML).text  # type: ignore[attr-defined]
    with Store(no_2018, read_only=True) as store:
        data = load_city(store, level="regso", lang=lang, draws=0, areas=["9999R001"])
        build_site(data, tmp_path / "site")
    report = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    titles = {
        g.id: (g.title_sv if lang == "sv" else g.title_en) for g in goal_file.load_goals().goals
    }
    for page in (start, report):
        box = page[page.index('<section id="goals">') :]
        box = box[: box.index("</section>")]
        for gid in (COUNT, GAP):
            row = re.search(rf"<tr><td>{re.escape(titles[gid])}</td>(.*?)</tr>", box, re.S)
            assert row is not None, f"{gid} is not in the table"
            base = page_text(re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)[0])
            assert base.startswith(f"{STAND_IN}: ") and base.endswith(f"({words})"), base
    # the object every page renders says the same
    goals = {g.goal_id: g for g in data.picture.goals}
    assert goals[COUNT].base_period == goals[GAP].base_period == STAND_IN
    assert goals[COUNT].base_note == goals[GAP].base_note == words


def test_the_anchored_count_is_the_same_on_the_command_line_and_the_pages(
    no_2018: Path, client: object
) -> None:
    """The count of type-1 RegSO in the stand-in year, anchored there, is the same number on
    the command line and the goals page (the command line anchored at 2017)."""
    from helpers import HTML

    _, out = _cli_bases(no_2018, "sv")
    row = re.search(rf"^\s*{COUNT}\s+2018\s+{STAND_IN}\s+(\S+)\s", out, flags=re.M)
    assert row is not None
    cli_base = float(row.group(1))
    html = client.get("/mal?lang=en", headers=HTML).text  # type: ignore[attr-defined]
    start = html.index(f'id="goal-{COUNT}"')
    section = page_text(html[start : html.find('<section class="goal"', start + 1)])
    page = re.search(rf"Base {STAND_IN}: (\d+)", section)
    assert page is not None and float(page.group(1)) == cli_base


@pytest.fixture()
def late_goals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped goals with the area-type count's base year after the index's last."""
    from omradesbild.web import cache
    from omradesbild.web.lru import ByteLRU

    shipped = yaml.safe_load(goal_file.EXAMPLE_GOALS_PATH.read_text(encoding="utf-8"))
    for goal in shipped["goals"]:
        if goal["id"] == COUNT:
            goal["base_year"] = 2026
    path = tmp_path / "goals.yaml"
    path.write_text(yaml.safe_dump(shipped, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(goal_file, "EXAMPLE_GOALS_PATH", path)
    monkeypatch.setattr(cache, "_CACHE", ByteLRU(1_000, 256 * 1024**2))
    return path


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_goal_without_a_year_of_the_index_at_or_after_its_base_is_skipped_everywhere(
    no_2018: Path, tmp_path: Path, late_goals: Path, lang: str
) -> None:
    """The index ends in 2024, the goal's base year is 2026: the command line, the goals
    page and the report list it as skipped with the same reason (the command line used to
    anchor at 2024)."""
    pytest.importorskip("fastapi")
    from helpers import HTML, app_client
    from omradesbild.reports.site import build_site
    from omradesbild.services.city import load_city
    from omradesbild.store import Store

    reason = text("goals_skip_base_year", lang, base_year=2026, periods=_years())
    title = next(g for g in goal_file.load_goals().goals if g.id == COUNT)
    title_text = title.title_sv if lang == "sv" else title.title_en
    bases, out = _cli_bases(no_2018, lang, "--file", str(late_goals))
    assert COUNT not in bases and bases[GAP] == STAND_IN
    assert f"{COUNT}: {title_text}\n  {reason}" in out
    assert text("goals_skipped", "sv") in out
    item = f'id="goal-skipped-{COUNT}">{title_text}: {reason}</li>'
    with app_client(no_2018, tmp_path / "partners.sqlite", draws=0) as c:
        assert item in c.get(f"/mal?lang={lang}", headers=HTML).text
    with Store(no_2018, read_only=True) as store:
        data = load_city(store, level="regso", lang=lang, draws=0, areas=["9999R001"])
        build_site(data, tmp_path / "site")
    assert item in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")


def _years() -> str:
    return ", ".join(str(y) for y in range(2012, 2025) if y != 2018)
