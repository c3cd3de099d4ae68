"""Message templates as a rule file is read: template files are read, inline text is placed.

A rule file's ``templates`` section gives, for an action, its text inline, ``{file: PATH}``
(relative to the rule file) or a list of other templates (alternatives). While each file is
read, before ``extends`` merges it, every entry with text becomes ``{text: ...}`` (a template
file's text taking the place of its name), so a child file's ``{channel: ...}`` merges with
its parent's entry and the merged tree holds every template's text: the rule cache keeps it, and a change to a
template file is noticed because template files are stamped like rule files. Every text
keeps where its first character was written, so a problem inside a template is reported at
its own ``file:line:col``. Checking and rendering the text is :mod:`tactful.runtime.drafts`'s job;
nothing here imports Jinja2.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from ..errors import Location, RuleError
from ..vocabulary.text import excerpt
from .yamltree import YMap, read_text_file


def attach(tree: YMap, source: str, path: Path, shown: str) -> list[Path]:
    """Read the template files that the rule file ``path`` (shown as ``shown``) names.

    Returns the template files read.

    Raises:
        RuleError: for a template file that cannot be read, or an entry with both text and file.
    """
    node = tree.get("templates")
    if not isinstance(node, YMap):
        return []
    lines = source.splitlines()
    read = []
    for name, entry in node.items():
        if isinstance(entry, str):  # as {text: ...}, so a child file's {channel: ...} merges with it
            node[name] = entry = _text_entry(node, name)
        if isinstance(entry, YMap) and "file" in entry:
            read.append(_read_file(entry, path, shown))
        elif isinstance(entry, YMap) and isinstance(entry.get("text"), str):
            entry["text"] = _literal(entry["text"])
            entry.value_locs["text"] = content_start(lines, entry.where("text"))
    return read


def content_start(lines: list[str], where: Location) -> Location:
    """Where the text of the scalar written at ``where`` begins: past a quote, or on the line
    after a block scalar's ``|`` or ``>``, at its indentation."""
    line = lines[where.line - 1] if 0 < where.line <= len(lines) else ""
    mark = line[where.col - 1 : where.col]
    if mark in ("'", '"'):
        return Location(where.path, where.line, where.col + 1)
    if mark in ("|", ">"):
        following = next((text for text in lines[where.line :] if text.strip()), "")
        return Location(where.path, where.line + 1, len(following) - len(following.lstrip()) + 1)
    return where


def _text_entry(node: YMap, name: str) -> YMap:
    entry = YMap(node.where(name))
    entry["text"] = node[name]
    entry.key_locs["text"] = node.key_locs[name]
    entry.value_locs["text"] = node.where(name)
    return entry


def _read_file(entry: YMap, path: Path, shown: str) -> Path:
    ref, where = entry["file"], entry.where("file")
    if not isinstance(ref, str) or not ref.strip():
        raise RuleError(where, "'file' takes the path of a template file, relative to this rule file")
    if "text" in entry:
        raise RuleError(entry.key_locs["text"], "a template has 'text' or 'file', not both")
    real = confined(ref, path.parent, where)
    display = os.path.normpath(os.path.join(os.path.dirname(shown), ref))
    try:
        text = read_text_file(real, display, "template file")
    except RuleError as err:
        raise RuleError(where, err.message) from None
    except OSError as err:
        raise RuleError(where, f"cannot read the template file {display}: {err.strerror or err}") from None
    key_loc = entry.key_locs.pop("file")
    entry.value_locs.pop("file", None)
    del entry["file"]
    entry["text"] = _literal(text)
    entry.key_locs["text"] = key_loc
    entry.value_locs["text"] = Location(display, 1, 1)
    return real


def confined(ref: str, folder: Path, where: Location, what: str = "template file",
             example: str = "templates/call.txt") -> Path:  # fmt: skip
    """The file ``ref`` names inside ``folder``: a rule file reaches only its own folder.

    ``what`` says in messages which file it is (a template file, a rule file to extend).

    Raises:
        RuleError: for an absolute path, a ``~`` or ``..`` in it, or a path that leaves
            ``folder`` through a symbolic link.
    """
    shown = excerpt(ref)
    given = PurePosixPath(ref.replace("\\", "/"))
    if given.is_absolute() or ref.startswith("~") or PureWindowsPath(ref).drive:
        raise RuleError(where, f"the {what} {shown} is not inside the rule file's folder; "
                               f"write a path relative to it, like {example}")  # fmt: skip
    if ".." in given.parts:
        raise RuleError(where, f"the {what} {shown} uses '..'; a rule file reaches only its own folder")
    base = folder.resolve()
    real = (base / given).resolve()
    if not real.is_relative_to(base):
        raise RuleError(where, f"the {what} {shown} leads outside the rule file's folder (a symbolic link)")
    return real


def _literal(text: str) -> Any:
    """Text that `rules show` prints as a YAML block (``|``) when it has several lines."""
    if "\n" not in text:
        return text
    from ruamel.yaml.scalarstring import LiteralScalarString

    return LiteralScalarString(text)
