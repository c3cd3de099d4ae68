"""What the benchmarks' floors share: the rows a fired timer writes, made with the least Python."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from tactful.vocabulary.timecalc import stamp


def floor_notices(
    app_id: int,
    company: str,
    state: str,
    target: str,
    facts: dict[str, Any],
    tz_name: str,
    at: datetime,
    action: tuple[str, str] | None,
    due: datetime,
    candidate: str,
) -> list[tuple[str, int, str, str]]:
    """The outbox rows of a fired timer: its transition and, when ``action`` (its name and
    reason) is due at once, that action; the key, the application, the JSON payload and the
    candidate of each."""
    base = {"app_id": app_id, "company": company, "state": target}
    common = {"interviewer": facts.get("interviewer"), "timezone": tz_name, "draft": None,
              "facts": {k: v for k, v in facts.items() if k != "news"}, "candidate": candidate}  # fmt: skip
    at_text, key = stamp(at), f"{app_id}/transition/{target}/{at.isoformat()}"
    rows = [(key, app_id, json.dumps({"kind": "transition", "key": key, **base, "at": at_text, "source": state,
             "target": target, "event": "timer", "action": None, "due": None, "reason": None, **common}),
             candidate)]  # fmt: skip
    if action is not None:
        due_text = stamp(due)  # as the store keeps a moment: with its IANA zone
        key = f"{app_id}/action/{action[0]}/{due.isoformat()}"
        rows.append((key, app_id, json.dumps({"kind": "action_due", "key": key, **base, "at": due_text,
                     "source": None, "target": None, "event": None, "action": action[0], "due": due_text,
                     "reason": action[1], **common}), candidate))  # fmt: skip
    return rows
