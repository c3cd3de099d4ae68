"""Sources: where a rule file's numbers come from.

A rule file may carry ``sources:``, keyed citations (``title`` and ``strength`` required;
``url``, ``publisher``, ``year`` optional). A setting (through ``settings: source: {NAME: KEY}``),
an advice entry, a timer, a transition branch or a policy rule may say ``source: KEY`` or a
list of keys. The key ``ours`` needs no entry: it marks a number tactful chose itself.
A setting's citation counts only where it is written in the file that set the value: an
overlay that changes a number without citing it anew leaves it uncited.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from ..errors import Location
from .build_reader import Reader
from .yamltree import YMap, YSeq

SOURCE_KEYS = ("title", "url", "publisher", "year", "strength")
SOURCE_REQUIRED = ("title", "strength")
STRENGTHS = ("official", "major", "community")
#: The key that marks a number as a default tactful chose (DESIGN.md's *ours*).
OURS = "ours"
_URL = re.compile(r"https?://\S+\Z")


class Source(NamedTuple):
    """A citation: what backs a number in a rule file."""

    key: str
    title: str
    strength: str
    where: Location
    url: str | None = None
    publisher: str | None = None
    year: int | None = None


OURS_SOURCE = Source(OURS, "a default tactful chose where the sources leave it open", "ours", Location("tactful", 1, 1))


def build_sources(reader: Reader, node: YMap) -> dict[str, Source]:
    """The ``sources`` section, each entry checked; ``ours`` is always known."""
    result = {OURS: OURS_SOURCE}
    for key in node:
        where = node.key_locs.get(key, node.loc)
        if key == OURS:
            reader.error(where, "'ours' is tactful's own mark for a number it chose; name your source otherwise")
            continue
        spec = reader.entry(node, key, "source", "{title: …, strength: official}")
        if spec is None:
            continue
        reader.keys(spec, SOURCE_KEYS, f"source '{key}'")
        made = _source(reader, key, spec, where)
        if made is not None:
            result[key] = made
    return result


def _source(reader: Reader, key: str, spec: YMap, where: Location) -> Source | None:
    for name in SOURCE_REQUIRED:
        if not isinstance(spec.get(name), str) or not spec[name].strip():
            reader.error(spec.where(name), f"source '{key}' needs '{name}'" + _strengths(name))
            return None
    if spec["strength"] not in STRENGTHS:
        reader.error(spec.where("strength"), f"source '{key}': strength is one of {', '.join(STRENGTHS)}")
        return None
    url, year, publisher = spec.get("url"), spec.get("year"), spec.get("publisher")
    if url is not None and (not isinstance(url, str) or not _URL.match(url)):
        reader.error(spec.where("url"), f"source '{key}': url is an http(s) address, e.g. https://example.org/page")
        return None
    if year is not None and (not isinstance(year, int) or isinstance(year, bool) or not 1800 <= year <= 2200):
        reader.error(spec.where("year"), f"source '{key}': year is a year such as 2024")
        return None
    if publisher is not None and not isinstance(publisher, str):
        reader.error(spec.where("publisher"), f"source '{key}': publisher is text")
        return None
    return Source(key, spec["title"].strip(), spec["strength"], where, url, publisher, year)


def _strengths(name: str) -> str:
    return f" ({', '.join(STRENGTHS)})" if name == "strength" else ""


def cites(reader: Reader, item: YMap, known: Mapping[str, Source]) -> tuple[str, ...]:
    """The keys ``item``'s ``source`` names (one, or a list), each checked against ``known``."""
    if "source" not in item:
        return ()
    return tuple(_keys(reader, item["source"], item.where("source"), known))


def _keys(reader: Reader, value: Any, where: Location, known: Mapping[str, Source]) -> Iterator[str]:
    items = value if isinstance(value, YSeq) else [value]
    locs = value.locs if isinstance(value, YSeq) else [where]
    if not items:
        reader.error(where, "'source' names a source key, or a list of them")
    for key, loc in zip(items, locs, strict=True):
        if not isinstance(key, str):
            reader.error(loc, "'source' names a source key, or a list of them")
        elif key not in known:
            reader.error(loc, reader.unknown("source", key, known))
        else:
            yield key


def setting_cites(reader: Reader, settings: YMap, known: Mapping[str, Source]) -> dict[str, tuple[str, ...]]:
    """What each setting cites (``settings: source: {NAME: KEY}``), where the citation is written
    in the file that set the value."""
    node = settings.get("source")
    if node is None:
        return {}
    if not isinstance(node, YMap):
        reader.error(settings.where("source"), "settings' 'source' maps each setting to a source key")
        return {}
    result = {}
    for name in node:
        where = node.where(name)
        if name not in settings or name == "source":
            reader.error(
                node.key_locs.get(name, where), reader.unknown("setting", name, [s for s in settings if s != "source"])
            )
            continue
        keys = tuple(_keys(reader, node[name], where, known))
        if keys and settings.where(name).path == where.path:
            result[name] = keys
    return result
