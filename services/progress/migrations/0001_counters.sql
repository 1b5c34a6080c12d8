-- Progress: counters fed by the outbox consumer, the sets that make person
-- counts distinct, and the consumer's offset (moved in the same transaction
-- as the counters, so every event counts exactly once).
CREATE SCHEMA IF NOT EXISTS progress;

CREATE TABLE progress.consumer_offsets (
  consumer     text PRIMARY KEY,
  event_offset text NOT NULL DEFAULT ''  -- the last event applied; '' before the first
);
INSERT INTO progress.consumer_offsets (consumer) VALUES ('results');

CREATE TABLE progress.screened_persons (
  programme_year integer NOT NULL,
  resident_id    bigint NOT NULL,
  PRIMARY KEY (programme_year, resident_id)
);

CREATE TABLE progress.screened_by_type (
  programme_year integer NOT NULL,
  resident_id    bigint NOT NULL,
  screening_type smallint NOT NULL,
  PRIMARY KEY (programme_year, resident_id, screening_type)
);

CREATE TABLE progress.counters (
  programme_year integer NOT NULL,
  metric         text NOT NULL,  -- persons_screened, type:<screening type number>
  value          bigint NOT NULL,
  PRIMARY KEY (programme_year, metric)
);
