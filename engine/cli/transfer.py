"""`tactful import` and `tactful export`: applications in and out as CSV or JSON.

Columns are named like `add`'s options (``company``, ``interviewed``, ``decision_by``…);
an export adds ``id``, ``state`` and ``history``. An import is all or nothing: every row is
checked before any is added.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import InputError
from ..runtime.facts import FIELDS
from .context import Context, common, json_flag

COLUMNS = ("company", *FIELDS, "rules")


@click.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@json_flag
@common
def import_(ctx: Context, file: str) -> None:
    """Add applications from a CSV or JSON file (columns named like add's options)."""
    rows = _read_rows(file)
    try:
        added = ctx.engine().add_many([{k: v for k, v in r.items() if k in COLUMNS} for r in rows])
    except InputError as err:
        raise InputError(f"{file}: {err.cli or err}") from None
    ctx.emit({"imported": len(added), "ids": [a.id for a in added]}, lambda: f"Imported {len(added)} applications.")


def _read_rows(file: str) -> list[dict[str, Any]]:
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8-sig")  # Excel's BOM
    except OSError as err:
        raise InputError(f"cannot read {file}: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise InputError(f"cannot read {file}: {err}; save it as UTF-8") from None
    if file.endswith(".json") or text.lstrip().startswith("["):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as err:
            raise InputError(f"{file}:{err.lineno}:{err.colno}: not valid JSON: {err.msg}") from None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InputError(f"{file}: a JSON import is a list of objects, one per application")
    else:
        rows = list(csv.DictReader(io.StringIO(text)))
    for number, row in enumerate(rows, start=1):
        if None in row:  # csv.DictReader keeps the values past the header under None
            raise InputError(f"{file}: row {number} has more values than the header has columns")
        unknown = sorted(set(row) - set(COLUMNS) - {"id", "state", "history"})
        if unknown:
            raise InputError(f"{file}: row {number}: unknown column '{unknown[0]}'; columns: {', '.join(COLUMNS)}")
    return rows


@click.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="json", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@common
def export(ctx: Context, fmt: str) -> None:
    """Print every application, with id, state and history, as CSV or JSON."""
    from .output import entry_doc

    engine, now = ctx.engine(), ctx.now()
    rows = []
    for app in engine.applications(now):
        row: dict[str, Any] = {"id": app.id, "company": app.company}
        row.update({f: app.facts.get(f) for f in FIELDS})
        row.update(rules=app.rules, state=app.state, history=[entry_doc(e) for e in engine.history(app.id or 0)])
        rows.append(row)
    if fmt == "json" or ctx.as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["id", *COLUMNS, "state", "history"], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "history": json.dumps(row["history"])})
    click.echo(out.getvalue(), nl=False)
