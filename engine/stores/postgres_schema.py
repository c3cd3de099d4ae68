"""The PostgreSQL store's schema: each version's steps, applied in order by the store when it
opens (see :meth:`~tactful.stores.postgres_store.PostgresStore`)."""

from __future__ import annotations

from .postgres_outbox import CLAIMS_SCHEMA, OUTBOX_SCHEMA
from .proposals import POSTGRES_SCHEMA as PROPOSALS_SCHEMA

#: The schema this tactful writes; a database marked with a higher one is refused.
SCHEMA_VERSION = 5
#: Each version's steps, applied in order to a database marked with a lower one.
MIGRATIONS = {
    1: """
CREATE TABLE applications (
    id BIGSERIAL PRIMARY KEY, company TEXT NOT NULL, state TEXT NOT NULL, entered TEXT NOT NULL,
    facts TEXT NOT NULL, rules TEXT NOT NULL, rules_hash TEXT NOT NULL, next_due TIMESTAMPTZ, timer INTEGER,
    version INTEGER NOT NULL DEFAULT 1, wake TIMESTAMPTZ, notified TEXT
);
CREATE INDEX applications_wake ON applications (wake, id) WHERE wake IS NOT NULL;
CREATE INDEX applications_state ON applications (state);
CREATE TABLE history (
    id BIGSERIAL PRIMARY KEY, app_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    kind TEXT NOT NULL, name TEXT NOT NULL, at TEXT NOT NULL, recorded TEXT NOT NULL, source TEXT NOT NULL,
    target TEXT NOT NULL, params TEXT, before TEXT
);
CREATE INDEX history_app ON history (app_id, id);
CREATE TABLE rulesets (hash TEXT PRIMARY KEY, ref TEXT NOT NULL, tree TEXT NOT NULL);
"""
    + OUTBOX_SCHEMA,
    # The agenda index, and the zones of the indexed moments. An older row's agenda moment
    # reads as "look at me" and its wake moment as due, until the first tick settles it; its
    # moments are in the application's own zone, the one its ``entered`` keeps.
    2: """
ALTER TABLE applications ADD COLUMN agenda TIMESTAMPTZ;
ALTER TABLE applications ADD COLUMN zones TEXT;
UPDATE applications SET agenda = 'epoch', wake = 'epoch', zones = substring(entered from '\\[(.*)\\]$');
CREATE INDEX applications_agenda ON applications (agenda) WHERE agenda IS NOT NULL
""",
    # Candidates: every application (and notice) of an older store is the implicit candidate's.
    3: """
ALTER TABLE applications ADD COLUMN candidate TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN candidate TEXT NOT NULL DEFAULT '';
CREATE INDEX applications_candidate ON applications (candidate, id);
CREATE INDEX applications_candidate_state ON applications (candidate, state);
CREATE INDEX applications_candidate_agenda ON applications (candidate, agenda) WHERE agenda IS NOT NULL;
CREATE TABLE candidates (
    key TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', zone TEXT, rules TEXT, email TEXT, sms TEXT
);
INSERT INTO candidates (key) VALUES ('')
""",
    # Capture (issue 20): proposals from the mailbox, and how far each folder was read.
    4: PROPOSALS_SCHEMA,
    # Claims of deliveries, committed, each delivery's outcome committed as it comes.
    5: CLAIMS_SCHEMA,
}
