"""Reading the package's YAML files (catalogues, goal files) with one clear error."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from omradesbild.errors import ConfigError

#: libyaml's parser when PyYAML was built with it: the same data, parsed about ten times
#: faster (the two wording catalogues take most of a second in pure Python).
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path, *, what: str) -> Any:
    """Parse a YAML file; an unreadable file or bad YAML is a :class:`ConfigError`, worded
    in Swedish and English.

    Parameters
    ----------
    path
        The file.
    what
        The wording catalogue's key of what the file is, for the message (e.g.
        ``"err_svc_what_goal_file"``: "the goal file").
    """
    from omradesbild.wording import Message, both

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            both("err_svc_yaml_unreadable", path=path, what=Message(what), error=exc.strerror)
        ) from exc
    try:
        return parse_yaml(text)
    except yaml.YAMLError as exc:
        raise ConfigError(both("err_svc_yaml_invalid", path=path, error=exc)) from exc


def parse_yaml(text: str) -> Any:
    """The data of YAML ``text``, as :func:`yaml.safe_load` gives it, parsed by libyaml when
    PyYAML has it.

    Raises
    ------
    yaml.YAMLError
        Bad YAML, with the pure-Python parser's message (it quotes the bad line).
    """
    try:
        return yaml.load(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        pass  # parsed again below for the message
    return yaml.safe_load(text)


def refuse_repeated_ids(ids: Iterable[str], *, what: str) -> None:
    """Raise :class:`ValueError` (for a pydantic validator) at the first id seen twice.

    Parameters
    ----------
    ids
        The ids in file order.
    what
        What the ids name, for the message (e.g. ``"goal"``: "duplicate goal id 'x'").
    """
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ValueError(f"duplicate {what} id {i!r}")
        seen.add(i)
