-- Personal data at rest is sealed (AES-256-GCM, key id inside the value) and
-- found by a keyed hash of the ID number. The plaintext columns go; this runs
-- only on an empty registry (there was no release with plaintext data).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM registry.residents) THEN
    RAISE EXCEPTION 'registry.residents holds plaintext rows from before encryption; '
                    're-register them (in development: tools/devdb reset)';
  END IF;
END
$$;
DELETE FROM registry.requests;
ALTER TABLE registry.residents
  DROP COLUMN id_number,
  DROP COLUMN full_name,
  DROP COLUMN phone,
  ADD COLUMN id_hash bytea NOT NULL UNIQUE,         -- HMAC-SHA256(lookup key, ID number)
  ADD COLUMN id_number_sealed bytea NOT NULL,
  ADD COLUMN full_name_sealed bytea NOT NULL,
  ADD COLUMN phone_sealed bytea NOT NULL;
