"""Queries start light: once the rule cache is warm, show, list, agenda and `can` neither
parse YAML nor import `transitions` (they preview timers without the state machine); a
command that changes something fires through the machine, save where the machine's answer
is a lookup (a timer or event whose first branch has no guard). No command but `sync` and
`inbox` loads the mail reader (IMAPClient, tactful.capture)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: What a quick command has no use for: the state machine, the YAML parser, the mail reader,
#: the import's and the bulk writer's modules, sync's proposals, and the socket module (a
#: delivery claim's host name).
HEAVY = ("transitions", "ruamel.yaml", "imapclient", "tactful.capture", "tactful.stores.importing",
         "tactful.stores.sqlite_bulk", "tactful.stores.proposals", "socket")  # fmt: skip
PROBE = (
    "import sys\nfrom tactful.cli import main\nsys.argv = ['tactful', *sys.argv[1:]]\ntry:\n    main()\n"
    "finally:\n    print('LOADED', *(m for m in HEAVY if m in sys.modules), file=sys.stderr)\n"
).replace("HEAVY", repr(HEAVY))


def loaded(home: Path, *args: str, now: str) -> list[str]:
    """The heavy modules a CLI command imported, run in a fresh interpreter (``-P``: with no
    folder of its own on ``sys.path``, as the ``tactful`` script, whose folder does not change;
    the home's changes as the store is written, and would start a scan for plugins)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(TACTFUL_HOME=str(home), TACTFUL_NOW=now, TACTFUL_TZ="UTC")
    done = subprocess.run([sys.executable, "-P", "-c", PROBE, *args], capture_output=True, text=True, env=env,
                          timeout=60, cwd=home)  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    line = next(line for line in done.stderr.splitlines() if line.startswith("LOADED"))
    return line.split()[1:]


def test_queries_import_neither_the_state_machine_nor_the_yaml_parser(tmp_path: Path) -> None:
    first = loaded(tmp_path, "add", "Northwind", "--interviewed", "2026-05-04", now="2026-05-04T17:00:00+00:00")
    # the first command reads the rule file and fills the cache, makes the store (sync's
    # proposals have their tables) and looks for installed plugins (importlib.metadata: socket)
    assert first == ["ruamel.yaml", "tactful.stores.proposals", "socket"]
    weeks_later = "2026-06-01T10:00:00+00:00"  # the first-inquiry timer is due: queries catch up in memory
    for args in (("agenda",), ("show", "1"), ("list",), ("can", "1", "call"), ("show", "1", "--json")):
        assert loaded(tmp_path, *args, now=weeks_later) == [], args
    # the first-inquiry timer has one unguarded branch: the machine's answer is a lookup
    assert loaded(tmp_path, "tick", now=weeks_later) == []
    assert loaded(tmp_path, "tick", now=weeks_later) == [], "a tick with nothing due"
    # a call weighs guards (the outcome, the calls left): through the machine
    assert loaded(tmp_path, "record", "1", "called", now=weeks_later) == ["transitions"]


def test_version_is_answered_before_the_commands_are_built(tmp_path: Path) -> None:
    """`tactful --version` prints what click's version option prints, without importing the
    commands (or click): it costs no more than starting Python."""
    code = ("import sys\nsys.argv = ['tactful', '--version']\nfrom tactful.cli import main\nmain()\n"
            "print(sorted(m for m in ('click', 'tactful.cli.main') if m in sys.modules), file=sys.stderr)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0 and done.stderr.strip() == "[]", done.stderr
    from click.testing import CliRunner

    from tactful.cli.main import cli

    assert done.stdout == CliRunner().invoke(cli, ["--version"], prog_name="tactful").output
