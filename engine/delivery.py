"""Delivers the outbox: each pending delivery to its plugin's hook, after commit.

A hook that raises leaves its delivery pending with the error and a later attempt time
(backoff), then ``failed`` after the last attempt; the state change that made the notice
was committed long before and is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pluggy

from .log import logger
from .outbox import Delivery, Outbox
from .pluginmanager import delivery_plugins

#: How many deliveries one call attempts at most.
DELIVERY_LIMIT = 1000


@dataclass(slots=True)
class Report:
    """What one delivery pass did."""

    delivered: list[Delivery] = field(default_factory=list)
    failed: list[tuple[Delivery, str]] = field(default_factory=list)


def deliver(outbox: Outbox, pm: pluggy.PluginManager, now: datetime, limit: int = DELIVERY_LIMIT) -> Report:
    """Expand new notices for the delivery plugins, then attempt every delivery due by ``now``."""
    plugins = dict(pm.list_name_plugin())
    outbox.expand(delivery_plugins(pm))
    report = Report()
    for delivery in outbox.due(now, limit):
        plugin = plugins.get(delivery.plugin)
        error = _attempt(pm, plugin, delivery) if plugin is not None else f"plugin '{delivery.plugin}' is not loaded"
        outbox.finish(delivery, now, error)
        if error is None:
            report.delivered.append(delivery)
        else:
            report.failed.append((delivery, error))
            logger().warning("delivery failed", plugin=delivery.plugin, key=delivery.key, error=error)
    return report


def _attempt(pm: pluggy.PluginManager, plugin: object, delivery: Delivery) -> str | None:
    hook = "tactful_transition" if delivery.notice.kind == "transition" else "tactful_action_due"
    others = [p for _, p in pm.list_name_plugin() if p is not plugin]
    try:
        pm.subset_hook_caller(hook, others)(notice=delivery.notice, key=delivery.key)
    except Exception as err:  # noqa: BLE001 - a plugin's failure must never stop the others
        return f"{type(err).__name__}: {err}"
    return None
