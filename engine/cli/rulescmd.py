"""`tactful rules …`: check a rule file, show a merged rule set."""

from __future__ import annotations

import io

import click

from .context import Context, common
from .editing import register


@click.group()
def rules() -> None:
    """Check and show rule files."""


@rules.command()
@click.argument("path")
@common
def validate(ctx: Context, path: str) -> None:
    """Check a rule file: every problem as PATH:LINE:COL: message, exit 2 if any."""
    rs = ctx.load_rules(path)
    click.echo(
        f"{path}: ok ({len(rs.states)} states, {len(rs.actions)} actions, {len(rs.policies)} policies)", err=True
    )


@rules.command(name="show")
@click.argument("ref", metavar="NAME|PATH")
@common
def show_rules(ctx: Context, ref: str) -> None:
    """The merged rule set, after 'extends', as YAML."""
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

    rules.add_command(test)
    rules.add_command(graph)
    rules.add_command(migrate)


_register_more()
register(rules)  # check, new, set, diff, schema: engine/cli/editing.py
