-- Signed-off quarterly reports, frozen: each version is kept as it was
-- signed, and the service may add versions but never change one (no UPDATE
-- or DELETE right). A correction is the next version.
CREATE TABLE progress.quarterly_reports (
  programme_year integer NOT NULL,
  quarter        smallint NOT NULL CHECK (quarter BETWEEN 1 AND 4),
  version        integer NOT NULL CHECK (version >= 1),
  report         bytea NOT NULL,  -- the QuarterlyReport as signed off (protobuf)
  signed_off_by  text NOT NULL,
  signed_off_at  timestamptz NOT NULL,
  PRIMARY KEY (programme_year, quarter, version)
);
GRANT SELECT, INSERT ON progress.quarterly_reports TO screening_progress;
