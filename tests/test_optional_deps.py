"""The base install runs the core command line; optional parts name the extra to install."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from omradesbild._compat import (
    OPTIONAL_DEPENDENCIES,
    has_optional_dependency,
    import_optional_dependency,
)
from omradesbild.errors import MissingDependencyError

# A subprocess in which every optional dependency is absent: a meta-path finder refuses them.
_BLOCKED_RUN = textwrap.dedent(
    """
    import sys

    BLOCKED = set(sys.argv[1].split(","))

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Blocker())
    for mod in list(sys.modules):
        if mod.split(".")[0] in BLOCKED:
            del sys.modules[mod]

    from omradesbild.cli.main import main

    try:
        main(sys.argv[2:])
    finally:
        leaked = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
        assert not leaked, leaked
    """
)

_BLOCKED = sorted({*OPTIONAL_DEPENDENCIES, "tenacity", "hishel"})


def _run_without_extras(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _BLOCKED_RUN, ",".join(_BLOCKED), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "OMRADESBILD_DB": str(tmp_path / "none.duckdb"),
            "COLUMNS": "200",
        },
        timeout=120,
    )


def test_help_and_indicator_list_run_without_extras(tmp_path: Path) -> None:
    res = _run_without_extras("--help", tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "serve" in res.stdout
    res = _run_without_extras("indicators", "list", tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "low_econ_standard" in res.stdout


def test_saved_pxweb_answers_are_read_without_the_fetch_extra(tmp_path: Path) -> None:
    saved = tmp_path / "answer.json"
    saved.write_text("{}", encoding="utf-8")
    res = _run_without_extras("ingest", "pxweb", str(saved), tmp_path=tmp_path)
    # The parser ran (and named what is wrong with the file); no install hint.
    assert res.returncode == 2, res.stderr
    assert "not a JSON-stat2 dataset" in res.stderr
    assert "pip install" not in res.stderr


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (("serve",), "web"),
        (("report", "--pdf"), "pdf"),
        (("fetch", "scb", "tables", "folkmängd"), "fetch"),
    ],
)
def test_optional_commands_name_the_extra(
    args: tuple[str, ...], extra: str, tmp_path: Path
) -> None:
    res = _run_without_extras(*args, tmp_path=tmp_path)
    assert res.returncode == MissingDependencyError.exit_code, res.stderr
    assert f"pip install 'omradesbild[{extra}]'" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "none.duckdb").exists()


def test_import_optional_dependency_returns_the_module() -> None:
    mod = import_optional_dependency("sqlalchemy.orm")
    assert mod.__name__ == "sqlalchemy.orm"
    assert has_optional_dependency("sqlalchemy")


def test_missing_dependency_names_extra_and_purpose() -> None:
    with pytest.raises(MissingDependencyError) as info:
        import_optional_dependency("no_such_module_xyz", extra="pdf", purpose="PDF profiles")
    sv, en = str(info.value).split(" / ")
    assert sv.startswith("PDF profiles behöver tillvalspaketet 'no_such_module_xyz'")
    assert sv.endswith("installera det med: pip install 'omradesbild[pdf]'")
    assert en.startswith("PDF profiles needs the optional package 'no_such_module_xyz'")
    assert en.endswith("install it with: pip install 'omradesbild[pdf]'")
    assert not has_optional_dependency("no_such_module_xyz")


def test_unknown_optional_dependency_without_extra_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="not a known optional dependency"):
        import_optional_dependency("no_such_module_xyz")


def test_extras_in_pyproject_cover_the_registry() -> None:
    import tomllib

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    meta = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    extras = meta["optional-dependencies"]
    for extra in set(OPTIONAL_DEPENDENCIES.values()):
        assert extra in extras, extra
    base = " ".join(meta["dependencies"]).lower()
    for dist in ("fastapi", "uvicorn", "sqlalchemy", "weasyprint", "psycopg", "httpx"):
        assert dist not in base, dist


def test_only_the_helper_catches_import_errors() -> None:
    """Optional packages go through import_optional_dependency; the package's own modules
    are always importable, so no other code catches an ImportError."""
    import re

    src = Path(__file__).resolve().parents[1] / "src" / "omradesbild"
    pattern = re.compile(r"except\s*\(?[^:]*\b(ImportError|ModuleNotFoundError)\b")
    offenders = [
        f"{path.relative_to(src)}:{n}"
        for path in sorted(src.rglob("*.py"))
        if path.name != "_compat.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []
