"""`tactful rules list`: the shipped rule sets and etiquette packs, a line each."""

from __future__ import annotations

from typing import Any

import click

from .context import Context, common, json_flag


@click.command(name="list")
@json_flag
@common
def list_rules(ctx: Context) -> None:
    """The shipped rule sets and packs, each with its sources.

    A pack (rules/packs/) extends default or another pack; an overlay changes any rule set
    (extends: [uk, via-recruiter]). Use one with `tactful add ... --rules NAME`.

    \b
    tactful rules list
    tactful rules diff default uk
    """
    docs = [_entry(ctx, name) for name in _names()]
    ctx.emit(docs, lambda: "\n".join(_line(d) for d in docs))


def _names() -> list[str]:
    from ..language.loader import shipped_names

    return shipped_names()


def _entry(ctx: Context, name: str) -> dict[str, Any]:
    from ..language.loader import PACKS, shipped_dir, shipped_file
    from ..language.sources import OURS

    rs = ctx.load_rules(name)
    path = shipped_file(name)
    text = path.read_text(encoding="utf-8") if path else ""
    kind = "overlay" if "\noverlay: true" in f"\n{text}" else "pack" if path and path.parent.name == PACKS else "set"
    own = [key for key, source in rs.sources.items() if key != OURS and source.where.path.endswith(f"/{name}.yaml")]
    return {"name": name, "kind": kind, "description": rs.description, "sources": len(own),
            "file": path.relative_to(shipped_dir().parent).as_posix() if path else None}  # fmt: skip


def _line(doc: dict[str, Any]) -> str:
    count = doc["sources"]
    return f"{doc['name']:<15} {doc['kind']:<8} {count:>2} source{'' if count == 1 else 's'}  {doc['description']}"
