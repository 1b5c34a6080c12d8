-- What progress breaks counts down by: the resident's and the hospital's
-- districts, the day, and whether the result was positive.
ALTER TABLE results.results
  ADD COLUMN resident_district_code text NOT NULL DEFAULT '',
  ADD COLUMN hospital_district_code text NOT NULL DEFAULT '';
ALTER TABLE results.outbox
  ADD COLUMN resident_district_code text NOT NULL DEFAULT '',
  ADD COLUMN hospital_district_code text NOT NULL DEFAULT '',
  ADD COLUMN event_date date NOT NULL DEFAULT current_date,
  ADD COLUMN positive boolean NOT NULL DEFAULT false;
