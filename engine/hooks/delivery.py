"""Delivers the outbox: each pending delivery to its plugin's hook, after commit.

A hook that raises leaves its delivery pending with the error and a later attempt time
(backoff), then ``failed`` after the last attempt; the state change that made the notice
was committed long before and is never touched.

Each hook is also handed the candidate its notice concerns, looked up once per candidate per
pass (``candidates``, e.g. ``store.get_candidate``), so that a plugin can send to that person.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pluggy

from ..runtime.notify import Notice
from ..stores.outbox import Delivery, Outbox
from ..vocabulary.log import logger
from ..vocabulary.records import Candidate
from .pluginmanager import DELIVERY_HOOKS, delivery_plugins, hook_for

#: Renders an ``action_due`` notice's draft at delivery; None when there is none to render.
Drafter = Callable[[Notice], str | None]
#: Finds a candidate by key (``store.get_candidate``); None when there is none.
CandidateLookup = Callable[[str], Candidate | None]
#: How many deliveries one call of :func:`deliver` attempts at most.
DELIVERY_LIMIT = 1000
#: How many deliveries :func:`drain` claims at a time: several workers share a long outbox.
DELIVERY_BATCH = 100


@dataclass(slots=True)
class Report:
    """What one delivery pass did (``claimed``: how many deliveries it was given)."""

    delivered: list[Delivery] = field(default_factory=list)
    failed: list[tuple[Delivery, str]] = field(default_factory=list)
    claimed: int = 0


@dataclass(slots=True)
class Tally:
    """What :func:`drain` did: how many deliveries went through, and the ones that failed."""

    delivered: int = 0
    failed: list[tuple[Delivery, str]] = field(default_factory=list)


def deliver(outbox: Outbox, pm: pluggy.PluginManager, now: datetime, limit: int = DELIVERY_LIMIT,
            drafts: Drafter | None = None, candidates: CandidateLookup | None = None) -> Report:  # fmt: skip
    """Expand new notices for the plugins that take their kind, then attempt every delivery due
    by ``now`` that no other process is attempting (they are claimed: none is sent twice at
    once). Deliveries of a plugin set aside as not configured wait, untried.

    ``drafts`` (e.g. :meth:`tactful.Engine.notice_draft`) renders the draft of an
    ``action_due`` notice as it is delivered, once per notice however many plugins take it;
    when it raises (a template that fails), that delivery fails with the error and is retried
    like any other, and every other delivery goes on.

    ``candidates`` (e.g. ``store.get_candidate``) finds the candidate each notice concerns, once
    per candidate per call, for the hooks' ``candidate`` argument. Without it the hooks get
    None (the built-in adapters then deliver only the implicit candidate's notices, and fail
    the others' rather than send them to the configured address). A notice whose candidate
    is no longer stored fails its delivery.
    """
    report = Report()
    _deliver_into(report, outbox, pm, now, limit, drafts, candidates)
    return report


def drain(outbox: Outbox, pm: pluggy.PluginManager, now: datetime, drafts: Drafter | None = None,
          candidates: CandidateLookup | None = None, batch: int = DELIVERY_BATCH,
          tally: Tally | None = None) -> Tally:  # fmt: skip
    """:func:`deliver`, ``batch`` deliveries at a time, until every delivery due by ``now``
    was attempted (or is another process's): what ``tactful tick`` and ``worker`` do. Each
    attempt makes its delivery delivered or due later than ``now``, so this ends; it also
    ends when a batch holds only deliveries set aside (their plugin is not configured).
    Counts into ``tally`` when given, each attempt as it is recorded: a drain cut short (a
    dropped connection) and tried again counts what the cut one did."""
    tally = Tally() if tally is None else tally
    while True:
        report = Report()
        try:
            _deliver_into(report, outbox, pm, now, batch, drafts, candidates)
        finally:
            tally.delivered += len(report.delivered)
            tally.failed += report.failed
        if report.claimed < batch or not (report.delivered or report.failed):
            return tally


def _deliver_into(report: Report, outbox: Outbox, pm: pluggy.PluginManager, now: datetime, limit: int,
                  drafts: Drafter | None, candidates: CandidateLookup | None) -> None:  # fmt: skip
    outbox.expand(delivery_plugins(pm))
    batch = _Batch(pm, drafts, candidates)
    with claim(outbox, now, limit) as claimed:
        report.claimed = len(claimed)
        _attempt_all(claimed, outbox, batch, now, report)


def keep_takers(outbox: Outbox, pm: pluggy.PluginManager) -> None:
    """Tell an outbox that can (PostgreSQL's) that the plugins of ``pm`` are the ones for as long
    as it is used, so that it writes the notices none of them takes already expanded. For a
    process whose plugins are set when it starts: a tick, a worker."""
    keep = getattr(outbox, "keep_takers", None)
    if keep is not None:
        keep(delivery_plugins(pm))


def claim(outbox: Outbox, now: datetime, limit: int) -> AbstractContextManager[list[Delivery]]:
    """The outbox's claim, or for an outbox written before claims existed, its plain ``due``."""
    claiming = getattr(outbox, "claim", None)
    return claiming(now, limit) if claiming is not None else nullcontext(outbox.due(now, limit))


@dataclass(slots=True)
class _Batch:
    """What one delivery pass looks up once and reuses: each plugin's hook for a kind of
    notice, each notice's draft, each candidate."""

    pm: pluggy.PluginManager
    drafts: Drafter | None
    candidates: CandidateLookup | None
    callers: dict[tuple[str, str], Callable[..., Any] | None] = field(default_factory=dict)
    drafted: dict[str, str | None] = field(default_factory=dict)  # notice key -> its draft
    whose: dict[str, Candidate | None] = field(default_factory=dict)  # candidate key -> the record

    def caller(self, delivery: Delivery) -> Callable[..., Any] | None:
        """What calls the hook of the delivery's plugin for its kind of notice, or None."""
        taker = (delivery.plugin, delivery.notice.kind)
        if taker not in self.callers:
            hook = DELIVERY_HOOKS.get(delivery.notice.kind)
            self.callers[taker] = hook_for(self.pm, delivery.plugin, hook) if hook else None
        return self.callers[taker]

    def candidate(self, notice: Notice) -> tuple[Candidate | None, str | None]:
        """The candidate ``notice`` concerns (None without a way to look them up), or the error
        when they are no longer stored."""
        if self.candidates is None:
            return None, None
        key = notice.candidate
        if key not in self.whose:
            found = self.candidates(key)
            self.whose[key] = found if found is not None or key else Candidate("")  # the implicit one always is
        found = self.whose[key]
        if found is None:
            return None, f"the notice is for candidate '{key}', who is no longer in the store; it was not sent"
        return found, None


def _attempt_all(claimed: list[Delivery], outbox: Outbox, batch: _Batch, now: datetime, report: Report) -> None:
    waiting = set(getattr(batch.pm, "unconfigured", ()))
    for delivery in claimed:
        if delivery.plugin in waiting:
            continue
        call = batch.caller(delivery)
        if call is None:
            error: str | None = _untaken(batch.pm, delivery)
        else:
            delivery, error = _drafted(delivery, batch.drafts, batch.drafted)
            candidate, error = batch.candidate(delivery.notice) if error is None else (None, error)
            error = error or _attempt(call, delivery, candidate)
        outbox.finish(delivery, now, error)
        if error is None:
            report.delivered.append(delivery)
        else:
            report.failed.append((delivery, error))
            logger().warning("delivery failed", plugin=delivery.plugin, key=delivery.key, error=error)


def _drafted(delivery: Delivery, drafts: Drafter | None, drafted: dict[str, str | None]) -> tuple[Delivery, str | None]:
    """The delivery with its notice's draft rendered, or the error that rendering gave."""
    notice = delivery.notice
    if drafts is None or notice.kind != "action_due" or notice.draft is not None:
        return delivery, None
    if notice.key not in drafted:
        try:
            drafted[notice.key] = drafts(notice)
        except Exception as err:  # noqa: BLE001 - a bad template fails its delivery, not the others
            return delivery, f"the draft failed: {str(err).splitlines()[0]}"
    return delivery._replace(notice=notice._replace(draft=drafted[notice.key])), None


def _attempt(call: Callable[..., Any], delivery: Delivery, candidate: Candidate | None) -> str | None:
    try:
        call(notice=delivery.notice, key=delivery.key, candidate=candidate)
    except Exception as err:  # noqa: BLE001 - a plugin's failure must never stop the others
        return f"{type(err).__name__}: {err}"
    return None


def _untaken(pm: pluggy.PluginManager, delivery: Delivery) -> str:
    """Why a delivery has no hook to take it (its plugin was removed, or dropped the hook)."""
    if not pm.has_plugin(delivery.plugin):
        return f"plugin '{delivery.plugin}' is not loaded"
    hook = DELIVERY_HOOKS.get(delivery.notice.kind, f"a hook for '{delivery.notice.kind}' notices")
    return f"plugin '{delivery.plugin}' does not implement {hook}"
