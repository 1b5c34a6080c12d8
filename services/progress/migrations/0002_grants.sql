-- The progress service connects as screening_progress: its own schema, nothing else,
-- and no DELETE (nothing it keeps is ever deleted).
GRANT USAGE ON SCHEMA progress TO screening_progress;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA progress TO screening_progress;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA progress TO screening_progress;
