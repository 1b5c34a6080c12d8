-- A booking's audit row commits in the booking's own transaction (one commit
-- for both, and no booking without its row): the scheduling role may append
-- to the audit log too. Only append: no SELECT, UPDATE or DELETE.
GRANT USAGE ON SCHEMA audit TO screening_scheduling;
GRANT INSERT ON audit.events TO screening_scheduling;
GRANT USAGE ON SEQUENCE audit.events_id_seq TO screening_scheduling;
