"""`tactful rules migrate`: move applications in flight onto the current version of their
rule file, where that is safe, and say what changes.

An application runs under the rule set it started with (see :mod:`tactful.stores.pinning`). When
its file has changed, migrating compares what is advised under the old and the new rules
as of now, and applies the new rules only when the application's state still exists and
every fact it holds keeps its type. Otherwise it refuses, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ..errors import InputError, RuleErrors
from ..language.ruleset import RuleSet
from ..runtime import core
from ..vocabulary.records import Advised, Application, LogEntry, snapshot

if TYPE_CHECKING:
    from ..engine import Engine


@dataclass(frozen=True, slots=True)
class Migration:
    """What migrating one application would do."""

    app: Application
    old_hash: str
    new_hash: str | None
    safe: bool
    reason: str
    changes: tuple[str, ...] = ()


def plan(engine: Engine, now: datetime) -> list[Migration]:
    """A migration for every application whose rule file changed since it started."""
    result = []
    for app in engine.applications(now):
        try:
            current = engine.rules.get(app.rules)
        except (RuleErrors, InputError) as err:
            first = str(err).splitlines()[0]
            result.append(Migration(app, app.rules_hash, None, False, f"its rule file cannot be loaded: {first}"))
            continue
        if current.hash != app.rules_hash:
            result.append(_compare(engine, app, engine.rules_for(app), current, now))
    return result


def _compare(engine: Engine, app: Application, old: RuleSet, new: RuleSet, now: datetime) -> Migration:
    refusal = _refusal(app, old, new)
    if refusal:
        return Migration(app, old.hash, new.hash, False, refusal)
    moved = app._replace(rules_hash=new.hash)
    portfolio = engine.portfolio(moved)
    moved, _ = core.catch_up(new, core.with_timer(new, moved, portfolio), now, portfolio, preview=True)
    before = core.advise(old, app, now, engine.portfolio(app))
    after = core.advise(new, moved, now, portfolio)
    changes = _differences(before, after)
    if moved.state != app.state:
        changes.insert(0, f"state: {app.state} -> {moved.state} (timers due under the new rules fire)")
    return Migration(app, old.hash, new.hash, True, "safe", tuple(changes) or ("nothing advised changes",))


def _refusal(app: Application, old: RuleSet, new: RuleSet) -> str | None:
    if app.state not in new.states:
        return f"its state '{app.state}' no longer exists in the new rules"
    for name in app.facts:
        if old.fact_type(name) is not None and new.fact_type(name) not in (None, old.fact_type(name)):
            return f"the fact '{name}' changes type ({old.fact_type(name)} -> {new.fact_type(name)})"
    return None


def _differences(before: list[Advised], after: list[Advised]) -> list[str]:
    old = {a.action: a.due for a in before}
    new = {a.action: a.due for a in after}
    lines = []
    for action in sorted(old.keys() | new.keys()):
        if action not in new:
            lines.append(f"{action}: no longer advised (was due {old[action]:%Y-%m-%d %H:%M})")
        elif action not in old:
            lines.append(f"{action}: newly advised, due {new[action]:%Y-%m-%d %H:%M}")
        elif old[action] != new[action]:
            lines.append(f"{action}: due {old[action]:%Y-%m-%d %H:%M} -> {new[action]:%Y-%m-%d %H:%M}")
    return lines


def apply(engine: Engine, migrations: list[Migration], now: datetime) -> list[Migration]:
    """Move every safe migration's application onto its new rules, each in a transaction
    with a history row that `undo` can take back; the ones applied."""
    from ..stores.pinning import keep

    done = []
    for migration in migrations:
        if not migration.safe or migration.new_hash is None:
            continue
        app = engine.load(migration.app.id or 0)
        new = engine.rules.get(app.rules)
        engine.store.keep_rules([(new.hash, app.rules, keep(new))])
        entry = LogEntry("migrate", "migrated", now, now, app.state, app.state,
                         {"from": app.rules_hash, "to": new.hash}, snapshot(app))  # fmt: skip
        engine.save_correction(new, app._replace(rules_hash=new.hash), now, entry)
        done.append(migration)
    return done
