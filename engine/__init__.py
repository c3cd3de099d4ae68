"""tactful: the follow-up etiquette after a job interview, as rules you can edit.

The embedding API::

    from tactful import Engine, MemoryStore
    engine = Engine(MemoryStore(), clock=lambda: now)
    app = engine.add("Northwind", interviewed="2026-05-04")
    engine.record(app.id, "thank_you_sent")
    engine.advise(app.id); engine.check(app.id, "call"); engine.tick()
    engine.drafts(app.id)   # [Draft(action="send_thank_you", subject=…, body=…)]
"""

from .engine import Engine, Fired
from .errors import InputError, Location, Refused, RuleError, RuleErrors, TactfulError
from .loader import load_rules, shipped_names
from .records import Advised, Application, Draft, LogEntry, Recorded, Verdict
from .rulebook import RuleBook
from .ruleset import RuleSet
from .sqlite_store import SQLiteStore
from .store import Change, Conflict, MemoryStore, Store

__version__ = "0.1.0"
__all__ = [
    "Advised", "Application", "Change", "Conflict", "Draft", "Engine", "Fired", "InputError", "Location",
    "LogEntry", "MemoryStore", "Recorded", "Refused", "RuleBook", "RuleError", "RuleErrors", "RuleSet",
    "SQLiteStore", "Store", "TactfulError", "Verdict", "load_rules", "shipped_names",
]  # fmt: skip
