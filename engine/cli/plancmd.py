"""`tactful plan`: the whole timeline ahead if nobody answers, for an application or a
hypothetical one. Nothing is written."""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING, Any

import click

from ..errors import InputError
from .complete import complete_ids, complete_rules
from .context import Context, common, json_flag
from .types import DATE, DAY, ID, ZONE

if TYPE_CHECKING:
    from ..runtime.plan import PlanStep


@click.command()
@click.argument("app_id", type=ID, metavar="[ID]", required=False, shell_complete=complete_ids)
@click.option(
    "--rules",
    metavar="NAME|PATH",
    shell_complete=complete_rules,
    help="For a hypothetical application: a shipped rule set or a rule file (default: default).",
)
@click.option("--interviewed", type=DAY,
              help="Plan a hypothetical application interviewed then (YYYY-MM-DD, today, yesterday).")  # fmt: skip
@click.option("--timezone", type=ZONE, help="Its interviewer's IANA time zone (default: your own).")
@click.option("--decision-by", type=DATE, help="The decision date its interviewer gave (YYYY-MM-DD).")
@click.option("--no-calls/--calls-ok", default=None, help="Its interviewer asked candidates not to call.")
@click.option("--email-invited/--email-not-invited", default=None, help="Its interviewer invited email.")
@click.option("--wide", is_flag=True, help="Print each reason whole, not cut to the terminal's width.")
@json_flag
@common
def plan(ctx: Context, app_id: int | None, rules: str | None, wide: bool, **facts: Any) -> None:
    """Every step ahead, with its date, if nobody answers.

    For application ID from now, or for a hypothetical application from its interview
    (--interviewed, --rules).

    \b
    tactful plan 1
    tactful plan --interviewed 2026-05-04 --rules small-company
    """
    facts["interviewed"] = ctx.day(facts["interviewed"])
    given = {k: v for k, v in facts.items() if v is not None}
    if app_id is not None and (given or rules):
        raise InputError("give an application ID, or --interviewed DATE for a hypothetical one, not both")
    if app_id is None and "interviewed" not in given:
        raise InputError("give an application ID, or --interviewed DATE (and --rules) for a hypothetical one")
    steps, title = _for_application(ctx, app_id) if app_id is not None else _hypothetical(ctx, rules, given)
    ctx.emit([_step_doc(n, s) for n, s in enumerate(steps, start=1)], lambda: _text(title, steps, ctx.zone(), wide))


def _for_application(ctx: Context, app_id: int) -> tuple[list[PlanStep], str]:
    from ..runtime.plan import plan as make_plan

    engine, now = ctx.engine(), ctx.now()
    app = engine.get(app_id, now)
    steps = make_plan(engine.rules_for(app), app, now, engine.portfolio(app))
    return steps, f"Plan for #{app.id} {app.company} ({app.rules}), from now, if nobody answers:"


def _hypothetical(ctx: Context, rules: str | None, given: dict[str, Any]) -> tuple[list[PlanStep], str]:
    from ..runtime.facts import check_dates, normalize
    from ..runtime.plan import hypothetical
    from ..runtime.plan import plan as make_plan
    from ..vocabulary.timecalc import zone_key

    ref = rules or "default"
    facts = normalize({**given, "timezone": given.get("timezone") or zone_key(ctx.zone())}, new=True)  # as add does
    check_dates(facts)
    rs = ctx.load_rules(ref)
    app = hypothetical(rs, facts, ref)
    title = f"Plan under {ref} for an interview on {facts['interviewed']}, if nobody answers:"
    return make_plan(rs, app, app.entered), title


def _step_doc(number: int, step: PlanStep) -> dict[str, Any]:
    return {"step": number, "kind": step.kind, "due": step.due.isoformat(), "state": step.state,
            "action": step.action, "event": step.event, "optional": step.optional, "reason": step.reason}  # fmt: skip


def _text(title: str, steps: list[PlanStep], tz: tzinfo, wide: bool) -> str:
    from .output import local, table, words

    if not steps:
        return f"{title}\nNothing ahead: no advice and no timer."
    rows = [(n, local(s.due, tz), words(s.state), _what(s), s.reason) for n, s in enumerate(steps, start=1)]
    return f"{title}\n{table(('step', 'due', 'state', 'action', 'why'), rows, fit=None if wide else 4)}"


def _what(step: PlanStep) -> str:
    if step.kind == "timer":
        return "(timer)"
    action = str(step.action).replace("_", " ")
    return f"{action} (optional)" if step.optional else action
