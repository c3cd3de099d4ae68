"""Writing rule files: a commented starter, and one value changed in place.

Both work on text only; the command line reads and writes the files and validates the
result before anything is written. A change goes through ruamel.yaml's round trip, so
comments, key order, flow style and quoting survive; only the value changed (and a ``null``
written as nothing, should the file have done so) differs.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from ..errors import InputError
from ..vocabulary.text import quoted

#: What :func:`set_value` reports as the old value of a key the file did not have.
NOT_SET = object()

#: What each setting means, for the comments of a starter file.
SETTING_HELP = {
    "decision_window": "the decision date when the interviewer named none",
    "grace": "extra days after the decision date before the first inquiry",
    "reply_wait": "after an answer that commits to nothing, before the next inquiry",
    "max_calls": "inquiry calls; a callback the employer asked for does not count",
    "offer_consideration": "time to weigh an offer that came without a deadline",
    "move_on_after": "after the last inquiry, before moving on",
    "thank_you_letter_within": "after a rejection",
    "contact_days": "days on which the employer is contacted",
    "contact_hours": "in the interviewer's time zone",
    "holidays": "a country code (US, FR, US-CA) whose public holidays are skipped",
    "contact_route": "employer, or recruiter: drafts and `can` go through your recruiter",
}

_STARTER = """\
{modeline}# {name}: a follow-up etiquette of your own, built on '{parent}'.
#
# Only what this file says differs from '{parent}'; everything else comes from it
# (`tactful rules show {parent}` prints it all, docs/rules.md describes every key).
# Uncomment a line and change its value, or let tactful do it and check the result:
#   tactful rules set {file} settings.grace "2 days"
# Then see what your rules do:
#   tactful rules check {file}          # explores every path; exit 0 when all is well
#   tactful rules diff {parent} {file}
#   tactful add COMPANY --interviewed DATE --rules {file}
extends: {extends}
description: {description}

# The numbers of the etiquette; uncomment `settings:` and the lines you change.
# settings:
{settings}

# A policy replaces the parent's rules for its channel, e.g. no LinkedIn at all:
# policies:
#   linkedin_invite:
#     - deny: true
#       because: I keep LinkedIn for people I have worked with

# Invariants, if you write them, replace the parent's list (see `tactful rules show {parent}`):
# invariants:
#   - name: one call at most
#     holds: calls_made <= 1
#     says: "{{calls_made}} calls"
#     paths: heeded
"""


def starter(name: str, extends: str, parent_settings: Mapping[str, Any], file: str, modeline: str = "") -> str:
    """A commented rule file that extends ``extends`` and changes nothing yet.

    ``parent_settings`` are the parent's settings (merged), shown commented out;
    ``modeline`` points editors to the schema.
    """
    width = max((len(k) + len(as_flow(v)) for k, v in parent_settings.items()), default=0) + 4
    lines = []
    for key, value in parent_settings.items():
        text = f"#   {key}: {as_flow(value)}"
        hint = SETTING_HELP.get(key)
        lines.append(f"{text.ljust(width + 6)}# {hint}" if hint else text)
    return _STARTER.format(
        modeline=f"# yaml-language-server: $schema={modeline}\n" if modeline else "",
        name=name, parent=extends, file=file, extends=as_flow(extends),
        description=as_flow(f"My follow-up etiquette ({name}), based on {extends}."),
        settings="\n".join(lines),
    )  # fmt: skip


def as_flow(value: Any) -> str:
    """A value as YAML writes it on one line: ``null``, ``true``, ``2 days``, ``[mon, fri]``."""
    from ruamel.yaml import YAML

    from ..language.yamltree import plain

    if value is None:
        return "null"
    value = plain(value)
    yaml = YAML(typ="rt")
    yaml.default_flow_style = True
    yaml.width = 4096
    out = io.StringIO()
    yaml.dump(value, out)
    text = out.getvalue().strip()
    return text.removesuffix("\n...").removesuffix("...").strip()


# -- changing one value --------------------------------------------------------------


def parse_value(text: str) -> Any:
    """``VALUE`` as YAML reads it: ``2`` an int, ``true`` a yes, ``2 days`` text, ``[mon, fri]`` a list.

    Raises:
        InputError: when it is not a YAML value.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="rt").load(text)
    except YAMLError as err:
        raise InputError(f"the value {quoted(text)} is not YAML: {str(err).splitlines()[0]}") from None


def set_value(text: str, key: str, value: Any, path: str = "the rule file") -> tuple[str, Any]:
    """``text`` with the value at dotted ``key`` (``settings.grace``, ``policies.call.0.because``)
    replaced or added, and the value it had (:data:`NOT_SET` when it was not there).

    Raises:
        InputError: for a key that does not lead anywhere in this file, or a file that is not YAML.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import YAMLError

    yaml = _round_trip(text)
    try:
        data = yaml.load(text)
    except YAMLError as err:
        raise InputError(f"{path} is not valid YAML: {str(err).splitlines()[0]}") from None
    if data is None:
        data = CommentedMap()
    if not isinstance(data, CommentedMap):
        raise InputError(f"{path} is not a rule file: it should be a mapping with keys such as settings")
    parts = key.split(".")
    if not key or not all(parts):
        raise InputError(f"{quoted(key)} is not a key; write it with dots, like settings.grace")
    node: Any = data
    for depth, part in enumerate(parts[:-1]):
        node = _child(node, part, ".".join(parts[: depth + 1]))
    old = _put(node, parts[-1], value, key)
    out = io.StringIO()
    assert isinstance(yaml, YAML)
    yaml.dump(data, out)
    return out.getvalue(), old


def _round_trip(text: str) -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    mapping, sequence, offset = guess_indent(text)
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    yaml.representer.add_representer(type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null"))
    return yaml


def guess_indent(text: str) -> tuple[int, int, int]:
    """How ``text`` indents: mappings, sequences (to the item's content) and the dash's offset.

    The shipped files' style (2, 4, 2) when there is nothing to tell by.
    """
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    mapping = offset = None
    for before, line in zip(lines, lines[1:], strict=False):
        if not re.match(r"^\s*[^\s#-][^#]*:\s*(#.*)?$", before):
            continue
        parent, child = _indent(before), _indent(line)
        if line.lstrip().startswith("- ") and child >= parent:
            offset = child - parent if offset is None else offset
        elif child > parent and mapping is None:
            mapping = child - parent
    mapping = mapping or 2
    offset = 2 if offset is None else offset
    return mapping, offset + 2, offset


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _child(node: Any, part: str, shown: str) -> Any:
    from ruamel.yaml.comments import CommentedMap

    if isinstance(node, dict):
        if node.get(part) is None:
            node[part] = CommentedMap()
        child = node[part]
    elif isinstance(node, list):
        child = node[_index(node, part, shown)]
    else:
        raise InputError(f"{shown.rpartition('.')[0]} is a single value, so it has no '{part}'")
    if not isinstance(child, dict | list):
        raise InputError(f"{shown} is a single value ({quoted(child)}), so it has nothing inside to set")
    return child


def _put(node: Any, part: str, value: Any, key: str) -> Any:
    if isinstance(node, list):
        index = _index(node, part, key)
        old, node[index] = node[index], value
        return old
    old = node.get(part, NOT_SET)
    last = next(reversed(node), None) if old is NOT_SET else None
    node[part] = value
    if last is not None:
        _pass_trailing_lines(node, last, part)
    return old


def _pass_trailing_lines(node: Any, last: str, new: str) -> None:
    """Keep a new key inside its section: the blank lines (and comments) that closed the section
    after its last key move after the new one, and the last key keeps its own end-of-line comment."""
    entry = getattr(node, "ca", None) and node.ca.items.get(last)
    token = entry[2] if entry and len(entry) > 2 else None
    if token is None or "\n" not in token.value:
        return
    own, _, after = token.value.partition("\n")
    if not after:
        return
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    token.value = own + "\n"
    node.ca.items[new] = [None, None, CommentToken("\n" + after, CommentMark(0), None), None]


def _index(node: list[Any], part: str, shown: str) -> int:
    if not part.isdigit() or int(part) >= len(node):
        raise InputError(f"{shown}: '{part}' is not a position in a list of {len(node)} (count from 0)")
    return int(part)
