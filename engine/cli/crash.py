"""What the CLI does with an error it did not expect: one line, a crash report, exit 70.

A user's mistake is a :class:`~tactful.errors.TactfulError` with its own exit code. Anything
else is a defect in tactful: the traceback goes to a crash report in the tactful home
(private, like the rest of the home) and the user sees one line naming the file. Exit 70 is
``EX_SOFTWARE`` from sysexits.h; never 1, which means "no".
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import click

#: The exit code of an internal error (``EX_SOFTWARE``).
EX_SOFTWARE = 70


def home_from(argv: Sequence[str]) -> Path:
    """The tactful home a command line names (``--home``), else the one the CLI defaults to."""
    from .context import home_dir

    given = None
    for index, arg in enumerate(argv):
        if arg == "--home" and index + 1 < len(argv):
            given = argv[index + 1]
        elif arg.startswith("--home="):
            given = arg.partition("=")[2]
    return home_dir(given or os.environ.get("TACTFUL_HOME"))


def command_of(argv: Sequence[str]) -> str:
    """The command a command line runs: its first word that is neither an option nor the value
    of one (``tactful --database URL list`` runs ``list``, not the URL)."""
    from .main import cli

    valued = {name for param in cli.params if isinstance(param, click.Option) and not param.is_flag
              and not param.count for name in param.opts}  # fmt: skip
    words = iter(argv[1:])
    for word in words:
        if word in valued:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return ""


def without_secrets(text: str, argv: Sequence[str]) -> str:
    """``text`` without any password the command line or ``TACTFUL_DATABASE`` holds (in any
    of its forms), nor any URL's login, nor any secret a plugin handed over."""
    from ..stores.pgurl import secret_forms
    from ..vocabulary.log import HIDDEN, redact

    forms: set[str] = set()
    for given in (*argv[1:], os.environ.get("TACTFUL_DATABASE", "")):
        forms |= secret_forms(given)
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, HIDDEN)
    return redact(text)


def write_report(error: BaseException, argv: Sequence[str], folder: Path) -> Path:
    """Write the traceback of ``error`` to a new private file in ``folder``/crash; its path.

    The report holds the traceback and the command's name, never its arguments, which may
    hold a user's notes or addresses.
    """
    from ..vocabulary.perms import private_dir
    from ..vocabulary.version import __version__

    target = private_dir(folder / "crash")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")  # the CLI's edge may read the clock
    path = target / f"crash-{stamp}-{os.getpid()}.txt"
    body = "".join(traceback.format_exception(error))
    text = f"tactful {__version__}, Python {sys.version.split()[0]}, command: {command_of(argv)}\n\n{body}"
    text = without_secrets(text, argv)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def report_crash(error: BaseException, argv: Sequence[str]) -> int:
    """Tell the user, in one line, that tactful failed and where the report is; the exit code."""
    import tempfile

    name = type(error).__name__
    for folder in (home_from(argv), Path(tempfile.gettempdir()) / f"tactful-{os.getuid()}"):
        try:
            path = write_report(error, argv, folder)
        except Exception:  # noqa: BLE001, S112 - try the next folder; the user still gets the line
            continue
        print(f"tactful: internal error ({name}); this is a bug in tactful, not your input. "
              f"A crash report is in {path}", file=sys.stderr)  # fmt: skip
        return EX_SOFTWARE
    print(f"tactful: internal error ({name}); this is a bug in tactful, not your input", file=sys.stderr)
    return EX_SOFTWARE
