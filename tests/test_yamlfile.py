"""``read_yaml`` parses with libyaml when it can: the same data as PyYAML's pure-Python
``safe_load`` for every YAML file the package ships, and the pure-Python parser's message
(quoting the bad line) for bad YAML."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import omradesbild
from omradesbild.errors import ConfigError
from omradesbild.yamlfile import read_yaml

SHIPPED = sorted(Path(omradesbild.__file__).parent.rglob("*.yaml"))


def test_some_files_are_shipped() -> None:
    assert len(SHIPPED) >= 5


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_the_data_equal_the_pure_python_parse(path: Path) -> None:
    expected = yaml.safe_load(path.read_text(encoding="utf-8"))
    got = read_yaml(path, what="a file")
    assert got == expected and repr(got) == repr(expected)


def test_bad_yaml_is_a_config_error_quoting_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: 1\nb: [2, 3\nc: 4\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML") as caught:
        read_yaml(bad, what="a file")
    with pytest.raises(yaml.YAMLError) as pure:
        yaml.safe_load(bad.read_text(encoding="utf-8"))
    assert str(pure.value) in str(caught.value)
