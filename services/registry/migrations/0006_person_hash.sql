-- A keyed hash of (full name, birth date, phone): residents who share it under
-- different ID numbers may be one person registered twice, for the clinic to
-- review. Rows from before have none until their phone is next updated.
ALTER TABLE registry.residents ADD COLUMN person_hash bytea;
CREATE INDEX residents_person_hash ON registry.residents (district_code, person_hash)
  WHERE person_hash IS NOT NULL;
