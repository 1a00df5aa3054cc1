-- Activity and Health ask for the entries of a time range (the last 24 hours, a minute picked
-- on the chart): an index on the time keeps those from scanning the whole log.
CREATE INDEX events_at ON events (at);
