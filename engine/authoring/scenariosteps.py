"""A scenario's steps: what a step is, and reading the steps of a scenario file.

A step moves the clock (``at`` a moment or ``wait`` a duration), may record an event (``record``
with its options in ``with``) and may ``expect`` things of the application: its state, the
advised actions with their due moments, the answers of `can`, facts, the pending timer, and
how the event went. :class:`StepReader` checks the steps against the rule set under test and
builds :class:`Step` values, collecting every problem at ``file:line:col``;
:mod:`tactful.authoring.scenarios` builds on it to read whole files.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, tzinfo
from typing import Any, NamedTuple

from ..errors import Location, Problems, did_you_mean
from ..language.durations import parse_duration
from ..language.ruleset import RuleSet
from ..language.yamltree import YMap, YSeq
from ..runtime.facts import FIELDS
from ..vocabulary.text import quoted

STEP_KEYS = ("at", "wait", "app", "record", "with", "expect")
EXPECT_KEYS = ("state", "advises", "can", "facts", "timer", "refused", "error", "warns")
CAN_KEYS = ("allowed", "from", "reason")
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
        raise ValueError(f"{quoted(text)} is not a moment; write YYYY-MM-DD or YYYY-MM-DD HH:MM[+HH:MM]") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


class StepReader(Problems):
    """Checks a scenario's steps and builds them, collecting every problem."""

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
                hint = did_you_mean(param, takes, f"; it takes: {', '.join(takes) or 'none'}")
                self.error(given.key_locs[key], f"'{name}' has no option '{key}'{hint}")
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
