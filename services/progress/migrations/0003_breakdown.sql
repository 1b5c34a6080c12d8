-- The same counters broken down by the resident's district, the hospital's
-- district, the hospital and the day, kept by the consumer in the same
-- transaction as the totals.
CREATE TABLE progress.breakdown (
  programme_year integer NOT NULL,
  dimension      text NOT NULL,  -- resident_district, hospital_district, hospital, day
  key            text NOT NULL,
  metric         text NOT NULL,
  value          bigint NOT NULL,
  PRIMARY KEY (programme_year, dimension, key, metric)
);
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA progress TO screening_progress;
