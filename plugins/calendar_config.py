"""The calendar plugin's ``calendar:`` section of ``config.yaml``: checked, and kept for the
plugin's hooks and commands (:mod:`tactful.plugins.calendar`, :mod:`tactful.plugins.calendar_cli`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Problems, RuleError, RuleErrors
from .calendar_caldav import PASSWORD_VARIABLE, USERNAME_VARIABLE, CalDAVTarget


@dataclass(frozen=True, slots=True)
class Settings:
    """The checked ``calendar:`` section."""

    file: Path
    caldav: CalDAVTarget | None = None


_settings: Settings | None = None


def keep(settings: Settings) -> None:
    """Keep ``settings`` as the plugin's settings (called by its ``tactful_configure``)."""
    global _settings
    _settings = settings


def configured() -> Settings:
    """The settings given to the last plugin manager that loaded this plugin."""
    if _settings is None:
        raise RuntimeError("the calendar plugin was not configured; load it with get_plugin_manager")
    return _settings


# -- settings ----------------------------------------------------------------------------


def parse_settings(section: Mapping[str, Any]) -> Settings:
    """The settings a ``calendar:`` section gives, checked.

    A relative ``file`` is relative to the folder of ``config.yaml`` (the tactful home).

    Raises:
        RuleErrors: one error per bad setting, at ``config.yaml:LINE:COL``.
    """
    errors = _unknown_keys(section, ("file", "caldav"), "")
    name = section.get("file", "calendar.ics")
    if not isinstance(name, str) or not name.strip():
        errors.append(_error(section, "file", "'file' is the path of the feed to write, e.g. calendar.ics"))
        name = "calendar.ics"
    caldav = _parse_caldav(section, errors)
    if errors:
        raise RuleErrors(errors)
    path = Path(name).expanduser()
    return Settings(path if path.is_absolute() else _home(section) / path, caldav)


def _parse_caldav(section: Mapping[str, Any], errors: list[RuleError]) -> CalDAVTarget | None:
    if "caldav" not in section:
        return None
    target = section["caldav"]
    if not isinstance(target, Mapping):
        errors.append(_error(section, "caldav", "'caldav' is a mapping with 'url' and 'calendar'"))
        return None
    errors += _unknown_keys(target, ("url", "calendar"), "'caldav'")
    url, name = target.get("url"), target.get("calendar", "tactful")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        errors.append(_error(target, "url", "'url' is the CalDAV server's address, e.g. https://dav.example.org/"))
    elif "@" in url.partition("://")[2].partition("/")[0]:
        errors.append(_error(target, "url", f"keep the login out of the url: set {USERNAME_VARIABLE} and "
                                            f"{PASSWORD_VARIABLE} in the environment"))  # fmt: skip
    if not isinstance(name, str) or not name.strip():
        errors.append(_error(target, "calendar", "'calendar' is the display name of the calendar, e.g. tactful"))
    import importlib.util

    if importlib.util.find_spec("caldav") is None:
        errors.append(_error(section, "caldav", "pushing to CalDAV needs the caldav library: "
                                                "pip install 'tactful[calendar]'"))  # fmt: skip
    return CalDAVTarget(str(url), str(name)) if not errors else None


def _unknown_keys(section: Mapping[str, Any], known: tuple[str, ...], what: str) -> list[RuleError]:
    problems = Problems()
    problems.keys(section, known, what, noun="setting", otherwise=f"; the settings are {', '.join(known)}")
    return [RuleError(e.where, f"calendar: {e.message}") for e in problems.errors]


def _error(section: Mapping[str, Any], key: str, message: str) -> RuleError:
    return RuleError(section.where(key) if hasattr(section, "where") else None, f"calendar: {message}")


def _home(section: Mapping[str, Any]) -> Path:
    """The folder of the config file the section came from, else the tactful home."""
    origin = getattr(section, "loc", None)
    if origin is not None:
        return Path(origin.path).parent
    import importlib

    context = importlib.import_module("tactful.cli.context")  # the CLI's rule for where the home is
    return Path(context.home_dir(os.environ.get("TACTFUL_HOME")))
