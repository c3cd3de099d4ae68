"""`tactful import` and `tactful export`: applications in and out as CSV or JSON.

An export writes every application as it is stored, one row each (see docs/data.md): `add`'s
columns, then what restores it elsewhere (state, timer, history, the rule set it runs under).
An import restores such rows, or starts rows of `add`'s columns afresh. It is all or nothing,
reads the file as a stream, and reports every bad row with its line.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from typing import Any

import click

from ..runtime.rows import COLUMNS, NESTED, export_row
from ..vocabulary.text import csv_cell
from .context import Context, common, json_flag
from .types import ReadablePath


@click.command(name="import")
@click.argument("file", type=ReadablePath(allow_dash=True))
@click.option("--update", is_flag=True,
              help="Replace applications already here (same id, or same company and interview date).")  # fmt: skip
@json_flag
@common
def import_(ctx: Context, file: str, update: bool) -> None:
    """Add applications from a CSV or JSON file.

    The file is an export, or has columns named like add's options.

    Every row is checked before any is added; rows already here are refused by name unless
    --update is given.

    \b
    tactful import applications.csv
    tactful export | tactful --home ~/other import -
    """
    from .rowreader import read_rows

    ids = ctx.engine().import_rows(read_rows(file), update=update)  # with few collections: see main()
    ctx.emit({"imported": len(ids), "ids": ids}, lambda: f"Imported {len(ids)} applications.")


def _rows(ctx: Context) -> Iterator[dict[str, Any]]:
    """Every application as an export row, by id; the first row under each rule set carries its copy."""
    from ..stores.pinning import keep

    engine, shown = ctx.engine(), set()
    for app in engine.store.all():
        tree = None
        if app.rules_hash not in shown:
            shown.add(app.rules_hash)
            tree = engine.store.kept_rules(app.rules_hash) or keep(engine.rules_for(app))
        yield export_row(app, engine.store.history(app.id or 0), tree)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="json", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@common
def export(ctx: Context, fmt: str) -> None:
    """Print every application as stored, as CSV or JSON.

    Each row carries what restores it elsewhere.

    'tactful import' reads it back into another home, as it was.

    \b
    tactful export > applications.json
    tactful export --format csv
    """
    out = sys.stdout
    if fmt == "json" or ctx.as_json:
        out.write("[")
        for number, row in enumerate(_rows(ctx)):
            out.write(("," if number else "") + "\n" + json.dumps(row, ensure_ascii=False))
        out.write("\n]\n")
        return
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in _rows(ctx):
        cells = {k: json.dumps(v, ensure_ascii=False) if k in NESTED else v for k, v in row.items()}
        writer.writerow({k: csv_cell(v) if isinstance(v, str) else v for k, v in cells.items()})
