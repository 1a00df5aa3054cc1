-- The role value a request carried (as sent, valid or not), so the console can tell when the
-- identity provider started sending the role attribute and show a rejected role.
ALTER TABLE events ADD COLUMN role TEXT;
