-- Database roles, bearer tokens and the audit log. Runs before every other
-- service's migrations: they grant their schemas to the roles made here.
--
-- Each service connects as its own role with rights on its own schema only;
-- migrations run as the owner (the --database_url user), which needs
-- CREATEROLE. Roles are cluster-wide: replicas or test databases migrating at
-- once may race to create them, so a duplicate is not an error.
DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['screening_registry', 'screening_scheduling', 'screening_results',
                           'screening_progress', 'screening_admin', 'screening_gate'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE', r);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
      END;
    END IF;
  END LOOP;
END
$$;

-- Bearer tokens: only a SHA-256 of the secret is kept.
CREATE SCHEMA IF NOT EXISTS auth;
CREATE TABLE auth.tokens (
  id          text PRIMARY KEY,
  secret_hash bytea NOT NULL,
  caller      text NOT NULL,         -- clinic:230102, hospital:HRB-DL-01, commission, admin, service:x
  description text NOT NULL DEFAULT '',
  create_time timestamptz NOT NULL DEFAULT now(),
  expire_time timestamptz NOT NULL,
  revoke_time timestamptz
);

-- Every read or change of personal data. Append-only for the services: the
-- gate role may only INSERT; nobody but the owner may UPDATE or DELETE.
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE audit.events (
  id       bigserial PRIMARY KEY,
  time     timestamptz NOT NULL,
  subject  text NOT NULL,
  role     text NOT NULL,
  scope    text NOT NULL,
  method   text NOT NULL,
  resource text NOT NULL,
  outcome  text NOT NULL,
  reason   text NOT NULL,
  peer     text NOT NULL
);
CREATE INDEX audit_events_resource ON audit.events (resource, id);

GRANT USAGE ON SCHEMA auth, audit TO screening_gate, screening_admin;
GRANT SELECT ON auth.tokens TO screening_gate, screening_admin;
GRANT INSERT ON audit.events TO screening_gate;
GRANT USAGE ON SEQUENCE audit.events_id_seq TO screening_gate;
GRANT SELECT ON audit.events TO screening_admin;
