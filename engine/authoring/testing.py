"""Test helpers for code that embeds tactful or plugs into it: a clock you move by hand and a
plugin that records what it is told. Users import them from :mod:`tactful.testing`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..hookspecs import hookimpl

__all__ = ["FakeClock", "RecordingPlugin"]


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


class RecordingPlugin:
    """A plugin that keeps every delivery it receives, and can be told to fail.

    Register it with ``pm.register(RecordingPlugin(), "recorder")``; then ``calls`` holds
    ``(hook name, notice, key)`` tuples in order, and ``candidates`` the candidate each of them
    was handed (a :class:`~tactful.hookspecs.Candidate`, or None). Set ``fail_with`` to an
    exception to make every delivery raise it (to test retries).
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, str]] = []
        self.candidates: list[Any] = []
        self.configured: Any = None
        self.schedules: list[Any] = []
        self.fail_with: Exception | None = None

    def _receive(self, hook: str, notice: Any, key: str, candidate: Any) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.calls.append((hook, notice, key))
        self.candidates.append(candidate)

    @hookimpl
    def tactful_configure(self, config: Any) -> None:
        self.configured = config

    @hookimpl
    def tactful_transition(self, notice: Any, key: str, candidate: Any) -> None:
        self._receive("tactful_transition", notice, key, candidate)

    @hookimpl
    def tactful_action_due(self, notice: Any, key: str, candidate: Any) -> None:
        self._receive("tactful_action_due", notice, key, candidate)

    @hookimpl
    def tactful_schedule(self, schedule: Any, now: datetime) -> None:
        self.schedules.append((schedule, now))
