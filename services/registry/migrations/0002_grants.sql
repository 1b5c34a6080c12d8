-- The registry service connects as screening_registry: its own schema, nothing else,
-- and no DELETE (nothing it keeps is ever deleted).
GRANT USAGE ON SCHEMA registry TO screening_registry;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA registry TO screening_registry;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA registry TO screening_registry;
