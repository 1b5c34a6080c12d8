-- Staff accounts of the web console. A person signs in with a name and a
-- password and gets a short-lived bearer token (auth.tokens) of the caller
-- the account is bound to. Only an Argon2id hash of the password is kept
-- (libsodium's string form, with its parameters and salt). The console
-- connects as screening_console: accounts, its sessions' tokens, and the
-- audit rows of sign-ins.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'screening_console') THEN
    BEGIN
      CREATE ROLE screening_console LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
END
$$;

CREATE TABLE auth.accounts (
  username        text PRIMARY KEY,      -- lower case, [a-z0-9._-]
  caller          text NOT NULL,         -- clinic:230102, hospital:HRB-DL-01, commission, admin
  display_name    text NOT NULL DEFAULT '',
  password_hash   text NOT NULL,
  failed_attempts integer NOT NULL DEFAULT 0,  -- since the last success
  locked_until    timestamptz,
  disabled        boolean NOT NULL DEFAULT false,
  create_time     timestamptz NOT NULL DEFAULT now(),
  password_time   timestamptz NOT NULL DEFAULT now()
);

GRANT USAGE ON SCHEMA auth, audit TO screening_console;
GRANT SELECT, INSERT, UPDATE ON auth.accounts TO screening_console;
GRANT SELECT, INSERT ON auth.tokens TO screening_console;
GRANT UPDATE (revoke_time) ON auth.tokens TO screening_console;
GRANT INSERT ON audit.events TO screening_console;
GRANT USAGE ON SEQUENCE audit.events_id_seq TO screening_console;
