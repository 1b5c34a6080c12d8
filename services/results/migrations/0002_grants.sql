-- The results service connects as screening_results: its own schema, nothing else,
-- and no DELETE (nothing it keeps is ever deleted).
GRANT USAGE ON SCHEMA results TO screening_results;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA results TO screening_results;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA results TO screening_results;
