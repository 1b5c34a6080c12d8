-- Residence kind (户籍 registered / 常住 habitual) and a history of
-- digestive-tract malignancy, which excludes colorectal and gastric screening.
-- Rows from before have kind 0 (unspecified) until a clinic updates them.
ALTER TABLE registry.residents
  ADD COLUMN residence_kind smallint NOT NULL DEFAULT 0 CHECK (residence_kind BETWEEN 0 AND 2),
  ADD COLUMN digestive_cancer_history boolean NOT NULL DEFAULT false;
ALTER TABLE registry.residents ALTER COLUMN residence_kind DROP DEFAULT;
