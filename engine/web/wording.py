"""Messages written for the page they appear on: the engine's errors speak of the API's names
(``decision_by``, ``at=…``) or of the command line (``--callback-at``, ``'tactful list'``); a
page speaks of its own fields, by their labels, and of its own buttons."""

from __future__ import annotations

import re

from ..errors import TactfulError

#: Every field a form of the board shows, by the name the engine gives it: its label.
LABELS = {
    "at": "When",
    "event": "What happened",
    "outcome": "Outcome",
    "callback_at": "Callback at",
    "deadline": "Deadline",
    "decision_by": "Decision by",
    "text": "Text",
    "company": "Company",
    "role": "Role",
    "interviewed": "Interview date",
    "interviewer": "Interviewer",
    "email": "Interviewer's email",
    "phone": "Interviewer's phone",
    "timezone": "Interviewer's time zone",
    "rank": "Rank",
    "no_calls": "Asked not to be called",
    "email_invited": "Invited email",
    "rules": "Rules",
}
_OPTION = re.compile(r"--([a-z][a-z-]*)")
_FUTURE = re.compile(r"^at=\S+ is in the future.*$")
_LEADING = re.compile(r"^([a-z_]+)(?=[ =:])")
#: What the command line advises, and what the page says instead.
_CLI_ADVICE = (
    ("; name an action to draft it anyway", ""),
    ("'tactful list' shows them", "the board lists them"),
    ("'tactful candidates' lists them", "the switcher lists them"),
)


def label(name: str) -> str:
    """A field's label, quoted as a page names it: ``decision_by`` is “Decision by”."""
    name = name.replace("-", "_")
    return f"“{LABELS.get(name, name.replace('_', ' ').capitalize())}”"


def for_page(err: TactfulError | str) -> str:
    """The message of ``err`` as a page shows it: fields by their labels, no option, no command."""
    text = err if isinstance(err, str) else getattr(err, "reason", None) or str(err)
    if _FUTURE.match(text):
        return f"{label('at')} is in the future; record what has happened, when it happened."
    text = _OPTION.sub(lambda m: f"the {label(m.group(1))} field", text)
    text = re.sub(r"\(the (“[^”]+”) field\)", r"(fill in \1)", text)
    leading = _LEADING.match(text)
    if leading and leading.group(1) in LABELS:
        text = label(leading.group(1)) + text[leading.end() :].lstrip("=")
    for said, meant in _CLI_ADVICE:
        text = text.replace(said, meant)
    text = re.sub(r"^nothing to draft for #\d+: ", "", text)
    return text[:1].upper() + text[1:]
