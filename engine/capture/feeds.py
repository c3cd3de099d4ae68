"""Company news: each application's ``news_feed`` (RSS or Atom), read with feedparser, proposes a
``news`` event for every item published since the interview. An accepted one is recorded as
``tactful record ID news --text TITLE`` would be, so the drafts mention it.

A feed is a stranger's document. It is fetched within bounds (:mod:`.fetch`), a document that
declares XML entities is refused before it is parsed (no feed needs one, and an entity bomb is
made of them), and feedparser is given the bytes as a stream: given bytes or text, it would take
a short document for a file name on this machine, or a URL, and open it.

The ETag and Last-Modified each feed answered are kept in the home's cache folder
(``cache/feeds.json``), to ask next time for something new only. They are a cache, not data: a
lost file costs one whole fetch, and an item already proposed is never proposed again (the
store knows it by its id).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..engine import Engine
from ..vocabulary.log import logger
from ..vocabulary.perms import private_file
from ..vocabulary.proposals import Proposal
from ..vocabulary.records import Application
from .fetch import FetchFailed, Validators, fetch
from .messages import MAX_SUBJECT

NEWS = "news"
#: The most items of one feed looked at, and of feeds a cache file remembers.
MAX_ITEMS, MAX_CACHED = 200, 5000
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)


@dataclass
class FeedReport:
    """Feeds read, items proposed, warnings."""

    read: int = 0
    proposed: list[Proposal] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def feeds_of(engine: Engine) -> dict[str, list[Application]]:
    """The feeds of the engine's candidate's live applications, each with the applications
    that give it (two applications to one company may share one)."""
    found: dict[str, list[Application]] = {}
    for app in engine.stored():
        url = str(app.facts.get("news_feed") or "")
        if url and not engine.rules_for(app).states[app.state].final:
            found.setdefault(url, []).append(app)
    return found


def read_feeds(engine: Engine, kept: Any, cache: Path | None, timeout: float) -> FeedReport:
    """Fetch every feed of the engine's candidate once and keep what it proposes in ``kept``
    (the store's proposals). A feed that fails is a warning; the others are read."""
    report = FeedReport()
    validators = _load(cache)
    for url, apps in feeds_of(engine).items():
        key = f"{engine.candidate_key}\n{url}"
        try:
            got = fetch(url, Validators(**validators.get(key, {})), timeout)
        except FetchFailed as err:
            report.warnings.append(f"the news feed {url} of {_names(apps)}: {err}; the rest of the sync goes on")
            continue
        validators[key] = {"etag": got.validators.etag, "modified": got.validators.modified}
        report.read += 1
        if got.body is None:  # 304: nothing new
            continue
        items, problem = parse(got.body, got.content_type)
        if problem:
            report.warnings.append(f"the news feed {url} of {_names(apps)} {problem}; the rest of the sync goes on")
        report.proposed += kept.add([p for app in apps for p in propose(engine.candidate_key, app, url, items)])
    _save(cache, validators)
    logger().info("news feeds read", feeds=report.read, proposed=len(report.proposed))
    return report


@dataclass(frozen=True, slots=True)
class Item:
    """One item of a feed: enough to propose it."""

    key: str
    title: str
    link: str
    published: datetime


def parse(body: bytes, content_type: str) -> tuple[list[Item], str]:
    """The dated items of a feed, newest first, and what was wrong with it ("" for nothing)."""
    if _ENTITY.search(body):
        return [], "declares XML entities, which no feed needs (an entity bomb is made of them), so it is not read"
    import feedparser  # type: ignore[import-untyped]  # only sync needs it

    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers, resolve_relative_uris=False,
                              sanitize_html=False)  # fmt: skip
    items = [item for entry in parsed.entries[:MAX_ITEMS] if (item := _item(entry)) is not None]
    if not parsed.entries and (parsed.bozo or not parsed.version):
        return [], "is not an RSS or Atom feed"
    skipped = min(len(parsed.entries), MAX_ITEMS) - len(items)
    said = f"has {skipped} item{'s' * (skipped != 1)} without a date, left out" if skipped else ""
    return sorted(items, key=lambda i: i.published, reverse=True), said


def _item(entry: Any) -> Item | None:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    if not stamp:
        return None
    try:
        year, month, day, hour, minute, second = stamp[:6]
        published = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):  # a stamp too short, or out of range
        return None
    title = " ".join(str(entry.get("title") or "").split())[:MAX_SUBJECT]
    link = str(entry.get("link") or "")[:500]
    key = str(entry.get("id") or link or title)[:500]
    return Item(key, title, link, published) if title and key else None


def propose(candidate: str, app: Application, url: str, items: Iterable[Item]) -> list[Proposal]:
    """A ``news`` proposal for each item published on or after the day of ``app``'s interview."""
    try:
        interviewed = date.fromisoformat(str(app.facts.get("interviewed", ""))[:10])
    except ValueError:
        interviewed = date.min
    host = urlsplit(url).hostname or ""
    return [Proposal(0, candidate, f"news:{url}#{item.key}", app.id, NEWS, item.published, "certain", host,
                     item.title, f"in {app.company}'s news feed" + (f": {item.link}" if item.link else ""))
            for item in items if item.published.date() >= interviewed]  # fmt: skip


def _names(apps: list[Application]) -> str:
    return ", ".join(f"#{a.id} {a.company}" for a in apps[:3]) + (" …" if len(apps) > 3 else "")


def _load(cache: Path | None) -> dict[str, dict[str, str]]:
    if cache is None:
        return {}
    try:
        found = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a missing or damaged cache costs one whole fetch of each feed
    if not isinstance(found, dict):
        return {}
    return {k: {"etag": str(v.get("etag", "")), "modified": str(v.get("modified", ""))}
            for k, v in found.items() if isinstance(k, str) and isinstance(v, dict)}  # fmt: skip


def _save(cache: Path | None, validators: dict[str, dict[str, str]]) -> None:
    if cache is None:
        return
    kept = dict(list(validators.items())[-MAX_CACHED:])
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        new = cache.with_suffix(".new")
        new.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
        private_file(new)
        new.replace(cache)
    except OSError as err:
        logger().warning("the news feeds' cache was not written", error=str(err.strerror or err))
