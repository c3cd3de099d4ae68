"""Finds rule files, follows ``extends``, and merges them into one tree.

A rule set is named (``default``, ``small-company``: shipped with tactful) or a path. A
file may extend another by name or by a path relative to itself; the child's settings,
states, actions, events, policies, facts, derived names and templates are merged over the
parent's, key by key, and an entry set to ``null`` is removed. Every value keeps the position
it was written at, in whichever file that was.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import InputError, Location, RuleError, did_you_mean
from ..vocabulary.text import excerpt
from .ruleset import RuleSet
from .templates import attach as attach_templates
from .templates import confined
from .yamltree import YMap, YSeq, read_text_file, read_yaml

#: Sections whose entries are named things a child file may replace or remove.
NAMED_SECTIONS = ("settings", "facts", "derived", "actions", "events", "states", "policies", "templates",
                  "sources")  # fmt: skip
SHIPPED_PREFIX = "rules/"


def shipped_dir() -> Path:
    """The folder holding the rule sets that ship with tactful."""
    from .. import rules  # the package data of rules/, mapped in pyproject.toml

    return Path(rules.__file__).parent


#: The folder, under the shipped rules, of the etiquette packs (``uk``, ``de``…).
PACKS = "packs"


def shipped_names() -> list[str]:
    """The names of the shipped rule sets, such as ``default`` and ``small-company``, and of
    the packs (``uk``, ``de``…, in ``rules/packs/``)."""
    folder = shipped_dir()
    return sorted(p.stem for p in (*folder.glob("*.yaml"), *(folder / PACKS).glob("*.yaml")))


def shipped_file(name: str) -> Path | None:
    """The file of the shipped rule set or pack ``name``, or None."""
    for path in (shipped_dir() / f"{name}.yaml", shipped_dir() / PACKS / f"{name}.yaml"):
        if _is_file(path):
            return path
    return None


def resolve(ref: str, base: Path | None = None) -> tuple[Path, str]:
    """The file a rule set reference names, and how to show it in messages.

    ``base`` is the folder of the rule file whose ``extends`` this is: such a reference is a
    shipped name or a ``.yaml`` file inside that folder (:func:`confined_parent`).

    Raises:
        InputError: when neither a shipped rule set nor a file has that name.
        RuleError: (with ``base``) for a path that leaves the folder, at ``FILE:1:1``.
    """
    if "/" not in ref and "\\" not in ref and not ref.endswith((".yaml", ".yml")):
        shipped = shipped_file(ref)
        if shipped is not None:
            return shipped, f"{SHIPPED_PREFIX}{shipped.relative_to(shipped_dir()).as_posix()}"
    path: Path | None = Path(ref).expanduser()
    if base is not None:  # a bare name that is not a shipped rule set is no file
        path = confined_parent(ref, base, Location(ref, 1, 1)) if _is_path(ref) else None
    if path is not None and _is_file(path):
        return path, str(path)
    names = shipped_names()
    hint = did_you_mean(ref, names) if "/" not in ref and "\\" not in ref else ""
    raise InputError(f"no rule set named {excerpt(ref)}: not a shipped one ('tactful rules list' shows them) "
                     f"and no such file{hint}")  # fmt: skip


def _is_file(path: Path) -> bool:
    """Whether ``path`` is a file; a name the system cannot even look up (too long) is none."""
    try:
        return path.is_file()
    except OSError:
        return False


def confined_parent(ref: str, folder: Path, where: Location) -> Path:
    """The rule file an ``extends`` in ``folder`` names: a ``.yaml`` file inside that folder,
    symbolic links resolved; never an absolute path, ``~``, ``..``, a device or ``/proc``.

    Raises:
        RuleError: at ``where``, for a path outside the folder or a file that is no rule file.
    """
    path = confined(ref, folder, where, "rule file", "base.yaml")
    if path.suffix not in (".yaml", ".yml"):
        raise RuleError(where, f"{excerpt(ref)} is not a rule file; 'extends' names a shipped rule set "
                               "or a .yaml file in this rule file's folder")  # fmt: skip
    return path


#: How many files one chain of ``extends`` may hold, the first one included.
MAX_EXTENDS = 16


def read_merged(ref: str, base: Path | None = None) -> tuple[YMap, list[Path]]:
    """Read ``ref`` and everything it extends, merged; also the files read (rule files and
    the template files they name), child first.

    Raises:
        RuleError: for a file that is not a rule file, or an ``extends`` loop.
        InputError: when ``ref`` names nothing.
    """
    return _read(ref, base, [])


def _read(ref: str, base: Path | None, chain: list[Path], bare: bool = False) -> tuple[YMap, list[Path]]:
    """``ref`` and what it extends, merged. An overlay (``overlay: true``, no ``extends``) stands
    over ``default``, unless it is ``bare``: a later entry of a list of ``extends``."""
    path, shown = resolve(ref, base)
    if path.resolve() in chain:
        raise RuleError(Location(shown, 1, 1), "'extends' goes round in a circle back to this file")
    try:
        text = read_text_file(path, shown)
    except OSError as err:
        raise InputError(f"cannot read rule file {shown}: {err.strerror or err}") from None
    tree = read_yaml(text, shown)
    if not isinstance(tree, YMap):
        raise RuleError(Location(shown, 1, 1), "a rule file is a mapping with keys such as settings and states")
    own = [path, *attach_templates(tree, text, path, shown)]
    parent_ref = tree.pop("extends", None)
    overlay = tree.pop("overlay", False)
    if overlay is not True and overlay is not False:
        raise RuleError(tree.where("overlay"), "'overlay' is true (a file that changes any rule set) or false")
    if overlay and parent_ref is not None:
        raise RuleError(tree.where("extends"), "an overlay extends nothing; name it after a rule set in a list: "
                                               "extends: [uk, via-recruiter]")  # fmt: skip
    if bare and not overlay:
        raise RuleError(Location(shown, 1, 1), "after the first rule set, 'extends' lists overlays only "
                                               "(files with 'overlay: true')")  # fmt: skip
    if parent_ref is None:
        if not overlay or bare:
            return tree, own
        parent_ref = "default"
    if isinstance(parent_ref, YSeq) and parent_ref and all(isinstance(r, str) for r in parent_ref):
        return _read_list(tree, path, list(parent_ref), chain, own)
    if not isinstance(parent_ref, str):
        raise RuleError(tree.where("extends"), "'extends' takes the name of a rule set or a path, or a list: "
                                               "a rule set, then overlays")  # fmt: skip
    if len(chain) + 1 >= MAX_EXTENDS:
        raise RuleError(tree.where("extends"), f"'extends' goes more than {MAX_EXTENDS} files deep; "
                                               "a rule set builds on a few at most")  # fmt: skip
    if _is_path(parent_ref):
        confined_parent(parent_ref, path.parent, tree.where("extends"))
    try:
        parent, files = _read(parent_ref, path.parent, [*chain, path.resolve()])
    except InputError as err:
        raise RuleError(tree.where("extends"), f"'extends': {err}") from None
    return merge(parent, tree), [*own, *files]


def _read_list(tree: YMap, path: Path, refs: list[str], chain: list[Path], own: list[Path]) -> tuple[YMap, list[Path]]:
    """``tree`` over its list of ``extends``: the first a rule set, each next one an overlay over it."""
    merged: YMap | None = None
    files: list[Path] = []
    for index, ref in enumerate(refs):
        if _is_path(ref):
            confined_parent(ref, path.parent, tree.where("extends"))
        try:
            one, read = _read(ref, path.parent, [*chain, path.resolve()], bare=index > 0)
        except InputError as err:
            raise RuleError(tree.where("extends"), f"'extends': {err}") from None
        merged = one if merged is None else merge(merged, one)
        files += read
    assert merged is not None
    return merge(merged, tree), [*own, *files]


def _is_path(ref: str) -> bool:
    """Whether an ``extends`` names a file rather than a shipped rule set."""
    return any(mark in ref for mark in "/\\.~")


def merge(base: YMap, override: YMap) -> YMap:
    """``override`` over ``base``: named sections merge entry by entry, the rest replaces."""
    result = _copy(base)
    for key, value in override.items():
        if key in NAMED_SECTIONS and value is None and isinstance(result.get(key), YMap):
            continue  # `settings:` with nothing under it (its keys mis-indented?) adds nothing, removes nothing
        if key in NAMED_SECTIONS and isinstance(value, YMap) and isinstance(result.get(key), YMap):
            value = _merge_section(result[key], value)
        _put(result, key, value, override)
    return result


def _merge_section(base: YMap, override: YMap) -> YMap:
    result = _copy(base)
    for name, value in override.items():
        if value is None and name in result and not isinstance(result[name], str | int | float):
            del result[name]
            continue
        if isinstance(value, YMap) and isinstance(result.get(name), YMap):
            value = _merge_entry(result[name], value)
        _put(result, name, value, override)
    return result


def _merge_entry(base: YMap, override: YMap) -> YMap:
    result = _copy(base)
    for key, value in override.items():
        if key == "on" and isinstance(value, YMap) and isinstance(result.get(key), YMap):
            value = _merge_entry(result[key], value)
        _put(result, key, value, override)
    return result


def _copy(source: YMap) -> YMap:
    result = YMap(source.loc)
    result.update(source)
    result.key_locs.update(source.key_locs)
    result.value_locs.update(source.value_locs)
    return result


def _put(target: YMap, key: str, value: Any, origin: YMap) -> None:
    target[key] = value
    target.key_locs[key] = origin.key_locs[key]
    target.value_locs[key] = origin.value_locs[key]


def load_rules(
    ref: str = "default",
    base: Path | None = None,
    functions: Mapping[str, Callable[..., Any]] | None = None,
    cache_dir: Path | None = None,
    check_templates: bool = True,
) -> RuleSet:
    """Load, merge, check and compile the rule set ``ref`` (a shipped name or a path).

    With ``cache_dir``, a merged tree kept there from an earlier load is used while none of
    its files changed (see :mod:`tactful.language.rulecache`). ``check_templates=False`` leaves the
    message templates' Jinja2 checks to the moment a draft is rendered (see :func:`build`).

    Raises:
        RuleErrors: listing every problem found, each at ``file:line:col``.
        InputError: when ``ref`` names nothing.
    """
    from ..errors import RuleErrors
    from ..vocabulary.version import __version__
    from . import rulecache
    from .build import build

    source = resolve(ref, base)[0]
    cached = rulecache.lookup(cache_dir, source, __version__) if cache_dir else None
    try:
        tree, files = cached[:2] if cached else read_merged(ref, base)
    except RuleError as err:
        raise RuleErrors([err]) from None
    known_hash = cached[2] if cached else None
    rules = build(tree, name=ref, files=tuple(str(f) for f in files), functions=functions, rules_hash=known_hash,
                  check_templates=check_templates)  # fmt: skip
    if cache_dir and not cached:
        rulecache.store(cache_dir, source, __version__, tree, files, rules.hash)
    return rules
