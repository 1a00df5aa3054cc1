-- Users: the indexed columns are derived from `data`, the resource in canonical form.
CREATE TABLE users (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT NOT NULL UNIQUE,
    user_name      TEXT NOT NULL,
    -- userName folded to lower case: uniqueness and lookups are case-insensitive.
    user_name_key  TEXT NOT NULL UNIQUE,
    external_id    TEXT,
    display_name_key TEXT,
    active         INTEGER NOT NULL DEFAULT 1,
    role           TEXT,
    source         TEXT NOT NULL,
    last_login     TEXT,
    created        TEXT NOT NULL,
    last_modified  TEXT NOT NULL,
    version        INTEGER NOT NULL,
    password_hash  TEXT,
    data           TEXT NOT NULL
);
CREATE INDEX users_external_id ON users (external_id);
CREATE INDEX users_display_name ON users (display_name_key);
-- A narrow index in insertion order: skipping 100,000 rows for a deep page walks this, not
-- the table with its JSON.
CREATE INDEX users_order ON users (seq);

CREATE TABLE user_emails (
    user_seq   INTEGER NOT NULL REFERENCES users (seq) ON DELETE CASCADE,
    value      TEXT NOT NULL,
    value_key  TEXT NOT NULL,
    type       TEXT,
    display    TEXT,
    is_primary INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX user_emails_value ON user_emails (value_key);
CREATE INDEX user_emails_user ON user_emails (user_seq);

CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    permission  TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    prefix      TEXT NOT NULL,
    created     TEXT NOT NULL,
    expires     TEXT,
    last_used   TEXT,
    revoked     TEXT
);
-- A name identifies one active token; revoked ones keep their name for the record.
CREATE UNIQUE INDEX tokens_active_name ON tokens (name COLLATE NOCASE) WHERE revoked IS NULL;

CREATE TABLE roles (
    name    TEXT PRIMARY KEY COLLATE NOCASE,
    builtin INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL
);
INSERT INTO roles (name, builtin, created) VALUES
    ('Admin', 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('Analyst', 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('ReadOnlyAnalyst', 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Bumped by any change to roles or settings, from any process, so a running server notices
-- what the command line changed with one cheap read per request.
CREATE TABLE config_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO config_state (id, generation) VALUES (1, 1);
CREATE TRIGGER roles_ins AFTER INSERT ON roles BEGIN UPDATE config_state SET generation = generation + 1; END;
CREATE TRIGGER roles_del AFTER DELETE ON roles BEGIN UPDATE config_state SET generation = generation + 1; END;
CREATE TRIGGER settings_ins AFTER INSERT ON settings BEGIN UPDATE config_state SET generation = generation + 1; END;
CREATE TRIGGER settings_upd AFTER UPDATE ON settings BEGIN UPDATE config_state SET generation = generation + 1; END;
CREATE TRIGGER settings_del AFTER DELETE ON settings BEGIN UPDATE config_state SET generation = generation + 1; END;

CREATE TABLE events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TEXT NOT NULL,
    token_name    TEXT,
    token_id      INTEGER,
    client        TEXT,
    method        TEXT NOT NULL,
    path          TEXT NOT NULL,
    status        INTEGER NOT NULL,
    latency_us    INTEGER NOT NULL,
    resource_type TEXT,
    resource_id   TEXT,
    user_name     TEXT,
    diff          TEXT,
    ignored       TEXT,
    error         TEXT
);
CREATE INDEX events_resource ON events (resource_id);
CREATE INDEX events_errors ON events (status) WHERE status >= 400;
