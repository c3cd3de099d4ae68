"""`tactful report`: looking back on a search (see docs/report.md)."""

from __future__ import annotations

import sys
from datetime import date
from typing import TYPE_CHECKING

import click

from ..errors import InputError
from .context import Context, common, json_flag
from .types import DATE

if TYPE_CHECKING:
    from ..views.report import Period

FORMATS = ("text", "json", "html", "csv", "pdf")


@click.command()
@click.option("--from", "from", type=DATE, help="Only applications interviewed on or after this date.")
@click.option("--to", "to", type=DATE, help="Only applications interviewed on or before this date.")
@click.option("--proof", is_flag=True, help="The proof of search: every application with its contacts (csv, pdf).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text or json for the report, html for it with charts; csv or pdf for --proof.")  # fmt: skip
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), metavar="FILE",
              help="Write to FILE rather than to standard output (pdf: required on a terminal).")  # fmt: skip
@click.option("--all-candidates", is_flag=True,
              help="Every candidate's numbers and their sum, for a coach; no employer is named.")  # fmt: skip
@json_flag
@common
def report(ctx: Context, proof: bool, fmt: str, output: str | None, all_candidates: bool, **dates: str | None) -> None:
    """Look back on the search, or prove it (--proof).

    The funnel, the answers to follow-ups, how late employers were, ghosting, and what the
    rules might change (it only suggests).

    Covers the candidate's applications interviewed in --from/--to (default: all). Rates
    need at least 5 cases; below that it says there are too few to tell. --proof lists
    every application with its contacts, as CSV or PDF (pip install 'tactful[report]').

    \b
    tactful report
    tactful report --from 2026-01-01 --to 2026-06-30 --json
    tactful report --format html -o search.html
    tactful report --proof --format pdf -o proof.pdf
    """
    fmt = "json" if ctx.as_json else fmt
    period = _period(dates["from"], dates["to"])
    _check(fmt, proof, all_candidates, output)
    if proof:
        _write(_proof(ctx, period, fmt), output)
    elif all_candidates:
        _write(_coach(ctx, period, fmt), output)
    else:
        _write(_report(ctx, period, fmt), output)


def _period(start: str | None, end: str | None) -> Period:
    from ..views.report import Period

    period = Period(date.fromisoformat(start) if start else None, date.fromisoformat(end) if end else None)
    if period.start and period.end and period.start > period.end:
        raise InputError(f"--from {start} is after --to {end}; give the earlier date to --from")
    return period


def _check(fmt: str, proof: bool, all_candidates: bool, output: str | None) -> None:
    if proof and fmt not in ("csv", "pdf", "json"):
        raise InputError(f"--proof comes as csv or pdf (or json), not {fmt}; add --format csv or --format pdf")
    if not proof and fmt in ("csv", "pdf"):
        raise InputError(f"--format {fmt} is for the proof of search; add --proof, or use text, json or html")
    if proof and all_candidates:
        raise InputError("a proof of search is one candidate's; give --candidate KEY rather than --all-candidates")
    if fmt == "pdf" and output is None and sys.stdout.isatty():
        raise InputError("a PDF does not go to a terminal; add --output proof.pdf")


def _report(ctx: Context, period: Period, fmt: str) -> str | bytes:
    from ..views.report import document
    from ..views.reporttext import report_text

    doc = document(ctx.engine(), period, timeline=fmt == "html")
    if fmt == "html":
        from ..views.reporthtml import report_html

        return report_html(doc, ctx.now().astimezone(ctx.zone()).date())
    return _json(doc) if fmt == "json" else report_text(doc) + "\n"


def _coach(ctx: Context, period: Period, fmt: str) -> str | bytes:
    from ..views.report import coach_document
    from ..views.reporttext import coach_text

    doc = coach_document(ctx.every_candidate(), period)
    if fmt == "html":
        from ..views.reporthtml import report_html

        return report_html(doc, ctx.now().astimezone(ctx.zone()).date())
    return _json(doc) if fmt == "json" else coach_text(doc) + "\n"


def _proof(ctx: Context, period: Period, fmt: str) -> str | bytes:
    from ..views import proof
    from ..views.report import stories

    engine = ctx.engine()
    told, sets = stories(engine, period)
    found = proof.rows(told)
    if fmt == "csv":
        return proof.csv_text(found)
    language = proof.language_of(engine, sets)
    if fmt == "json":
        return _json({"candidate": engine.candidate_key, "period": period.doc(), "language": language,
                      "applications": [r._asdict() for r in found]})  # fmt: skip
    from ..views.proofpdf import proof_pdf

    person = engine.store.get_candidate(engine.candidate_key)
    made = ctx.now().astimezone(ctx.zone()).date()
    return proof_pdf(found, proof.words(language), period, made, person.name if person else "")


def _json(doc: object) -> str:
    import json

    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _write(made: str | bytes, output: str | None) -> None:
    data = made.encode() if isinstance(made, str) else made
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        with open(output, "wb") as out:
            out.write(data)
    except OSError as err:
        raise InputError(
            f"cannot write {output}: {err.strerror or err}; give a file in a folder you can write to"
        ) from None
