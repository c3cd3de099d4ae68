"""Row-level security for the PostgreSQL store: a platform's defence in depth.

When it is on, each transaction states the candidate it works for in the setting
``tactful.candidate``, and PostgreSQL's policies give it that candidate's rows only, in every
table that holds a person's data: applications, their history, the outbox and its deliveries,
the mail proposals and the marks of what mail was read, and the candidate's own row. A bug in
an embedding app then cannot read or write across candidates. A transaction that states no
candidate (or the empty key) gets an error, not rows. Roles that serve every candidate (the
worker, the tables' owner) are not held to the policies.

Rule sets (``rulesets``) are shared: one kept copy per content hash, whoever's applications
run under it. ``tactful_schema`` holds the schema's version. Neither is anyone's data.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from ..errors import InputError
from ..runtime import candidates
from .pgurl import PostgresURL

#: The session setting a connection states its candidate in.
SETTING = "tactful.candidate"

#: Turns row-level security on: what :meth:`PostgresStore.enable_row_security` runs, and what
#: docs/embedding.md shows a DBA. Run again, it changes nothing. ``tactful_candidate()`` reads
#: the setting once per statement (the policies call it in a sub-select) and refuses an unset
#: or empty one: the implicit candidate's key is "", which is also what the setting reads as
#: after a ``RESET`` or a transaction that set it locally, so "" cannot mean a candidate here.
#: History and deliveries have no candidate of their own: their policies go through the
#: application or notice they belong to (a primary-key look-up per row).
ENABLE = """\
CREATE OR REPLACE FUNCTION tactful_candidate() RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    stated text := current_setting('tactful.candidate', true);
BEGIN
    IF stated IS NULL OR stated = '' THEN
        RAISE EXCEPTION 'this connection states no candidate (tactful.candidate)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN stated;
END $$;
DROP POLICY IF EXISTS tactful_candidate ON applications;
CREATE POLICY tactful_candidate ON applications USING (candidate = (SELECT tactful_candidate()));
DROP POLICY IF EXISTS tactful_candidate ON history;
CREATE POLICY tactful_candidate ON history USING (EXISTS (
    SELECT 1 FROM applications a WHERE a.id = history.app_id AND a.candidate = (SELECT tactful_candidate())));
DROP POLICY IF EXISTS tactful_candidate ON outbox;
CREATE POLICY tactful_candidate ON outbox USING (candidate = (SELECT tactful_candidate()));
DROP POLICY IF EXISTS tactful_candidate ON deliveries;
CREATE POLICY tactful_candidate ON deliveries USING (EXISTS (
    SELECT 1 FROM outbox o WHERE o.id = deliveries.outbox_id AND o.candidate = (SELECT tactful_candidate())));
DROP POLICY IF EXISTS tactful_candidate ON candidates;
CREATE POLICY tactful_candidate ON candidates USING (key = (SELECT tactful_candidate()));
DROP POLICY IF EXISTS tactful_candidate ON proposals;
CREATE POLICY tactful_candidate ON proposals USING (candidate = (SELECT tactful_candidate()));
DROP POLICY IF EXISTS tactful_candidate ON seen_messages;
CREATE POLICY tactful_candidate ON seen_messages USING (candidate = (SELECT tactful_candidate()));
ALTER TABLE applications ENABLE ROW LEVEL SECURITY;
ALTER TABLE history ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE candidates ENABLE ROW LEVEL SECURITY;
ALTER TABLE proposals ENABLE ROW LEVEL SECURITY;
ALTER TABLE seen_messages ENABLE ROW LEVEL SECURITY;
"""
#: Turns it off again: every connection reads every candidate's rows, as before.
DISABLE = """\
ALTER TABLE applications DISABLE ROW LEVEL SECURITY;
ALTER TABLE history DISABLE ROW LEVEL SECURITY;
ALTER TABLE outbox DISABLE ROW LEVEL SECURITY;
ALTER TABLE deliveries DISABLE ROW LEVEL SECURITY;
ALTER TABLE candidates DISABLE ROW LEVEL SECURITY;
ALTER TABLE proposals DISABLE ROW LEVEL SECURITY;
ALTER TABLE seen_messages DISABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tactful_candidate ON applications;
DROP POLICY IF EXISTS tactful_candidate ON history;
DROP POLICY IF EXISTS tactful_candidate ON outbox;
DROP POLICY IF EXISTS tactful_candidate ON deliveries;
DROP POLICY IF EXISTS tactful_candidate ON candidates;
DROP POLICY IF EXISTS tactful_candidate ON proposals;
DROP POLICY IF EXISTS tactful_candidate ON seen_messages;
DROP FUNCTION IF EXISTS tactful_candidate();
"""


def stateable(key: str) -> str:
    """``key``, when a connection may state it: a well-formed key, not the implicit one's.

    Raises:
        InputError: for the implicit candidate's "" or a malformed key.
    """
    if key == "":
        raise InputError("the implicit candidate (key '') cannot be stated under row-level security; state a named "
                         "candidate, or connect as a role that serves every candidate (the worker's)")  # fmt: skip
    return candidates.check_key(key)


def state(conn: psycopg.Connection[Any], key: str) -> None:
    """State ``key`` for the rest of ``conn``'s current transaction (``SET LOCAL``): nothing of
    it stays on the connection when it goes back to the pool, and a pooler that hands server
    connections from client to client between transactions (PgBouncer's transaction mode)
    cannot carry it to another client."""
    conn.execute("SELECT set_config(%s, %s, true)", (SETTING, key))


@contextmanager
def stating(local: threading.local, opened_for: str | None, key: str) -> Iterator[None]:
    """What :meth:`PostgresStore.as_candidate` does: ``key`` stated by every transaction the
    thread begins in the block (the store reads ``local.candidate`` when it begins one). Begin
    it where your app knows who is asking (a request's signed-in user), around the engine
    calls made for them.

    Raises:
        InputError: for a malformed key or the implicit candidate's "", inside a transaction
            (a claim), or on a store opened for another candidate.
    """
    key = stateable(key)
    if getattr(local, "conn", None) is not None:
        raise InputError("store.as_candidate() begins outside a transaction: this thread is inside one")
    if opened_for not in (None, key):
        raise InputError(f"this store is opened for candidate '{opened_for}', not '{key}'")
    before = getattr(local, "candidate", None)
    local.candidate = key
    try:
        yield
    finally:
        local.candidate = before


def switch(conn: psycopg.Connection[Any], url: PostgresURL, on: bool) -> None:
    """Turn row-level security on or off, all of it or none, in ``conn``'s transaction.

    Raises:
        InputError: when the user is not the owner of tactful's tables.
    """
    try:
        with conn.transaction():
            conn.execute(ENABLE if on else DISABLE)  # fixed text, no input: several statements at once
    except psycopg.errors.InsufficientPrivilege as err:
        raise InputError(f"only the owner of tactful's tables in {url} may turn row-level security "
                         f"{'on' if on else 'off'}; connect as that role ({url.reason(err)})") from None  # fmt: skip


def refusal(url: PostgresURL, err: psycopg.Error) -> InputError | None:
    """The one line for a refusal of row-level security's, or None for another error."""
    reason = url.reason(err)
    if SETTING in reason:
        says = f"the database {url} answers only connections that state their candidate (row-level security)"
        return InputError(f"{says}: open the store with PostgresStore(url, candidate=KEY) or use it inside "
                          "store.as_candidate(KEY), or connect as a role that serves every candidate (the worker's)",
                          cli=f"{says}; connect as a role that serves every candidate (the worker's)")  # fmt: skip
    if "row-level security" in reason:
        return InputError(f"the database {url} refuses to write a row of another candidate than the one "
                          f"this connection states: {reason}; nothing of this change was written")  # fmt: skip
    return None
