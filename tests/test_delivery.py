"""Notices go through the outbox with the change, and reach plugins after commit, once."""

import pluggy
import pytest

from tactful import Engine
from tactful.hooks.delivery import deliver, drain
from tactful.hooks.pluginmanager import get_plugin_manager
from tactful.hookspecs import hookimpl
from tactful.testing import FakeClock, RecordingPlugin

from .helpers import at


@pytest.fixture
def setup(store):
    clock = FakeClock(at("2026-05-04 17:00"))
    recorder = RecordingPlugin()
    pm = get_plugin_manager(entry_points=False)
    pm.register(recorder, "recorder")
    return Engine(store, clock, notify=True), clock, pm, recorder


def test_a_recorded_transition_reaches_plugins_after_commit(setup):
    engine, clock, pm, recorder = setup
    app = engine.add("Northwind", interviewed="2026-05-04")
    engine.record(app.id, "thank_you_sent")
    assert recorder.calls == []  # nothing is delivered inside the transaction
    report = deliver(engine.store.outbox, pm, clock())
    assert [(hook, n.source, n.target) for hook, n, _ in recorder.calls] == [
        ("tactful_transition", "interviewed", "awaiting_decision")
    ]
    assert len(report.delivered) == 1 and recorder.calls[0][2].endswith("/recorder")


def test_tick_announces_each_due_action_once(setup):
    engine, clock, pm, recorder = setup
    app = engine.add("Northwind", interviewed="2026-05-04")
    engine.record(app.id, "thank_you_sent")
    clock.set(at("2026-05-21 10:00"))
    engine.tick()
    engine.tick()
    deliver(engine.store.outbox, pm, clock())
    deliver(engine.store.outbox, pm, clock())
    due = [n.action for hook, n, _ in recorder.calls if hook == "tactful_action_due"]
    assert due == ["call"]
    keys = [key for _, _, key in recorder.calls]
    assert len(keys) == len(set(keys))


def test_draining_delivers_every_due_notice_a_batch_at_a_time_and_each_once(setup):
    engine, clock, pm, recorder = setup
    engine.add_many([{"company": f"C{n}", "interviewed": "2026-05-04"} for n in range(4)])
    clock.set(at("2026-05-21 10:00"))
    engine.tick()  # four transitions and four actions due: eight deliveries, in batches of three
    recorder.fail_with = None
    tally = drain(engine.store.outbox, pm, clock(), batch=3)
    keys = [key for _, _, key in recorder.calls]
    assert tally.delivered == len(keys) == len(set(keys)) == 8 and tally.failed == []
    assert engine.store.outbox.listing(["pending"]) == []


def test_draining_stops_when_every_attempt_left_is_due_later(setup):
    engine, clock, pm, recorder = setup
    engine.add_many([{"company": f"C{n}", "interviewed": "2026-05-04"} for n in range(3)])
    clock.set(at("2026-05-21 10:00"))
    engine.tick()
    recorder.fail_with = ConnectionError("smtp down")
    tally = drain(engine.store.outbox, pm, clock(), batch=2)
    assert tally.delivered == 0 and len(tally.failed) == 6 and recorder.calls == []  # each tried once, not again
    assert len(engine.store.outbox.listing(["pending"])) == 6


def test_a_failing_plugin_is_retried_with_backoff_and_never_undoes_the_change(setup):
    engine, clock, pm, recorder = setup
    app = engine.add("Northwind", interviewed="2026-05-04")
    engine.record(app.id, "thank_you_sent")
    recorder.fail_with = ConnectionError("smtp down")
    report = deliver(engine.store.outbox, pm, clock())
    assert report.failed and "smtp down" in report.failed[0][1]
    assert engine.get(app.id).state == "awaiting_decision"
    [pending] = engine.store.outbox.listing(["pending"])
    assert pending.attempts == 1 and pending.last_error == "ConnectionError: smtp down"
    assert deliver(engine.store.outbox, pm, clock()).failed == []  # not yet due again
    recorder.fail_with = None
    clock.advance(minutes=2)
    assert len(deliver(engine.store.outbox, pm, clock()).delivered) == 1
    assert engine.store.outbox.listing(["pending", "failed"]) == []


def test_after_the_last_attempt_a_delivery_stays_failed_until_retried(setup):
    engine, clock, pm, recorder = setup
    app = engine.add("Northwind", interviewed="2026-05-04")
    engine.record(app.id, "thank_you_sent")
    recorder.fail_with = RuntimeError("gone")
    for _ in range(10):
        deliver(engine.store.outbox, pm, clock())
        clock.advance(days=1)
    [failed] = engine.store.outbox.listing(["failed"])
    assert failed.attempts == 6
    recorder.fail_with = None
    assert engine.store.outbox.retry(clock()) == 1
    assert len(deliver(engine.store.outbox, pm, clock()).delivered) == 1


def test_a_misspelt_hook_fails_loudly():
    class Typo:
        @hookimpl
        def tactful_action_dew(self, notice, key):
            pass

    pm = get_plugin_manager(entry_points=False)
    pm.register(Typo(), "typo")
    with pytest.raises(pluggy.PluginValidationError):
        pm.check_pending()


def test_no_notices_are_written_unless_asked(store):
    engine = Engine(store, FakeClock(at("2026-05-04 17:00")))
    app = engine.add("Northwind", interviewed="2026-05-04")
    engine.record(app.id, "thank_you_sent")
    assert engine.store.outbox.expand({"transition": ["anyone"], "action_due": ["anyone"]}) == 0


class ActionsOnly:
    """A plugin like the sms adapter: it implements only ``tactful_action_due``."""

    def __init__(self):
        self.keys = []

    @hookimpl
    def tactful_action_due(self, notice, key):
        self.keys.append(key)


def test_a_plugin_without_a_hook_for_a_kind_gets_no_delivery_of_that_kind(setup):
    engine, clock, pm, recorder = setup
    texter = ActionsOnly()
    pm.register(texter, "texter")
    app = engine.add("Northwind", interviewed="2026-05-04")
    engine.record(app.id, "thank_you_sent")
    deliver(engine.store.outbox, pm, clock())
    listed = engine.store.outbox.listing(["pending", "failed", "delivered"])
    assert [(d.plugin, d.notice.kind) for d in listed] == [("recorder", "transition")]
    clock.set(at("2026-05-21 10:00"))
    engine.tick()
    deliver(engine.store.outbox, pm, clock())
    delivered = engine.store.outbox.listing(["pending", "failed", "delivered"])
    assert {d.notice.kind for d in delivered if d.plugin == "recorder"} == {"transition", "action_due"}
    assert [(d.notice.kind, d.status) for d in delivered if d.plugin == "texter"] == [("action_due", "delivered")]
    assert [key.rsplit("/", 1)[1] for key in texter.keys] == ["texter"]


def test_a_delivery_whose_plugin_lacks_the_hook_is_never_marked_delivered(setup):
    """A delivery made before its plugin dropped the hook (or made by hand) fails, visibly."""
    engine, clock, pm, _ = setup
    pm.register(ActionsOnly(), "texter")
    app = engine.add("Northwind", interviewed="2026-05-04")
    engine.record(app.id, "thank_you_sent")
    assert engine.store.outbox.expand({"transition": ["texter"]}) == 1
    report = deliver(engine.store.outbox, pm, clock())
    assert report.delivered == []
    assert report.failed[0][1] == "plugin 'texter' does not implement tactful_transition"
    [pending] = engine.store.outbox.listing(["pending"])
    assert (pending.plugin, pending.attempts) == ("texter", 1)


def test_an_action_due_notice_carries_its_draft(setup):
    engine, clock, pm, recorder = setup
    app = engine.add("Northwind", interviewed="2026-05-04", interviewer="Ms. Rivera")
    engine.record(app.id, "thank_you_sent")
    clock.set(at("2026-05-21 10:00"))
    engine.tick()
    deliver(engine.store.outbox, pm, clock(), drafts=engine.notice_draft)
    [notice] = [n for hook, n, _ in recorder.calls if hook == "tactful_action_due"]
    assert notice.action == "call" and "Rivera" in notice.draft and "Northwind" in notice.draft


def test_the_outbox_keeps_notices_without_draft_text_and_delivery_renders_it(setup):
    """Drafts are not rendered inside the state change: the tick writes the notice bare."""
    engine, clock, pm, recorder = setup
    app = engine.add("Northwind", interviewed="2026-05-04", interviewer="Ms. Rivera")
    engine.record(app.id, "thank_you_sent")
    clock.set(at("2026-05-21 10:00"))
    engine.tick()
    engine.store.outbox.expand({"action_due": ["recorder"]})
    [waiting] = engine.store.outbox.listing(["pending"])
    assert waiting.notice.action == "call" and waiting.notice.draft is None
    deliver(engine.store.outbox, pm, clock(), drafts=engine.notice_draft)
    [notice] = [n for hook, n, _ in recorder.calls if hook == "tactful_action_due"]
    assert notice.draft == engine.draft_text(engine.get(app.id), "call", clock())


def test_a_template_that_fails_at_delivery_fails_only_that_delivery(setup, tmp_path):
    """Every timer fires; the bad template's delivery fails with its place, is retried, and
    the other application's notice is delivered with its draft."""
    engine, clock, pm, recorder = setup
    broken = tmp_path / "broken.yaml"
    broken.write_text("extends: default\ntemplates:\n  call: |\n    Hello,\n    {{ company|attr('__class__') }}\n")
    bad = engine.add("Bad Template Co", interviewed="2026-05-04", rules=str(broken))
    good = engine.add("Northwind", interviewed="2026-05-04", interviewer="Ms. Rivera")
    clock.set(at("2026-05-21 10:00"))
    assert {(f.id, f.target) for f in engine.tick()} == {(bad.id, "follow_up_due"), (good.id, "follow_up_due")}
    report = deliver(engine.store.outbox, pm, clock(), drafts=engine.notice_draft)
    [(failed, error)] = report.failed
    assert failed.notice.app_id == bad.id and error.startswith(f"the draft failed: {broken}:5:5: template 'call'")
    [notice] = [n for hook, n, _ in recorder.calls if hook == "tactful_action_due"]
    assert notice.app_id == good.id and "Rivera" in notice.draft
    [pending] = engine.store.outbox.listing(["pending"])
    assert pending.notice.app_id == bad.id and pending.attempts == 1 and "template 'call'" in pending.last_error
    clock.advance(minutes=2)  # retried with backoff, like any failed delivery
    again = deliver(engine.store.outbox, pm, clock(), drafts=engine.notice_draft)
    assert again.delivered == [] and [d.notice.app_id for d, _ in again.failed] == [bad.id]
    assert engine.store.outbox.listing(["pending"])[0].attempts == 2


def test_retrying_an_unknown_delivery_is_bad_input(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "TACTFUL_HOME": str(tmp_path), "TACTFUL_NOW": "2026-05-06T10:00:00+00:00"}
    result = subprocess.run([str(Path(sys.executable).parent / "tactful"), "outbox", "retry", "99"],
                            capture_output=True, text=True, env=env)  # fmt: skip
    assert result.returncode == 2 and "no delivery with id 99" in result.stderr and result.stdout == ""
