"""Which application a message is about, how sure we are, and what an answer likely says.

Tiers (docs/capture.md): **certain**, the message is threaded (In-Reply-To or References) to a
message we sent for that application; **likely**, it is to or from the interviewer's address
(the application's ``email``); **possible**, to or from the company's domain: the domain of that
address, or one whose name is the company's. Free-mail domains (gmail.com…) and your own never
match by domain alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from ..vocabulary.records import Application
from .messages import domain_of

_FREE_MAIL = """
gmail.com googlemail.com outlook.com hotmail.com hotmail.co.uk hotmail.fr live.com msn.com yahoo.com yahoo.co.uk
yahoo.fr ymail.com icloud.com me.com mac.com aol.com proton.me protonmail.com pm.me gmx.com gmx.de gmx.net web.de
mail.com yandex.com yandex.ru zoho.com fastmail.com fastmail.fm hey.com qq.com 163.com 126.com orange.fr free.fr
laposte.net t-online.de libero.it seznam.cz mail.ru tutanota.com
"""
#: Domains anyone can have an address at: they never match an application by domain alone.
FREE_MAIL = frozenset(_FREE_MAIL.split())
#: Words dropped from a company's name before its domain is compared with it.
_SUFFIXES = frozenset(("inc", "ltd", "llc", "gmbh", "corp", "co", "sa", "ag", "plc", "group", "company", "limited"))
RANK = {"certain": 0, "likely": 1, "possible": 2}
#: The words that suggest each outcome of an answer.
OUTCOME_WORDS: Mapping[str, tuple[str, ...]] = {
    "offer": ("pleased to offer", "offer you", "job offer", "offer letter", "extend an offer", "an offer"),
    "rejected": ("unfortunately", "regret to", "not to move forward", "not moving forward", "other candidates",
                 "not been selected", "decided to pursue", "position has been filled"),
    "decision_by": ("decision by", "decide by", "decision on", "get back to you by", "news by", "by the end of"),
    "callback": ("call me", "give me a call", "call you", "call back", "phone call", "speak on the phone"),
}  # fmt: skip
_ISO_DATE = re.compile(r"\b(20\d\d)-(\d\d)-(\d\d)\b")


@dataclass(frozen=True, slots=True)
class Match:
    """An application a message is about, at a tier, with the evidence in words."""

    app: Application
    tier: str
    why: str
    domain: str  # the other side's domain


@dataclass
class Index:
    """The applications of one candidate, looked up by address, domain and thread."""

    own: frozenset[str] = frozenset()  # the person's own domains
    by_address: dict[str, list[Application]] = field(default_factory=dict)
    by_domain: dict[str, list[Application]] = field(default_factory=dict)
    by_name: dict[str, list[Application]] = field(default_factory=dict)
    by_id: dict[int, Application] = field(default_factory=dict)

    @classmethod
    def of(cls, apps: Iterable[Application], own: Iterable[str] = ()) -> Index:
        index = cls(own=frozenset(d for d in own if d))
        for app in apps:
            index.by_id[app.id] = app
            address = str(app.facts.get("email") or "").strip().lower()
            if "@" in address:
                index.by_address.setdefault(address, []).append(app)
                if index.usable(domain_of(address)):
                    index.by_domain.setdefault(domain_of(address), []).append(app)
            name = company_key(app.company)
            if name:
                index.by_name.setdefault(name, []).append(app)
        return index

    def usable(self, domain: str) -> bool:
        """Whether ``domain`` may match by itself: not free mail, not the person's own."""
        return bool(domain) and domain not in FREE_MAIL and domain not in self.own

    def match(self, addresses: Iterable[str], threaded: Mapping[int, str], sent: bool) -> list[Match]:
        """The applications a message to or from ``addresses`` is about, each at its best tier;
        ``threaded`` maps an application to the message of ours the message answers."""
        found: dict[int, Match] = {}

        def offer(app: Application, tier: str, why: str, domain: str) -> None:
            if app.id not in found or RANK[tier] < RANK[found[app.id].tier]:
                found[app.id] = Match(app, tier, why, domain)

        addresses = list(addresses)
        first = domain_of(addresses[0]) if addresses else ""
        for number, message in threaded.items():
            if number in self.by_id:
                offer(self.by_id[number], "certain", f"in the thread of your message {message}", first)
        way = "sent to" if sent else "from"
        for address in addresses:
            domain = domain_of(address)
            for app in self.by_address.get(address, ()):
                offer(app, "likely", f"{way} the interviewer's address", domain)
            if not self.usable(domain):
                continue
            for app in self.by_domain.get(domain, ()):
                offer(app, "possible", f"{way} {domain}, the interviewer's domain", domain)
            for app in self._named(domain):
                offer(app, "possible", f"{way} {domain}, a domain named like {app.company}", domain)
        return sorted(found.values(), key=lambda m: m.app.id)

    def _named(self, domain: str) -> list[Application]:
        labels = domain.split(".")[:-1]  # the top-level domain names no company
        return [app for label in labels[-2:] for app in self.by_name.get(label.replace("-", ""), ())]


def company_key(company: str) -> str:
    """A company's name as a domain would spell it: ``Northwind Traders Ltd`` -> ``northwindtraders``."""
    words = [w for w in re.findall(r"[a-z0-9]+", company.lower()) if w not in _SUFFIXES]
    return "".join(words)


def outcomes(text: str) -> list[dict[str, object]]:
    """The likely outcomes of an answer, each with the words in ``text`` that suggest it (and,
    for a new decision date, the first ISO date written there). None is picked: the person does."""
    lowered = text.lower()
    found: list[dict[str, object]] = []
    for outcome, words in OUTCOME_WORDS.items():
        seen = [w for w in words if w in lowered]
        if not seen:
            continue
        item: dict[str, object] = {"outcome": outcome, "words": seen}
        if outcome == "decision_by" and (day := _first_date(lowered)):
            item["date"] = day
        found.append(item)
    return found


def _first_date(text: str) -> str | None:
    for match in _ISO_DATE.finditer(text):
        try:
            return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
        except ValueError:
            continue
    return None
