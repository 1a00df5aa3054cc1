-- Deactivations and deletions made by SCIM requests, for the deprovisioning guard's window.
CREATE TABLE deprovisions (
    at          TEXT NOT NULL,
    resource_id TEXT NOT NULL
);
CREATE INDEX deprovisions_at ON deprovisions (at);

-- The deprovisioning guard: since when it holds (NULL: it does not), why, and when an admin
-- last released it. One row, shared by every server on this database.
CREATE TABLE guard_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    tripped_at  TEXT,
    reason      TEXT,
    released_at TEXT
);
INSERT INTO guard_state (id) VALUES (1);

-- Deactivations and deletions held by the guard, one row per user; `released_at` is set when
-- an admin lets them through, and the row goes when the identity provider's retry is applied.
CREATE TABLE guard_held (
    resource_id TEXT PRIMARY KEY,
    user_name   TEXT,
    kind        TEXT NOT NULL,
    client      TEXT,
    token_name  TEXT,
    address     TEXT,
    first_at    TEXT NOT NULL,
    last_at     TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 1,
    released_at TEXT
);
