"""One `transitions` state machine per rule set, shared by every application.

The machine is built once from the rule set's states, events and timers, with
``auto_transitions=False``; each branch of the rule file is one transition whose condition
is the branch's compiled guard. An application is never added to the machine: for each
event a light :class:`Firing` model carries the current state and the namespace, the
machine picks the first branch whose guard holds and sets the model's new state.

Every change that is kept (an event recorded, a timer fired by `tick`, a migration) goes
through the machine, save where its answer is a lookup (:func:`unguarded`: the first branch
has no guard), which `tick` at scale should not pay the machine's dispatch for. Answers
that are not kept (show, list, agenda, `can`, plans) preview timers with
:func:`tactful.runtime.core.choose`, the same first-guard-that-holds rule, so that a query
neither imports `transitions` nor builds a machine; property tests hold all three to the
same result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..language.ruleset import Branch, RuleSet

if TYPE_CHECKING:
    from transitions import Machine

    from ..language.namespace import Namespace


_TRIGGERS = tuple(f"timer {index}" for index in range(32))


def timer_trigger(index: int) -> str:
    """The trigger name of a state's timer number ``index``."""
    return _TRIGGERS[index] if index < len(_TRIGGERS) else f"timer {index}"


class Firing:
    """The light model fired through the shared machine for one event."""

    __slots__ = ("state", "ns", "branch")

    def __init__(self, state: str, ns: Namespace) -> None:
        self.state = state
        self.ns = ns
        self.branch: Branch | None = None


def machine_for(rs: RuleSet) -> Machine:
    """The machine of ``rs``, built on first use and kept with the rule set."""
    machine: Machine | None = rs.memo.get("machine")
    if machine is None:
        machine = rs.memo["machine"] = _build(rs)
    return machine


def _build(rs: RuleSet) -> Machine:
    from transitions import Machine

    machine = Machine(
        model=None, states=list(rs.states), initial=rs.initial,
        auto_transitions=False, send_event=True, ignore_invalid_triggers=False,
    )  # fmt: skip
    for state in rs.states.values():
        for event, branches in state.on.items():
            _add(machine, event, state.name, branches)
        for index, timer in enumerate(state.timers):
            _add(machine, timer_trigger(index), state.name, timer.branches)
    return machine


def _add(machine: Machine, trigger: str, source: str, branches: tuple[Branch, ...]) -> None:
    for branch in branches:
        conditions: list[str | Callable[..., bool | None]] = [_guard(branch)] if branch.when is not None else []
        machine.add_transition(
            trigger, source, branch.to, conditions=conditions, before=[_chosen(branch)],
        )  # fmt: skip


def _guard(branch: Branch) -> Callable[[Any], bool]:
    when = branch.when
    assert when is not None
    return lambda event_data: bool(when(event_data.model.ns))


def _chosen(branch: Branch) -> Callable[[Any], None]:
    def remember(event_data: Any) -> None:
        event_data.model.branch = branch

    return remember


def fire(rs: RuleSet, state: str, trigger: str, ns: Namespace) -> tuple[str, Branch] | None:
    """Fire ``trigger`` from ``state``; the new state and the branch taken, or None.

    Where the machine's answer cannot depend on the application (the first branch has no
    guard, as for most timers), it is looked up in :func:`unguarded`, worked out once per rule
    set; anything with a guard to weigh goes through the machine.
    """
    known = unguarded(rs).get((state, trigger))
    if known is not None:
        return known
    return fire_through_machine(rs, state, trigger, ns)


def fire_through_machine(rs: RuleSet, state: str, trigger: str, ns: Namespace) -> tuple[str, Branch] | None:
    """:func:`fire`, always through the ``transitions`` machine."""
    model = Firing(state, ns)
    machine_for(rs).events[trigger].trigger(model)
    if model.branch is None:
        return None
    return model.state, model.branch


def unguarded(rs: RuleSet) -> dict[tuple[str, str], tuple[str, Branch]]:
    """``(state, trigger) -> (new state, branch)`` for every trigger whose first branch has no
    guard: the machine takes that branch whatever the application, so its answer is a lookup.
    Built on first use and kept with the rule set; a property test holds it to the machine."""
    table: dict[tuple[str, str], tuple[str, Branch]] | None = rs.memo.get("unguarded")
    if table is None:
        table = rs.memo["unguarded"] = {}
        for state in rs.states.values():
            triggers = [*state.on.items(), *((timer_trigger(i), t.branches) for i, t in enumerate(state.timers))]
            for trigger, branches in triggers:
                if branches and branches[0].when is None:
                    first = branches[0]
                    table[(state.name, trigger)] = (state.name if first.to is None else first.to, first)
    return table
