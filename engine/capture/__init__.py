"""Capture: a shell beside the CLI. Sources in (the mailbox over IMAP), proposals out; an
accepted proposal enters through the facade (:class:`~tactful.engine.Engine`) as any recorded
event does. See docs/capture.md."""
