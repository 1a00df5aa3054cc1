-- The bodies of a request and of its answer, as the server kept them: secrets redacted, cut at
-- a few KiB with a visible marker (see bounds.rs). Lists of entries never read them; one entry's
-- detail does.
ALTER TABLE events ADD COLUMN request_body TEXT;
ALTER TABLE events ADD COLUMN response_body TEXT;
