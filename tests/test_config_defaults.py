"""Defaults live in omradesbild.config: no function or command repeats one as a literal."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import omradesbild
from omradesbild import config

PACKAGE = Path(omradesbild.__file__).parent

#: Folders and modules whose defaults are read from the config (the others are not checked).
CHECKED = (
    "cli", "services", "demo.py", "areas", "harmonize", "indicators", "index", "followup",
    "measures", "sources/base.py", "sources/scb_key.py", "sources/long_csv.py",
    "sources/crime.py", "sources/scb_xlsx", "sources/police.py", "reports/disclosure.py",
    "web",
)  # fmt: skip

#: Values that are defaults in the config and must not reappear as literal defaults.
_DEFAULTS = {
    *config.DEFAULT_VERSION.values(),
    config.NEW_DESO_VERSION,
    config.AREA_TYPE_METHOD,
    config.DEFAULT_CONFIDENCE,
    config.UNCERTAINTY_DRAWS,
    config.PAGE_UNCERTAINTY_DRAWS,
    config.POLICE_SHARE_THRESHOLD,
} - {"country"}
#: The same with their types (so that a multiplier 1000.0 is not taken for 1000 draws).
DEFAULT_LITERALS = {(type(v), v) for v in _DEFAULTS}


def _files() -> list[Path]:
    out: list[Path] = []
    for name in CHECKED:
        p = PACKAGE / name
        out += sorted(p.rglob("*.py")) if p.is_dir() else [p]
    return out


def _literal_defaults(path: Path) -> list[str]:
    """``file:line value`` of every parameter default that is one of DEFAULT_LITERALS."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        args = node.args
        for d in [*args.defaults, *[k for k in args.kw_defaults if k is not None]]:
            if isinstance(d, ast.Constant) and (type(d.value), d.value) in DEFAULT_LITERALS:
                found.append(f"{path.name}:{d.lineno} {d.value!r}")
    return found


def test_the_checked_modules_exist() -> None:
    missing = [n for n in CHECKED if not (PACKAGE / n).exists()]
    assert not missing


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_literal_default(path: Path) -> None:
    assert _literal_defaults(path) == []


def test_the_check_finds_a_literal_default(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text('def f(version: str = "deso2018", *, confidence: float = 0.95) -> None: ...\n')
    assert len(_literal_defaults(bad)) == 2


def test_versions_tables_are_the_config() -> None:
    from omradesbild.areas.codes import VERSIONS
    from omradesbild.sources.scb_xlsx import DEFAULT_AREA_VERSIONS

    assert VERSIONS is config.KNOWN_VERSIONS
    assert DEFAULT_AREA_VERSIONS == config.DEFAULT_VERSION


def test_the_pages_draw_one_number_of_draws() -> None:
    """The web app's area pages and the report (site and PDF) make the same number of
    Monte-Carlo draws by default, so that both state the same rank interval (200 and 500
    before: Husby's 90 % interval was 121–141 on its web page, 121–143 in the report)."""
    import inspect

    from omradesbild.cli.report import report
    from omradesbild.services.city import load_city
    from omradesbild.services.level_picture import level_picture
    from omradesbild.web.cache import WebData
    from omradesbild.web.settings import WebSettings

    def default(fn: object) -> object:
        return inspect.signature(fn).parameters["draws"].default  # type: ignore[arg-type]

    web = WebSettings.model_fields["draws"].default
    used = {web, default(load_city), default(level_picture), default(report), default(WebData)}
    assert used == {config.PAGE_UNCERTAINTY_DRAWS}
