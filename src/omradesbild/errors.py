"""One exception hierarchy for the whole package.

Every error a user can cause derives from :class:`OmradesbildError`. The command line prints
``str(error)`` and exits with :attr:`OmradesbildError.exit_code`; the web layer maps each
class to an HTTP status through one table. Messages name the file, the row or field and what
was expected, so that an analyst can fix the input without reading a traceback.
"""

from __future__ import annotations

from pathlib import Path


class OmradesbildError(Exception):
    """Base class of every error raised on purpose by Områdesbild.

    Its message is ``str(error)``: "svenska / English" where it is worded by the
    catalogue (:func:`~omradesbild.wording.both`), as the command line prints it;
    :meth:`worded` gives one language of it (the web app's pages).
    """

    exit_code: int = 1

    def worded(self, lang: str) -> str:
        """The message in ``lang`` (``"sv"`` or ``"en"``) alone where it was made by
        :func:`~omradesbild.wording.both` (or is a catalogue ``Message``); any other
        message as it is."""
        from omradesbild.wording import say

        return say(self.args[0], lang) if len(self.args) == 1 else str(self)


class InputError(OmradesbildError):
    """Bad input data: names the file, the row and/or field, and what was expected.

    Parameters
    ----------
    message
        What is wrong, in plain words: a :class:`~omradesbild.wording.Message` of the
        wording catalogue (worded in Swedish and English), or a plain (English) text.
    file
        The file (or URL) that holds the bad input.
    row
        1-based row number in the file as a spreadsheet or text editor shows it.
    field
        Column, attribute or header the problem is in.
    expected
        What a valid value would have looked like (a ``Message`` or a plain text).

    Notes
    -----
    With a ``Message`` the error reads Swedish then English, the file named once:
    ``data.csv: rad 3, fältet 'kod': … (väntat: …) / row 3, field 'kod': … (expected …)``.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        field: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.row = row
        self.field = field
        self.expected = expected
        super().__init__(self._render())

    @classmethod
    def bad_value(
        cls,
        key: str,
        value: object,
        *,
        expected: str,
        file: str | Path | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> InputError:
        """An error about one value (a cell, a field): the catalogue's ``key`` with the
        value quoted as ``{value}``, and the catalogue's ``expected`` key for what a valid
        value looks like.

        ``InputError.bad_value("err_src_not_number", "x", expected="exp_src_csv_number",
        file=path, row=3, field="2021")`` is
        ``InputError(Message("err_src_not_number", value="'x'"), file=path, row=3,
        field="2021", expected=Message("exp_src_csv_number"))``.
        """
        from omradesbild.wording import Message

        return cls(
            Message(key, value=repr(value)),
            file=file,
            row=row,
            field=field,
            expected=Message(expected),
        )

    def in_file(self, file: str | Path) -> InputError:
        """The same error naming ``file``, the file the row and field are in (for an error
        raised on a table read from ``file``); itself when it names a file already."""
        if self.file is not None:
            return self
        return type(self)(
            self.message, file=file, row=self.row, field=self.field, expected=self.expected
        )

    def worded(self, lang: str, *, where: bool = True) -> str:
        """The error in one language (``"sv"`` or ``"en"``) without the file; with
        ``where=False`` also without the row and field (a request's parameter, whose
        message names it)."""
        from omradesbild.wording import say, text

        parts: list[str] = []
        if where and self.row is not None:
            parts.append(text("err_frame_row", lang, row=self.row))
        if where and self.field is not None:
            parts.append(text("err_frame_field", lang, field=repr(self.field)))
        out = say(self.message, lang)
        if parts:
            out = f"{', '.join(parts)}: {out}"
        if self.expected:
            out += text("err_frame_expected", lang, expected=say(self.expected, lang))
        return out

    def bilingual(self) -> bool:
        """Whether the message is worded by the catalogue (Swedish and English)."""
        from omradesbild.wording import Message

        return isinstance(self.message, Message)

    def _render(self) -> str:
        if self.bilingual():
            text = f"{self.worded('sv')} / {self.worded('en')}"
            return f"{self.file}: {text}" if self.file is not None else text
        where: list[str] = []
        if self.file is not None:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        text = ", ".join(where)
        text = f"{text}: {self.message}" if text else self.message
        if self.expected:
            text += f" (expected {self.expected})"
        return text


class UnknownAreaError(InputError):
    """Observations or links refer to area codes the store does not know."""


class ConfigError(OmradesbildError):
    """An invalid configuration, method or goal file, or an invalid parameter."""

    exit_code = 2


class MethodError(ConfigError):
    """An index method file or method parameters that cannot be used."""


class StoreError(OmradesbildError):
    """The store cannot be opened or does not hold what was asked for."""

    exit_code = 3


class NotFoundError(StoreError):
    """A requested area, variable, period or object does not exist."""


class FetchError(OmradesbildError):
    """A live client (SCB PX-Web API, SCB geodata WFS) failed after its retries."""

    exit_code = 4


class MissingDependencyError(OmradesbildError):
    """An optional dependency is needed; the message says how to install it."""

    exit_code = 5
