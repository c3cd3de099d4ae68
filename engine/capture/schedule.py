"""When `tactful worker` syncs: each source whose section says ``every:`` is read when the
worker starts, then each time ``every`` has passed since it was last read. The moment is the
worker's clock (an input: the tests give it), never read here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class Schedule:
    """The sources to read on their own (``mailbox``, ``news``), each with its ``every``."""

    every: Mapping[str, timedelta]
    last: dict[str, datetime] = field(default_factory=dict)

    def due(self, now: datetime) -> list[str]:
        """The sources due at ``now``: never read yet, or last read ``every`` ago or more."""
        return [name for name, every in self.every.items() if name not in self.last or now >= self.last[name] + every]

    def done(self, names: list[str], now: datetime) -> None:
        """Note that ``names`` were read at ``now`` (a failed read counts: it is tried again
        ``every`` later, not at each pass)."""
        self.last.update((name, now) for name in names)

    def wait(self, now: datetime) -> float | None:
        """Seconds until the next source is due (None: no source is read on its own)."""
        if not self.every:
            return None
        soonest = min(self.last.get(n, now) + e if n in self.last else now for n, e in self.every.items())
        return max(0.0, (soonest - now).total_seconds())
