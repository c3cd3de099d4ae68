"""The pure decisions: given a rule set, an application and ``now``, what happens next.

The core step, the shared state machine, policies (``can``), plans, fact checks, notices
and drafts. No I/O, no clock, no globals.
"""
