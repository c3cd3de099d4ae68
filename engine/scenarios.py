"""Scenario files: tests of a rule set, written as data and run against a fake clock.

A scenario file names a rule set, the facts of one application (or several), and steps:
move the clock, record an event, and expect a state, the advised actions with their due
moments, the answers of `can`, facts and the pending timer. :func:`read_scenarios` checks a
file against the rule set it names (every mistake at ``file:line:col``); :func:`run` plays
one scenario through an :class:`~tactful.engine.Engine` over a
:class:`~tactful.store.MemoryStore` and a :class:`~tactful.testing.FakeClock`, stopping at
the first step whose expectations fail. docs/rule-authoring.md describes the format.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .durations import parse_duration
from .errors import InputError, Location, Refused, RuleError, RuleErrors
from .facts import FIELDS, check_dates, normalize
from .loader import resolve, shipped_dir
from .records import Recorded, Verdict
from .rulebook import RuleBook
from .ruleset import RuleSet
from .timecalc import zone
from .yamltree import YMap, YSeq

if TYPE_CHECKING:
    from .engine import Engine

FILE_KEYS = ("description", "rules", "application", "start", "scenarios")
SCENARIO_KEYS = ("name", "rules", "application", "applications", "start", "steps")
STEP_KEYS = ("at", "wait", "app", "record", "with", "expect")
EXPECT_KEYS = ("state", "advises", "can", "facts", "timer", "refused", "error", "warns")
CAN_KEYS = ("allowed", "from", "reason")
APP_KEYS = ("company", *FIELDS)
#: Keys that only a rule file has: a file with them and no 'scenarios' was given by mistake.
RULE_FILE_KEYS = frozenset({"extends", "settings", "facts", "derived", "actions", "events", "states", "policies"})
YES = (True, "yes", "y")
NO = (False, "no", "n")


class Expect(NamedTuple):
    """One expectation of a step: ``kind`` (a key of ``expect``), its subject (a channel or
    fact name, else empty) and the value expected."""

    kind: str
    subject: str
    value: Any
    where: Location


class Advice(NamedTuple):
    """An advised action expected, with its due moment and where it was written."""

    action: str
    due: datetime
    where: Location


class CanExpect(NamedTuple):
    allowed: bool
    allowed_from: datetime | None
    reason: str | None


class Step(NamedTuple):
    """A clock move (already worked out: ``now``), an optional event, and expectations."""

    number: int
    app: str
    now: datetime
    record: str | None
    params: Mapping[str, Any]
    expects: tuple[Expect, ...]
    where: Location
    record_where: Location


@dataclass(frozen=True)
class Scenario:
    """One named story: a rule set, applications by label, and steps."""

    name: str
    rules: str
    start: datetime
    applications: Mapping[str, Mapping[str, Any]]
    steps: tuple[Step, ...]
    where: Location
    zones: Mapping[str, tzinfo] = field(default_factory=dict)


@dataclass(frozen=True)
class Mismatch:
    """An expectation that did not hold: what was expected and what happened, as lines."""

    what: str
    expected: tuple[str, ...]
    got: tuple[str, ...]
    where: Location
    step: Step


@dataclass(frozen=True)
class Outcome:
    """How one scenario went; it passed when nothing mismatched."""

    scenario: Scenario
    mismatches: tuple[Mismatch, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.mismatches


# -- finding and reading files ---------------------------------------------------------


def collect(paths: Iterable[str]) -> list[Path]:
    """The scenario files named: files as given, folders searched for ``*.yaml``/``*.yml``.

    Raises:
        InputError: for a path that does not exist, or a folder with no scenario files.
    """
    found: list[Path] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
            if not inside:
                raise InputError(f"{text}: no scenario files (*.yaml) in this folder")
            found += inside
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(f"{text}: no such file or folder")
    return list(dict.fromkeys(found))


def read_scenarios(path: Path, book: RuleBook) -> list[Scenario]:
    """Read and check one scenario file against the rule sets it names.

    Raises:
        RuleErrors: every problem in the file, each at ``file:line:col``, or the problems
            of a rule set it names.
        InputError: when the file cannot be read.
    """
    from .yamltree import read_yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read scenario file {path}: {err}") from None
    try:
        tree = read_yaml(text, str(path))
    except RuleError as err:
        raise RuleErrors([err]) from None
    reader = _Reader(path, book)
    scenarios = reader.file(tree)
    if reader.errors:
        raise RuleErrors(reader.errors)
    return scenarios


def rules_reference(ref: str, base: Path) -> str:
    """How a scenario's ``rules`` is looked up: a shipped name as is, a path made absolute
    (relative to the scenario file's folder).

    Raises:
        InputError: when ``ref`` names nothing.
    """
    path, _ = resolve(ref, base)
    if path == shipped_dir() / f"{ref}.yaml":
        return ref
    return str(path.resolve())


def parse_moment(value: Any, tz: tzinfo, rs: RuleSet) -> datetime:
    """A scenario's moment: ``YYYY-MM-DD`` (the start of contact hours that day) or
    ``YYYY-MM-DD HH:MM[:SS][+HH:MM]``, in ``tz`` unless it carries an offset.

    Raises:
        ValueError: with the form expected.
    """
    text = str(value).strip()
    try:
        if len(text) == 10:
            return rs.calendar.at_start(date.fromisoformat(text), tz)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a moment; write YYYY-MM-DD or YYYY-MM-DD HH:MM[+HH:MM]") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


class _Reader:
    """Checks a scenario file's tree and builds its scenarios, collecting every problem."""

    def __init__(self, path: Path, book: RuleBook) -> None:
        self.path = path
        self.book = book
        self.errors: list[RuleError] = []

    def error(self, where: Location, message: str) -> None:
        self.errors.append(RuleError(where, message))

    def keys(self, node: YMap, allowed: Collection[str], what: str) -> None:
        for key in node:
            if key not in allowed:
                close = difflib.get_close_matches(key, list(allowed), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else f"; expected one of: {', '.join(allowed)}"
                self.error(node.key_locs[key], f"unknown key '{key}' in {what}{hint}")

    def unknown(self, kind: str, name: Any, known: Collection[str]) -> str:
        close = difflib.get_close_matches(str(name), list(known), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known: {', '.join(sorted(known)) or 'none'}"
        return f"unknown {kind} '{name}'{hint}"

    # -- the file and each scenario ----------------------------------------------------

    def file(self, tree: Any) -> list[Scenario]:
        top = Location(str(self.path), 1, 1)
        if not isinstance(tree, YMap):
            self.error(top, "a scenario file is a mapping with 'rules' and 'scenarios'")
            return []
        if RULE_FILE_KEYS & set(tree) and "scenarios" not in tree:
            self.error(
                top,
                (
                    "this is a rule file, not a scenario file (scenario files have 'scenarios' and usually sit in a "
                    "'scenarios' folder beside the rules); 'tactful rules validate' checks rule files"
                ),
            )
            return []
        self.keys(tree, FILE_KEYS, "the scenario file")
        if isinstance(tree.get("application"), YMap):
            self.keys(tree["application"], APP_KEYS, "an application")
        items = tree.get("scenarios")
        if not isinstance(items, YSeq) or not items:
            self.error(tree.where("scenarios"), "'scenarios' is a list of scenarios, each with 'name' and 'steps'")
            return []
        result = []
        for item, where in zip(items, items.locs, strict=True):
            if not isinstance(item, YMap):
                self.error(where, "each scenario is a mapping with 'name', 'application' and 'steps'")
                continue
            scenario = self.scenario(item, where, tree)
            if scenario is not None:
                result.append(scenario)
        names = [s.name for s in result]
        for scenario in result:
            if names.count(scenario.name) > 1:
                self.error(scenario.where, f"two scenarios are named {scenario.name!r}; give each its own name")
                break
        return result

    def scenario(self, node: YMap, where: Location, top: YMap) -> Scenario | None:
        self.keys(node, SCENARIO_KEYS, "a scenario")
        name = node.get("name")
        if not isinstance(name, str) or not name.strip():
            self.error(node.where("name"), "each scenario needs a 'name': a sentence saying what it shows")
            name = f"scenario at line {where.line}"
        rs, ref = self.rules(node, top)
        if rs is None or ref is None:
            return None
        apps = self.applications(node, top)
        if not apps:
            return None
        zones = {label: zone(str(facts.get("timezone") or "UTC")) for label, facts in apps.items()}
        first = next(iter(apps))
        start = self.start(node, top, rs, zones[first], apps[first])
        steps = self.steps(node, rs, apps, zones, start)
        return Scenario(name, ref, start, apps, tuple(steps), where, zones)

    def rules(self, node: YMap, top: YMap) -> tuple[RuleSet | None, str | None]:
        owner = node if "rules" in node else top
        ref = owner.get("rules")
        if not isinstance(ref, str) or not ref:
            self.error(owner.where("rules"), "name the rule set under test: 'rules: default', or a path to a rule file")
            return None, None
        try:
            reference = rules_reference(ref, self.path.parent)
            return self.book.get(reference), reference
        except InputError as err:
            self.error(owner.where("rules"), str(err))
        except RuleErrors as err:
            self.errors += err.errors
        return None, None

    def applications(self, node: YMap, top: YMap) -> dict[str, dict[str, Any]]:
        given = top.get("application")
        shared = given if isinstance(given, YMap) else YMap(top.loc)
        if "application" in top and not isinstance(given, YMap):
            self.error(top.where("application"), "'application' is a mapping of facts, as 'tactful add' takes them")
        if "application" in node and "applications" in node:
            self.error(node.key_locs["applications"], "give 'application' (one) or 'applications' (several), not both")
            return {}
        many = node.get("applications")
        if many is not None:
            if not isinstance(many, YMap) or not many:
                self.error(node.where("applications"), "'applications' maps a label to each application's facts")
                return {}
            own = {label: many[label] for label in many}
        else:
            own = {"": node.get("application", YMap(node.loc))}
        result = {}
        for label, facts in own.items():
            where = (
                many.where(label) if many is not None else (node if "application" in node else top).where("application")
            )
            checked = self.facts(shared, facts, where)
            if checked is not None:
                result[label] = checked
        return result if len(result) == len(own) else {}

    def facts(self, shared: YMap, own: Any, where: Location) -> dict[str, Any] | None:
        if not isinstance(own, YMap):
            self.error(where, "an application is a mapping of facts: company, interviewed, timezone…")
            return None
        self.keys(own, APP_KEYS, "an application")
        merged = {**shared, **own}
        if any(key not in APP_KEYS for key in merged):
            return None
        company = str(merged.pop("company", "") or "").strip()
        if not company:
            self.error(where, "an application needs its 'company'")
            return None
        try:
            facts = normalize(merged, new=True)
            check_dates(facts)
            return {"company": company, **facts}
        except InputError as err:
            bad = next((k for k in merged if f"--{k.replace('_', '-')}" in str(err)), "")
            self.error(own.where(bad) if bad in own else shared.where(bad) if bad in shared else where, str(err))
            return None

    def start(self, node: YMap, top: YMap, rs: RuleSet, tz: tzinfo, facts: Mapping[str, Any]) -> datetime:
        owner = node if "start" in node else top
        if "start" in owner:
            moment = self.moment(owner.get("start"), owner.where("start"), tz, rs)
            if moment is not None:
                return moment
        return rs.calendar.at_start(date.fromisoformat(facts["interviewed"]), tz)

    def moment(self, value: Any, where: Location, tz: tzinfo, rs: RuleSet) -> datetime | None:
        try:
            return parse_moment(value, tz, rs)
        except ValueError as err:
            self.error(where, str(err))
            return None

    # -- steps ---------------------------------------------------------------------------

    def steps(
        self, node: YMap, rs: RuleSet, apps: Mapping[str, Any], zones: Mapping[str, tzinfo], start: datetime
    ) -> list[Step]:
        items = node.get("steps")
        if not isinstance(items, YSeq) or not items:
            self.error(node.where("steps"), "a scenario needs 'steps': a list of clock moves, events and expectations")
            return []
        now, result = start, []
        for number, (item, where) in enumerate(zip(items, items.locs, strict=True), start=1):
            if not isinstance(item, YMap):
                self.error(where, "each step is a mapping: 'at' or 'wait', 'record', 'with', 'expect'")
                continue
            self.keys(item, STEP_KEYS, "a step")
            label = self.label(item, apps)
            now = self.clock(item, now, zones[label], rs)
            record, params = self.event(item, rs)
            expects = self.expects(item, rs, zones[label])
            if record is None and not expects and not ("at" in item or "wait" in item):
                self.error(where, "this step does nothing; give it 'at' or 'wait', 'record', or 'expect'")
            result.append(Step(number, label, now, record, params, tuple(expects), where, item.where("record")))
        return result

    def label(self, item: YMap, apps: Mapping[str, Any]) -> str:
        first = next(iter(apps))
        if "app" not in item:
            return first
        if first == "":
            self.error(item.where("app"), "'app' picks one of the scenario's 'applications'; it has only one")
            return first
        if item["app"] not in apps:
            self.error(item.where("app"), self.unknown("application", item["app"], apps))
            return first
        return str(item["app"])

    def clock(self, item: YMap, now: datetime, tz: tzinfo, rs: RuleSet) -> datetime:
        if "at" in item and "wait" in item:
            self.error(item.key_locs["wait"], "give 'at' (a moment) or 'wait' (a duration), not both")
            return now
        if "wait" in item:
            try:
                return now + parse_duration(item["wait"])
            except ValueError as err:
                self.error(item.where("wait"), f"'wait': {err}")
                return now
        if "at" not in item:
            return now
        moment = self.moment(item["at"], item.where("at"), tz, rs)
        if moment is None:
            return now
        if moment < now:
            shown = now.astimezone(tz).strftime("%Y-%m-%d %H:%M")
            self.error(item.where("at"), f"this moves the clock back from {shown}; steps go forward in time")
            return now
        return moment

    def event(self, item: YMap, rs: RuleSet) -> tuple[str | None, dict[str, Any]]:
        if "with" in item and "record" not in item:
            self.error(item.key_locs["with"], "'with' gives the options of the event in 'record'")
        if "record" not in item:
            return None, {}
        name = str(item["record"]).replace("-", "_")
        if name not in rs.events:
            self.error(item.where("record"), self.unknown("event", item["record"], rs.events))
            return None, {}
        given = item.get("with", YMap(item.loc))
        if not isinstance(given, YMap):
            self.error(item.where("with"), "'with' maps the event's options to values, e.g. {outcome: no_answer}")
            return name, {}
        params = {}
        for key, value in given.items():
            param = key.replace("-", "_")
            takes = rs.events[name].params
            if param not in takes:
                close = difflib.get_close_matches(param, list(takes), n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"it takes: {', '.join(takes) or 'none'}"
                self.error(given.key_locs[key], f"'{name}' has no option '{key}'; {hint}")
            params[param] = value
        return name, params

    def expects(self, item: YMap, rs: RuleSet, tz: tzinfo) -> list[Expect]:
        node = item.get("expect")
        if node is None:
            return []
        if not isinstance(node, YMap):
            self.error(item.where("expect"), "'expect' is a mapping: state, advises, can, facts, timer…")
            return []
        self.keys(node, EXPECT_KEYS, "'expect'")
        if ("refused" in node or "error" in node or "warns" in node) and "record" not in item:
            key = next(k for k in ("refused", "error", "warns") if k in node)
            self.error(node.key_locs[key], f"'{key}' is about the event this step records; add 'record'")
        result: list[Expect] = []
        for key in node:
            if key in EXPECT_KEYS:
                result += self.expect(key, node[key], node.where(key), rs, tz)
        return result

    def expect(self, key: str, value: Any, where: Location, rs: RuleSet, tz: tzinfo) -> list[Expect]:
        if key == "state":
            if value not in rs.states:
                self.error(where, self.unknown("state", value, rs.states))
            return [Expect(key, "", str(value), where)]
        if key == "advises":
            return [Expect(key, "", self.advises(value, where, rs, tz), where)]
        if key == "can":
            return self.cans(value, where, rs, tz)
        if key == "facts":
            return self.fact_values(value, where, rs)
        if key == "timer":
            moment = None if value is None else self.moment(value, where, tz, rs)
            return [Expect(key, "", moment, where)]
        if key == "warns":
            texts = [value] if isinstance(value, str) else value
            if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                self.error(where, "'warns' is a piece of each warning expected, or a list of them")
                return []
            return [Expect(key, "", tuple(texts), where)]
        if not isinstance(value, str) or not value:
            self.error(where, f"'{key}' is a piece of the message expected, e.g. {key}: reneging")
            return []
        return [Expect(key, "", value, where)]

    def advises(self, value: Any, where: Location, rs: RuleSet, tz: tzinfo) -> tuple[Advice, ...]:
        if not isinstance(value, YSeq):
            self.error(where, "'advises' is a list of 'action: due' entries, e.g. [call: 2026-05-21]; [] for none")
            return ()
        result = []
        for entry, loc in zip(value, value.locs, strict=True):
            if not isinstance(entry, YMap) or len(entry) != 1:
                self.error(loc, "each advised action is written 'action: due', e.g. call: 2026-05-21")
                continue
            action, due = next(iter(entry.items()))
            if action not in rs.actions:
                self.error(entry.key_locs[action], self.unknown("action", action, rs.actions))
            moment = self.moment(due, entry.where(action), tz, rs)
            if moment is not None:
                result.append(Advice(str(action), moment, loc))
        return tuple(sorted(result, key=lambda a: (a.due.timestamp(), a.action)))

    def cans(self, value: Any, where: Location, rs: RuleSet, tz: tzinfo) -> list[Expect]:
        if not isinstance(value, YMap):
            self.error(where, "'can' maps a channel to yes or no, e.g. {call: no, twitter_follow: yes}")
            return []
        result = []
        for name, answer in value.items():
            channel = name.replace("-", "_")
            loc = value.where(name)
            if rs.channel_of(channel) is None:
                self.error(value.key_locs[name], self.unknown("channel or action", name, [*rs.policies, *rs.actions]))
                continue
            expected = self.can(answer, loc, rs, tz)
            if expected is not None:
                result.append(Expect("can", channel, expected, loc))
        return result

    def can(self, answer: Any, where: Location, rs: RuleSet, tz: tzinfo) -> CanExpect | None:
        if isinstance(answer, YMap):
            self.keys(answer, CAN_KEYS, "a 'can' answer")
            allowed = self.can(answer.get("allowed"), answer.where("allowed"), rs, tz)
            since = answer.get("from")
            moment = None if since is None else self.moment(since, answer.where("from"), tz, rs)
            reason = answer.get("reason")
            if allowed is None:
                return None
            return CanExpect(allowed.allowed, moment, None if reason is None else str(reason))
        lowered = answer.lower() if isinstance(answer, str) else answer
        if lowered in YES or lowered in NO:
            return CanExpect(lowered in YES, None, None)
        self.error(where, "a 'can' answer is yes or no, or {allowed: no, from: DATE, reason: TEXT}")
        return None

    def fact_values(self, value: Any, where: Location, rs: RuleSet) -> list[Expect]:
        if not isinstance(value, YMap):
            self.error(where, "'facts' maps a fact to its value, e.g. {calls_made: 1}")
            return []
        result = []
        for name, expected in value.items():
            if rs.fact_type(name) is None:
                known = [*rs.facts, *FIELDS]
                self.error(value.key_locs[name], self.unknown("fact", name, known))
                continue
            result.append(Expect("facts", name, expected, value.where(name)))
        return result


# -- running -------------------------------------------------------------------------------


def run(scenario: Scenario, book: RuleBook) -> Outcome:
    """Play ``scenario`` on a fresh in-memory engine; stop at the first step that fails."""
    from .engine import Engine
    from .store import MemoryStore
    from .testing import FakeClock

    clock = FakeClock(scenario.start)
    engine = Engine(MemoryStore(), clock, book)
    ids = {}
    for label, facts in scenario.applications.items():
        given = {k: v for k, v in facts.items() if k != "company"}
        ids[label] = engine.add(str(facts["company"]), rules=scenario.rules, **given).id or 0
    for step in scenario.steps:
        clock.set(step.now)
        mismatches = _play(engine, ids[step.app], step, scenario.zones[step.app])
        if mismatches:
            return Outcome(scenario, tuple(mismatches))
    return Outcome(scenario)


class TactfulProblem(NamedTuple):
    """An event the engine refused (exit 1) or rejected as bad input (exit 2)."""

    error: Refused | InputError

    def describe(self) -> str:
        kind = "refused" if isinstance(self.error, Refused) else "error"
        return f"{kind}: {self.error}"


def _play(engine: Engine, app_id: int, step: Step, tz: tzinfo) -> list[Mismatch]:
    done: Recorded | TactfulProblem | None = None
    if step.record is not None:
        try:
            done = engine.record(app_id, step.record, **step.params)
        except (Refused, InputError) as err:
            done = TactfulProblem(err)
    found = _check_event(step, done)
    for expect in step.expects:
        if expect.kind not in ("refused", "error", "warns"):
            found += _check(engine, app_id, expect, step, tz)
    return found


def _check_event(step: Step, done: Recorded | TactfulProblem | None) -> list[Mismatch]:
    if done is None:
        return []
    got = done.describe() if isinstance(done, TactfulProblem) else "recorded"
    wanted = {e.kind: e for e in step.expects if e.kind in ("refused", "error", "warns")}
    result = []
    for kind in ("refused", "error"):
        if kind in wanted:
            expect = wanted[kind]
            hit = isinstance(done, TactfulProblem) and got.startswith(kind) and expect.value in str(done.error)
            if not hit:
                result.append(Mismatch(f"recording '{step.record}'", (f"{kind}: …{expect.value}…",), (got,),
                                       expect.where, step))  # fmt: skip
    if isinstance(done, TactfulProblem) and not ({"refused", "error"} & set(wanted)):
        result.append(Mismatch(f"recording '{step.record}'", ("recorded",), (got,), step.record_where, step))
    if "warns" in wanted and isinstance(done, Recorded):
        expect = wanted["warns"]
        if not all(any(piece in w for w in done.warnings) for piece in expect.value):
            result.append(Mismatch("warnings", tuple(f"…{p}…" for p in expect.value), done.warnings or ("(none)",),
                                   expect.where, step))  # fmt: skip
    return result


def _check(engine: Engine, app_id: int, expect: Expect, step: Step, tz: tzinfo) -> list[Mismatch]:
    app = engine.get(app_id)
    if expect.kind == "state":
        return _compare("state", (expect.value,), (app.state,), expect, step)
    if expect.kind == "advises":
        got = [(a.action, a.due) for a in engine.advise(app_id)]
        wanted = [(a.action, a.due) for a in expect.value]
        missing = [a.where for a in expect.value if (a.action, a.due) not in got]
        pointed = expect._replace(where=missing[0]) if missing else expect
        return _compare("advised actions", _advice_lines(wanted, tz), _advice_lines(got, tz), pointed, step)
    if expect.kind == "timer":
        wanted, have = expect.value, app.next_due
        return _compare("pending timer", (_when(wanted, tz),), (_when(have, tz),), expect, step, wanted == have)
    if expect.kind == "can":
        verdict = engine.check(app_id, expect.subject)
        ok = _can_matches(expect.value, verdict)
        return _compare(f"can {expect.subject}", (_can_line(expect.value, tz),), (_verdict_line(verdict, tz),),
                        expect, step, ok)  # fmt: skip
    return _check_fact(engine.rules_for(app), app.facts, expect, step, tz)


def _check_fact(rs: RuleSet, facts: Mapping[str, Any], expect: Expect, step: Step, tz: tzinfo) -> list[Mismatch]:
    name, wanted = expect.subject, expect.value
    have = facts.get(name, rs.facts[name].default if name in rs.facts else None)
    same = wanted == have
    shown = (str(wanted), str(have))
    if rs.fact_type(name) == "datetime" and wanted is not None and have is not None:
        try:
            moment = parse_moment(wanted, tz, rs)
        except ValueError:
            moment = None
        same = moment == datetime.fromisoformat(str(have))
        shown = (_when(moment, tz) if moment else str(wanted), _when(datetime.fromisoformat(str(have)), tz))
    return _compare(f"fact {name}", (f"{name}: {shown[0]}",), (f"{name}: {shown[1]}",), expect, step, same)


def _compare(
    what: str, expected: Sequence[str], got: Sequence[str], expect: Expect, step: Step, same: bool | None = None
) -> list[Mismatch]:
    if (list(expected) == list(got)) if same is None else same:
        return []
    return [Mismatch(what, tuple(expected), tuple(got), expect.where, step)]


def _when(moment: datetime | None, tz: tzinfo) -> str:
    if moment is None:
        return "none"
    local = moment.astimezone(tz)
    return local.strftime("%Y-%m-%d %H:%M" + (":%S" if local.second else ""))


def _advice_lines(items: Iterable[tuple[str, datetime]], tz: tzinfo) -> tuple[str, ...]:
    return tuple(f"{action}: {_when(due, tz)}" for action, due in items) or ("(nothing)",)


def _can_matches(expected: CanExpect, verdict: Verdict) -> bool:
    if expected.allowed != verdict.allowed:
        return False
    if expected.allowed_from is not None and expected.allowed_from != verdict.allowed_from:
        return False
    return expected.reason is None or expected.reason in verdict.reason


def _can_line(expected: CanExpect, tz: tzinfo) -> str:
    text = "yes" if expected.allowed else "no"
    if expected.allowed_from is not None:
        text += f", from {_when(expected.allowed_from, tz)}"
    return text + (f" (…{expected.reason}…)" if expected.reason else "")


def _verdict_line(verdict: Verdict, tz: tzinfo) -> str:
    text = "yes" if verdict.allowed else "no"
    if verdict.allowed_from is not None:
        text += f", from {_when(verdict.allowed_from, tz)}"
    return f"{text} ({verdict.reason})"


# -- reporting -------------------------------------------------------------------------------


def describe(mismatch: Mismatch, tz: tzinfo) -> list[str]:
    """A failed expectation as lines: where, what, then expected and got (a diff for lists)."""
    step = mismatch.step
    lines = [f"{mismatch.where}: {mismatch.what}, at step {step.number} ({_when(step.now, tz)} {tz})"]
    if len(mismatch.expected) == 1 and len(mismatch.got) == 1:
        return [*lines, f"    expected: {mismatch.expected[0]}", f"    got:      {mismatch.got[0]}"]
    lines.append("    (- expected, + got)")
    for line in difflib.ndiff(list(mismatch.expected), list(mismatch.got)):
        if line[:1] in ("-", "+", " "):
            lines.append(f"    {line}")
    return lines


def summary(outcomes: Sequence[Outcome]) -> str:
    """The last line of a run: ``N passed, N failed``."""
    failed = sum(not o.passed for o in outcomes)
    return f"{len(outcomes) - failed} passed, {failed} failed"
