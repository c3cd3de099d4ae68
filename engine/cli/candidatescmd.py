"""`tactful candidates`: the job seekers one home keeps (a coach's, a careers office's), listed,
added, edited and removed; and `agenda --all-candidates`, every one's agenda at once.

Every other command acts for one candidate: the one ``--candidate`` names, else the implicit
one (a person using tactful alone, who never names it).
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import click

from ..errors import InputError
from ..runtime.candidates import FIELDS, zone_of
from ..vocabulary.records import Candidate
from .complete import complete_rules
from .context import Context, common, json_flag, user_zone
from .types import KEY, ZONE

#: How the implicit candidate is shown to people (its key is "").
IMPLICIT = "(implicit)"


def candidate_doc(person: Candidate) -> dict[str, Any]:
    """A candidate as `candidates --json` prints it (``sms`` names an environment variable)."""
    return {"key": person.key, "name": person.name, "zone": person.zone, "rules": person.rules,
            "email": person.email, "sms": person.sms}  # fmt: skip


def heading(person: Candidate) -> str:
    """A candidate named for people: the key, and the display name when there is one."""
    key = person.key or IMPLICIT
    return f"{key}: {person.name}" if person.name else key


@click.group(invoke_without_command=True)
@json_flag
@common
def candidates(ctx: Context) -> None:
    """The job seekers this home keeps: list, add, edit, remove.

    Each has a key (your own id for them), and optionally a display name, an IANA time zone
    (times shown to them), a default rule set, an email address and the name of an
    environment variable holding their SMS/Apprise URLs. Commands act for one candidate
    with --candidate KEY (or TACTFUL_CANDIDATE); without it, for the implicit one. These
    commands manage every candidate, whatever --candidate says.

    \b
    tactful candidates
    tactful candidates add alice --name "Alice Martin" --zone Europe/Paris
    tactful --candidate alice agenda
    """
    if click.get_current_context().invoked_subcommand is not None:
        return
    from .output import table

    found = ctx.home_engine().candidates()
    rows = [(p.key or IMPLICIT, p.name, p.zone, p.rules, p.email, p.sms) for p in found]
    ctx.emit([candidate_doc(p) for p in found], lambda: table(("key", "name", "zone", "rules", "email", "sms"), rows))


def field_options(func: Any) -> Any:
    """The options that set a candidate's fields."""
    options = (
        click.option("--name", metavar="TEXT", help="Their display name."),
        click.option("--zone", type=ZONE, help="Their IANA time zone, for the times shown to them."),
        click.option(
            "--rules",
            metavar="NAME|PATH",
            shell_complete=complete_rules,
            help="The rule set 'add' uses for them (a shipped name or a rule file).",
        ),  # fmt: skip
        click.option("--email", metavar="ADDRESS", help="Where their email notices go (else config.yaml's 'to')."),
        click.option(
            "--sms",
            metavar="VARIABLE",
            help="The environment variable (TACTFUL_SMS_...) that holds their SMS/Apprise URLs (never the URLs).",
        ),  # fmt: skip
    )
    for option in reversed(options):
        func = option(func)
    return func


def _given(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


def _said(verb: str, person: Candidate) -> str:
    return f"{verb} candidate {heading(person)}. 'tactful --candidate {person.key} agenda' shows their agenda."


@candidates.command()
@click.argument("key", type=KEY)
@field_options
@json_flag
@common
def add(ctx: Context, key: str, **fields: Any) -> None:
    """Add a candidate: KEY is your own id for them.

    KEY: letters, digits and . _ - @ +, starting with a letter or digit.

    \b
    tactful candidates add alice --name "Alice Martin" --zone Europe/Paris
    tactful candidates add bob --email bob@example.org --rules small-company
    """
    person = ctx.home_engine().add_candidate(key, **_given(fields))
    ctx.emit(candidate_doc(person), lambda: _said("Added", person))


@candidates.command()
@click.argument("key", type=KEY)
@field_options
@click.option("--clear", type=click.Choice(FIELDS), multiple=True, metavar="FIELD",
              help=f"Clear a field ({', '.join(FIELDS)}); may be given more than once.")  # fmt: skip
@json_flag
@common
def edit(ctx: Context, key: str, clear: tuple[str, ...], **fields: Any) -> None:
    """Change a candidate's name, zone, rules, email or sms; --clear FIELD empties one.

    \b
    tactful candidates edit alice --zone America/Toronto
    tactful candidates edit alice --clear email --clear sms
    """
    given = _given(fields)
    both = sorted(set(given) & set(clear))
    if both:
        raise InputError(f"--{both[0]} and --clear {both[0]} were both given; give one of them")
    if not given and not clear:
        raise InputError(f"nothing to change; give --{' --'.join(FIELDS)}, or --clear FIELD")
    person = ctx.home_engine().edit_candidate(key, **given, **dict.fromkeys(clear))
    ctx.emit(candidate_doc(person), lambda: _said("Updated", person))


@candidates.command()
@click.argument("key", type=KEY)
@click.option("--yes", is_flag=True, help="Do not ask.")
@json_flag
@common
def remove(ctx: Context, key: str, yes: bool) -> None:
    """Erase a candidate and everything of theirs.

    Their applications, history, notices and deliveries go, in one transaction: nothing of
    theirs is left in the store. Asks first, unless --yes.

    \b
    tactful candidates remove alice
    tactful candidates remove alice --yes
    """
    bound = ctx.home_engine().candidate(key)  # an unknown key is refused before anything is asked
    person = next(p for p in bound.candidates() if p.key == key)
    count = sum(1 for _ in bound.stored())
    theirs = f"{count} application{'' if count == 1 else 's'}"
    if not yes:
        if not sys.stdin.isatty():
            raise InputError("removing a candidate needs confirmation; pass --yes to remove without asking")
        click.confirm(f"Erase candidate {heading(person)} and everything of theirs ({theirs}, their history "
                      "and notices)?", abort=True, err=True)  # fmt: skip
    bound.remove_candidate(key)
    doc = {**candidate_doc(person), "removed": True, "applications": count}
    ctx.emit(doc, lambda: f"Removed candidate {heading(person)} and their {theirs}.")


def agenda_of_every_candidate(ctx: Context, now: datetime, until: datetime, wide: bool = False) -> None:
    """`agenda --all-candidates`: each candidate's agenda under their name, in their own zone;
    only the candidates with something due are shown."""
    from .output import agenda_doc, agenda_text

    groups = ctx.unbound().agenda_by_candidate(now, until)
    docs = [{**candidate_doc(person), "agenda": agenda_doc(items, now)} for person, items in groups]

    def human() -> str:
        if not groups:
            return "Nothing to do for any candidate."
        return "\n\n".join(f"{heading(person)}\n{agenda_text(items, now, zone_of(person) or user_zone(), wide)}"
                           for person, items in groups)  # fmt: skip

    ctx.emit(docs, human)
