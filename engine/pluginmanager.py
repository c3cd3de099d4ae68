"""Builds the plugin manager: hook specs, then entry points, then the built-in adapters.

Built-ins (``email``, ``sms``, ``calendar`` in ``tactful.plugins``) are registered exactly as
a third party's plugin is, by name, and only when their section exists in the config file
and their extra is installed; ``tactful plugins`` lists them either way. Nothing here is
imported by commands that do not deliver, so their start-up stays light.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pluggy

from . import hookspecs
from .errors import InputError

#: The built-in adapters: name -> (module, the libraries their extra installs).
BUILTINS: dict[str, tuple[str, tuple[str, ...]]] = {
    "email": ("tactful.plugins.email", ()),
    "sms": ("tactful.plugins.sms", ("apprise",)),
    "calendar": ("tactful.plugins.calendar", ("icalendar",)),
}
DELIVERY_HOOKS = ("tactful_transition", "tactful_action_due")
ENTRY_POINT_GROUP = "tactful"
TRACE_VARIABLE = "TACTFUL_TRACE_PLUGINS"


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """A line of `tactful plugins`."""

    name: str
    source: str
    status: str
    hooks: tuple[str, ...] = ()


def available(name: str) -> bool:
    """Whether the libraries of built-in ``name`` are installed."""
    return all(importlib.util.find_spec(lib) is not None for lib in BUILTINS[name][1])


def get_plugin_manager(config: Mapping[str, Any] | None = None, *, entry_points: bool = True) -> pluggy.PluginManager:
    """A fresh plugin manager: specs, entry points (group ``tactful``), configured built-ins.

    Raises:
        InputError: when a plugin implements a hook that does not exist (a misspelling), or a
            plugin rejects its configuration.
    """
    config = config or {}
    pm = pluggy.PluginManager("tactful")
    pm.add_hookspecs(hookspecs)
    if entry_points:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for name, (module, _) in BUILTINS.items():
        if name in config and available(name) and not pm.has_plugin(name):
            pm.register(importlib.import_module(module), name)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as err:
        raise InputError(f"a plugin is broken: {err}") from None
    if os.environ.get(TRACE_VARIABLE):
        pm.trace.root.setwriter(lambda text: sys.stderr.write(f"tactful: trace: {text}"))
        pm.enable_tracing()
    for name, plugin in pm.list_name_plugin():
        caller = pm.subset_hook_caller("tactful_configure", [p for _, p in pm.list_name_plugin() if p is not plugin])
        caller(config=config.get(name) or {})
    return pm


def delivery_plugins(pm: pluggy.PluginManager) -> list[str]:
    """The names of the plugins that take deliveries (implement a delivery hook)."""
    names = []
    for name, plugin in pm.list_name_plugin():
        if any(hasattr(plugin, hook) for hook in DELIVERY_HOOKS):
            names.append(name)
    return sorted(names)


def describe(pm: pluggy.PluginManager, config: Mapping[str, Any]) -> list[PluginInfo]:
    """Every plugin loaded and every built-in, with where it comes from and its state."""
    sources = {plugin: f"{dist.project_name} {dist.version}" for plugin, dist in pm.list_plugin_distinfo()}
    infos = []
    for name, plugin in sorted(pm.list_name_plugin()):
        hooks = tuple(sorted(h.name for h in pm.get_hookcallers(plugin) or ()))
        source = sources.get(plugin, f"built-in ({BUILTINS[name][0]})" if name in BUILTINS else str(plugin))
        infos.append(PluginInfo(name, source, "loaded", hooks))
    for name, (module, _libs) in BUILTINS.items():
        if pm.has_plugin(name):
            continue
        if not available(name):
            status = f"unavailable: pip install 'tactful[{name}]'"
        else:
            status = f"not configured: add a section '{name}:' to config.yaml"
        infos.append(PluginInfo(name, f"built-in ({module})", status))
    return infos
