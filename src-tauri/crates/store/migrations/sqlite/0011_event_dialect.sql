-- What a request's shape says about the client's setup, when it says something worth telling
-- the admin: `entra-legacy` for Microsoft Entra ID's PATCH dialect from before 2020
-- (capitalised ops, booleans as "True"/"False"), which the `?aadOptscim062020` flag on the
-- Tenant URL turns off.
ALTER TABLE events ADD COLUMN dialect TEXT;
