"""The plugin author's reference: every hook tactful calls, when, with what, and what a
return value means.

Implement hooks in a module or class with :data:`hookimpl` and register it through the
``tactful`` entry point group (see docs/plugins.md)::

    from tactful.hookspecs import hookimpl

    @hookimpl
    def tactful_action_due(notice, key):
        send_somewhere(notice.company, notice.action, idempotency_key=key)

Hooks are always called with keyword arguments, so an implementation may accept only the
arguments it needs: pluggy hands each implementation the arguments it names and no others. That
is how the hooks grow without breaking a plugin: ``candidate`` (delivery hooks) and
``candidates`` (:func:`tactful_schedule`) were added later, and a plugin that does not name
them is called exactly as before. A misspelt hook name fails loudly when plugins are loaded.

Delivery hooks (:func:`tactful_transition`, :func:`tactful_action_due`) are called from the
outbox after the state change was committed, once per plugin that implements the hook (a
plugin without :func:`tactful_transition` is never offered a transition), with a stable
``key``: if the hook raises, the same notice is offered again later with the same key
(retries with backoff), so use the key to avoid delivering twice. A raised exception never
undoes a state change.

Every notice concerns one candidate (one job seeker; ``notice.candidate`` is their key, ``""``
for the implicit one of a person using tactful alone). A plugin that sends to a person routes
by the candidate the delivery hooks receive; one that does not look at it gets every
candidate's notices, as one stream, as before candidates existed.

The types hooks receive are importable from here too: :class:`Notice` (what the delivery
hooks and :func:`tactful_schedule` receive), :class:`Candidate` (whom a notice concerns) and
:class:`YMap` (the config section :func:`tactful_configure` receives, which knows where each
key was written).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pluggy

from .language.yamltree import YMap as YMap  # what tactful_configure receives
from .runtime.notify import Notice as Notice  # what the delivery hooks receive
from .vocabulary.records import Candidate as Candidate  # whom a notice concerns

if TYPE_CHECKING:
    import click

    from .language.ruleset import RuleSet

#: Marks the hook specifications below (for tactful itself).
hookspec = pluggy.HookspecMarker("tactful")
#: Marks a plugin's hook implementations.
hookimpl = pluggy.HookimplMarker("tactful")


# -- Loading ---------------------------------------------------------------------------


@hookspec
def tactful_configure(config: Mapping[str, Any]) -> None:
    """Called once when plugins are loaded, before any other hook. Plugins are loaded by the
    commands that deliver (``tick``, ``outbox``), by ``plugins``, and, once a third-party plugin
    is installed, by every command that reads rules: keep this quick.

    Args:
        config: this plugin's section of the tactful config file (``config.yaml`` in the
            tactful home), keyed by the plugin's name: a ``tactful.language.yamltree.YMap`` whose
            ``where(key)`` says where a value was written; when the plugin has no section, an
            empty one placed at the start of the file. (An application that passes plain
            dicts to ``get_plugin_manager`` gives plain dicts, placed nowhere.) Secrets never
            appear here: read them from the environment.

    Returns nothing. For bad settings raise ``tactful.RuleErrors([RuleError(config.where(key),
    "what would be right"), ...])``, printed as ``config.yaml:LINE:COL: ...``; for a problem
    with no place in the file (an environment variable), ``tactful.InputError``. A plugin that
    raises is set aside for the command ("not configured: <reason>" in ``tactful plugins``;
    skipped with a warning by what delivers), and the command goes on.
    """


@hookspec
def tactful_register_functions(register: Callable[[str, Callable[..., Any]], None]) -> None:
    """Called before rule files are compiled, to add functions their expressions may call.

    Args:
        register: call ``register(name, function)`` for each function; ``name`` becomes
            callable in guards and due moments (``working_days_after(interviewed, 10)``).
            Functions must be pure: same arguments, same answer, no I/O, no clock.

    Returns nothing.
    """


@hookspec
def tactful_rules_loaded(rules: RuleSet) -> None:
    """Called each time a rule set has been loaded and checked, before it is used.

    Args:
        rules: the compiled, immutable rule set (``rules.name``, ``rules.hash``,
            ``rules.states`` …).

    Returns nothing; raising stops the command with the error.
    """


@hookspec
def tactful_register_commands(cli: click.Group) -> None:
    """Called when the ``tactful`` command starts, to add subcommands.

    Args:
        cli: the top-level click group; call ``cli.add_command(command)``.

    Returns nothing.
    """


# -- Delivery (from the outbox, after commit) -------------------------------------------


@hookspec
def tactful_transition(notice: Notice, key: str, candidate: Candidate | None) -> None:
    """Called after an application moved from one state to another and that was committed
    (an event recorded, a timer fired by ``tick``).

    Args:
        notice: what happened: ``notice.kind == "transition"``, ``app_id``, ``company``,
            ``source`` and ``target`` states, ``at``, ``event`` (the event or ``timer``),
            ``candidate`` (the key of the job seeker it concerns).
        key: the stable idempotency key of this notice for this plugin.
        candidate: the job seeker the notice concerns, as stored when it is delivered
            (``key``, ``name``, ``zone``, ``email``, ``sms``: where their notices go); None
            only when the application delivering gave ``deliver`` no way to look candidates up
            (then only ``notice.candidate`` says whose it is). Added after the first release:
            a plugin that does not name it is called as before.

    Returns nothing. Raise to have the delivery retried later with the same key.
    """


@hookspec
def tactful_action_due(notice: Notice, key: str, candidate: Candidate | None) -> None:
    """Called when an advised action has become due (found by ``tick``) and that was
    committed.

    Args:
        notice: ``notice.kind == "action_due"``, ``app_id``, ``company``, ``action``,
            ``due``, ``reason``, ``interviewer``, ``timezone``, ``candidate`` (the key), and
            ``draft`` (the message text, when the rule set has one for the action).
        key: the stable idempotency key of this notice for this plugin.
        candidate: the job seeker the notice concerns, as in :func:`tactful_transition`.

    Returns nothing. Raise to have the delivery retried later with the same key.
    """


@hookspec
def tactful_schedule(schedule: Sequence[Notice], now: datetime, candidates: Mapping[str, Candidate]) -> None:
    """Called by every ``tick``, after delivery: the whole schedule as of now, so that feeds
    (a calendar) can be rebuilt; an event recorded since the last tick may have moved a date.

    Args:
        schedule: one ``action_due``-kind notice per advised action (due or still to come),
            across candidates and their applications, soonest first; ``notice.key`` is stable
            for (application, action, due moment), so key a feed's entries by
            ``(app_id, action)`` to follow an action whose date moves; ``notice.candidate``
            says whose it is.
        now: the moment the tick ran at.
        candidates: every candidate in the store, by key (the implicit one, ``""``, too),
            those with nothing scheduled included: a feed kept per candidate is emptied, or
            removed with the candidate, from it. Added after the first release: a plugin that
            does not name it is called as before (and sees every candidate's actions in one
            schedule).

    Returns nothing. Errors are logged and do not fail the tick.
    """
