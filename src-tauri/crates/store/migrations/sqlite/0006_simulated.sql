-- The console's Okta simulator sends with a token of its own, marked here. The server marks
-- every event-log entry (and held request) of a request authenticated with such a token, so
-- simulated traffic is labelled everywhere and never verifies an onboarding step. The mark
-- comes from the token alone: nothing a client sends can set or clear it.
ALTER TABLE tokens ADD COLUMN simulator INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN simulated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE guard_held ADD COLUMN simulated INTEGER NOT NULL DEFAULT 0;
