-- Groups, with their members as rows of their own: adding 256 members to a group of 50,000
-- writes 256 rows, and a page of a big group's members is read by its index, never by
-- reading the whole list.
CREATE TABLE groups (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT NOT NULL UNIQUE,
    display_name     TEXT NOT NULL,
    -- displayName folded to lower case: unique case-insensitively.
    display_name_key TEXT NOT NULL UNIQUE,
    external_id      TEXT,
    -- Kept by the triggers below, whatever removes a member (a user's deletion too).
    member_count     INTEGER NOT NULL DEFAULT 0,
    created          TEXT NOT NULL,
    last_modified    TEXT NOT NULL,
    version          INTEGER NOT NULL,
    -- The resource without id, meta and members.
    data             TEXT NOT NULL
);
CREATE INDEX groups_external_id ON groups (external_id);

-- `m` grows with every membership added: a user's groups in the order it was added to them
-- (the group it joined first gives its role, when group names carry roles).
CREATE TABLE group_members (
    m         INTEGER PRIMARY KEY AUTOINCREMENT,
    group_seq INTEGER NOT NULL REFERENCES groups (seq) ON DELETE CASCADE,
    user_seq  INTEGER NOT NULL REFERENCES users (seq) ON DELETE CASCADE,
    UNIQUE (group_seq, user_seq)
);
CREATE INDEX group_members_user ON group_members (user_seq, m);
-- A page of one group's members, in the order they were added.
CREATE INDEX group_members_group ON group_members (group_seq, m);

CREATE TRIGGER group_members_added AFTER INSERT ON group_members BEGIN
    UPDATE groups SET member_count = member_count + 1 WHERE seq = NEW.group_seq;
END;
CREATE TRIGGER group_members_removed AFTER DELETE ON group_members BEGIN
    UPDATE groups SET member_count = member_count - 1 WHERE seq = OLD.group_seq;
END;
