"""Interview invitations on the CalDAV server configured for the calendar plugin
(``calendar: caldav: url:``), read with the caldav library and the same login
(``TACTFUL_CALDAV_USERNAME``, ``TACTFUL_CALDAV_PASSWORD``).

Every calendar of that account is searched for events from a week before the sync to
:data:`AHEAD` after it; tactful's own events (UIDs ending in ``@tactful``, which the plugin
pushes) are left out. At most :data:`MAX_CALENDARS` calendars and :data:`MAX_EVENTS` events
are looked at, and of each event its first :data:`~.invites.MAX_ICS_BYTES`. The account is
one person's, as for the plugin's push: only the implicit candidate's sync reads it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from ..vocabulary.log import add_secrets, library_levels
from .invites import MAX_ICS_BYTES, Invite, read_invite

USERNAME, PASSWORD = "TACTFUL_CALDAV_USERNAME", "TACTFUL_CALDAV_PASSWORD"  # noqa: S105 - names, not secrets
#: How far ahead invitations are looked for; the calendars and events looked at, at most.
AHEAD, MAX_CALENDARS, MAX_EVENTS = timedelta(days=180), 20, 500


class CalendarFailed(Exception):
    """The CalDAV server could not be read: why, in words."""


def caldav_url(config: Mapping[str, Any]) -> str | None:
    """The CalDAV URL of config.yaml's ``calendar:`` section, if it names one."""
    section = config.get("calendar")
    caldav = section.get("caldav") if isinstance(section, Mapping) else None
    url = caldav.get("url") if isinstance(caldav, Mapping) else None
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) and len(url) <= 2000 else None


def invitations(url: str, now: datetime, timeout: float) -> list[tuple[str, Invite]]:
    """(UID, invitation) of each event of the account from a week ago to :data:`AHEAD`.

    Raises:
        CalendarFailed: the server cannot be reached, refuses the login, or answers nonsense.
    """
    from caldav.davclient import DAVClient  # only a sync with a CalDAV calendar needs it

    library_levels()
    username, password = os.environ.get(USERNAME), os.environ.get(PASSWORD)
    add_secrets(*(s for s in (password,) if s))
    found: list[tuple[str, Invite]] = []
    try:
        with DAVClient(url=url, username=username, password=password, timeout=int(timeout)) as client:
            calendars = client.principal().calendars()[:MAX_CALENDARS]  # type: ignore[no-untyped-call]
            for calendar in calendars:
                for event in calendar.search(start=now - timedelta(days=7), end=now + AHEAD, event=True)[:MAX_EVENTS]:
                    data = str(event.data or "")[: MAX_ICS_BYTES * 2].encode()[:MAX_ICS_BYTES]
                    invite, uid = read_invite(data), _uid(data)
                    if invite is not None and uid and not uid.endswith("@tactful"):
                        found.append((uid, invite))
    except Exception as err:  # noqa: BLE001 - whatever the library raises for what a server sent
        text = " ".join(str(err).split())[:200]
        raise CalendarFailed(f"{type(err).__name__}: {text}" if text else type(err).__name__) from None
    return found[:MAX_EVENTS]


def _uid(data: bytes) -> str:
    for line in data.decode("utf-8", "replace").splitlines():
        if line.upper().startswith("UID:"):
            return line[4:].strip()[:500]
    return ""
