"""The calendar adapter: every advised action as an event in an ``.ics`` feed that any
calendar app can subscribe to, and optionally pushed to a CalDAV calendar.

Configure it with a ``calendar:`` section in ``config.yaml`` in the tactful home::

    calendar:
      file: calendar.ics            # the feed; relative to the tactful home (the default)
      caldav:                       # optional: push the events to a CalDAV calendar
        url: https://dav.example.org/dav/
        calendar: tactful           # its display name; made when missing (the default)

The CalDAV login comes from ``TACTFUL_CALDAV_USERNAME`` and ``TACTFUL_CALDAV_PASSWORD``.

Each ``tick`` hands the whole schedule to :func:`tactful_schedule`, which rewrites the feeds
(atomically) and pushes the implicit candidate's. There is one feed per candidate, each with
their own actions only: the implicit candidate's (a person using tactful alone) is ``file``,
another's is beside it, named from their key (``calendar-alice.ics``; see
:mod:`tactful.plugins.calendar_files`), and goes when they are removed. CalDAV receives the
implicit candidate's events only: the login is one person's account, and another candidate's
schedule has no place in it (a platform serves the candidates' files, or pushes them with a
plugin of its own). An event's UID stands for (application, action), e.g.
``3-call@tactful``, so the event moves when its date moves and disappears once the action is
no longer advised. ``tactful calendar write`` rebuilds the feed from the store now;
``tactful calendar serve`` serves the implicit candidate's on 127.0.0.1 for apps that
subscribe by URL.

This module is the plugin: its hooks. The ``calendar:`` section's settings are read by
:mod:`tactful.plugins.calendar_config`, the feed is built by
:mod:`tactful.plugins.calendar_feed`, the push done by
:mod:`tactful.plugins.calendar_caldav`, and the commands live in
:mod:`tactful.plugins.calendar_cli`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..hookspecs import hookimpl
from ..vocabulary.log import logger
from .calendar_caldav import brief_error, push
from .calendar_config import Settings as Settings  # re-exported: the plugin's settings type
from .calendar_config import configured, keep, parse_settings
from .calendar_feed import PRODID as PRODID  # re-exported: callers read the feed's PRODID here
from .calendar_feed import write_feed as write_feed  # re-exported: one feed's writer, as before
from .calendar_files import write_feeds

if TYPE_CHECKING:
    import click

    from ..runtime.notify import Notice
    from ..vocabulary.records import Candidate


# -- hooks -------------------------------------------------------------------------------


@hookimpl
def tactful_configure(config: Mapping[str, Any]) -> None:
    """Check the ``calendar:`` section and keep it."""
    keep(parse_settings(config))


@hookimpl
def tactful_schedule(schedule: Sequence[Notice], now: datetime, candidates: Mapping[str, Candidate]) -> None:
    """Rewrite each candidate's feed from the whole schedule, then push the implicit
    candidate's when CalDAV is configured."""
    settings = configured()
    events = write_feeds(settings.file, schedule, candidates, now)[""]
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
