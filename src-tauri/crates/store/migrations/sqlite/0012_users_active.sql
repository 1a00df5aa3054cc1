-- "Who is inactive", newest change first, without reading every user: `active eq false`
-- reads the column (0 exactly when the resource says false).
CREATE INDEX users_active_modified ON users (active, last_modified, seq);
