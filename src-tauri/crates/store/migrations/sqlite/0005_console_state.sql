-- What the console remembers that is not configuration (the onboarding guide's progress):
-- writing it bumps no configuration generation, so no server reloads its configuration or
-- drops its token cache because an admin ticked a step.
CREATE TABLE console_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO console_state (key, value) SELECT key, value FROM settings WHERE key = 'onboarding';
DELETE FROM settings WHERE key = 'onboarding';
