"""Moments written out once each: a bulk session's rows share a few thousand moment objects
(the starts an import remembers, its ``now``), so their text and UTC seconds are remembered."""

from __future__ import annotations

from datetime import datetime

from ..vocabulary.timecalc import stamp

#: How many moments are remembered, of each kind.
KEPT = 50_000


class Moments:
    """:func:`stamp` and the UTC seconds of moments, remembered by identity: each moment is
    kept with its values, so that its id stays its own while remembered."""

    def __init__(self) -> None:
        self._texts: dict[int, tuple[datetime, str]] = {}
        self._seconds: dict[int, tuple[datetime, float]] = {}

    def text(self, moment: datetime) -> str:
        known = self._texts.get(id(moment))
        if known is None:
            known = (moment, stamp(moment))
            if len(self._texts) < KEPT:
                self._texts[id(moment)] = known
        return known[1]

    def seconds(self, moment: datetime | None) -> float | None:
        if moment is None:
            return None
        known = self._seconds.get(id(moment))
        if known is None:
            known = (moment, moment.timestamp())
            if len(self._seconds) < KEPT:
                self._seconds[id(moment)] = known
        return known[1]
