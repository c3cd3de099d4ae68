"""The config file, ``config.yaml`` in the tactful home: one section per plugin.

    email:
      host: smtp.example.org
      port: 587
      to: me@example.org

Sections are named by plugin (``email``, ``sms``, ``calendar``, or a third party's entry
point name); each plugin checks its own section when it is configured. Secrets (passwords,
tokens) never belong here: plugins read them from the environment. Errors name
``config.yaml:LINE:COL`` like rule files.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from ..errors import Location, RuleError, RuleErrors, did_you_mean
from ..language.yamltree import YMap, read_text_file, read_yaml
from ..vocabulary.perms import private_file

FILE_NAME = "config.yaml"
#: Sections that configure tactful itself rather than a plugin: ``mailbox`` and ``news`` are
#: `tactful sync`'s (checked by :mod:`tactful.capture.config`).
CORE_SECTIONS = ("mailbox", "news")


def plugin_names() -> set[str]:
    """The names a section may have: the built-ins and every installed ``tactful`` entry point."""
    from importlib.metadata import entry_points

    from .pluginmanager import BUILTINS, ENTRY_POINT_GROUP

    return set(BUILTINS) | set(CORE_SECTIONS) | {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}


def load_config(home: Path) -> YMap:
    """The config of ``home`` (an empty one when there is no file).

    Raises:
        RuleErrors: for YAML errors, a section that names no plugin, or a section that is not
            a mapping, each at ``config.yaml:LINE:COL``.
    """
    tree, errors = read_config(home)
    if errors:
        raise RuleErrors(errors)
    return tree


def read_config(home: Path) -> tuple[YMap, list[RuleError]]:
    """The config of ``home`` without its bad sections, and what is wrong with them: so that the
    plugins' own checks of the good sections can be reported with them, all in one run.

    Raises:
        RuleErrors: for a file that cannot be read as YAML, or is not a mapping.
    """
    path = home / FILE_NAME
    if not path.is_file():
        return YMap(_origin(path)), []
    with contextlib.suppress(OSError):  # a home someone else owns is theirs to protect
        private_file(path)
    try:
        tree = read_yaml(read_text_file(path, str(path), "config file"), str(path))
    except RuleError as err:
        raise RuleErrors([err]) from None
    except OSError as err:
        raise RuleErrors([RuleError(_origin(path), f"cannot read the config file: {err.strerror or err}")]) from None
    if tree is None:
        return YMap(_origin(path)), []
    if not isinstance(tree, YMap):
        raise RuleErrors([RuleError(_origin(path), "the config file is a mapping of plugin names to settings")])
    known = plugin_names()
    errors = []
    for name, section in list(tree.items()):
        if name not in known:
            hint = did_you_mean(name, sorted(known), f"; plugins: {', '.join(sorted(known))}")
            errors.append(RuleError(tree.key_locs[name], f"unknown plugin '{name}'{hint}"))
        elif section is not None and not isinstance(section, YMap):
            errors.append(RuleError(tree.where(name), f"the '{name}' section is a mapping of settings"))
        else:
            continue
        del tree[name]
    return tree, errors


def _origin(path: Path) -> Location:
    return Location(str(path), 1, 1)
