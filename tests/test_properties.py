"""Property-based tests: random event sequences through the shipped rule sets keep the etiquette.

One job seeker, driven through the pure core at random times and in random interviewer time
zones, does only what `can` allows (the employer and the other applications do as they
please); several applications driven through an Engine over a MemoryStore and a FakeClock try
to accept every offer they get. Whatever happens:

- never more counted calls than the limit;
- never two accepted offers, and `can accept_offer` says no once another stands accepted;
- every advised contact is due on a contact day within contact hours (a callback stands at the
  time the employer gave), and `can` never allows a call, note or email before one is due, nor a
  call out of hours unless it is the callback the employer asked for;
- never a LinkedIn invitation allowed before a decision;
- catching up without the state machine (as show, list, agenda and `can` do) gives the same
  record and history rows as firing the timers through it;
- every expression of the rule set gives, as the function it is compiled to, what evaluating its
  tree in the namespace gives (the same value, or the same error).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tactful import Engine, InputError, MemoryStore, Refused, RuleBook, RuleError, load_rules
from tactful.language.expr import Expression
from tactful.language.namespace import Namespace, Portfolio
from tactful.language.ruleset import RuleSet
from tactful.runtime import core
from tactful.runtime.machine import fire_through_machine, unguarded
from tactful.runtime.notify import Notice
from tactful.runtime.policy import judge
from tactful.testing import FakeClock
from tactful.vocabulary.jsontext import dumps
from tactful.vocabulary.records import Other
from tactful.vocabulary.timecalc import stamp, zone

ROOT = Path(__file__).resolve().parents[1]
RULE_SETS = {ref: load_rules(ref) for ref in ("default", "small-company", str(ROOT / "examples/rules/one-call.yaml"))}
ZONES = ("UTC", "America/New_York", "Europe/Paris", "Asia/Tokyo")
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: An Engine over a MemoryStore costs more per step than the pure core.
ENGINE_SETTINGS = settings(SETTINGS, max_examples=100)

#: What may happen in one step: the job seeker's moves (made only when `can` says yes), the
#: employer's, and the other applications'; the seeker's moves more often than decisions.
MOVES = (
    *["follow advice"] * 8, *["call"] * 3, *["call noncommittal"] * 4, *["call back requested"] * 2, *["note"] * 2,
    "email", *["thank"] * 2, *["competing offer"] * 3, "other accepted", "news",
    "accept", "decline", "offer", "offer with deadline", "rejected",
)  # fmt: skip
#: A step waits, then moves: until the next advised moment or timer (None), until the next
#: contact hour ("contact"), or so many minutes.
waits = st.none() | st.just("contact") | st.integers(min_value=0, max_value=4 * 24 * 60)
steps = st.lists(st.tuples(st.sampled_from(MOVES), waits), min_size=1, max_size=30)


@dataclass
class Seeker:
    """One application run through the pure core, with the clock moved by hand."""

    rs: RuleSet
    app: Any
    now: datetime
    others: list[Other] = field(default_factory=list)

    @classmethod
    def start(cls, rs: RuleSet, tz: str, no_calls: bool, email_invited: bool, decision_in: int | None) -> Seeker:
        interviewed = datetime(2026, 5, 4, 17, 0, tzinfo=zone(tz))
        facts: dict[str, Any] = {"interviewed": "2026-05-04", "timezone": tz, "rank": 1, "no_calls": no_calls,
                                 "email_invited": email_invited}  # fmt: skip
        if decision_in is not None:
            facts["decision_by"] = (interviewed + timedelta(days=decision_in)).date().isoformat()
        app, _ = core.start(rs, "Northwind", facts, interviewed, "test")
        return cls(rs, app, interviewed)

    def portfolio(self) -> Portfolio:
        return Portfolio(tuple(self.others))

    def wait(self, minutes: int | str | None) -> None:
        """Let ``minutes`` pass, or wait for the next contact hour, or (None) the next advised moment or timer."""
        if minutes == "contact":
            tz = zone(self.app.facts["timezone"])
            self.now = self.rs.calendar.forward((self.now + timedelta(hours=1)).astimezone(tz))
        elif minutes is None:
            later = [m for a in self.advised() for m in (a.start, a.due) if m > self.now]
            later += [self.app.next_due] if self.app.next_due else []
            self.now = min(later, default=self.now + timedelta(days=1))
        else:
            self.now += timedelta(minutes=int(minutes))
        self.app = self.catch_up(self.app)

    def can(self, channel: str) -> bool:
        return judge(self.rs, self.app, channel, self.now, self.portfolio()).allowed

    def record(self, event: str, **params: Any) -> None:
        try:
            done = core.record(self.rs, self.app, event, params, self.now, self.now, self.portfolio())
        except (InputError, Refused):
            return
        self.app = self.catch_up(done.app)

    def catch_up(self, app: Any) -> Any:
        """``app`` with its timers fired through the machine, checked against a preview."""
        fired = core.catch_up(self.rs, app, self.now, self.portfolio())
        assert core.catch_up(self.rs, app, self.now, self.portfolio(), preview=True) == fired
        return fired[0]

    def advised(self) -> list[Any]:
        return core.advise(self.rs, self.app, self.now, self.portfolio())

    def move(self, move: str) -> None:
        """Do ``move``; the job seeker's own only when `can` allows its channel."""
        callback_at = self.now + timedelta(days=1, hours=3)
        seeker = {
            "call": ("call", "called", {"outcome": "no_answer"}),
            "call noncommittal": ("call", "called", {"outcome": "noncommittal"}),
            "call back requested": ("call", "called", {"outcome": "callback_requested", "callback_at": callback_at}),
            "note": ("note", "note_sent", {}),
            "email": ("email", "emailed", {}),
            "accept": ("accept_offer", "accepted", {}),
        }
        if move == "follow advice":
            self.follow_advice()
        elif move in seeker:
            channel, event, params = seeker[move]
            if self.can(channel):
                self.record(event, **params)
        elif move == "thank":
            self.record("thank_you_sent")
        elif move in ("offer", "offer with deadline"):
            self.record("offer", deadline=(self.now + timedelta(days=5)).date() if move != "offer" else None)
        elif move == "competing offer" and not any(o.offer for o in self.others):
            deadline = (self.now + timedelta(days=6)).date().isoformat()
            self.others.append(Other(90, "Lower Choice", 2, True, False, self.now, deadline))
        elif move == "other accepted" and self.app.state != "accepted" and not any(o.accepted for o in self.others):
            self.others.append(Other(91, "Other Co", 3, False, True, self.now))
        elif move in ("decline", "rejected", "news"):
            self.record({"decline": "declined"}.get(move, move), **({"text": "a new office"} if move == "news" else {}))

    def follow_advice(self) -> None:
        """Do the first advised action that is due, through the event recorded on its channel."""
        by_channel = {e.channel: e.name for e in self.rs.events.values() if e.channel}
        for item in self.advised():
            channels = [c for c in self.rs.actions[item.action].channels if c in by_channel]
            if item.start <= self.now and channels and self.can(channels[0]):
                self.record(by_channel[channels[0]], **({"outcome": "noncommittal"} if channels[0] == "call" else {}))
                return


def run(data: st.DataObject, *checks: Callable[[Seeker], None], rule_sets: dict[str, Any] = RULE_SETS) -> None:
    """A seeker for a rule set drawn from ``rule_sets`` and an interviewer, through drawn steps;
    ``checks`` after each."""
    rs = rule_sets[data.draw(st.sampled_from(sorted(rule_sets)), label="rules")]
    seeker = Seeker.start(
        rs,
        data.draw(st.sampled_from(ZONES), label="zone"),
        data.draw(st.sampled_from((False, False, True)), label="no_calls"),
        data.draw(st.booleans(), label="email_invited"),
        data.draw(st.none() | st.integers(min_value=1, max_value=30), label="decision in days"),
    )
    for move, minutes in data.draw(steps, label="steps"):
        seeker.wait(minutes)
        seeker.move(move)
        for check in checks:
            check(seeker)


def calls_within_the_limit(s: Seeker) -> None:
    assert s.app.facts["calls_made"] <= s.rs.settings["max_calls"], (s.app.state, dict(s.app.facts))


def contacts_advised_in_contact_hours(s: Seeker) -> None:
    """Every advised contact that moves (a call; not a written message, which is due whatever the
    calendar) falls in the application's contact time, its holidays the interviewer's zone's
    country's; unless no contact time is left before its deadline, which it then says."""
    calendar = s.rs.calendar.for_zone(s.app.facts["timezone"])
    for item in s.advised():
        if s.rs.actions[item.action].moves and item.action != "callback" and "no contact time" not in item.reason:
            assert calendar.is_contact_time(item.due), (item.action, item.due.isoformat(), s.app.state)


def nothing_allowed_before_it_is_due(s: Seeker) -> None:
    advised = s.advised()
    for channel in ("call", "note", "email"):
        if s.can(channel):
            starts = [a.start for a in advised if channel in s.rs.actions[a.action].channels]
            assert any(start <= s.now for start in starts), (channel, s.app.state, s.now.isoformat())
            if channel == "call" and s.app.state != "callback_scheduled":
                calendar = s.rs.calendar.for_zone(s.app.facts["timezone"])
                assert calendar.is_contact_time(s.now.astimezone(zone(s.app.facts["timezone"]))), s.now


def no_linkedin_before_a_decision(s: Seeker) -> None:
    if s.can("linkedin_invite"):
        assert s.app.facts.get("offer_at") or s.app.facts.get("rejected_at"), (s.app.state, dict(s.app.facts))


def _expressions(value: Any, found: list[Expression]) -> list[Expression]:
    """Every expression held in ``value`` (a rule set's parts: mappings, tuples, records)."""
    if isinstance(value, Expression):
        found.append(value)
    elif isinstance(value, Mapping):
        for part in value.values():
            _expressions(part, found)
    elif isinstance(value, tuple | list):
        for part in value:
            _expressions(part, found)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            _expressions(getattr(value, name), found)
    return found


EXPRESSIONS = {ref: _expressions([rs.derived, rs.actions, rs.events, rs.states, rs.policies, rs.invariants], [])
               for ref, rs in RULE_SETS.items()}  # fmt: skip


def _outcome(expression: Callable[[Namespace], Any], ns: Namespace) -> Any:
    try:
        return expression(ns)
    except RuleError as err:
        return str(err)


def compiled_as_evaluated(s: Seeker) -> None:
    """Each expression gives through its compiled function what ``eval`` gives (or fails with
    the same error), for this application now and as it entered its state."""
    for expression in EXPRESSIONS[next(ref for ref, rs in RULE_SETS.items() if rs is s.rs)]:
        for at in (s.now, s.app.entered):
            evaluated_in = Namespace(s.rs, s.app, at, portfolio=s.portfolio())
            evaluated_in.closures = None  # eval only
            compiled_in = Namespace(s.rs, s.app, at, portfolio=s.portfolio())
            evaluated = _outcome(expression, evaluated_in)
            assert _outcome(expression, compiled_in) == evaluated, (expression.source, s.app.state)
            function = compiled_in.closure(expression)[1]
            if function is not None and not isinstance(evaluated, str):
                assert function(Namespace(s.rs, s.app, at, portfolio=s.portfolio())) == evaluated, expression.source


def test_nearly_every_expression_of_the_shipped_rules_runs_compiled() -> None:
    """The compiled path is the one taken: every expression of the shipped rule sets but a
    few (those that read names only an event or a policy gives) has its function."""
    for ref, found in EXPRESSIONS.items():
        rs = RULE_SETS[ref]
        moment = datetime(2026, 5, 4, tzinfo=zone("UTC"))
        app, _ = core.start(rs, "Northwind", {"interviewed": "2026-05-04"}, moment, ref)
        ns = Namespace(rs, app, app.entered)
        readable = [e for e in found if all(ns.kind(name) for name in e.names)]
        closed = [e for e in readable if ns.closure(e)[1] is not None]
        assert len(readable) > 30 and len(closed) == len(readable), [e.source for e in readable if e not in closed]


@SETTINGS
@given(st.data())
def test_every_expression_gives_as_a_function_what_its_tree_gives(data: st.DataObject) -> None:
    run(data, compiled_as_evaluated)


@SETTINGS
@given(st.data())
def test_never_more_counted_calls_than_the_limit(data: st.DataObject) -> None:
    run(data, calls_within_the_limit)


@SETTINGS
@given(st.data())
def test_every_advised_contact_falls_in_contact_hours(data: st.DataObject) -> None:
    run(data, contacts_advised_in_contact_hours)


@SETTINGS
@given(st.data())
def test_can_never_allows_a_contact_before_it_is_due(data: st.DataObject) -> None:
    run(data, nothing_allowed_before_it_is_due)


@SETTINGS
@given(st.data())
def test_never_a_linkedin_invitation_before_a_decision(data: st.DataObject) -> None:
    run(data, no_linkedin_before_a_decision)


# -- across applications: never two accepted offers ----------------------------------------

#: Shared by every example, so each rule set is read once.
RULE_BOOK = RuleBook()
#: What happens to one of the applications; offers and acceptances most often ("offer!": an
#: offer the job seeker at once tries to accept).
EVENTS = (*["offer"] * 2, *["offer!"] * 3, *["accepted"] * 2, "declined", "rejected", "thank_you_sent", "called",
          "withdrawn", "tick")  # fmt: skip


@ENGINE_SETTINGS
@given(
    rules=st.sampled_from(("default", "small-company")),
    count=st.integers(min_value=2, max_value=3),
    steps=st.lists(
        st.tuples(st.integers(min_value=0, max_value=2), st.sampled_from(EVENTS), st.integers(0, 5 * 24 * 60)),
        min_size=4,
        max_size=20,
    ),
)
def test_never_two_accepted_offers(rules: str, count: int, steps: list[tuple[int, str, int]]) -> None:
    clock = FakeClock(datetime(2026, 5, 4, 17, 0, tzinfo=zone("UTC")))
    engine = Engine(MemoryStore(), clock, RULE_BOOK)
    ids = [engine.add(f"Company {n}", interviewed="2026-05-04", rank=n + 1, rules=rules).id for n in range(count)]
    for index, event, minutes in steps:
        clock.advance(minutes=minutes)
        app_id = ids[index % count]
        if event == "tick":
            engine.tick()
            continue
        for name in ("offer", "accepted") if event == "offer!" else (event,):
            with contextlib.suppress(InputError, Refused):
                engine.record(app_id, name)
        accepted = [i for i in ids if engine.get(i).state == "accepted"]
        assert len(accepted) <= 1, accepted
        for other in set(ids) - set(accepted):
            if accepted:
                assert not engine.check(other, "accept_offer").allowed


@pytest.mark.parametrize("ref", list(RULE_SETS))
def test_the_lookup_that_spares_tick_the_machine_gives_the_machines_answer(ref: str) -> None:
    """Every (state, trigger) answered by a lookup is answered the same by `transitions`, and
    every trigger with a guard to weigh is left to the machine."""
    rs = RULE_SETS[ref]
    table = unguarded(rs)
    moment = datetime(2026, 5, 21, 10, 0, tzinfo=zone("UTC"))
    app, _ = core.start(rs, "Northwind", {"interviewed": "2026-05-04"}, moment, "test")
    assert any(trigger.startswith("timer") for _, trigger in table)
    for (state, trigger), answer in table.items():
        ns = Namespace(rs, app._replace(state=state), moment)
        assert fire_through_machine(rs, state, trigger, ns) == answer, (state, trigger)
    for state in rs.states.values():
        for trigger, branches in state.on.items():
            assert ((state.name, trigger) in table) == (branches[0].when is None), (state.name, trigger)


@settings(ENGINE_SETTINGS, max_examples=60)
@given(
    rules=st.sampled_from(("default", "small-company")),
    notify=st.booleans(),
    steps=st.lists(
        st.tuples(st.integers(min_value=0, max_value=2), st.sampled_from(EVENTS), st.integers(0, 9 * 24 * 60)),
        min_size=2,
        max_size=14,
    ),
)
def test_the_agenda_read_from_the_index_is_the_whole_agenda_cut_at_its_window(
    rules: str, notify: bool, steps: list[tuple[int, str, int]]
) -> None:
    """Whatever happened (offers elsewhere, timers fired or not yet ticked), the agenda over a
    window lists exactly what walking every application lists up to the window's end."""
    clock = FakeClock(datetime(2026, 5, 4, 17, 0, tzinfo=zone("UTC")))
    engine = Engine(MemoryStore(), clock, RULE_BOOK, notify=notify)
    ids = [engine.add(f"Company {n}", interviewed="2026-05-04", rank=n + 1, rules=rules).id for n in range(3)]
    for index, event, minutes in steps:
        clock.advance(minutes=minutes)
        if event == "tick":
            engine.tick()
        for name in ("offer", "accepted") if event == "offer!" else () if event == "tick" else (event,):
            with contextlib.suppress(InputError, Refused):
                engine.record(ids[index], name)
        now = clock()
        whole = [(app.id, item) for app, item in engine.agenda(now)]
        for days in (0, 14):
            until = now + timedelta(days=days)
            cut = [(app_id, item) for app_id, item in whole if item.due <= until]
            assert [(app.id, item) for app, item in engine.agenda(now, until=until)] == cut, days


_TEXT = st.text(max_size=12)
_MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([zone("UTC"), zone("Europe/Paris"), zone("Asia/Tokyo")]),
)
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.floats(allow_nan=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(_TEXT | st.none(), min_size=9, max_size=9),
    app_id=st.integers(0, 10**9),
    at=_MOMENTS,
    due=_MOMENTS | st.none(),
    interviewer=_JSON_VALUES,
    facts=st.dictionaries(_TEXT, _JSON_VALUES, max_size=5),
)
def test_a_notice_is_written_as_json_dumps_writes_it(
    texts: list[str | None], app_id: int, at: datetime, due: datetime | None, interviewer: Any, facts: dict[str, Any]
) -> None:
    """The outbox's text of a notice, written field by field, is ``json.dumps`` of the notice
    (its moments stamped with their zone)."""
    kind, key, company = (t or "x" for t in texts[:3])
    state, source, target, event, action, reason = texts[3], texts[4], texts[5], texts[6], texts[7], texts[8]
    notice = Notice(kind, key, app_id, company, state or "s", at, source, target, event, action, due, reason,
                    interviewer, "Europe/Paris", reason, facts)  # fmt: skip
    expected = json.dumps({**notice._asdict(), "at": stamp(at), "due": stamp(due) if due else None})
    assert notice.to_json() == expected


@settings(max_examples=500, deadline=None)
@given(value=_JSON_VALUES | st.floats() | st.dictionaries(st.integers() | st.booleans() | st.none(), _JSON_VALUES))
def test_the_rows_json_is_the_text_json_dumps_writes(value: Any) -> None:
    """Facts, history parameters and notices are written with an encoder made once: the same
    text as ``json.dumps`` (NaN and infinities, keys that are numbers, non-ASCII text)."""
    assert dumps(value) == json.dumps(value)
    with pytest.raises(TypeError, match="is not JSON serializable"):
        dumps({"at": datetime(2026, 5, 4)})
