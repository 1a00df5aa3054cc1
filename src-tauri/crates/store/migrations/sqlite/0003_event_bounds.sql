-- The client's address; how many requests an entry stands for (requests without a valid token
-- and throttled ones are folded into few entries per address and minute, marked `aggregated`
-- and retained within a budget of their own, so a flood cannot push real entries out); and
-- the entry's stored size, for retention by bytes.
ALTER TABLE events ADD COLUMN address TEXT;
ALTER TABLE events ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE events ADD COLUMN aggregated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
CREATE INDEX events_size ON events (id, size);
CREATE INDEX events_aggregated ON events (id) WHERE aggregated = 1;
