"""Reading a shipped or user-given YAML catalogue into a pydantic model, with clear errors.

pydantic is imported only when a model is validated: a reader whose shipped catalogue needs
no validation at run time (its tests validate it) does not pay for importing it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml

from omradesbild.errors import ConfigError
from omradesbild.yamlfile import _FAST_LOADER

if TYPE_CHECKING:
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")


def parse_yaml(text: str, *, where: str) -> Any:
    """The data of YAML ``text`` (libyaml's parser when PyYAML has it: the same data).

    Raises
    ------
    ConfigError
        Invalid YAML; the message (from the pure-Python parser) names ``where`` and quotes
        the bad line.
    """
    try:
        return yaml.load(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        try:  # parsed again: the pure-Python parser's message quotes the bad line
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{where}: invalid YAML: {exc}") from exc


def parse_yaml_model(
    model: type[M],
    text: str,
    *,
    where: str,
    what: str,
    prepare: Callable[[Any, str], Any] | None = None,
) -> M:
    """Validate YAML ``text`` as ``model``.

    Parameters
    ----------
    model
        The pydantic model of the whole file.
    text
        The file's text.
    where
        The file, named in errors.
    what
        What the file is, e.g. ``"SCB table catalogue"``, named in errors.
    prepare
        Called with the parsed YAML and ``where`` before validation (checks and reshaping
        the model cannot express).

    Raises
    ------
    ConfigError
        Invalid YAML, or content that does not follow ``model``.
    """
    from pydantic import ValidationError

    raw = parse_yaml(text, where=where)
    if prepare is not None:
        raw = prepare(raw, where)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{where}: invalid {what}: {exc}") from exc


def load_yaml_model(
    model: type[M],
    path: str | Path,
    *,
    what: str,
    prepare: Callable[[Any, str], Any] | None = None,
) -> M:
    """Read the YAML file ``path`` and validate it as ``model`` (see :func:`parse_yaml_model`).

    Raises
    ------
    ConfigError
        The file cannot be read, is not YAML, or does not follow ``model``.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what}: {exc}") from exc
    return parse_yaml_model(model, text, where=str(path), what=what, prepare=prepare)
