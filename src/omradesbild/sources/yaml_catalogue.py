"""Reading a shipped or user-given YAML catalogue into a pydantic model, with clear errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from omradesbild.errors import ConfigError
from omradesbild.wording import Message, both

M = TypeVar("M", bound=BaseModel)


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
        The wording catalogue's key of what the file is, e.g. ``"err_src_what_scb_catalogue"``
        ("SCB table catalogue"), named in errors.
    prepare
        Called with the parsed YAML and ``where`` before validation (checks and reshaping
        the model cannot express).

    Raises
    ------
    ConfigError
        Invalid YAML, or content that does not follow ``model``.
    """
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(both("err_src_yaml_invalid", path=where, error=str(exc))) from exc
    if prepare is not None:
        raw = prepare(raw, where)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(
            both("err_src_yaml_model_invalid", path=where, what=Message(what), error=str(exc))
        ) from exc


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
        raise ConfigError(
            both("err_src_yaml_unreadable", path=str(path), what=Message(what), error=str(exc))
        ) from exc
    return parse_yaml_model(model, text, where=str(path), what=what, prepare=prepare)
