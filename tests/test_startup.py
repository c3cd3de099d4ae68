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

PROBE = (
    "import sys\nfrom tactful.cli.main import main\nsys.argv = ['tactful', *sys.argv[1:]]\ntry:\n    main()\n"
    "finally:\n    print('LOADED', *(m for m in HEAVY if m in sys.modules), file=sys.stderr)\n"
).replace("HEAVY", repr(("transitions", "ruamel.yaml", "imapclient", "tactful.capture")))


def loaded(home: Path, *args: str, now: str) -> list[str]:
    """The heavy modules a CLI command imported, run in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(TACTFUL_HOME=str(home), TACTFUL_NOW=now, TACTFUL_TZ="UTC")
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env,
                          timeout=60, cwd=home)  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    line = next(line for line in done.stderr.splitlines() if line.startswith("LOADED"))
    return line.split()[1:]


def test_queries_import_neither_the_state_machine_nor_the_yaml_parser(tmp_path: Path) -> None:
    assert loaded(tmp_path, "add", "Northwind", "--interviewed", "2026-05-04", now="2026-05-04T17:00:00+00:00") == [
        "ruamel.yaml"  # the first load reads the rule file and fills the cache
    ]
    weeks_later = "2026-06-01T10:00:00+00:00"  # the first-inquiry timer is due: queries catch up in memory
    for args in (("agenda",), ("show", "1"), ("list",), ("can", "1", "call"), ("show", "1", "--json")):
        assert loaded(tmp_path, *args, now=weeks_later) == [], args
    # the first-inquiry timer has one unguarded branch: the machine's answer is a lookup
    assert loaded(tmp_path, "tick", now=weeks_later) == []
    # a call weighs guards (the outcome, the calls left): through the machine
    assert loaded(tmp_path, "record", "1", "called", now=weeks_later) == ["transitions"]
