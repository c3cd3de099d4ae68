"""The click parameter types of tactful's options: ``DATE``, ``DATETIME``, ``ZONE``, ``N``,
``ID``, ``KEY`` and ``PATH``.

Each checks its value as click parses the command line, so a bad value is a usage error
(exit 2) before anything is opened or written, and its help shows the kind of value it takes
(``--decision-by DATE``). A bad value is said as tactful says every mistake, on one line:
what, where (the option) and what would be right, not click's "Invalid value for …".

A type checks the form only and hands on the text it was given (dates written out as
YYYY-MM-DD): what a value means (``today`` as of ``--now``, a time in the interviewer's zone)
is worked out by the command, which knows the rest of the line.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, NoReturn

import click
from click.core import ParameterSource

from ..errors import InputError
from ..vocabulary.records import MAX_ID as MAX_ID  # the commands import it from here
from ..vocabulary.text import excerpt, safe

#: Words a date option takes besides YYYY-MM-DD: how many days before today they mean.
DAY_WORDS = {"today": 0, "yesterday": 1}
#: The largest id a store can hold (SQLite's INTEGER is 64-bit).


class BadValue(click.BadParameter):
    """A bad value of an option or argument, in tactful's words (which name the option)."""

    def format_message(self) -> str:
        return self.message


def shown_name(param: click.Parameter | None, ctx: click.Context | None = None) -> str:
    """How the user gave the parameter: ``--decision-by``, an argument's ``ID``, or the
    environment variable (``TACTFUL_NOW``) it was read from."""
    if param is None:
        return "the value"
    source = ctx.get_parameter_source(param.name) if ctx is not None and param.name else None
    if source is ParameterSource.ENVIRONMENT and isinstance(param.envvar, str):
        return param.envvar
    if isinstance(param, click.Option) and param.opts:
        return max(param.opts, key=len)
    return param.human_readable_name


if TYPE_CHECKING:  # click 8.2 and later type ParamType by its value; 8.1 cannot be subscripted
    _ParamType = click.ParamType[Any, Any]
else:
    _ParamType = click.ParamType


class _Typed(_ParamType):
    """A type whose metavar is its name in capitals, and whose failures are :class:`BadValue`."""

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str | None:
        return self.name.upper()

    def refuse(self, message: str, param: click.Parameter | None, ctx: click.Context | None) -> NoReturn:
        raise BadValue(message, ctx, param)


class Day(_Typed):
    """A date, YYYY-MM-DD (and, with ``words``, ``today`` or ``yesterday``); the value is the
    date written out as YYYY-MM-DD, or the word in lower case."""

    name = "date"

    def __init__(self, words: bool = False) -> None:
        self.words = words

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from ..runtime.facts import parse_date

        text = str(value).strip()
        if self.words and text.lower() in DAY_WORDS:
            return text.lower()
        try:
            return parse_date(text, param.name if param is not None and param.name else "date")
        except InputError as err:
            said = str(err.cli or err)
            if self.words:
                said = said.replace("; write it as YYYY-MM-DD,", "; write it as YYYY-MM-DD, today or yesterday,")
            self.refuse(said, param, ctx)


class Moment(_Typed):
    """An ISO date or date-time, with or without an offset; the value is the text given
    (the command reads it in the right zone)."""

    name = "datetime"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from ..vocabulary.timecalc import UTC, read_moment

        try:
            read_moment(str(value), shown_name(param, ctx), UTC)  # the form only: the zone comes later
        except InputError as err:
            self.refuse(str(err), param, ctx)
        return str(value).strip()


class Zone(_Typed):
    """An IANA time zone name (``Europe/Paris``)."""

    name = "zone"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from ..vocabulary.timecalc import zone

        text = str(value).strip()
        try:
            zone(text)
        except ValueError as err:
            self.refuse(f"{shown_name(param, ctx)}: {err}", param, ctx)
        return text


class CandidateKey(_Typed):
    """A candidate's key, as the embedding app chose it (letters, digits and ``. _ - @ +``);
    with ``implicit``, an empty one too, which names the implicit candidate (no candidate)."""

    name = "key"

    def __init__(self, implicit: bool = False) -> None:
        self.implicit = implicit

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from ..runtime.candidates import check_key

        try:
            return check_key(str(value), implicit=self.implicit)
        except InputError as err:
            self.refuse(f"{shown_name(param, ctx)}: {err}", param, ctx)


class Count(click.IntRange):
    """A whole number from ``min`` to ``max``, shown as ``N``; ``meaning`` says what a wrong one
    is not ("a rank"), ``hint`` what to write instead."""

    name = "n"

    def __init__(self, min: int = 1, max: int | None = None, meaning: str = "", hint: str = "") -> None:
        super().__init__(min=min, max=max)
        self.meaning, self.hint = meaning, hint

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str | None:
        return "N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and self._fits(value):
            return value
        text = str(value).strip()
        number = int(text) if text.lstrip("-").isdigit() and len(text) <= 20 else None
        if number is not None and self._fits(number):
            return number
        bounds = (
            f"from {self.min} to {self.max:,}" if self.max is not None and self.max < MAX_ID else f"{self.min} or more"
        )
        hint = self.hint or f"write a whole number, {bounds}"
        named = f"{shown_name(param, ctx)} " if isinstance(param, click.Option) else ""
        raise BadValue(f"{named}{excerpt(text)} is not {self.meaning or 'a count'}; {hint}", ctx, param)

    def _describe_range(self) -> str:
        return ""  # the option's help says what it takes; a bad value is told its bounds

    def _fits(self, number: int) -> bool:
        return (self.min is None or number >= self.min) and (self.max is None or number <= self.max)


class AppId(_Typed):
    """An application's id: a whole number from 1; the value is the number."""

    name = "id"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return parse_id(str(value))
        except InputError as err:
            self.refuse(str(err), param, ctx)


def parse_id(text: str) -> int:
    """The application id ``text`` names.

    Raises:
        InputError: when it is not a whole number from 1 to :data:`MAX_ID`.
    """
    try:
        value = int(text) if len(text) <= 19 else 0
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_ID:
        raise InputError(f"{excerpt(text)} is not an application id; 'tactful list' shows them")
    return value


class ReadablePath(click.Path):
    """A file that must exist and be readable (``-``: standard input, when ``allow_dash``),
    shown as ``PATH``; a missing one is "cannot read PATH: No such file or directory"."""

    name = "path"

    def __init__(self, allow_dash: bool = False) -> None:
        super().__init__(exists=True, dir_okay=False, readable=True, allow_dash=allow_dash, path_type=str)

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str | None:
        return "PATH"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = os.fspath(value)
        if text == "-" and self.allow_dash:
            return text
        try:
            if os.path.isdir(text):
                raise IsADirectoryError(21, "Is a directory")
            if not os.access(text, os.R_OK):
                os.stat(text)  # the reason it is not readable: missing, or a folder we may not enter
                raise PermissionError(13, "Permission denied")
        except OSError as err:
            raise BadValue(f"cannot read {safe(text)}: {err.strerror}", ctx, param) from None
        return text


class Folder(click.Path):
    """A folder, made when it does not exist yet (``--home``), shown as ``PATH``."""

    name = "path"

    def __init__(self) -> None:
        super().__init__(file_okay=False, path_type=str)

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str | None:
        return "PATH"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = os.fspath(value)
        path = os.path.expanduser(text)
        if os.path.exists(path) and not os.path.isdir(path):
            raise BadValue(f"{shown_name(param, ctx)} {safe(text)} is a file; give a folder", ctx, param)
        return text


DATE = Day()
#: A date, or ``today`` or ``yesterday`` (``--interviewed``).
DAY = Day(words=True)
DATETIME = Moment()
ZONE = Zone()
ID = AppId()
#: A candidate's key (``candidates add KEY``); ``--candidate`` takes an empty one for "no candidate".
KEY = CandidateKey()
RANK = Count(max=10_000, meaning="a rank", hint="write 1 for your first choice, 2 for the next…")
