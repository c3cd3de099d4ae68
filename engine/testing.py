"""Helpers for testing plugins and apps that embed tactful (public, like ``tactful.hookspecs``):
a clock moved by hand, a plugin that records what it is told, the in-memory store, and the
plugin manager and delivery the CLI uses. Defined in :mod:`tactful.authoring.testing`."""

from .authoring.testing import FakeClock, RecordingPlugin
from .hooks.delivery import deliver, drain
from .hooks.pluginmanager import get_plugin_manager, rule_functions, rules_announcer
from .stores.store import MemoryStore

__all__ = ["FakeClock", "MemoryStore", "RecordingPlugin", "deliver", "drain", "get_plugin_manager", "rule_functions",
           "rules_announcer"]  # fmt: skip
