"""Usage errors of the command line, worded in Swedish and English.

typer (which vendors click as ``typer._click``) refuses a command line it cannot parse —
an unknown option or command, a missing option, argument or value, a value of the wrong
type or outside its bounds, extra arguments — with a ``UsageError`` worded in English.
The command line's own classes catch each where it arises (the parsing of a command's or
a group's arguments, the lookup of a command, a group called without one) and raise a
:class:`WordedUsageError` in its place, which typer shows as it shows any usage error
(on stderr, exit code 2), but worded by the catalogue, Swedish first::

    Användning / Usage: omradesbild report [OPTIONS] [more_areas]...
    Se 'omradesbild report --help' för hjälp. / Try 'omradesbild report --help' for help.

    fel / error: --draws '-3' är för litet: ange minst 0 / --draws '-3' is too small: …

Every app and group of the command line is an :class:`App`, whose groups are a
:class:`Group` and whose commands a :class:`Command`. The words are taken from the
exceptions' own attributes (the option's name, the possibilities, the parameter) and the
parameter's declaration (its bounds, its type, its choices), not from typer's English text.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import IO, Any, NoReturn

import typer
from typer._click.core import Command as ClickCommand
from typer._click.core import Context, Parameter
from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)
from typer._click.formatting import HelpFormatter
from typer.core import TyperCommand, TyperGroup

from omradesbild.wording import Bilingual, Num, both

#: pydantic's error types (typer checks a value with pydantic) for a value outside a bound.
_BOUND_ERRORS = frozenset({"greater_than_equal", "greater_than", "less_than_equal", "less_than"})
#: … and for a value that is not of the parameter's type.
_TYPE_ERRORS = ("_parsing", "_type", "int_from_float")


class UnknownCommand(UsageError):
    """A group was called with a command it does not have."""

    def __init__(self, name: str, ctx: Context) -> None:
        super().__init__(f"No such command {name!r}.", ctx)
        self.name = name


class MissingCommand(UsageError):
    """A group was called without a command."""

    def __init__(self, ctx: Context) -> None:
        super().__init__("Missing command.", ctx)


class UnexpectedArguments(UsageError):
    """A command was given more arguments than it takes."""

    def __init__(self, args: Sequence[str], ctx: Context) -> None:
        super().__init__(f"Got unexpected extra argument(s) ({' '.join(args)})", ctx)
        self.args_given = list(args)


class WordedUsageError(UsageError):
    """A usage error worded in Swedish and English (:func:`usage_message`), shown by typer
    as any usage error: the usage line and the help hint, then the error, on stderr."""

    def __init__(self, error: UsageError, ctx: Context | None) -> None:
        self.error = error
        super().__init__(str(usage_message(error, ctx)), ctx)

    def format_message(self) -> str:
        return self.message

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the usage line, the help hint and the error (stderr unless ``file``)."""
        err = file is None
        if self.ctx is not None:
            typer.echo(usage_line(self.ctx), file=file, err=err)
            if self.ctx.command.get_help_option(self.ctx) is not None:
                command = f"{self.ctx.command_path} {self.ctx.help_option_names[0]}"
                typer.echo(both("cli_usage_hint", command=command) + "\n", file=file, err=err)
        line = f"{both('cli_error')}: {self.message}"
        typer.secho(line, file=file, err=err, fg=typer.colors.RED)


def usage_line(ctx: Context) -> str:
    """``Användning / Usage: omradesbild <command> [OPTIONS] …`` of ``ctx``'s command."""
    formatter: HelpFormatter = ctx.make_formatter()
    pieces = " ".join(ctx.command.collect_usage_pieces(ctx))
    formatter.write_usage(ctx.command_path, pieces, prefix=f"{both('cli_usage')}: ")
    return formatter.getvalue().rstrip("\n")


def _raise_worded(error: UsageError, ctx: Context) -> NoReturn:
    """Raise ``error`` worded (a :class:`WordedUsageError`, on ``ctx`` when it has no
    context of its own); the help a group shows when called without arguments, or an error
    worded already, as it is."""
    if isinstance(error, WordedUsageError | NoArgsIsHelpError):
        raise error
    raise WordedUsageError(error, error.ctx or ctx) from error


class Command(TyperCommand):
    """A command whose usage errors are worded in Swedish and English."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        """typer's parsing, with extra arguments refused here (by name) and every usage
        error worded (:class:`WordedUsageError`)."""
        allow = ctx.allow_extra_args
        ctx.allow_extra_args = True
        try:
            rest = super().parse_args(ctx, args)
        except UsageError as exc:
            _raise_worded(exc, ctx)
        finally:
            ctx.allow_extra_args = allow
        if rest and not allow and not ctx.resilient_parsing:
            raise WordedUsageError(UnexpectedArguments(rest, ctx), ctx)
        return rest


class Group(TyperGroup):
    """A group of commands whose usage errors are worded in Swedish and English."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        """typer's parsing, every usage error worded (:class:`WordedUsageError`)."""
        try:
            return super().parse_args(ctx, args)
        except UsageError as exc:
            _raise_worded(exc, ctx)

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, ClickCommand | None, list[str]]:
        """The command ``args`` names; an unknown one is a :class:`UnknownCommand`, and
        any argument of a group without commands (``export``) an unexpected one."""
        if not self.commands and not ctx.resilient_parsing:
            raise WordedUsageError(UnexpectedArguments(args, ctx), ctx)
        name = args[0]
        unknown = self.get_command(ctx, name) is None and not name.startswith("-")
        if unknown and not ctx.resilient_parsing:
            raise WordedUsageError(UnknownCommand(name, ctx), ctx)
        try:
            return super().resolve_command(ctx, args)
        except UsageError as exc:
            _raise_worded(exc, ctx)

    def invoke(self, ctx: Context) -> Any:
        """Run the command; a group without one (and without a callback of its own) is a
        :class:`MissingCommand`. A command the user breaks off (Ctrl-C, or Ctrl-D at a
        prompt) ends with the catalogue's ``cli_aborted`` on stderr and exit code 1, where
        typer would print its English "Aborted!"."""
        if not ctx._protected_args and not self.invoke_without_command:
            raise WordedUsageError(MissingCommand(ctx), ctx)
        try:
            return super().invoke(ctx)
        except (typer.Abort, EOFError, KeyboardInterrupt):
            if ctx.parent is not None:
                raise  # the outermost group words it, once
            typer.echo(err=True)  # the line the user broke off ends first
            typer.secho(both("cli_aborted"), err=True, fg=typer.colors.RED)
            raise typer.Exit(1) from None


class App(typer.Typer):
    """A ``typer.Typer`` whose groups are a :class:`Group` and commands a :class:`Command`
    (unless told otherwise), so that every usage error is worded in both languages."""

    def __init__(self, *, cls: type[TyperGroup] | None = None, **kwargs: Any) -> None:
        super().__init__(cls=cls or Group, **kwargs)

    def command(  # type: ignore[override]
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any
    ) -> Any:
        """typer's ``command``, with :class:`Command` as the default class."""
        return super().command(name, cls=cls or Command, **kwargs)


def usage_message(error: UsageError, ctx: Context | None) -> Bilingual:
    """What ``error`` says, in Swedish and English (``svenska / English``)."""
    if isinstance(error, NoSuchOption):
        option = repr(error.option_name)
        if error.possibilities:
            like = ", ".join(sorted(error.possibilities))
            return both("usage_no_such_option_like", option=option, possibilities=like)
        return both("usage_no_such_option", option=option)
    if isinstance(error, BadOptionUsage):
        return _option_usage(error.option_name, ctx)
    if isinstance(error, MissingParameter) and error.param is not None:
        if error.param.param_type_name == "argument":
            return both("usage_missing_argument", argument=error.param.name)
        return both("usage_missing_option", option=param_name(error.param))
    if isinstance(error, BadParameter) and error.param is not None:
        return _bad_value(error, error.param)
    if isinstance(error, UnknownCommand | MissingCommand):
        return _command_message(error, ctx)
    if isinstance(error, UnexpectedArguments):
        return both("usage_unexpected_args", args=" ".join(error.args_given))
    return both("usage_other", message=error.format_message())


def param_name(param: Parameter) -> str:
    """How an error names a parameter: an option by its first long name (``--draws``), an
    argument by its name."""
    if param.param_type_name != "option":
        return str(param.name)
    return next((o for o in param.opts if o.startswith("--")), param.opts[0])


def _option_usage(option_name: str, ctx: Context | None) -> Bilingual:
    """An option given without its value, or a flag given a value (``--no-pdf=x``): which,
    from the option's declaration."""
    params = ctx.command.params if ctx is not None else []
    option = next((p for p in params if option_name in (*p.opts, *p.secondary_opts)), None)
    if option is not None and getattr(option, "is_flag", False):
        return both("usage_option_takes_no_value", option=option_name)
    nargs = option.nargs if option is not None else 1
    if nargs > 1:
        return both("usage_option_needs_values", option=option_name, n=nargs)
    return both("usage_option_needs_value", option=option_name)


def _bad_value(error: BadParameter, param: Parameter) -> Bilingual:
    """A value typer refused: outside the parameter's bounds, not of its type, not one of
    its choices (pydantic's error type says which; the bounds, the type and the choices
    are the parameter's own)."""
    found = _validation_error(error)
    name = param_name(param)
    if found is None:
        return both("usage_invalid_value", param=name, detail=error.message)
    kind, given = found
    value = repr(str(given))
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if kind in _BOUND_ERRORS:
        if low is not None and high is not None:
            return both(
                "usage_out_of_range", param=name, value=value, min=_num(low), max=_num(high)
            )
        if low is not None:
            return both("usage_too_small", param=name, value=value, min=_num(low))
        if high is not None:
            return both("usage_too_large", param=name, value=value, max=_num(high))
    choices = getattr(getattr(param, "type_descriptor", None), "choices", None)
    if choices:
        listed = ", ".join(str(getattr(c, "value", c)) for c in choices)
        return both("usage_not_a_choice", param=name, value=value, choices=listed)
    if kind.endswith(_TYPE_ERRORS):
        key = {"int": "usage_not_integer", "float": "usage_not_number"}.get(kind.split("_")[0])
        key = key or ("usage_not_boolean" if kind.startswith("bool") else None)
        if key is not None:
            return both(key, param=name, value=value)
    return both("usage_invalid_value", param=name, detail=error.message)


def _validation_error(error: BadParameter) -> tuple[str, object] | None:
    """pydantic's error type and the value given, of the first error behind ``error``
    (None when typer refused the value without pydantic)."""
    errors = getattr(error.__cause__, "errors", None)
    if not callable(errors):
        return None
    found = errors()
    if not found:
        return None
    return str(found[0].get("type", "")), found[0].get("input")


def _num(bound: float) -> Num | str:
    """A bound as the catalogue writes numbers (:class:`~omradesbild.wording.Num`: decimal
    comma, narrow space between groups of thousands in Swedish); a whole number of at most
    four digits (a year: ``2024``) as it is, without a separator in either language."""
    if float(bound).is_integer() and abs(bound) < 10_000:
        return str(int(bound))
    if float(bound).is_integer():
        return Num(float(bound), 0)
    return Num(float(bound), significant=6)


def _command_message(error: UnknownCommand | MissingCommand, ctx: Context | None) -> Bilingual:
    """An unknown or missing command, with the commands the group has (the close ones
    when there are)."""
    group = ctx.command if ctx is not None else None
    names: list[str] = []
    if isinstance(group, TyperGroup) and ctx is not None:
        names = [n for n in group.list_commands(ctx) if not group.commands[n].hidden]
    commands = ", ".join(names) or "–"
    if isinstance(error, MissingCommand):
        return both("usage_missing_command", commands=commands)
    like = difflib.get_close_matches(error.name, names)
    if like:
        listed = ", ".join(repr(n) for n in like)
        return both("usage_no_such_command_like", name=repr(error.name), possibilities=listed)
    return both("usage_no_such_command", name=repr(error.name), commands=commands)
