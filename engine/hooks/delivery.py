"""Delivers the outbox: each pending delivery to its plugin's hook, after commit.

A hook that raises leaves its delivery pending with the error and a later attempt time
(backoff), then ``failed`` after the last attempt; the state change that made the notice
was committed long before and is never touched.
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
from .pluginmanager import DELIVERY_HOOKS, delivery_plugins, hook_for

#: Renders an ``action_due`` notice's draft at delivery; None when there is none to render.
Drafter = Callable[[Notice], str | None]
#: How many deliveries one call attempts at most.
DELIVERY_LIMIT = 1000


@dataclass(slots=True)
class Report:
    """What one delivery pass did."""

    delivered: list[Delivery] = field(default_factory=list)
    failed: list[tuple[Delivery, str]] = field(default_factory=list)


def deliver(
    outbox: Outbox, pm: pluggy.PluginManager, now: datetime, limit: int = DELIVERY_LIMIT, drafts: Drafter | None = None
) -> Report:
    """Expand new notices for the plugins that take their kind, then attempt every delivery due
    by ``now`` that no other process is attempting (they are claimed: none is sent twice at
    once). Deliveries of a plugin set aside as not configured wait, untried.

    ``drafts`` (e.g. :meth:`tactful.Engine.notice_draft`) renders the draft of an
    ``action_due`` notice as it is delivered, once per notice however many plugins take it;
    when it raises (a template that fails), that delivery fails with the error and is retried
    like any other, and every other delivery goes on.
    """
    outbox.expand(delivery_plugins(pm))
    report = Report()
    with claim(outbox, now, limit) as claimed:
        _attempt_all(claimed, outbox, pm, now, report, drafts)
    return report


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


def _attempt_all(claimed: list[Delivery], outbox: Outbox, pm: pluggy.PluginManager, now: datetime,
                 report: Report, drafts: Drafter | None) -> None:  # fmt: skip
    callers: dict[tuple[str, str], Callable[..., Any] | None] = {}  # (plugin, kind) -> its hook, built once
    drafted: dict[str, str | None] = {}  # notice key -> its draft, rendered once
    waiting = set(getattr(pm, "unconfigured", ()))
    for delivery in claimed:
        if delivery.plugin in waiting:
            continue
        taker = (delivery.plugin, delivery.notice.kind)
        if taker not in callers:
            hook = DELIVERY_HOOKS.get(delivery.notice.kind)
            callers[taker] = hook_for(pm, delivery.plugin, hook) if hook else None
        call = callers[taker]
        delivery, error = _drafted(delivery, drafts, drafted) if call is not None else (delivery, None)
        if error is None:
            error = _attempt(call, delivery) if call is not None else _untaken(pm, delivery)
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


def _attempt(call: Callable[..., Any], delivery: Delivery) -> str | None:
    try:
        call(notice=delivery.notice, key=delivery.key)
    except Exception as err:  # noqa: BLE001 - a plugin's failure must never stop the others
        return f"{type(err).__name__}: {err}"
    return None


def _untaken(pm: pluggy.PluginManager, delivery: Delivery) -> str:
    """Why a delivery has no hook to take it (its plugin was removed, or dropped the hook)."""
    if not pm.has_plugin(delivery.plugin):
        return f"plugin '{delivery.plugin}' is not loaded"
    hook = DELIVERY_HOOKS.get(delivery.notice.kind, f"a hook for '{delivery.notice.kind}' notices")
    return f"plugin '{delivery.plugin}' does not implement {hook}"
