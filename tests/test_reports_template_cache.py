"""The report templates' compiled code is kept between commands in the cache folder
(``OMRADESBILD_CACHE_DIR``): the same pages with and without it, an edited template compiled
again, nothing kept when the folder is off, and a folder that cannot be written only slower."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import jinja2
import pytest

from omradesbild.reports import site
from omradesbild.reports.template_cache import TEMPLATES_CACHE, template_bytecode_cache


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates Jinja compiles from their source, in order."""
    seen: list[str] = []
    compile_ = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: Any, name: Any = None, *a: Any, **k: Any) -> Any:
        seen.append(str(name))
        return compile_(self, source, name, *a, **k)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return seen


def _pages(folder: Path) -> dict[str, list[str]]:
    """Every page's lines but the one naming when it was made."""
    return {
        str(p.relative_to(folder)): [
            line for line in p.read_text(encoding="utf-8").splitlines() if "Skapad" not in line
        ]
        for p in sorted(folder.rglob("*.html"))
    }


def test_off_keeps_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMRADESBILD_CACHE_DIR", "off")
    assert template_bytecode_cache() is None
    assert site._env("sv").bytecode_cache is None


@pytest.fixture(scope="module")
def demo_data(demo_store: Path) -> Any:
    from omradesbild.services.city import load_city
    from omradesbild.store import Store

    with Store(demo_store, read_only=True) as store:
        return load_city(store, level="regso", draws=5)


def test_the_site_is_the_same_with_and_without_the_cache(
    demo_data: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiled: list[str]
) -> None:
    data = demo_data
    site.build_site(data, tmp_path / "off")
    assert compiled  # without the cache every template is compiled
    monkeypatch.setenv("OMRADESBILD_CACHE_DIR", str(tmp_path / "cache"))
    for run in ("cold", "warm"):
        compiled.clear()
        site.build_site(data, tmp_path / run)
        assert _pages(tmp_path / run) == _pages(tmp_path / "off")
        assert bool(compiled) == (run == "cold")  # the second run compiles nothing
    assert list((tmp_path / "cache" / TEMPLATES_CACHE).glob("jinja2-*.cache"))


def test_an_edited_template_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiled: list[str]
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(site.TEMPLATES, templates)
    monkeypatch.setattr(site, "TEMPLATES", templates)
    monkeypatch.setenv("OMRADESBILD_CACHE_DIR", str(tmp_path / "cache"))
    probe = templates / "probe.html"
    probe.write_text("{{ t('nav_overview') }} one", encoding="utf-8")
    first = site._env("sv").get_template("probe.html").render()
    assert first.endswith(" one") and compiled == ["probe.html"]
    # a new environment (as a new command): the kept code, not compiled again
    assert site._env("sv").get_template("probe.html").render() == first
    assert compiled == ["probe.html"]
    probe.write_text("{{ t('nav_overview') }} two", encoding="utf-8")
    assert site._env("sv").get_template("probe.html").render().endswith(" two")
    assert compiled == ["probe.html", "probe.html"]


def test_a_folder_that_cannot_be_written_is_only_slower(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMRADESBILD_CACHE_DIR", str(tmp_path / "cache"))

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError("read-only")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)
    assert site._env("sv").from_string("x").render() == "x"  # not from a file: not kept
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "probe.html").write_text("ok", encoding="utf-8")
    monkeypatch.setattr(site, "TEMPLATES", templates)
    assert site._env("sv").get_template("probe.html").render() == "ok"
    assert not list((tmp_path / "cache" / TEMPLATES_CACHE).iterdir())


def test_a_cache_folder_that_cannot_be_made_is_no_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("OMRADESBILD_CACHE_DIR", str(blocker / "cache"))
    assert template_bytecode_cache() is None


def test_the_pdfs_of_one_run_share_one_compiled_template(
    demo_data: Any, compiled: list[str]
) -> None:
    from omradesbild.reports.pdf import PdfProfiles

    profiles = PdfProfiles(demo_data)
    first, second = list(demo_data.profile_codes)[:2]
    html = profiles.html(first)
    once = list(compiled)
    assert "profile_pdf.html" in once
    profiles.html(second)
    assert compiled == once  # the second PDF compiles nothing
    other = PdfProfiles(demo_data)  # an object of its own: an environment of its own
    again = other.html(first)
    assert html.replace(profiles.ctx.generated, "") == again.replace(other.ctx.generated, "")


def test_a_folder_others_may_write_to_is_not_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Compiled templates run as they are loaded: a templates folder that others may write
    to is not read (the same rule as the kept results' folder), and a new one is the
    owner's alone."""
    monkeypatch.setenv("OMRADESBILD_CACHE_DIR", str(tmp_path))
    assert template_bytecode_cache() is not None
    folder = tmp_path / TEMPLATES_CACHE
    assert folder.stat().st_mode & 0o077 == 0
    folder.chmod(0o777)
    assert template_bytecode_cache() is None
