"""Which country a time zone is in: the time-zone database's own table (zone.tab, else
zone1970.tab), read from the system's zone folders or the ``tzdata`` package. The default
holidays of an application are the public holidays of its interviewer's zone's country.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

#: The tables that map zones to countries, the one-country-per-zone table first.
TABLES = ("zone.tab", "zone1970.tab")


def zone_country(name: str) -> str | None:
    """The ISO 3166 code of the country zone ``name`` is in (``Europe/Berlin``: ``DE``), or
    None (``UTC``, an unknown zone, or no table on this system)."""
    return _table().get(name)


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    for text in _texts():
        found: dict[str, str] = {}
        for line in text.splitlines():
            if line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) >= 3:
                found.setdefault(fields[2].strip(), fields[0].split(",")[0].strip())
        if found:
            return found
    return {}


def _texts() -> list[str]:
    """The tables' texts, the system's first, then the ``tzdata`` package's."""
    import zoneinfo

    texts = []
    for table in TABLES:
        for folder in zoneinfo.TZPATH:
            path = Path(folder) / table
            if path.is_file():
                texts.append(path.read_text(encoding="utf-8", errors="replace"))
                break
        else:
            texts += _packaged(table)
    return texts


def _packaged(table: str) -> list[str]:
    try:
        from importlib.resources import files

        return [files("tzdata").joinpath("zoneinfo", table).read_bytes().decode("utf-8", "replace")]
    except (ImportError, OSError, ValueError):
        return []
