"""tactful-webhook: POST every change of state and every due action, as JSON, to a URL.

A complete third-party tactful plugin in one module, using only the standard library.
Installed, it is found through its entry point (``[project.entry-points.tactful]`` in
pyproject.toml) and configured by the ``webhook:`` section of tactful's ``config.yaml``::

    webhook:
      url: https://hooks.example.org/tactful   # or TACTFUL_WEBHOOK_URL
      timeout: 10                              # seconds (default 10)
      send: [transition, action_due]           # what to POST (default: both)

A bearer token, if the receiver wants one, comes only from the environment
(``TACTFUL_WEBHOOK_TOKEN``); so does a URL with a secret in it. Neither is ever logged nor
put in an error message.

Each POST carries an ``Idempotency-Key`` header: the delivery key tactful hands the hook,
the same on every retry of the same notice, so the receiver can drop a duplicate.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from tactful import RuleError, RuleErrors
from tactful.hookspecs import hookimpl

__version__ = "0.1.0"
URL_VARIABLE = "TACTFUL_WEBHOOK_URL"
TOKEN_VARIABLE = "TACTFUL_WEBHOOK_TOKEN"  # noqa: S105 - the variable's name, not a token
KEYS = ("url", "timeout", "send")
KINDS = ("transition", "action_due")

#: The checked settings: set by tactful_configure, read by the delivery hooks.
settings: dict[str, Any] = {}


class WebhookError(Exception):
    """The receiver did not take a notice; tactful keeps it in the outbox and retries."""


@hookimpl
def tactful_configure(config: Mapping[str, Any]) -> None:
    """Check the ``webhook:`` section; each problem is reported where it was written."""
    errors = []

    def where(key: str | None = None) -> Any:
        if key is not None and hasattr(config, "where"):
            return config.where(key)  # config.yaml:LINE:COL of that value
        return getattr(config, "loc", None)  # of the section (None for a plain dict, given in process)

    for key in config:
        if key not in KEYS:
            errors.append(RuleError(where(key), f"unknown setting '{key}' in the webhook section; use {KEYS}"))
    url = os.environ.get(URL_VARIABLE) or config.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        errors.append(RuleError(where("url" if "url" in config else None), "webhook: 'url' is the http:// or "
                                f"https:// address to POST to (or set {URL_VARIABLE})"))  # fmt: skip
    timeout = config.get("timeout", 10)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        errors.append(RuleError(where("timeout"), "timeout: a number of seconds, such as 10"))
    send = config.get("send", list(KINDS))
    if not isinstance(send, list) or not set(send) <= set(KINDS):
        errors.append(RuleError(where("send"), f"send: a list of {' and '.join(KINDS)}"))
    if errors:
        raise RuleErrors(errors)
    settings.update(url=url, timeout=float(timeout), send=set(send))


@hookimpl
def tactful_transition(notice: Any, key: str) -> None:
    """An application moved from one state to another."""
    if "transition" in settings.get("send", ()):
        post(notice, key)


@hookimpl
def tactful_action_due(notice: Any, key: str) -> None:
    """An advised action became due."""
    if "action_due" in settings.get("send", ()):
        post(notice, key)


def payload(notice: Any, key: str) -> bytes:
    """The JSON body: the notice's fields (times in ISO 8601) and the delivery key."""
    return json.dumps({"key": key, "notice": json.loads(notice.to_json())}, sort_keys=True).encode()


def post(notice: Any, key: str) -> None:
    """POST the notice; any answer but 2xx raises, so tactful retries with the same key."""
    import urllib.error
    import urllib.request

    if "url" not in settings:
        raise WebhookError("the webhook plugin was not configured")
    headers = {"Content-Type": "application/json", "Idempotency-Key": key,
               "User-Agent": f"tactful-webhook/{__version__}"}  # fmt: skip
    token = os.environ.get(TOKEN_VARIABLE)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(settings["url"], data=payload(notice, key), headers=headers, method="POST")  # noqa: S310 - the URL was checked to be http(s)
    try:
        with urllib.request.urlopen(request, timeout=settings["timeout"]) as answer:  # noqa: S310 - checked to be http(s)
            answer.read()
    except urllib.error.HTTPError as err:
        raise WebhookError(f"the webhook answered {err.code} {err.reason}") from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise WebhookError(f"the webhook could not be reached: {reason}") from None
