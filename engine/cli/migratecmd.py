"""`tactful rules migrate`: move applications onto edited rule files where it is safe."""

from __future__ import annotations

import sys

import click

from .context import Context, common, json_flag


@click.command()
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@json_flag
@common
def migrate(ctx: Context, dry_run: bool) -> None:
    """Move applications onto their rule file's current version.

    Only where it is safe. Exit 0 when everything that needed it was migrated (or nothing
    needed it), 1 when some application was refused (it keeps running under its old
    rules), 2 for bad input. Every candidate's applications, or with --candidate theirs only.

    \b
    tactful rules migrate --dry-run
    tactful rules migrate
    """
    from ..authoring.migrate import apply, plan

    now = ctx.now()
    migrations, applied = [], []
    for engine in [ctx.engine()] if ctx.candidate else ctx.every_candidate():  # each with their own portfolio
        theirs = plan(engine, now)
        migrations += theirs
        applied += [] if dry_run else apply(engine, theirs, now)
    docs = [{"id": m.app.id, "company": m.app.company, "rules": m.app.rules, "from": m.old_hash, "to": m.new_hash,
             "safe": m.safe, "reason": m.reason, "changes": list(m.changes), "applied": m in applied,
             "candidate": m.app.candidate} for m in migrations]  # fmt: skip

    def human() -> str:
        if not migrations:
            return "Nothing to migrate: every application runs under the current version of its rules."
        lines = []
        for m in migrations:
            verb = "would migrate" if dry_run and m.safe else "migrated" if m.safe else "refused"
            whose = f", candidate {m.app.candidate}" if m.app.candidate else ""
            lines.append(f"#{m.app.id} {m.app.company} ({m.app.rules}{whose}): {verb}"
                         + ("" if m.safe else f": {m.reason}"))  # fmt: skip
            lines += [f"    {change}" for change in m.changes]
        return "\n".join(lines)

    ctx.emit(docs, human)
    sys.exit(1 if any(not m.safe for m in migrations) else 0)
