-- The registry's schema: residents and the request log for safe retries.
CREATE SCHEMA IF NOT EXISTS registry;

CREATE TABLE registry.residents (
  id            bigserial PRIMARY KEY,
  id_number     text NOT NULL UNIQUE,          -- canonical 18 characters
  full_name     text NOT NULL,
  phone         text NOT NULL DEFAULT '',
  district_code text NOT NULL CHECK (district_code ~ '^[0-9]{6}$'),
  birth_date    date NOT NULL,
  sex           smallint NOT NULL CHECK (sex IN (1, 2)),  -- screening.v1.Sex
  create_time   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX residents_district ON registry.residents (district_code);

CREATE TABLE registry.requests (
  request_id  text PRIMARY KEY,
  method      text NOT NULL,
  fingerprint text NOT NULL,
  response    bytea,
  create_time timestamptz NOT NULL DEFAULT now()
);
