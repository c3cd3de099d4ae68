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
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import click

from ..runtime.rows import COLUMNS, NESTED, export_row
from ..vocabulary.text import csv_cell
from .context import Context, common, json_flag
from .types import ReadablePath

if TYPE_CHECKING:
    from ..engine import Engine


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
    --update is given. The rows become the candidate's (--candidate); a file with a
    'candidate' column (an 'export --all-candidates') puts each row under its own candidate,
    adding those not here yet.

    \b
    tactful import applications.csv
    tactful export | tactful --home ~/other import -
    """
    from .rowreader import read_rows

    ids = ctx.engine().import_rows(read_rows(file), update=update)  # with few collections: see main()
    ctx.emit({"imported": len(ids), "ids": ids}, lambda: f"Imported {len(ids)} applications.")


def _rows(engines: Iterable[Engine], every: bool) -> Iterator[dict[str, Any]]:
    """The applications of each engine's candidate as export rows, by id (with ``every``, each
    row naming its candidate); the first row under each rule set carries its copy."""
    from ..stores.pinning import keep

    shown: set[str] = set()
    for engine in engines:
        for app in engine.stored():  # the candidate's own: history and rules follow from them
            tree = None
            if app.rules_hash not in shown:
                shown.add(app.rules_hash)
                tree = engine.store.kept_rules(app.rules_hash) or keep(engine.rules_for(app))
            yield export_row(app, engine.store.history(app.id or 0), tree, candidate=every)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="json", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--all-candidates", is_flag=True,
              help="Every candidate's applications, each row naming its candidate (a 'candidate' column).")  # fmt: skip
@common
def export(ctx: Context, fmt: str, all_candidates: bool) -> None:
    """Print the applications as stored, as CSV or JSON.

    Each row carries what restores it elsewhere. The applications are the candidate's
    (--candidate), or with --all-candidates every candidate's, each row naming its own in a
    'candidate' column (JSON: field).

    'tactful import' reads it back into another home, as it was.

    \b
    tactful export > applications.json
    tactful export --format csv
    tactful export --all-candidates | tactful --home ~/moved import -
    """
    rows = _rows(ctx.every_candidate() if all_candidates else [ctx.engine()], all_candidates)
    out = sys.stdout
    if fmt == "json" or ctx.as_json:
        out.write("[")
        for number, row in enumerate(rows):
            out.write(("," if number else "") + "\n" + json.dumps(row, ensure_ascii=False))
        out.write("\n]\n")
        return
    columns = COLUMNS if all_candidates else [c for c in COLUMNS if c != "candidate"]
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        cells = {k: json.dumps(v, ensure_ascii=False) if k in NESTED else v for k, v in row.items()}
        writer.writerow({k: csv_cell(v) if isinstance(v, str) else v for k, v in cells.items()})
