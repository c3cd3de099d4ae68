"""Helpers for people who test code that embeds tactful: a clock you move by hand.

``MemoryStore`` (in :mod:`tactful.store`) is the in-memory store to pair it with.
"""

from __future__ import annotations

from datetime import datetime, timedelta


class FakeClock:
    """A clock that stands still until told to move; call it to read it."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a FakeClock needs a time zone, e.g. datetime(2026, 5, 4, tzinfo=UTC)")
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move forward, e.g. ``clock.advance(days=3)``; returns the new time."""
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> datetime:
        """Jump to ``moment``."""
        self.now = moment
        return self.now
