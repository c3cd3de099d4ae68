"""Builds the plugin manager: hook specs, then entry points, then the built-in adapters.

Built-ins (``email``, ``sms``, ``calendar`` in ``tactful.plugins``) are registered exactly as
a third party's plugin is, by name, and only when their section exists in the config file
(a section whose extra is not installed is a config error); ``tactful plugins`` lists them
either way. Commands that do
not deliver import nothing here unless a third-party plugin is installed (then they offer it
the rule hooks, without the built-ins), so their start-up stays light.
"""

from __future__ import annotations

import importlib
import importlib.util
import keyword
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pluggy

from .. import hookspecs
from ..errors import InputError, RuleError, RuleErrors, TactfulError
from ..language.yamltree import YMap
from ..vocabulary.text import quoted

if TYPE_CHECKING:
    from ..language.ruleset import RuleSet

#: The built-in adapters: name -> (module, the libraries their extra installs).
BUILTINS: dict[str, tuple[str, tuple[str, ...]]] = {
    "email": ("tactful.plugins.email", ()),
    "sms": ("tactful.plugins.sms", ("apprise",)),
    "calendar": ("tactful.plugins.calendar", ("icalendar",)),
}
#: How the libraries of the extras are called in messages.
LIBRARY_NAMES = {"apprise": "Apprise", "icalendar": "icalendar"}
#: The hook that takes each kind of notice.
DELIVERY_HOOKS = {"transition": "tactful_transition", "action_due": "tactful_action_due"}
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


class PluginManager(pluggy.PluginManager):
    """pluggy's manager for tactful's hooks, which also knows the plugins set aside because they
    could not be configured (``unconfigured``: name -> why), so that they are listed, and
    skipped with a warning by what delivers, instead of stopping every command."""

    def __init__(self) -> None:
        super().__init__("tactful")
        self.unconfigured: dict[str, Unconfigured] = {}


@dataclass(frozen=True, slots=True)
class Unconfigured:
    """A third-party plugin whose ``tactful_configure`` raised: where it comes from, what it
    implements, why (one line), and the errors located in config.yaml when it has a section."""

    source: str
    hooks: tuple[str, ...]
    reason: str
    errors: tuple[RuleError, ...] = ()


def get_plugin_manager(
    config: Mapping[str, Any] | None = None, *, entry_points: bool = True, builtins: bool = True
) -> PluginManager:
    """A fresh plugin manager: specs, entry points (group ``tactful``), configured built-ins.

    ``builtins=False`` leaves the built-in adapters (and their libraries) out: what commands
    that only load rules use to offer third-party plugins the rule hooks; :func:`add_builtins`
    adds them later without configuring the others again.

    A third-party plugin whose ``tactful_configure`` raises is set aside (unregistered, and
    kept in ``pm.unconfigured`` with the reason): a plugin installed but not configured yet
    must not stop commands that have nothing to do with it.

    Raises:
        InputError: when a plugin implements a hook that does not exist (a misspelling).
        RuleErrors: every built-in's config errors at once (a section whose extra is missing,
            a setting its configure rejects).
    """
    config = config or {}
    pm = PluginManager()
    pm.add_hookspecs(hookspecs)
    if entry_points:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    _check_pending(pm)
    if os.environ.get(TRACE_VARIABLE):
        pm.trace.root.setwriter(lambda text: sys.stderr.write(f"tactful: trace: {text}"))
        pm.enable_tracing()
    configure(pm, config, [name for name, _ in pm.list_name_plugin()])
    if builtins:
        add_builtins(pm, config)
    return pm


def add_builtins(pm: PluginManager, config: Mapping[str, Any]) -> None:
    """Register and configure each built-in that has a section; the plugins already registered
    are not configured again.

    Raises:
        RuleErrors: all the built-ins' problems: a section whose extra is missing, bad settings.
    """
    added, errors = _register_builtins(pm, config)
    _check_pending(pm)
    try:
        configure(pm, config, added)
    except RuleErrors as err:
        errors.extend(err.errors)
    if errors:
        raise RuleErrors(errors)


def configure(pm: PluginManager, config: Mapping[str, Any], names: list[str]) -> None:
    """Call ``tactful_configure`` of each plugin in ``names`` with its section, once.

    Raises:
        RuleErrors: what the built-ins among them rejected, all at once; a third-party plugin
            that raises is set aside instead (see :func:`get_plugin_manager`).
    """
    errors: list[RuleError] = []
    for name in names:
        call = hook_for(pm, name, "tactful_configure")
        if call is None:
            continue
        try:
            call(config=_section(config, name))
        except TactfulError as err:
            if name in BUILTINS:
                errors.extend(_as_rule_errors(err))
            else:
                _set_aside(pm, name, config, err)
        except Exception as err:
            if name in BUILTINS:
                raise
            _set_aside(pm, name, config, err)
    if errors:
        raise RuleErrors(errors)


def _check_pending(pm: PluginManager) -> None:
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as err:
        raise InputError(f"a plugin is broken: {err}") from None


def _as_rule_errors(err: TactfulError) -> list[RuleError]:
    if isinstance(err, RuleErrors):
        return list(err.errors)
    return [err] if isinstance(err, RuleError) else [RuleError(None, str(err))]


def _set_aside(pm: PluginManager, name: str, config: Mapping[str, Any], err: Exception) -> None:
    """Unregister plugin ``name``, whose configure raised ``err``, and keep why."""
    plugin = pm.get_plugin(name)
    sources = {p: f"{dist.project_name} {dist.version}" for p, dist in pm.list_plugin_distinfo()}
    hooks = tuple(sorted(h.name for h in pm.get_hookcallers(plugin) or ()))
    if isinstance(err, TactfulError):
        messages = [e.message if isinstance(e, RuleError) else str(e) for e in _as_rule_errors(err)]
    else:
        messages = [f"{type(err).__name__}: {err}"]
    has_section = name in config
    if has_section and isinstance(err, TactfulError):
        located = tuple(_as_rule_errors(err))
        reason = "; ".join(str(e) for e in located)
    else:
        located = ()
        reason = f"add a section '{name}:' to config.yaml ({'; '.join(messages)})" if not has_section else messages[0]
    pm.unregister(plugin, name)
    pm.unconfigured[name] = Unconfigured(sources.get(plugin, str(plugin)), hooks, reason, located)


def _register_builtins(pm: PluginManager, config: Mapping[str, Any]) -> tuple[list[str], list[RuleError]]:
    """Register each built-in that has a section: the names registered, and a located error for
    each section whose extra is missing."""
    added: list[str] = []
    missing: list[RuleError] = []
    for name, (module, libraries) in BUILTINS.items():
        if name not in config or pm.has_plugin(name):
            continue
        if not available(name):
            where = config.key_locs.get(name) if isinstance(config, YMap) else None
            needs = " and ".join(LIBRARY_NAMES.get(lib, lib) for lib in libraries)
            missing.append(RuleError(where, f"the '{name}' section needs {needs}: pip install 'tactful[{name}]'"))
            continue
        pm.register(importlib.import_module(module), name)
        added.append(name)
    return added, missing


def hook_for(pm: pluggy.PluginManager, name: str, hook: str) -> Callable[..., Any] | None:
    """What calls ``hook`` on plugin ``name`` alone (keyword arguments, as ``pm.hook`` takes them),
    or None when that plugin does not implement it."""
    caller = getattr(pm.hook, hook)
    if not any(impl.plugin_name == name for impl in caller.get_hookimpls()):
        return None
    plugin = pm.get_plugin(name)
    return pm.subset_hook_caller(hook, [p for p in pm.get_plugins() if p is not plugin])


def _section(config: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """A plugin's section. From a config file it is always a ``YMap`` that knows its place: an
    empty one (``email:`` alone) where its name was written, and for a plugin with no section,
    an empty one at the start of the file; a plain ``config`` gives plain sections."""
    section = config.get(name)
    if isinstance(config, YMap) and section is None:
        return YMap(config.key_locs.get(name, config.loc))
    return {} if section is None else section  # an empty YMap (`email: {}`) keeps its place too


def rule_functions(pm: pluggy.PluginManager) -> dict[str, Callable[..., Any]]:
    """The functions plugins register for rule expressions (``tactful_register_functions``).

    Raises:
        InputError: for a name that is not a plain identifier, one that a built-in function or
            another plugin already has, or something that cannot be called.
    """
    from ..language.expr import DEFAULT_FUNCTIONS

    functions: dict[str, Callable[..., Any]] = {}

    def register(name: str, function: Callable[..., Any]) -> None:
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_") or keyword.iskeyword(name):
            raise InputError(
                f"a plugin registers a rule function named {quoted(name)}; use a name like 'weekdays_after'"
            )
        if name in functions or name in DEFAULT_FUNCTIONS:
            raise InputError(f"two functions for rules are named '{name}'; a plugin must pick another name")
        if not callable(function):
            raise InputError(f"a plugin registers '{name}' for rules, but it is not a function")
        functions[name] = function

    pm.hook.tactful_register_functions(register=register)
    return functions


def rules_announcer(pm: pluggy.PluginManager) -> Callable[[RuleSet], None]:
    """What to call with each rule set loaded: the ``tactful_rules_loaded`` hook."""

    def announce(rules: RuleSet) -> None:
        pm.hook.tactful_rules_loaded(rules=rules)

    return announce


def delivery_plugins(pm: pluggy.PluginManager) -> dict[str, list[str]]:
    """For each kind of notice, the names of the plugins that take it (implement its hook)."""
    return {
        kind: sorted({impl.plugin_name for impl in getattr(pm.hook, hook).get_hookimpls()})
        for kind, hook in DELIVERY_HOOKS.items()
    }


def describe(pm: pluggy.PluginManager, config: Mapping[str, Any]) -> list[PluginInfo]:
    """Every plugin loaded and every built-in, with where it comes from and its state.

    A loaded built-in's slow checks, left out of its configure to keep start-up quick (its
    module's ``check()``: whether Apprise understands the sms URLs), run here first.

    Raises:
        RuleErrors: what a built-in's ``check()`` found wrong.
    """
    for name, (module, _) in BUILTINS.items():
        plugin = pm.get_plugin(name)
        check = getattr(plugin, "check", None)
        if plugin is not None and plugin is sys.modules.get(module) and callable(check):
            check()
    sources = {plugin: f"{dist.project_name} {dist.version}" for plugin, dist in pm.list_plugin_distinfo()}
    infos = []
    for name, plugin in sorted(pm.list_name_plugin()):
        hooks = tuple(sorted(h.name for h in pm.get_hookcallers(plugin) or ()))
        source = sources.get(plugin, f"built-in ({BUILTINS[name][0]})" if name in BUILTINS else str(plugin))
        infos.append(PluginInfo(name, source, "loaded", hooks))
    for name, aside in sorted(getattr(pm, "unconfigured", {}).items()):
        infos.append(PluginInfo(name, aside.source, f"not configured: {aside.reason}", aside.hooks))
    for name, (module, _libs) in BUILTINS.items():
        if pm.has_plugin(name):
            continue
        if not available(name):
            status = f"unavailable: pip install 'tactful[{name}]'"
        else:
            status = f"not configured: add a section '{name}:' to config.yaml"
        infos.append(PluginInfo(name, f"built-in ({module})", status))
    return infos
