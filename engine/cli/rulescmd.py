"""`tactful rules …`: check a rule file, show a merged rule set."""

from __future__ import annotations

import io
import sys
from typing import Any

import click

from ..errors import InputError, RuleErrors, TactfulError
from .complete import complete_rules
from .context import Context, common, json_flag
from .editing import register


@click.group()
def rules() -> None:
    """Check, show, test, draw and change rule files.

    \b
    tactful rules validate my-rules.yaml
    tactful rules test rules/scenarios
    """


@rules.command()
@click.argument("path", metavar="PATH", shell_complete=complete_rules)
@json_flag
@common
def validate(ctx: Context, path: str) -> None:
    """Check a rule file, reporting every problem.

    Each problem as PATH:LINE:COL: message; exit 2 if any.

    With --json: {"ok", "problems": [{"file", "line", "col", "message"}]}.

    \b
    tactful rules validate my-rules.yaml
    tactful rules validate my-rules.yaml --json
    """
    try:
        rs = ctx.load_rules(path)
    except (RuleErrors, InputError) as err:
        if not ctx.as_json:
            raise
        ctx.emit({"ok": False, "problems": problem_docs(err, path)}, str)
        sys.exit(2)
    ctx.emit({"ok": True, "problems": []}, lambda: "")
    if not ctx.as_json:
        click.echo(
            f"{path}: ok ({len(rs.states)} states, {len(rs.actions)} actions, {len(rs.policies)} policies)", err=True
        )


def problem_docs(error: TactfulError, path: str) -> list[dict[str, Any]]:
    """Each problem of ``error`` as ``{"file", "line", "col", "message"}`` (no position: nulls)."""
    found = error.errors if isinstance(error, RuleErrors) else [error]
    docs = []
    for item in found:
        where = getattr(item, "where", None)
        message = getattr(item, "message", str(item))
        docs.append({"file": where.path if where else path, "line": where.line if where else None,
                     "col": where.col if where else None, "message": message})  # fmt: skip
    return docs


@rules.command(name="show")
@click.argument("ref", metavar="NAME|PATH", shell_complete=complete_rules)
@common
def show_rules(ctx: Context, ref: str) -> None:
    """The merged rule set, after 'extends', as YAML.

    \b
    tactful rules show default
    tactful rules show ./my-rules.yaml
    """
    from ruamel.yaml import YAML

    from ..language.yamltree import plain

    rs = ctx.load_rules(ref)
    out = io.StringIO()
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.dump({"name": rs.name, "hash": rs.hash, **plain(rs.tree)}, out)
    click.echo(out.getvalue(), nl=False)


def _register_more() -> None:
    """`rules test` and `rules graph` live in their own module, `rules migrate` in another."""
    from .authoring import graph, test
    from .migratecmd import migrate
    from .rulelist import list_rules

    rules.add_command(list_rules)
    rules.add_command(test)
    rules.add_command(graph)
    rules.add_command(migrate)


_register_more()
register(rules)  # check, new, set, diff, schema: engine/cli/editing.py
