"""The ``tactful`` command line. :func:`main` is the ``tactful`` script: ``tactful --version``
alone is answered before the commands are built (the line click's version option prints), so
that it costs no more than starting Python; every other call is :func:`tactful.cli.main.main`'s."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the ``tactful`` command line."""
    if sys.argv[1:] == ["--version"]:
        from ..vocabulary.version import __version__

        sys.stdout.write(f"tactful, version {__version__}\n")
        return
    from .main import main as run

    run()
