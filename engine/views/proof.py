"""The proof of search (`tactful report --proof`): every application in a period with its date,
employer, position, contact person, the channel of each contact and the outcome, in the
candidate's language where a rule set names one (``settings.language``).

The CSV columns (:data:`COLUMNS`) are named in docs/report.md and stay English; the PDF's
headings follow the language.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import InputError, RuleErrors
from ..runtime.story import Story
from ..vocabulary.text import csv_cell

if TYPE_CHECKING:
    from ..engine import Engine
    from ..language.ruleset import RuleSet

COLUMNS = ("date", "employer", "position", "contact_person", "contacts", "outcome")

#: Every word the proof prints, per language; English for a language not here.
WORDS: dict[str, dict[str, str]] = {
    "en": {"title": "Proof of job search", "date": "Date", "employer": "Employer", "position": "Position",
           "contact_person": "Contact person", "contacts": "Contacts (date, channel)", "outcome": "Outcome",
           "period": "Period", "whole": "the whole search", "made": "Made on", "page": "Page {page} of {pages}",
           "total": "Applications: {count}; contacts: {contacts}", "signature": "Signature", "candidate": "Candidate",
           "call": "call", "note": "note", "email": "email", "thank_you": "thank-you",
           "accepted": "offer accepted", "declined": "offer declined", "rejected": "rejected",
           "withdrawn": "withdrawn", "moved_on": "no answer, moved on", "closed": "closed", "pending": "pending"},
    "de": {"title": "Nachweis der Eigenbemühungen", "date": "Datum", "employer": "Arbeitgeber", "position": "Stelle",
           "contact_person": "Ansprechperson", "contacts": "Kontakte (Datum, Weg)", "outcome": "Ergebnis",
           "period": "Zeitraum", "whole": "gesamte Suche", "made": "Erstellt am", "page": "Seite {page} von {pages}",
           "total": "Bewerbungen: {count}; Kontakte: {contacts}", "signature": "Unterschrift",
           "candidate": "Bewerber/in", "call": "Anruf", "note": "Brief", "email": "E-Mail",
           "thank_you": "Dankschreiben",
           "accepted": "Angebot angenommen", "declined": "Angebot abgelehnt", "rejected": "Absage",
           "withdrawn": "zurückgezogen", "moved_on": "keine Antwort", "closed": "abgeschlossen", "pending": "offen"},
}  # fmt: skip


class ProofRow(NamedTuple):
    """One application as the proof lists it."""

    date: str
    employer: str
    position: str
    contact_person: str
    contacts: tuple[tuple[str, str], ...]  # (YYYY-MM-DD, channel)
    outcome: str


def words(language: str | None) -> Mapping[str, str]:
    """The proof's words in ``language`` (a code like ``de``, or ``de-AT``), else English."""
    code = (language or "en").split("-")[0].split("_")[0]
    return WORDS.get(code, WORDS["en"])


def language_of(engine: Engine, sets: Mapping[str, RuleSet]) -> str | None:
    """The candidate's language: their own rule set's ``language`` setting, else the first rule set
    of their applications (by name) that sets one."""
    person = engine.store.get_candidate(engine.candidate_key)
    own = (person.rules if person else None) or engine.default_rules
    try:
        first = engine.rules.get(own).settings.get("language")
    except (InputError, RuleErrors):  # a broken default file: the applications' rule sets still say
        first = None
    found = [rs.settings.get("language") for _, rs in sorted(sets.items())]
    return first or next((code for code in found if code), None)


def rows(stories: Sequence[Story]) -> list[ProofRow]:
    """The proof's rows, by interview date then id."""
    ordered = sorted(stories, key=lambda s: (s.interviewed.isoformat() if s.interviewed else "", s.app.id))
    return [ProofRow(s.interviewed.isoformat() if s.interviewed else "", s.app.company,
                     str(s.app.facts.get("role") or ""), str(s.app.facts.get("interviewer") or ""),
                     tuple((at.date().isoformat(), channel) for at, channel in s.contacts), s.outcome)
            for s in ordered]  # fmt: skip


def contacts_cell(row: ProofRow, said: Mapping[str, str] | None = None) -> str:
    """``2026-05-04 thank_you; 2026-05-21 call`` (with ``said``, the channels in its words)."""
    return "; ".join(f"{day} {said.get(channel, channel) if said else channel}" for day, channel in row.contacts)


def csv_text(found: Sequence[ProofRow]) -> str:
    """The proof as CSV, with the columns of :data:`COLUMNS`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in found:
        cells: list[Any] = [row.date, row.employer, row.position, row.contact_person, contacts_cell(row), row.outcome]
        writer.writerow([csv_cell(c) for c in cells])
    return out.getvalue()
