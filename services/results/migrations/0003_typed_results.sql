-- Results of every screening: a visit has one counted result per screening;
-- failed samples are kept beside it and do not count.
ALTER TABLE results.results ADD COLUMN counts boolean NOT NULL DEFAULT true;
ALTER TABLE results.results DROP CONSTRAINT results_booking_id_key;
CREATE UNIQUE INDEX results_one_per_screening
  ON results.results (booking_id, screening_type) WHERE counts;
CREATE INDEX results_booking ON results.results (booking_id);
