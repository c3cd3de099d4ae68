"""The pure core: rules in, decisions out. No clock, no files, no network.

Given a rule set, an application record, an event and ``now``, these functions return the
new record and its history rows; given a record and ``now``, they say what is advised and
whether a channel may be used. Every other module is a shell around this one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, tzinfo
from typing import Any

from ..errors import InputError, Refused, did_you_mean
from ..language import recall
from ..language.namespace import EMPTY_PORTFOLIO, Namespace, Portfolio
from ..language.ruleset import Advice, Branch, RuleSet, State
from ..language.tracing import Recorder, TracingNamespace, space
from ..vocabulary.records import Advised, Application, LogEntry, Recorded, snapshot
from ..vocabulary.text import excerpt, kept_text, quoted
from ..vocabulary.timecalc import Calendar, check_year
from .facts import fact_error, option
from .machine import fire, timer_trigger, unguarded

#: A timer chain longer than this means the rules loop; catching up stops there.
MAX_TIMER_STEPS = 64


def start(
    rs: RuleSet,
    company: str,
    facts: Mapping[str, Any],
    now: datetime,
    rules: str,
    portfolio: Portfolio = EMPTY_PORTFOLIO,
) -> tuple[Application, LogEntry]:
    """A new application in the rule set's initial state, entered at the interview."""
    stored = {**{n: s.default for n, s in rs.facts.items() if s.default is not None}, **facts}
    probe = Application(0, company, rs.initial, now, stored, rules, rs.hash)
    entered = Namespace(rs, probe, now).moment(stored["interviewed"]) or now
    app = with_timer(rs, probe._replace(entered=entered), portfolio)
    entry = LogEntry("added", "added", now, now, "", rs.initial, {"company": company, **facts})
    return app, entry


def with_timer(rs: RuleSet, app: Application, portfolio: Portfolio) -> Application:
    """``app`` with its pending timer (the earliest of its state's timers) filled in; its
    ``wake`` moment is the timer's until the engine adds actions to announce. A timer may
    depend on the other applications, hence ``portfolio``."""
    timers = rs.states[app.state].timers
    if not timers:
        if app.next_due is None and app.timer is None and app.wake is None:
            return app
        return app._replace(next_due=None, timer=None, wake=None)
    ns = Namespace(rs, app, app.entered, portfolio=portfolio)
    best: tuple[datetime, int] | None = None
    for index, timer in enumerate(timers):
        at = timer.at(ns)
        if at is not None and (best is None or at < best[0]):
            best = (at, index)
    if best is None:
        return app._replace(next_due=None, timer=None, wake=None)
    return app._replace(next_due=best[0], timer=best[1], wake=best[0])


def catch_up(
    rs: RuleSet, app: Application, now: datetime, portfolio: Portfolio = EMPTY_PORTFOLIO, *, preview: bool = False
) -> tuple[Application, list[LogEntry]]:
    """Fire every timer due by ``now``, in order; the new record and one row per timer.

    Timers fire through the rule set's state machine. With ``preview`` (for answers that are
    not kept: show, list, agenda, can) the branch is picked by the same rule, the first whose
    guard holds, without the machine: the same result at a fraction of the cost.
    """
    entries: list[LogEntry] = []
    while app.next_due is not None and app.timer is not None and app.next_due <= now:
        if len(entries) >= MAX_TIMER_STEPS:
            break
        at = app.next_due
        known = unguarded(rs).get((app.state, timer_trigger(app.timer)))
        if known is not None:  # the machine's answer whatever the application (and the preview's)
            target = known[0]
        else:
            target = _timer_target(rs, app.state, app.timer, Namespace(rs, app, at, portfolio=portfolio), preview)
        entries.append(LogEntry("timer", "timer", at, now, app.state, target))
        app = with_timer(rs, app._replace(state=target, entered=at, next_due=None, timer=None, wake=None), portfolio)
    return app, entries


def _timer_target(rs: RuleSet, state: str, timer: int, ns: Namespace, preview: bool) -> str:
    if preview:
        branch = choose(rs.states[state].timers[timer].branches, ns)
        return branch.to if branch is not None and branch.to is not None else state
    fired = fire(rs, state, timer_trigger(timer), ns)
    return fired[0] if fired else state


def record(
    rs: RuleSet,
    app: Application,
    event: str,
    params: Mapping[str, Any],
    at: datetime,
    now: datetime,
    portfolio: Portfolio = EMPTY_PORTFOLIO,
    viewer: tzinfo | None = None,
) -> Recorded:
    """Record ``event`` at ``at`` on ``app`` (already caught up to ``now``); sentences show
    times in ``viewer`` (the user's zone; default the interviewer's).

    Raises:
        InputError: for an unknown event or parameter, or a requirement the input misses.
        Refused: when the event does not apply in this state or the rules refuse it.
    """
    spec = rs.events.get(event)
    if spec is None:
        action = rs.actions.get(event)
        if action is not None:
            done = f"record it with '{action.record}'" if action.record else "it has no event to record"
            raise InputError(f"'{event}' is an action, not an event: {done}")
        known = "; known: " + ", ".join(rs.events)
        raise InputError(f"unknown event '{event}'{did_you_mean(event, rs.events, known)}")
    probe = Namespace(rs, app, now, at=at, portfolio=portfolio)
    params = {**dict.fromkeys(spec.params), **check_params(rs, event, params, probe)}
    ns = Namespace(rs, app, now, at=at, params=params, portfolio=portfolio, viewer=viewer)
    for check in spec.require:
        if not check.when(ns):
            raise InputError(ns.render(check.says))
    for check in spec.refuse:
        if check.when(ns):
            raise Refused(ns.render(check.says), check.where)
    state = rs.states[app.state]
    if event not in state.on:
        raise Refused(f"'{event}' does not apply while the application is {app.state.replace('_', ' ')}", state.where)
    facts = {**app.facts, **{name: _store(rs, name, expr(ns)) for name, expr in spec.sets}}
    ns = Namespace(rs, app, now, facts=facts, at=at, params=params, portfolio=portfolio, viewer=viewer)
    warned = [w for w in spec.warn if w.when(ns)]
    fired = fire(rs, app.state, event, ns)
    if fired is None:
        raise Refused(
            f"no rule for '{event}' applies while the application is {app.state.replace('_', ' ')}", state.where
        )
    target = fired[0]
    entered = at if target != app.state else app.entered
    new = with_timer(rs, app._replace(state=target, entered=entered, facts=facts), portfolio)
    entry = LogEntry("event", event, at, now, app.state, target, _json_params(params), snapshot(app))
    return Recorded(new, (entry,), tuple(ns.render(w.says) for w in warned), tuple(w.where for w in warned))


def check_params(rs: RuleSet, event: str, params: Mapping[str, Any], ns: Namespace) -> dict[str, Any]:
    """The event's parameters, typed as expressions see them, with unset ones dropped.

    Raises:
        InputError: for a parameter the event does not take or a value it does not allow.
    """
    spec = rs.events[event]
    result = {}
    for name, value in params.items():
        if value is None:
            continue
        param = spec.params.get(name)
        if param is None:
            takes, options = ", ".join(spec.params) or "nothing", ", ".join(map(option, spec.params)) or "no options"
            raise InputError(f"'{event}' does not take {name}; it takes {takes}",
                             cli=f"'{event}' does not take {option(name)}; it takes {options}")  # fmt: skip
        if isinstance(value, str):
            value = kept_text(value, option(name))
        if param.choices and isinstance(value, str):
            value = value.replace("-", "_")
        if param.choices and value not in param.choices:
            raise fact_error(name, f" {quoted(value)} is not one of: {', '.join(param.choices)}")
        result[name] = _typed_param(param.type, value, name, ns)
    return result


def _typed_param(kind: str, value: Any, name: str, ns: Namespace) -> Any:
    if kind not in ("date", "datetime"):
        return value
    try:
        parse = date.fromisoformat if kind == "date" else datetime.fromisoformat
        moment = value if isinstance(value, date) else parse(str(value).strip())
    except ValueError:
        shape = "YYYY-MM-DD" if kind == "date" else "YYYY-MM-DDTHH:MM, with an offset or in the interviewer's zone"
        raise fact_error(name, f" {excerpt(str(value))} is not a {kind}; write it as {shape}") from None
    try:
        check_year(moment.date() if isinstance(moment, datetime) else moment, "")
    except ValueError as err:
        raise fact_error(name, str(err)) from None
    if kind == "date":
        return ns.moment(moment.date() if isinstance(moment, datetime) else moment)
    if not isinstance(moment, datetime):
        return ns.moment(moment)
    return moment.replace(tzinfo=ns.tz) if moment.tzinfo is None else moment.astimezone(ns.tz)


def _store(rs: RuleSet, name: str, value: Any) -> Any:
    kind = rs.fact_type(name)
    if value is None:
        return None
    if kind == "date" and isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _json_params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime | date) else v for k, v in params.items() if v is not None}


def substitute(rs: RuleSet, name: str, ns: Namespace) -> str:
    """The action done in place of action ``name`` for this application (its first
    ``instead`` whose guard holds), or ``name`` itself."""
    action = rs.actions.get(name)
    rec = ns.recorder
    for item in action.instead if action is not None else ():
        if item.when(ns) if rec is None else rec.evaluate(item.when, ns, "instead", name, item.where):
            return item.use
    return name


def choose(branches: tuple[Branch, ...], ns: Namespace) -> Branch | None:
    """The first branch whose guard holds, without firing anything (for previews)."""
    rec = ns.recorder
    for branch in branches:
        if branch.when is None:
            return branch
        if branch.when(ns) if rec is None else rec.evaluate(branch.when, ns, "branch", branch.to or "", branch.where,
                                                             branch.source):  # fmt: skip
            return branch
    return None


def advise(
    rs: RuleSet,
    app: Application,
    now: datetime,
    portfolio: Portfolio = EMPTY_PORTFOLIO,
    viewer: tzinfo | None = None,
    recorder: Recorder | None = None,
) -> list[Advised]:
    """What comes next for ``app`` (caught up to ``now``): the current state's advice and
    what each pending timer will lead to, soonest first. Reasons show times in ``viewer``.

    Worked out once for each set of values of what it reads (see :func:`advice_names`):
    applications that agree on those get the same advice. With a ``recorder`` it is worked
    out afresh, and the recorder keeps every step (see :mod:`tactful.language.tracing`)."""
    if recorder is not None:
        traced = TracingNamespace(rs, app, now, recorder, portfolio=portfolio, viewer=viewer)
        return list(_advise(rs, app, now, traced, portfolio, viewer))
    ns = Namespace(rs, app, now, portfolio=portfolio, viewer=viewer)
    made = recall.recall(ns, ("advise", app.state, now, ns.viewer), advice_names(rs, app.state),
                         lambda: _advise(rs, app, now, ns, portfolio, viewer))  # fmt: skip
    return list(made)


def advice_names(rs: RuleSet, name: str) -> frozenset[str]:
    """Every name :func:`advise` may read for an application in state ``name``: its advice's
    expressions and sentences (and those of the actions done instead), its timers' moments
    and guards, and the same of the advice of the states they lead to. Kept with the rule set."""
    table: dict[str, frozenset[str]] = rs.memo.setdefault("advice names", {})
    found = table.get(name)
    if found is None:
        state = rs.states[name]
        names = set(_advice_reads(rs, state))
        for timer in state.timers:
            names |= timer.at.names
            for branch in timer.branches:
                names |= branch.when.names if branch.when else set()
                names |= _advice_reads(rs, rs.states[branch.to]) if branch.to else set()
        found = table[name] = frozenset(names)
    return found


def _advice_reads(rs: RuleSet, state: State) -> set[str]:
    names: set[str] = set()
    for advice in state.advises:
        names = names.union(*(e.names for e in (advice.due, advice.start, advice.by, advice.when) if e))
        action = rs.actions[advice.action]
        for done in (action, *(rs.actions[item.use] for item in action.instead)):
            names |= done.describe.names.union(*(item.when.names for item in done.instead))
    return names


def _advise(rs: RuleSet, app: Application, now: datetime, ns: Namespace, portfolio: Portfolio,
            viewer: tzinfo | None) -> tuple[Advised, ...]:  # fmt: skip
    state = rs.states[app.state]
    items = _advice_of(rs, state, ns)
    rec = ns.recorder
    for timer in state.timers:
        at = timer.at(ns) if rec is None else rec.evaluate(timer.at, ns, "timer", app.state, timer.where, timer.source)
        if at is None or at <= now:
            continue
        later = app._replace(entered=at)
        later_ns = space(rs, later, at, rec, portfolio=portfolio, viewer=viewer)
        branch = choose(timer.branches, later_ns)
        if branch is not None and branch.to is not None:
            later = later._replace(state=branch.to)
            items += _advice_of(rs, rs.states[branch.to], space(rs, later, at, rec, portfolio=portfolio, viewer=viewer))
    if len(items) < 2:
        return tuple(items)
    unique = {(a.action, a.due): a for a in items}
    return tuple(sorted(unique.values(), key=lambda a: (a.due.timestamp(), a.action)))


def advise_here(rs: RuleSet, app: Application, now: datetime, portfolio: Portfolio = EMPTY_PORTFOLIO) -> list[Advised]:
    """What ``app``'s current state itself advises as of ``now``, without looking past its
    timers (for plans)."""
    return _advice_of(rs, rs.states[app.state], Namespace(rs, app, now, portfolio=portfolio))


def _advice_of(rs: RuleSet, state: State, ns: Namespace) -> list[Advised]:
    result = []
    rec = ns.recorder
    if rec is not None:
        rec.state = state.name
    for advice in state.advises:
        if advice.when is not None:
            holds = (
                advice.when(ns)
                if rec is None
                else rec.evaluate(advice.when, ns, "when", advice.action, advice.where, advice.source)
            )
            if not holds:
                continue
        item = _advised(rs, advice, ns) if rec is None else _advised_traced(rs, advice, ns, rec)
        if item is not None:
            result.append(item)
    return result


def _advised(rs: RuleSet, advice: Advice, ns: Namespace) -> Advised | None:
    due = advice.due(ns)
    if due is None:
        return None
    start = advice.start(ns) if advice.start else None
    return _placed(rs, advice, ns, due, start, advice.by(ns) if advice.by else None)


def _placed(rs: RuleSet, advice: Advice, ns: Namespace, due: datetime, start: datetime | None,
            by: datetime | None, rec: Recorder | None = None) -> Advised:  # fmt: skip
    """The advised item of ``advice`` due at ``due``: moved into contact time when its action
    moves (noted by ``rec`` when tracing), its reason saying why it moved."""
    action = rs.actions[substitute(rs, advice.action, ns)]
    reason = ns.render(action.describe)
    if action.moves and advice.shift:
        calendar = ns.calendar
        given, due = due, calendar.shift(due, by)
        if start is not None and start > due < given:  # moved back before what caused it: no contact time is left
            due = given
            reason += " (no contact time is left before the deadline)"
        skipped = calendar.holidays_between(given, due) if due != given else []
        if skipped:
            reason += f" (moved: {'; '.join(skipped)})"
        if rec is not None and due != given:
            rec.note("shift", advice.action, due, "; ".join(skipped) or _no_contact(calendar, given), advice.where,
                     given=given)  # fmt: skip
    return Advised(action.name, due, start or due, reason, advice.optional, advice.where, action.record)


def _advised_traced(rs: RuleSet, advice: Advice, ns: Namespace, rec: Recorder) -> Advised | None:
    """:func:`_advised`, each moment and guard noted by ``rec``: the same steps, in the same order."""
    subject = advice.action
    due = rec.evaluate(advice.due, ns, "due", subject, advice.where, advice.source)
    if due is None:
        return None
    start = rec.evaluate(advice.start, ns, "from", subject, advice.where) if advice.start else None
    by = rec.evaluate(advice.by, ns, "by", subject, advice.where) if advice.by else None
    item = _placed(rs, advice, ns, due, start, by, rec)
    rec.note("advised", subject, item, "", advice.where)
    return item


def _no_contact(calendar: Calendar, moment: datetime) -> str:
    """Why ``moment`` (in the interviewer's zone) is no time to contact anyone."""
    if not calendar.is_contact_day(moment.date()):
        return f"{moment:%A} is not a contact day"
    return "outside contact hours"
