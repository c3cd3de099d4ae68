"""The calendar adapter's feed files: one per candidate, each named safely from their key.

The implicit candidate's feed (a person using tactful alone) is the configured ``file``,
``calendar.ics`` by default. Every other candidate's is beside it, the key after a dash:
``calendar-alice.ics``, ``calendar-bob@example.org.ics``. A capital letter is written ``^``
and the letter (``Alice`` → ``calendar-^alice.ics``), so that two keys differing only in case
never share a file, on a file system that ignores case either; a very long key is shortened
and ends in a digest of it. A key is checked against the candidate key's alphabet before it
names a file, and the file must land in the feed's own folder: no key can reach another.

Each candidate's feed holds only their own actions. When a candidate is removed, their feed
goes at the next rebuild: a file named like one, that says it is tactful's and whose
(``X-TACTFUL-CANDIDATE``), for no candidate in the store, is deleted; anything else there is
left alone. The feeds are built by :mod:`tactful.plugins.calendar_feed`.
"""

from __future__ import annotations

import glob
import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from ..runtime.candidates import check_key
from ..vocabulary.log import logger
from ..vocabulary.records import Candidate
from .calendar_feed import CANDIDATE_PROPERTY, PRODID, write_feed

if TYPE_CHECKING:
    import icalendar

    from ..runtime.notify import Notice

#: The longest name part a key is written as before it is shortened (file names stop at 255 bytes).
LONGEST = 120


def feed_name(key: str) -> str:
    """The part of a feed's file name that stands for candidate ``key`` (not the implicit one).

    Raises:
        InputError: for a key that is not a candidate key (it never names a file).
    """
    check_key(key)
    written = "".join(f"^{c.lower()}" if "A" <= c <= "Z" else c for c in key)
    if len(written) > LONGEST:  # '~' is in no key, so a shortened name is no other key's
        written = f"{written[: LONGEST - 33]}~{hashlib.sha256(key.encode()).hexdigest()[:32]}"
    return written


def feed_path(file: Path, key: str) -> Path:
    """Where candidate ``key``'s feed is: ``file`` itself for the implicit candidate, else beside it.

    Raises:
        InputError: for a malformed key, or a name that would leave the feed's folder.
    """
    if key == "":
        return file
    path = file.with_name(f"{file.stem}-{feed_name(key)}{file.suffix}")
    if path.parent != file.parent or path.name in ("", ".", ".."):
        raise InputError(f"candidate key {key!r} cannot name a calendar feed")
    return path


def write_feeds(file: Path, schedule: Sequence[Notice], candidates: Mapping[str, Candidate],
                now: datetime) -> dict[str, list[icalendar.Event]]:  # fmt: skip
    """Write each candidate's feed (the implicit one's always) with their own actions only, and
    remove the feeds of candidates no longer in the store.

    Returns each candidate's events, by key. A key that cannot name a file is skipped, with a
    warning; a notice of a candidate not in ``candidates`` is in no feed.
    """
    theirs: dict[str, list[Notice]] = {key: [] for key in candidates}
    theirs.setdefault("", [])
    for notice in schedule:
        if notice.candidate in theirs:
            theirs[notice.candidate].append(notice)
    written: dict[str, list[icalendar.Event]] = {}
    paths = set()
    for key, notices in theirs.items():
        try:
            path = feed_path(file, key)
        except InputError as err:
            logger().warning("a candidate's calendar feed was not written", error=str(err))
            continue
        written[key] = write_feed(path, notices, now, candidates.get(key, Candidate(key)))
        paths.add(path)
    remove_stale(file, paths)
    return written


def remove_stale(file: Path, keep: set[Path]) -> int:
    """Delete the candidates' feeds beside ``file`` that are not in ``keep``: only files tactful
    wrote for a candidate (its PRODID and a ``X-TACTFUL-CANDIDATE``); how many."""
    pattern = f"{glob.escape(file.stem)}-*{glob.escape(file.suffix)}"
    removed = 0
    for path in file.parent.glob(pattern):
        if path in keep or not path.is_file() or not _a_candidates_feed(path):
            continue
        path.unlink(missing_ok=True)
        removed += 1
    if removed:
        logger().info("calendar feeds of removed candidates deleted", count=removed)
    return removed


def _a_candidates_feed(path: Path) -> bool:
    import icalendar

    try:
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
    except (OSError, ValueError):
        return False
    return str(calendar.get("prodid", "")) == PRODID and bool(str(calendar.get(CANDIDATE_PROPERTY, "")))
