"""Web settings: OMRADESBILD_* variables through pydantic-settings, as docs/web.md says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("pydantic_settings")

from omradesbild import config
from omradesbild.errors import ConfigError
from omradesbild.web.settings import WebSettings, env_var

DOCS = Path(__file__).resolve().parents[1] / "docs" / "web.md"


def _documented() -> dict[str, tuple[str, str]]:
    """Variable → (setting name, default text) from the settings table of docs/web.md."""
    rows = re.findall(r"^\| `(OMRADESBILD_\w+)` \| `(\w+)`[^|]*\|(.*)\|$", DOCS.read_text(), re.M)
    return {var: (field, default.strip()) for var, field, default in rows}


def test_docs_table_lists_every_setting_with_its_variable() -> None:
    documented = _documented()
    assert set(documented) == {env_var(f) for f in WebSettings.model_fields}
    for var, (field, _) in documented.items():
        assert env_var(field) == var


def test_docs_table_defaults_are_the_code_defaults() -> None:
    documented = _documented()
    s = WebSettings.from_env({})
    for field in ("lang", "level", "method", "disclosure_threshold", "draws", "base_version"):
        assert documented[env_var(field)][1] == f"`{getattr(s, field)}`", field
    assert documented["OMRADESBILD_SIMPLIFY_M"][1] == f"`{s.simplify_m:g}`"
    assert documented["OMRADESBILD_DB"][1] == f"`{s.store_path}`"
    assert s.method == config.DEFAULT_METHOD and s.base_version == config.BASE_VERSION


def test_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OMRADESBILD_DB", str(tmp_path / "c.duckdb"))
    monkeypatch.setenv("OMRADESBILD_DRAWS", "7")
    monkeypatch.setenv("OMRADESBILD_PRODUCTION", "ja")
    monkeypatch.setenv("OMRADESBILD_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("OMRADESBILD_SHARED_DATA", "/elsewhere")  # not a setting: ignored
    s = WebSettings.from_env(lang="en")
    assert s.store_path == tmp_path / "c.duckdb" and s.draws == 7 and s.lang == "en"
    assert s.production is True and s.cookie_secure is True
    # Direct construction reads the environment too; arguments win.
    assert WebSettings(draws=3).draws == 3 and WebSettings().draws == 7


def test_given_mapping_replaces_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMRADESBILD_LEVEL", "deso")
    assert WebSettings.from_env({"OMRADESBILD_VERSION": ""}).level == "regso"
    assert WebSettings.from_env({"OMRADESBILD_VERSION": ""}).version is None
    assert WebSettings.from_env().level == "deso"


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("OMRADESBILD_DRAWS", "many"),
        ("OMRADESBILD_DRAWS", "5000"),
        ("OMRADESBILD_DISCLOSURE_THRESHOLD", "0"),
        ("OMRADESBILD_COOKIE_SECURE", "kanske"),
        ("OMRADESBILD_SIMPLIFY_M", "-1"),
    ],
)
def test_invalid_value_names_the_variable(var: str, value: str) -> None:
    swedish, english = f"ogiltiga webbinställningar: {var}: ", f"invalid web settings: {var}: "
    with pytest.raises(ConfigError, match=f"^{swedish}.+ / {english}"):
        WebSettings.from_env({var: value})


def test_unknown_argument_is_refused() -> None:
    with pytest.raises(ConfigError, match="OMRADESBILD_COLOUR"):
        WebSettings.from_env({}, colour="red")
