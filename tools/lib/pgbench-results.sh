# Sourced by the benchmark scripts: results written as RecordResult's
# transaction writes them for the counters (a results.results row and its
# result.recorded outbox event), for pgbench to run at a rate the API cannot
# reach on this machine (docs/BENCHMARKS.md). Needs the sequence bench_result.
#
#   write_result_sql FILE PROGRAMME_YEAR
write_result_sql() {
  cat >"$1" <<SQL
WITH r AS (
  INSERT INTO results.results (booking_id, resident_id, hospital_code, screening_type,
      programme_year, measurement, classification, any_positive, record_time,
      resident_district_code, hospital_district_code)
  VALUES (3000000000000 + nextval('bench_result'), 3000000000000 + currval('bench_result'),
      'PGB-LAB', 3, $2, '\x00'::bytea, '\x00'::bytea, false, now(), '230102', '230108')
  RETURNING id, resident_id)
INSERT INTO results.outbox (event_type, resident_id, screening_type, programme_year,
    hospital_code, result_id, resident_district_code, hospital_district_code, event_date)
  SELECT 'result.recorded', resident_id, 3, $2, 'PGB-LAB', id, '230102', '230108',
      current_date FROM r;
SQL
}
