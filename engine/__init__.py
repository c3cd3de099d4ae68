"""tactful: the follow-up etiquette after a job interview, as rules you can edit.

The embedding API::

    from tactful import Engine, MemoryStore
    engine = Engine(MemoryStore(), clock=lambda: now)
    app = engine.add("Northwind", interviewed="2026-05-04")
    engine.record(app.id, "thank_you_sent")
    engine.advise(app.id); engine.check(app.id, "call"); engine.tick()
    engine.drafts(app.id)   # [Draft(action="send_thank_you", subject=…, body=…)]
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .vocabulary.version import __version__ as __version__

#: Every public name, and the module it lives in. Anything not listed here is internal and
#: may move between releases; the modules ``tactful.hookspecs`` (plugin authors) and
#: ``tactful.testing`` (tests of plugins and embedding apps) are public too.
_WHERE = {
    "Engine": "engine", "Fired": "vocabulary.records",
    "InputError": "errors", "Location": "errors", "Refused": "errors", "RuleError": "errors",
    "RuleErrors": "errors", "TactfulError": "errors",
    "load_rules": "language.loader", "shipped_names": "language.loader",
    "RuleBook": "language.rulebook", "RuleSet": "language.ruleset",
    "SQLiteStore": "stores.sqlite_store", "PostgresStore": "stores.postgres_store", "open_store": "stores.opening",
    "StoreUnavailable": "errors",
    "Change": "stores.store", "Conflict": "stores.store", "MemoryStore": "stores.store", "Store": "stores.store",
    "Advised": "vocabulary.records", "Application": "vocabulary.records", "Draft": "vocabulary.records",
    "LogEntry": "vocabulary.records", "Recorded": "vocabulary.records", "Verdict": "vocabulary.records",
}  # fmt: skip

__all__ = [
    "Advised", "Application", "Change", "Conflict", "Draft", "Engine", "Fired", "InputError", "Location",
    "LogEntry", "MemoryStore", "Recorded", "Refused", "RuleBook", "RuleError", "RuleErrors", "RuleSet",
    "PostgresStore", "SQLiteStore", "Store", "StoreUnavailable", "TactfulError", "Verdict", "load_rules",
    "open_store", "shipped_names",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562), so ``tactful --version`` pays for none."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'tactful' has no attribute '{name}'")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return [*__all__, "__version__"]


if TYPE_CHECKING:
    from .engine import Engine
    from .errors import InputError, Location, Refused, RuleError, RuleErrors, StoreUnavailable, TactfulError
    from .language.loader import load_rules, shipped_names
    from .language.rulebook import RuleBook
    from .language.ruleset import RuleSet
    from .stores.opening import open_store
    from .stores.postgres_store import PostgresStore
    from .stores.sqlite_store import SQLiteStore
    from .stores.store import Change, Conflict, MemoryStore, Store
    from .vocabulary.records import Advised, Application, Draft, Fired, LogEntry, Recorded, Verdict
