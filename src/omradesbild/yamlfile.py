"""Reading the package's YAML files (catalogues, goal files) with one clear error."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from omradesbild.errors import ConfigError

if TYPE_CHECKING:
    from omradesbild.wording import Message

#: libyaml's parser when PyYAML was built with it: the same data, parsed about ten times
#: faster (the two wording catalogues take most of a second in pure Python).
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path, *, what: str | Message) -> Any:
    """Parse a YAML file; an unreadable file or bad YAML is a :class:`ConfigError`.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for the message (e.g. ``"the goal file"``). A catalogue
        :class:`~omradesbild.wording.Message` words the error in Swedish and English; a
        plain text keeps it English (the wording catalogue itself is read so).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(_worded(what, "err_ana_cannot_read", path, exc.strerror)) from exc
    try:
        return parse_yaml(text)
    except yaml.YAMLError as exc:
        raise ConfigError(_worded(what, "err_ana_yaml_invalid", path, exc)) from exc


def _worded(what: str | Message, key: str, path: Path, error: object) -> str:
    """The error ``key`` in Swedish and English when ``what`` is a catalogue message,
    else in English only (without reading the catalogue)."""
    from omradesbild.wording import Message, both

    if isinstance(what, Message):
        return both(key, path=str(path), what=what, error=str(error))
    if key == "err_ana_cannot_read":
        return f"{path}: cannot read {what} ({error})"
    return f"{path}: not valid YAML ({error})"


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
            from omradesbild.validation import what as worded
            from omradesbild.wording import Message

            raise ValueError(Message("err_ana_duplicate_id", what=worded(what), id=repr(i)))
        seen.add(i)
