"""The SQLite store's schema, and the statements that bring an older file up to it."""

from __future__ import annotations

from .sqlite_outbox import OLD_DELIVERIES_MIGRATION, OUTBOX_MARK, OUTBOX_SCHEMA

SCHEMA_VERSION = 7
SCHEMA = """
CREATE TABLE IF NOT EXISTS applications (
    id INTEGER PRIMARY KEY,
    company TEXT NOT NULL,
    state TEXT NOT NULL,
    entered TEXT NOT NULL,
    facts TEXT NOT NULL,
    rules TEXT NOT NULL,
    rules_hash TEXT NOT NULL,
    next_due REAL,
    timer INTEGER,
    version INTEGER NOT NULL DEFAULT 1,
    wake REAL,
    notified TEXT,
    agenda REAL,
    zones TEXT,
    candidate TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS applications_wake ON applications (wake, id) WHERE wake IS NOT NULL;
CREATE INDEX IF NOT EXISTS applications_agenda ON applications (agenda) WHERE agenda IS NOT NULL;
CREATE INDEX IF NOT EXISTS applications_state ON applications (state);
CREATE INDEX IF NOT EXISTS applications_company ON applications (company);
CREATE INDEX IF NOT EXISTS applications_candidate ON applications (candidate, id);
DROP INDEX IF EXISTS applications_candidate_state;
CREATE INDEX IF NOT EXISTS applications_candidate_agenda ON applications (candidate, agenda) WHERE agenda IS NOT NULL;
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY,
    app_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    at TEXT NOT NULL,
    recorded TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    params TEXT,
    before TEXT
);
CREATE INDEX IF NOT EXISTS history_app ON history (app_id, id);
CREATE TABLE IF NOT EXISTS rulesets (
    hash TEXT PRIMARY KEY,
    ref TEXT NOT NULL,
    tree TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS candidates (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    zone TEXT,
    rules TEXT,
    email TEXT,
    sms TEXT
);
INSERT OR IGNORE INTO candidates (key) VALUES ('');
CREATE TABLE IF NOT EXISTS id_mark (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    upto INTEGER NOT NULL  -- the largest id of a removed application: no id is given twice
);
"""
#: The mark a store starts with: an older one's outbox keeps the ids of removed applications that had notices.
_ID_MARK = "INSERT OR IGNORE INTO id_mark (one, upto) SELECT 1, coalesce(max(app_id), 0) FROM outbox;"
#: The IANA zone of ``entered`` (what :func:`stamp` writes in brackets), or NULL.
ZONE_OF_ENTERED = (
    "CASE WHEN entered LIKE '%]' "
    "THEN substr(entered, instr(entered, '[') + 1, length(entered) - instr(entered, '[') - 1) END"
)


def migration(version: int) -> str:
    """The statements that bring a store of schema ``version`` (0: a new file) to this one."""
    from .proposals import SQLITE_SCHEMA as PROPOSALS_SCHEMA  # sync's module: loaded only to create or migrate

    script = SCHEMA + OUTBOX_SCHEMA + OUTBOX_MARK + ";" + _ID_MARK + PROPOSALS_SCHEMA  # proposals: schema 7
    if version >= 1:
        # Candidates (schema 6): every application of an older store is the implicit candidate's.
        script = "ALTER TABLE applications ADD COLUMN candidate TEXT NOT NULL DEFAULT '';" + script
    if version >= 2:
        script = "ALTER TABLE outbox ADD COLUMN candidate TEXT NOT NULL DEFAULT '';" + script
    if 1 <= version < 5:
        # Stores before 5 kept these moments as UTC: they are in the application's own zone.
        script = (
            f"ALTER TABLE applications ADD COLUMN zones TEXT; UPDATE applications SET zones = {ZONE_OF_ENTERED};"
            + script
        )
    if 1 <= version < 4:
        # The agenda index is worked out by the engine: until an older row is next saved it
        # reads as "look at me" (0), and its wake moment as now, so that the first tick after
        # the upgrade settles every row once.
        script = (
            "ALTER TABLE applications ADD COLUMN agenda REAL; UPDATE applications SET agenda = 0, wake = 0;" + script
        )
    if version == 1:
        script = (
            "ALTER TABLE applications ADD COLUMN wake REAL; ALTER TABLE applications ADD COLUMN notified TEXT;"
            "DROP INDEX IF EXISTS applications_due; DROP TABLE outbox;" + script
        )
    elif version in (2, 3):
        script = OLD_DELIVERIES_MIGRATION + script
    return script
