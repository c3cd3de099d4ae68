"""Embedding tactful in another app: your own store and clock, the engine in between.

Run it: ``python examples/embed.py``. It tracks one application through a moving clock and
prints what the engine advises at each step. The test suite runs this file.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tactful import Engine, MemoryStore, Refused
from tactful.testing import FakeClock


def main() -> None:
    paris = ZoneInfo("Europe/Paris")
    clock = FakeClock(datetime(2026, 5, 4, 18, 0, tzinfo=paris))
    engine = Engine(MemoryStore(), clock)  # any object with the Store methods will do

    app = engine.add("Contoso", interviewed="2026-05-04", timezone="Europe/Paris",
                     interviewer="M. Dupont", decision_by="2026-05-15")  # fmt: skip
    engine.record(app.id, "thank_you_sent")
    first = engine.advise(app.id)[0]
    print(f"{app.company}: {engine.get(app.id).state}; next {first.action} on {first.due:%Y-%m-%d %H:%M %Z}")

    verdict = engine.check(app.id, "linkedin_invite")
    print(f"LinkedIn invitation now? {'yes' if verdict.allowed else 'no'}: {verdict.reason}")

    clock.set(datetime(2026, 5, 18, 10, 0, tzinfo=paris))
    for fired in engine.tick():
        print(f"timer: {fired.source} -> {fired.target}")
    print(f"call now? {engine.check(app.id, 'call').allowed}")

    engine.record(app.id, "called", outcome="noncommittal")
    print("after the call, next:", ", ".join(f"{a.action} {a.due:%Y-%m-%d}" for a in engine.advise(app.id)))

    engine.record(app.id, "offer", deadline="2026-05-23")
    try:
        engine.record(app.id, "withdrawn")
        engine.record(app.id, "accepted")
    except Refused as refusal:
        print(f"refused: {refusal.reason}")
    print(f"final state: {engine.get(app.id).state}")


if __name__ == "__main__":
    main()
