-- The console lists users by their last change, newest first (its default), and by last
-- login: indexes that let a page be read without sorting every user.
CREATE INDEX users_last_modified ON users (last_modified, seq);
CREATE INDEX users_last_login ON users (last_login, seq);
