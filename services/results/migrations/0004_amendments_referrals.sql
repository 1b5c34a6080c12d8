-- Accession numbers, versions of amended results, referrals to follow-up.
ALTER TABLE results.results
  ADD COLUMN accession_number text,
  ADD COLUMN version integer NOT NULL DEFAULT 1,
  ADD COLUMN late_report boolean NOT NULL DEFAULT false,
  -- The result as last answered (screening.v1.Result), for retries by
  -- accession number and for amendments.
  ADD COLUMN answer bytea;
-- A laboratory's accession number names one result of its hospital.
CREATE UNIQUE INDEX results_accession ON results.results (hospital_code, accession_number)
  WHERE accession_number IS NOT NULL;

-- Every earlier version of an amended result, with why and by whom.
CREATE TABLE results.result_versions (
  result_id      bigint NOT NULL REFERENCES results.results (id),
  version        integer NOT NULL,
  measurement    bytea NOT NULL,
  classification bytea NOT NULL,
  replaced_by    text NOT NULL,   -- who amended it
  reason         text NOT NULL,   -- why
  replace_time   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (result_id, version)
);

-- `kind`: screening.v1.ReferralKind; `status`: ReferralStatus; `finding`:
-- FollowUpFinding. One referral per result.
CREATE TABLE results.referrals (
  id                 bigserial PRIMARY KEY,
  result_id          bigint NOT NULL UNIQUE REFERENCES results.results (id),
  resident_id        bigint NOT NULL,
  kind               smallint NOT NULL,
  hospital_code      text NOT NULL DEFAULT '',
  referring_hospital text NOT NULL,
  status             smallint NOT NULL DEFAULT 1,
  open_date          date NOT NULL,
  due_date           date NOT NULL,
  follow_up_date     date,
  finding            smallint,
  note               text NOT NULL DEFAULT '',
  overdue_reported   boolean NOT NULL DEFAULT false
);
CREATE INDEX referrals_hospital ON results.referrals (hospital_code, id);
CREATE INDEX referrals_referring ON results.referrals (referring_hospital, id);
CREATE INDEX referrals_due ON results.referrals (due_date) WHERE status = 1 AND NOT overdue_reported;

GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA results TO screening_results;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA results TO screening_results;
