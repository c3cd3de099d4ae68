"""`tactful rules check|new|set|diff|schema`: explore, write, change and compare rule files.

:func:`register` adds these commands to the `rules` group. Each imports what it needs when
it runs, so they cost nothing at start-up.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import InputError, Location
from ..vocabulary.text import quoted
from .complete import complete_rules
from .context import Context, common, json_flag
from .types import Count

if TYPE_CHECKING:
    from ..authoring.check import Report


def register(group: click.Group) -> None:
    """Add the commands of this module to ``group``."""
    for command in (check, new, set_value, diff, schema):
        group.add_command(command)


# -- check ---------------------------------------------------------------------------


@click.command()
@click.argument("ref", metavar="NAME|PATH", shell_complete=complete_rules)
@click.option("--max-records", type=Count(), help="Explore at most this many records.")
@click.option("--strict-sources", is_flag=True, help="Also report every number that cites no source.")
@json_flag
@common
def check(ctx: Context, ref: str, max_records: int | None, strict_sources: bool) -> None:
    """Explore every path a rule set allows, and report what is wrong.

    Every state reached, a way to a final state from each, no guard false everywhere, every
    invariant holding. Exit 0 clean, 1 with findings.

    \b
    tactful rules check my-rules.yaml
    tactful rules check default --max-records 5000
    tactful rules check uk --strict-sources
    """
    from ..authoring.check import DEFAULT_LIMIT, check_rules
    from ..authoring.citations import with_sources

    rs = ctx.load_rules(ref)
    report = check_rules(rs, max_records or DEFAULT_LIMIT)
    if strict_sources:
        report = with_sources(report, rs)
    ctx.emit(_report_doc(ref, report), lambda: _report_text(ref, report))
    sys.exit(0 if report.ok else 1)


def _report_doc(ref: str, report: Report) -> dict[str, Any]:
    findings = [{"kind": f.kind, "where": f.where.short if f.where else None, "message": f.message,
                 "path": list(f.path)} for f in report.findings]  # fmt: skip
    return {"rules": ref, "ok": report.ok, "findings": findings, "explored": report.explored,
            "states_reached": list(report.reached), "invariants": report.invariants, "guards": report.guards,
            "complete": report.complete}  # fmt: skip


def _report_text(ref: str, report: Report) -> str:
    lines = []
    for finding in report.findings:
        lines.append(str(finding))
        lines += [f"    {step}" for step in finding.path]
    scope = (f"explored {report.explored} records; {len(report.reached)} states reached, "
             f"{report.guards} guards, {report.invariants} invariants")  # fmt: skip
    if report.ok:
        lines.append(f"{ref}: ok: {scope}; every state reached and able to finish, every guard holds somewhere, "
                     "every invariant holds, `can` and `record` agree")  # fmt: skip
    else:
        count = len(report.findings)
        lines.append(f"{ref}: {count} finding{'' if count == 1 else 's'} ({scope})")
    return "\n".join(lines)


# -- new -----------------------------------------------------------------------------


@click.command()
@click.argument("name", metavar="NAME|PATH")
@click.option("--extends", "parent", metavar="NAME|PATH", default="default", show_default=True,
              shell_complete=complete_rules, help="The rule set to build on: a shipped one or a file.")  # fmt: skip
@common
def new(ctx: Context, name: str, parent: str) -> None:
    """Write a commented starter rule file.

    NAME.yaml here, or the file PATH; never over an existing one.

    \b
    tactful rules new my-rules
    tactful rules new ./coach.yaml --extends small-company
    """
    from ..authoring.ruleedit import starter
    from ..language.loader import SHIPPED_PREFIX, read_merged, resolve, shipped_dir

    target = _new_path(name)
    if target.exists():
        raise InputError(f"{target} already exists; change it with 'tactful rules set {target} KEY VALUE'")
    if not target.parent.is_dir():
        raise InputError(f"cannot write {target}: there is no folder {target.parent}")
    parent_file, shown = resolve(parent)
    extends = parent if shown.startswith(SHIPPED_PREFIX) else _relative(parent_file, target.parent)
    if extends.startswith("../"):  # a rule file reaches only its own folder (docs/rules.md)
        raise InputError(f"--extends: {parent} is not in {target.parent.resolve()}; a rule file extends a shipped "
                         "rule set or a .yaml file in its own folder, so write the new file beside it")  # fmt: skip
    tree, _ = read_merged(parent)
    schema = shipped_dir() / "schema.json"
    text = starter(target.stem, extends, tree.get("settings") or {}, str(target),
                   str(schema.resolve()) if schema.is_file() else "")  # fmt: skip
    _validated(ctx, target, text, create=True)
    click.echo(f"Wrote {target}, which extends {extends}. 'tactful rules check {target}' explores it.")


def _new_path(name: str) -> Path:
    path = Path(name).expanduser()
    if path.suffix in (".yaml", ".yml") or "/" in name or "\\" in name:
        return path if path.suffix in (".yaml", ".yml") else path.with_name(path.name + ".yaml")
    if not name.replace("-", "_").isidentifier():
        raise InputError(f"{quoted(name)} is not a rule set name; use letters, digits, '-' and '_', or give a path")
    return Path(f"{name}.yaml")


def _relative(file: Path, folder: Path) -> str:
    import os

    return Path(os.path.relpath(file.resolve(), folder.resolve())).as_posix()


def _validated(ctx: Context, target: Path, text: str, create: bool) -> None:
    """Write ``text`` to ``target`` only if it loads as a rule set, checked as a file beside it
    (so a relative ``extends`` means the same).

    Raises:
        RuleErrors: the problems, located in ``target``; nothing is written.
    """
    from ..errors import RuleError, RuleErrors, TactfulError
    from ..vocabulary.files import write_atomic

    def check(temp: str) -> None:
        try:
            ctx.load_rules(temp)
        except RuleErrors as err:
            raise RuleErrors([RuleError(_moved(e.where, temp, target), e.message) for e in err.errors]) from None
        except TactfulError as err:
            raise InputError(str(err).replace(temp, str(target))) from None

    try:
        write_atomic(target, text, check=check, exclusive=create, suffix=".yaml")
    except FileExistsError:
        raise InputError(f"{target} already exists") from None
    except OSError as err:
        raise InputError(f"cannot write {target}: {err.strerror}") from None


def _moved(where: Location | None, temp: str, target: Path) -> Location | None:
    """``where``, naming ``target`` instead of the temporary file checked in its place."""
    if where is None or where.path != temp:
        return where
    return Location(str(target), where.line, where.col)


# -- set -----------------------------------------------------------------------------


@click.command(name="set")
@click.argument("path", metavar="PATH", type=click.Path(dir_okay=False))
@click.argument("key")
@click.argument("value")
@common
def set_value(ctx: Context, path: str, key: str, value: str) -> None:
    """Change one value of a rule file in place.

    Comments and layout survive. Nothing is written unless the result is a valid rule set
    (exit 2).

    \b
    tactful rules set my-rules.yaml settings.grace "2 days"
    """
    from ..authoring.ruleedit import NOT_SET, as_flow, parse_value
    from ..authoring.ruleedit import set_value as change

    target = Path(path).expanduser()
    if not target.is_file():
        raise InputError(f"no rule file {path}; 'tactful rules new NAME' writes one")
    try:
        text = target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read {path}: {err}") from None
    typed = parse_value(value)
    changed, old = change(text, key, typed, path)
    inherited = _inherited(target, key) if old is NOT_SET else NOT_SET
    _validated(ctx, target, changed, create=False)
    if old is not NOT_SET:
        was = f"was {as_flow(old)}"
    elif inherited is not NOT_SET:
        was = f"overrides {as_flow(inherited)} from the rule set it extends"
    else:
        was = "not set before"
    click.echo(f"{path}: {key} = {as_flow(typed)} ({was})")


def _inherited(target: Path, key: str) -> Any:
    """The value at dotted ``key`` that ``target`` gets from the rule set it extends, or NOT_SET."""
    from ..authoring.ruleedit import NOT_SET
    from ..errors import TactfulError
    from ..language.loader import read_merged
    from ..language.yamltree import plain

    try:
        node: Any = plain(read_merged(str(target))[0])
    except TactfulError:
        return NOT_SET  # the file as it is does not load: nothing to tell
    for part in key.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return NOT_SET
    return node


# -- diff ----------------------------------------------------------------------------


@click.command()
@click.argument("a", metavar="A", shell_complete=complete_rules)
@click.argument("b", metavar="B", shell_complete=complete_rules)
@json_flag
@common
def diff(ctx: Context, a: str, b: str) -> None:
    """What differs in effect between two rule sets.

    Names or files, compared after 'extends'. Exit 0 when they are the same, 1 when they
    differ.

    \b
    tactful rules diff default small-company
    """
    from ..authoring.rulediff import differences
    from ..language.loader import read_merged
    from ..language.yamltree import plain

    found = differences(plain(read_merged(a)[0]), plain(read_merged(b)[0]))
    doc = {"a": a, "b": b, "same": not found, "differences": [d.as_dict() for d in found]}
    ctx.emit(doc, lambda: "\n".join(str(d) for d in found))
    if not found and not ctx.as_json:
        click.echo(f"{a} and {b} have the same effect", err=True)
    sys.exit(1 if found else 0)


# -- schema --------------------------------------------------------------------------


@click.command()
@common
def schema(ctx: Context) -> None:
    """Print the JSON Schema of a rule file.

    What rules/schema.json holds, for editors that check YAML against a schema.

    \b
    tactful rules schema > rules.schema.json
    """
    from ..language.schema import schema_text

    click.echo(schema_text(), nl=False)
