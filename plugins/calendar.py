"""The calendar adapter: every advised action as an event in an ``.ics`` feed that any
calendar app can subscribe to, and optionally pushed to a CalDAV calendar.

Configure it with a ``calendar:`` section in ``config.yaml`` in the tactful home::

    calendar:
      file: calendar.ics            # the feed; relative to the tactful home (the default)
      caldav:                       # optional: push the events to a CalDAV calendar
        url: https://dav.example.org/dav/
        calendar: tactful           # its display name; made when missing (the default)

The CalDAV login comes from ``TACTFUL_CALDAV_USERNAME`` and ``TACTFUL_CALDAV_PASSWORD``.

Each ``tick`` hands the whole schedule to :func:`tactful_schedule`, which rewrites the feed
(atomically) and pushes it. An event's UID stands for (application, action), e.g.
``3-call@tactful``, so the event moves when its date moves and disappears once the action is
no longer advised. ``tactful calendar write`` rebuilds the feed from the store now;
``tactful calendar serve`` serves it on 127.0.0.1 for apps that subscribe by URL.

This module is the plugin: its hooks and the ``calendar:`` section's settings. The feed is
built by :mod:`tactful.plugins.calendar_feed`, the push done by
:mod:`tactful.plugins.calendar_caldav`, and the commands live in
:mod:`tactful.plugins.calendar_cli`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Problems, RuleError, RuleErrors
from ..hookspecs import hookimpl
from ..log import logger
from .calendar_caldav import PASSWORD_VARIABLE, USERNAME_VARIABLE, CalDAVTarget, brief_error, push
from .calendar_feed import PRODID as PRODID  # re-exported: callers read the feed's PRODID here
from .calendar_feed import write_feed

if TYPE_CHECKING:
    import click

    from ..notify import Notice


@dataclass(frozen=True, slots=True)
class Settings:
    """The checked ``calendar:`` section."""

    file: Path
    caldav: CalDAVTarget | None = None


_settings: Settings | None = None


# -- hooks -------------------------------------------------------------------------------


@hookimpl
def tactful_configure(config: Mapping[str, Any]) -> None:
    """Check the ``calendar:`` section and keep it."""
    global _settings
    _settings = parse_settings(config)


@hookimpl
def tactful_schedule(schedule: Sequence[Notice], now: datetime) -> None:
    """Rewrite the feed from the whole schedule, then push it when CalDAV is configured."""
    settings = configured()
    events = write_feed(settings.file, schedule, now)
    if settings.caldav is None:
        return
    try:
        report = push(settings.caldav, events)
    except Exception as err:  # noqa: BLE001 - a server that is down must not stop the tick; next tick pushes again
        logger().warning(
            "calendar push failed; the next tick tries again", url=settings.caldav.url, error=brief_error(err)
        )
        return
    logger().info("calendar pushed", created=len(report.created), updated=len(report.updated),
                  deleted=len(report.deleted), unchanged=report.unchanged)  # fmt: skip


@hookimpl
def tactful_register_commands(cli: click.Group) -> None:
    """Add ``tactful calendar write`` and ``tactful calendar serve``."""
    from .calendar_cli import calendar

    cli.add_command(calendar)


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
