-- The scheduling service connects as screening_scheduling: its own schema, nothing else,
-- and no DELETE (nothing it keeps is ever deleted).
GRANT USAGE ON SCHEMA scheduling TO screening_scheduling;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA scheduling TO screening_scheduling;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA scheduling TO screening_scheduling;
