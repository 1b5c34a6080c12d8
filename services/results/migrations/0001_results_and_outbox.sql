-- Results, the outbox of events other services count, and the request log.
CREATE SCHEMA IF NOT EXISTS results;

CREATE TABLE results.results (
  id                 bigserial PRIMARY KEY,
  booking_id         bigint NOT NULL UNIQUE,  -- one result per booking
  resident_id        bigint NOT NULL,
  hospital_code      text NOT NULL,
  screening_type     smallint NOT NULL,
  programme_year     integer NOT NULL,
  measurement        bytea NOT NULL,  -- screening.v1.FourHighsMeasurement, SI units
  classification     bytea NOT NULL,  -- screening.v1.FourHighsClassification
  any_positive       boolean NOT NULL,
  record_time        timestamptz NOT NULL
);
CREATE INDEX results_resident ON results.results (resident_id);

-- Written in the same transaction as the change it reports. `xid` is the
-- writing transaction: a reader takes only rows of transactions older than
-- every transaction still running, ordered by (xid, seq), so it never skips a
-- row that commits late.
CREATE TABLE results.outbox (
  seq            bigserial PRIMARY KEY,
  xid            xid8 NOT NULL DEFAULT pg_current_xact_id(),
  event_type     text NOT NULL,
  resident_id    bigint NOT NULL,
  screening_type smallint NOT NULL,
  programme_year integer NOT NULL,
  hospital_code  text NOT NULL,
  result_id      bigint NOT NULL,
  create_time    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_order ON results.outbox (xid, seq);

CREATE TABLE results.requests (
  request_id  text PRIMARY KEY,
  method      text NOT NULL,
  fingerprint text NOT NULL,
  response    bytea,
  create_time timestamptz NOT NULL DEFAULT now()
);
