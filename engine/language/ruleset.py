"""The rule set as frozen values: what a rule file means once it has been checked.

Nothing here reads files or evaluates anything; :mod:`tactful.language.build` makes these from a
parsed rule file and :mod:`tactful.runtime.core` interprets them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..errors import Location
from ..vocabulary.timecalc import Calendar
from .expr import Expression

#: Facts every application has, set by `add` and `edit`, with their types.
CORE_FACTS: dict[str, str] = {
    "role": "str",
    "interviewer": "str",
    "email": "str",
    "phone": "str",
    "timezone": "str",
    "interviewed": "date",
    "decision_by": "date",
    "no_calls": "bool",
    "email_invited": "bool",
    "rank": "int",
    "news_feed": "str",
}
#: Names about the user's other applications, computed when an expression needs them.
PORTFOLIO_NAMES = frozenset({
    "other_accepted", "other_accepted_at", "other_accepted_company",
    "competing_offer", "competing_offer_at", "competing_offer_deadline", "competing_offer_company",
})  # fmt: skip
#: Names every expression may use: the current moment, the event's moment, when the
#: current state was entered, its name, and the company.
BUILTIN_NAMES = frozenset({"now", "at", "entered", "state", "company"})
#: Invariants may also ask `can` about every channel: ``can_call``, ``can_linkedin_invite``…
CAN_PREFIX = "can_"
#: Extra names in policy rules.
POLICY_NAMES = frozenset({"due", "next_due", "contact_time", "next_contact_time", "holiday", "advised_channels"})
#: Extra names in message templates: the action drafted and the channel it is written for.
TEMPLATE_NAMES = frozenset({"action", "channel"})
FACT_TYPES = ("str", "int", "bool", "date", "datetime")
#: The marks a state may carry, and what they tell the engine: the application has an offer
#: (OFFER), or the job seeker accepted one (ACCEPTED).
OFFER, ACCEPTED = "offer", "accepted"
MARKS = (OFFER, ACCEPTED)
#: The top-level keys of a rule file (``extends`` aside, which the loader takes out).
TOP_KEYS = ("description", "settings", "facts", "derived", "actions", "events", "states",
            "everywhere", "policies", "invariants", "templates", "sources")  # fmt: skip


class Text(NamedTuple):
    """A sentence from the rule file with ``{name}`` placeholders."""

    source: str
    names: frozenset[str]


class Branch(NamedTuple):
    """One way an event or timer may go: to a state (None: stay) when a guard holds."""

    to: str | None
    when: Expression | None
    where: Location
    source: tuple[str, ...] = ()  # the keys of the sources it cites


class Timer(NamedTuple):
    """A durable timer: at a moment, the application moves on by the first branch that holds."""

    at: Expression
    branches: tuple[Branch, ...]
    where: Location
    source: tuple[str, ...] = ()


class Advice(NamedTuple):
    """An action a state advises, with when it is due."""

    action: str
    due: Expression
    start: Expression | None
    by: Expression | None
    when: Expression | None
    shift: bool
    optional: bool
    where: Location
    source: tuple[str, ...] = ()


class Substitute(NamedTuple):
    when: Expression
    use: str
    where: Location


class Action(NamedTuple):
    """Something the job seeker may be advised to do, and the channels it uses."""

    name: str
    channels: tuple[str, ...]
    contact: bool
    describe: Text
    instead: tuple[Substitute, ...]
    where: Location
    record: str | None = None  # the event that records having done it (None: nothing to record)
    shift: bool = True  # a contact's due moment moves into contact time (False: it stands, like a letter's)

    @property
    def moves(self) -> bool:
        """Whether its due moment moves off weekends, holidays and hours outside contact hours."""
        return self.contact and self.shift


class Check(NamedTuple):
    """A condition with a sentence: a requirement, a warning or a refusal."""

    when: Expression
    says: Text
    where: Location


class Param(NamedTuple):
    name: str
    type: str
    choices: tuple[str, ...] = ()


class EventSpec(NamedTuple):
    """What recording an event checks and changes, whatever the state."""

    name: str
    params: Mapping[str, Param]
    require: tuple[Check, ...]
    refuse: tuple[Check, ...]
    warn: tuple[Check, ...]
    sets: tuple[tuple[str, Expression], ...]
    where: Location
    channel: str | None = None  # recording it means the job seeker used this channel


class State(NamedTuple):
    name: str
    initial: bool
    final: bool
    describe: Text
    marks: frozenset[str]
    advises: tuple[Advice, ...]
    timers: tuple[Timer, ...]
    on: Mapping[str, tuple[Branch, ...]]
    where: Location


class PolicyRule(NamedTuple):
    allow: bool
    when: Expression
    because: Text
    until: Expression | None
    where: Location
    source: tuple[str, ...] = ()


class Policy(NamedTuple):
    channel: str
    rules: tuple[PolicyRule, ...]
    where: Location


class Invariant(NamedTuple):
    """A statement that must hold for every record `tactful rules check` explores.

    ``paths`` is ``all`` (every explored path) or ``heeded`` (only paths on which every
    event drew no warning and, for an event with a ``channel``, `can` said yes).
    """

    name: str
    holds: Expression
    says: Text
    paths: str
    where: Location


class FactSpec(NamedTuple):
    name: str
    type: str
    default: Any = None


class Template(NamedTuple):
    """A message draft's template (Jinja2 text, rendered sandboxed by :mod:`tactful.runtime.drafts`).

    ``where`` is where its first character was written (in the rule file, or line 1 of its
    template file); ``channel`` picks the channel it is written for (default: the action's
    first). A template with ``alternatives`` has no text of its own: the action is drafted as
    each of those templates (``decide_offer``: ``accept_offer`` and ``decline_offer``).
    """

    name: str
    source: str
    where: Location
    channel: Expression | None = None
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleSet:
    """A validated, compiled rule set. Build one with :func:`tactful.load_rules`."""

    name: str
    hash: str
    description: str
    settings: Mapping[str, Any]
    calendar: Calendar
    facts: Mapping[str, FactSpec]
    derived: Mapping[str, Expression]
    actions: Mapping[str, Action]
    events: Mapping[str, EventSpec]
    states: Mapping[str, State]
    policies: Mapping[str, Policy]
    initial: str
    files: tuple[str, ...]
    tree: Mapping[str, Any] = field(repr=False, compare=False)
    invariants: tuple[Invariant, ...] = ()
    templates: Mapping[str, Template] = field(default_factory=dict)
    #: Citations by key (see :mod:`tactful.language.sources`), ``ours`` among them.
    sources: Mapping[str, Any] = field(default_factory=dict)
    #: The source keys each setting cites, for the settings that cite any.
    cited: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: What other modules work out from the rule set once and keep with it (its state
    #: machine, the table of names expressions read); a changed copy starts empty.
    memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def fact_type(self, name: str) -> str | None:
        """The declared type of a fact, or None when ``name`` is no fact."""
        spec = self.facts.get(name)
        return spec.type if spec else CORE_FACTS.get(name)

    def channel_of(self, name: str) -> str | None:
        """The channel a `can` question is about: a channel, or an action's first channel."""
        if name in self.policies:
            return name
        action = self.actions.get(name)
        return action.channels[0] if action and action.channels else None
