"""`tactful plugins test NAME`: a sample notice through one plugin, now, to see that its
delivery works (the SMTP login, the SMS gateway's URL). Nothing is written to the store."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..errors import InputError
from .context import Context, common, error_line, json_flag

#: The hook each kind of sample calls, in the order tried: a reminder first, the way most
#: notices reach a person.
HOOKS = (("action_due", "tactful_action_due"), ("transition", "tactful_transition"))


@click.command(name="test")
@click.argument("name", metavar="NAME")
@json_flag
@common
def test_plugin(ctx: Context, name: str) -> None:
    """Send a sample notice through plugin NAME now, to check its delivery.

    A reminder that a sample application's call is due (or, for a plugin that takes only
    changes of state, a sample change), to the candidate's address (--candidate) or the one
    configured. Exit 0 sent, 1 when the plugin failed (with its error), 2 for a plugin that is
    not loaded or takes no notices. Nothing is written.

    \b
    tactful plugins test email
    tactful plugins test sms --candidate alice
    """
    from ..hooks.pluginmanager import hook_for

    pm = ctx.plugins()
    _check_loaded(pm, name)
    kind, call = next(((k, c) for k, h in HOOKS if (c := hook_for(pm, name, h)) is not None), (None, None))
    if call is None:
        raise InputError(f"plugin '{name}' takes no notices (it keeps a feed, or extends the rules); "
                         "'tactful tick' is what updates it")  # fmt: skip
    notice = _sample(ctx, str(kind))
    candidate = ctx.engine().store.get_candidate(ctx.candidate or "")
    try:
        call(notice=notice, key=notice.key, candidate=candidate)
    except Exception as err:  # noqa: BLE001 - the plugin's failure is the answer, in one line
        said = f"tactful: plugin '{name}' could not deliver the sample notice: {type(err).__name__}: {err}"
        click.echo(error_line(said.splitlines()[0]), err=True)
        sys.exit(1)
    doc = {"plugin": name, "kind": kind, "key": notice.key, "sent": True}
    ctx.emit(doc, lambda: f"Sent a sample {'reminder' if kind == 'action_due' else 'change of state'} through "
                          f"{name} ({notice.company}).")  # fmt: skip


def _check_loaded(pm: Any, name: str) -> None:
    """Raises InputError for a plugin that is not loaded, saying why and what is."""
    if pm.has_plugin(name):
        return
    aside = pm.unconfigured.get(name)
    if aside is not None:
        raise InputError(f"plugin '{name}' is not configured: {aside.reason}")
    from ..hooks.pluginmanager import BUILTINS

    if name in BUILTINS:
        raise InputError(f"plugin '{name}' is not configured: add a section '{name}:' to config.yaml "
                         f"('tactful home' says where it is)")  # fmt: skip
    loaded = ", ".join(sorted(n for n, _ in pm.list_name_plugin() if not n.startswith("_"))) or "none"
    raise InputError(f"no plugin '{name}' is loaded (loaded: {loaded}); 'tactful plugins' lists them")


def _sample(ctx: Context, kind: str) -> Any:
    """A notice about a sample application, due now, marked as a test in its key and name."""
    from ..runtime.notify import Notice

    now = ctx.now()
    stamp = now.strftime("%Y%m%dT%H%M%S")
    common_fields: dict[str, Any] = {"app_id": 0, "company": "Sample Company (a tactful test)", "at": now,
                                     "interviewer": "Ms. Sample", "timezone": "UTC",
                                     "candidate": ctx.candidate or ""}  # fmt: skip
    if kind == "action_due":
        return Notice(kind, f"test/{stamp}/action/call", state="follow_up_due", action="call", due=now,
                      reason="a sample reminder from 'tactful plugins test': delivery works",
                      draft="This is a sample draft: nothing is due for a real application.",
                      **common_fields)  # fmt: skip
    return Notice(kind, f"test/{stamp}/transition", state="follow_up_due", source="awaiting_decision",
                  target="follow_up_due", event=None, **common_fields)  # fmt: skip
