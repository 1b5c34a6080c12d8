-- Sign-offs are idempotent on their request_id (the request log, as in the
-- other services): a retry gets the version it stored the first time.
CREATE TABLE progress.requests (
  request_id  text PRIMARY KEY,
  method      text NOT NULL,
  fingerprint text NOT NULL,
  response    bytea,
  create_time timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE ON progress.requests TO screening_progress;
