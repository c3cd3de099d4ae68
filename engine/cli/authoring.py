"""`tactful rules test` and `tactful rules graph`: run scenario files, draw the state machine.

Also the Mermaid diagram of `tactful show ID --graph`. Heavy modules are imported inside
the commands.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..errors import InputError, RuleError, RuleErrors, TactfulError
from ..vocabulary.text import safe
from .complete import complete_rules
from .context import Context, common, json_flag

FORMATS = ("mermaid", "dot", "svg", "png")


@click.command(name="test")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...", type=click.Path())
@json_flag
@common
def test(ctx: Context, paths: tuple[str, ...]) -> None:
    """Run scenario files with a fake clock.

    A folder means every *.yaml in it. Prints PASS or FAIL per scenario, what differs for
    each failure, then 'N passed, N failed'. Exit 0 when all pass, 1 when any fails, 2 for a malformed scenario file.
    With --json: {"ok", "passed", "failed", "scenarios": [{"file", "line", "name", "passed",
    "mismatches"}]}, or {"ok": false, "problems": [...]} for a malformed file.

    \b
    tactful rules test rules/scenarios
    tactful rules test my-scenarios.yaml --json
    """
    from ..authoring.scenariorun import describe, run, summary
    from ..authoring.scenarios import collect, read_scenarios
    from ..language.rulebook import RuleBook

    book = RuleBook(**ctx.rule_options())
    scenarios, errors = [], []
    for path in collect(paths):
        try:
            scenarios += read_scenarios(path, book)
        except RuleErrors as err:
            errors += err.errors
    if errors:
        _malformed(ctx, RuleErrors(_unique(errors)))
    outcomes = []
    for scenario in scenarios:
        outcome = run(scenario, book)
        outcomes.append(outcome)
        if ctx.as_json:
            continue
        click.echo(safe(f"{'PASS' if outcome.passed else 'FAIL'} {scenario.where.short}: {scenario.name}"))
        for mismatch in outcome.mismatches:
            for line in describe(mismatch, scenario.zones[mismatch.step.app]):
                click.echo(safe(f"  {line}"))
    passed = sum(o.passed for o in outcomes)
    doc = {"ok": passed == len(outcomes), "passed": passed, "failed": len(outcomes) - passed,
           "scenarios": [_outcome_doc(o) for o in outcomes]}  # fmt: skip
    ctx.emit(doc, lambda: summary(outcomes))
    sys.exit(0 if doc["ok"] else 1)


def _malformed(ctx: Context, errors: RuleErrors) -> None:
    if ctx.as_json:
        from .rulescmd import problem_docs

        ctx.emit({"ok": False, "problems": problem_docs(errors, "")}, str)
        sys.exit(2)
    raise errors


def _outcome_doc(outcome: Any) -> dict[str, Any]:
    """A scenario's result: where it is, whether it passed, and each mismatch."""
    where = outcome.scenario.where
    mismatches = [{"what": m.what, "line": m.where.line, "step": m.step.number, "expected": list(m.expected),
                   "got": list(m.got)} for m in outcome.mismatches]  # fmt: skip
    return {
        "file": where.path,
        "line": where.line,
        "name": outcome.scenario.name,
        "passed": outcome.passed,
        "mismatches": mismatches,
    }


def _unique(errors: list[RuleError]) -> list[RuleError]:
    """Each problem once, though several scenarios name the same broken rule file."""
    return list({str(e): e for e in errors}.values())


@click.command()
@click.argument("ref", metavar="NAME|PATH", shell_complete=complete_rules)
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="mermaid", show_default=True,
    help="Mermaid or Graphviz DOT text; svg and png need Graphviz's 'dot' program.",
)  # fmt: skip
@click.option("-o", "--output", metavar="PATH", type=click.Path(dir_okay=False),
              help="Write to this file instead of standard output.")  # fmt: skip
@common
def graph(ctx: Context, ref: str, fmt: str, output: str | None) -> None:
    """Draw a rule set's state machine.

    Guards and timers are on the edges.

    \b
    tactful rules graph default
    tactful rules graph my-rules.yaml --format svg -o rules.svg
    """
    from ..authoring import graph as diagrams

    rs = ctx.load_rules(ref)
    text = diagrams.mermaid(rs) if fmt == "mermaid" else diagrams.dot(rs)
    if fmt in ("mermaid", "dot"):
        _write(text.encode(), output)
        return
    if output is None and fmt == "png" and sys.stdout.isatty():
        raise InputError("a PNG is not for the terminal; write it to a file with -o FILE, or redirect the output")
    _write(render(text, fmt), output)


def render(dot_text: str, fmt: str) -> bytes:
    """``dot_text`` drawn by Graphviz as ``fmt`` (svg or png).

    Raises:
        InputError: when Graphviz's ``dot`` is not installed.
        TactfulError: when Graphviz fails.
    """
    import shutil
    import subprocess

    exe = shutil.which("dot")
    if exe is None:
        raise InputError(
            f"--format {fmt} needs Graphviz's 'dot' program, which is not on PATH; install graphviz "
            "(apt-get install graphviz, brew install graphviz), or use --format dot or mermaid"
        )
    proc = subprocess.run([exe, f"-T{fmt}"], input=dot_text.encode(), capture_output=True, timeout=120, check=False)
    if proc.returncode != 0:
        message = proc.stderr.decode(errors="replace").strip().splitlines()
        raise TactfulError(f"Graphviz could not draw the diagram: {message[-1] if message else 'no reason given'}")
    return proc.stdout


def _write(data: bytes, output: str | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        Path(output).write_bytes(data)
    except OSError as err:
        raise InputError(f"--output {output}: cannot write: {err.strerror}") from None


def show_graph(ctx: Context, app_id: int) -> None:
    """`show ID --graph`: the application's rule set as Mermaid, its current state marked."""
    from ..authoring.graph import mermaid

    if ctx.as_json:
        raise InputError("--graph prints a Mermaid diagram, not JSON; leave out --json")
    engine = ctx.engine()
    app = engine.get(app_id, ctx.now())
    visited = {name for entry in engine.history(app_id) for name in (entry.source, entry.target) if name}
    click.echo(mermaid(engine.rules_for(app), app.state, visited), nl=False)
