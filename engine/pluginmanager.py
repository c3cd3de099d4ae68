"""Kept so that old imports keep working; use :mod:`tactful.testing` (same names)."""

from .hooks.pluginmanager import get_plugin_manager, rule_functions, rules_announcer

__all__ = ["get_plugin_manager", "rule_functions", "rules_announcer"]
