-- A user is active unless its resource says otherwise; the resource now always says which, so
-- the `active` column and the resource agree and a filter on `active` reads the column.
UPDATE users
SET data = json_set(data, '$.active', json(CASE active WHEN 0 THEN 'false' ELSE 'true' END))
WHERE json_type(data, '$.active') IS NOT 'true' AND json_type(data, '$.active') IS NOT 'false';
-- "Who is inactive", newest change first, without reading every user.
CREATE INDEX users_active_modified ON users (active, last_modified, seq);
