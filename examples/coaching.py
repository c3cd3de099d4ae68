"""A coaching service's use of tactful: three job seekers in one store, worker threads that tick
and deliver for all of them, and each one's notices routed to them alone.

Run it from any folder: ``python examples/coaching.py``. It uses a new SQLite file in a
temporary folder, or the PostgreSQL database ``TACTFUL_DATABASE`` names (an empty one). The
clock is fixed and moved by hand, so what it prints is the same every time: what each
candidate was told, at their own address and in their own time zone, and the coach's morning
view. Alice and Bob both applied to Contoso; Alice accepts an offer, and only her other
application is advised to withdraw. It exits 1 if a notice reached the wrong person. The test
suite runs this file on both stores.
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder comes first on the path, where examples/platform.py would
# hide the standard library's ``platform`` module from everything imported below: leave it out.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import tempfile  # noqa: E402 - after the path is mended
import threading  # noqa: E402
from collections import defaultdict  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

import pluggy  # noqa: E402

from tactful import Engine, Store, open_store  # noqa: E402
from tactful.hookspecs import Notice, hookimpl  # noqa: E402
from tactful.testing import FakeClock, deliver, get_plugin_manager  # noqa: E402

START = datetime(2026, 5, 4, 18, 0, tzinfo=UTC)  # a Monday evening, after the interviews
PEOPLE = {
    "alice": {"name": "Alice Martin", "zone": "Europe/Paris", "email": "alice@example.org"},
    "bob": {"name": "Bob Okafor", "zone": "America/New_York", "email": "bob@example.org", "rules": "small-company"},
    "chen": {"name": "Chen Wei", "zone": "Asia/Singapore", "email": "chen@example.org"},
}
WORKERS = 2


class Mailroom:
    """A notification plugin that routes each notice to its candidate's own address (a real one
    would send the email; this one keeps it, to print)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.sent: dict[str, list[tuple[datetime, str]]] = defaultdict(list)  # address -> (when, line)
        self._lock = threading.Lock()

    def send(self, notice: Notice, line: str) -> None:
        person = self.store.get_candidate(notice.candidate)
        address = person.email if person and person.email else "coach@example.org"  # the implicit one's
        zone = ZoneInfo(person.zone) if person and person.zone else UTC
        with self._lock:
            self.sent[address].append((notice.at, f"{notice.at.astimezone(zone):%a %d %b %H:%M}  {line}"))

    @hookimpl
    def tactful_transition(self, notice: Notice, key: str) -> None:
        self.send(notice, f"{notice.company}: now {(notice.target or '').replace('_', ' ')}")

    @hookimpl
    def tactful_action_due(self, notice: Notice, key: str) -> None:
        self.send(notice, f"{notice.company}: time to {(notice.action or '').replace('_', ' ')}")


def work(engine: Engine, pm: pluggy.PluginManager, rounds: int = 3) -> None:
    """What each worker thread does: tick for every candidate and deliver, a few rounds."""
    for _ in range(rounds):
        engine.tick(batch=2)
        deliver(engine.store.outbox, pm, engine.now(), drafts=engine.notice_draft)


def workers(engine: Engine, pm: pluggy.PluginManager) -> None:
    """Two worker threads on the service's engine: each due timer fires once, each notice is
    delivered once, whichever thread gets to it."""
    threads = [threading.Thread(target=work, args=(engine, pm)) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run(store: Store) -> int:
    clock = FakeClock(START)
    coach = Engine(store, clock, notify=True)  # the service's engine: it serves every candidate
    mailroom = Mailroom(store)
    pm = get_plugin_manager(entry_points=False, builtins=False)
    pm.register(mailroom, "mailroom")
    for key, fields in PEOPLE.items():
        coach.add_candidate(key, **fields)
    alice, bob, chen = (coach.candidate(key) for key in PEOPLE)  # each request acts for one of them

    northwind = alice.add("Northwind", interviewed="2026-05-04", rank=1, interviewer="Ms Laurent")
    contoso = alice.add("Contoso", interviewed="2026-05-04", rank=2, timezone="Europe/Paris")
    bobs = bob.add("Contoso", interviewed="2026-05-04", timezone="America/New_York")
    bob.record(bobs.id, "thank_you_sent")
    chen.add("Initech", interviewed="2026-05-01", timezone="Asia/Singapore")

    clock.set(datetime(2026, 5, 6, 10, 0, tzinfo=UTC))
    alice.record(contoso.id, "offer", deadline="2026-05-11")
    workers(coach, pm)
    clock.set(datetime(2026, 5, 8, 10, 0, tzinfo=UTC))
    alice.record(contoso.id, "accepted")
    workers(coach, pm)
    clock.set(datetime(2026, 5, 19, 10, 0, tzinfo=UTC))
    workers(coach, pm)

    for fields in PEOPLE.values():
        print(f"{fields['name']} <{fields['email']}>")
        for _, line in sorted(mailroom.sent.pop(fields["email"], [])):  # by when, whichever worker sent it
            print(f"  {line}")
    print("The coach's morning view:")
    for person, items in coach.agenda_by_candidate(until=clock() + timedelta(days=7)):
        zone = ZoneInfo(person.zone or "UTC")
        doing = ", ".join(f"{item.action.replace('_', ' ')} {app.company} {item.due.astimezone(zone):%d %b}"
                          for app, item in items)  # fmt: skip
        print(f"  {person.name}: {doing}")
    advice = [a.action for a in alice.advise(northwind.id)], [a.action for a in bob.advise(bobs.id)]
    return 0 if not mailroom.sent and advice[0] == ["withdraw"] and "withdraw" not in advice[1] else 1


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="tactful-coaching-") as folder:
        store = open_store(os.environ.get("TACTFUL_DATABASE") or str(Path(folder) / "tactful.sqlite3"))
        try:
            return run(store)
        finally:
            store.close()  # type: ignore[attr-defined]


if __name__ == "__main__":
    sys.exit(main())
