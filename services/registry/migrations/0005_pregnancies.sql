-- Pregnancies registered for NIPT: dated from day zero (the last menstrual
-- period, or 280 days before an ultrasound-dated due date). One row is one
-- NIPT entitlement.
CREATE TABLE registry.pregnancies (
  id                 bigserial PRIMARY KEY,
  resident_id        bigint NOT NULL REFERENCES registry.residents (id),
  day_zero           date NOT NULL,
  dated_by_ultrasound boolean NOT NULL,
  fetuses            smallint NOT NULL CHECK (fetuses BETWEEN 1 AND 8),
  contraindications  smallint[] NOT NULL,  -- screening.v1.NiptContraindication
  cautions           smallint[] NOT NULL,  -- screening.v1.NiptCaution, as stated
  consent_date       date,
  consent_document   text NOT NULL DEFAULT '',
  create_time        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pregnancies_resident ON registry.pregnancies (resident_id, day_zero);
GRANT SELECT, INSERT, UPDATE ON registry.pregnancies TO screening_registry;
GRANT USAGE ON SEQUENCE registry.pregnancies_id_seq TO screening_registry;
