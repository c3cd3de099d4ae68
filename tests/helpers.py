"""Small builders shared by the unit tests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

UTC = ZoneInfo("UTC")


def at(text: str, tz: str = "UTC") -> datetime:
    """``2026-05-21 10:00`` (or a date alone, meaning 00:00) in ``tz``."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))
