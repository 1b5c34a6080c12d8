#include "services/results/results_store.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/batcher.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/dates.h"
#include "common/errors.h"
#include "common/event_types.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "common/task_rounds.h"
#include "common/trace.h"

namespace screening::results {

std::optional<std::pair<std::string, int64_t>> ParseOffset(absl::string_view offset) {
  return ParseOutboxOffset(offset);
}

namespace {

constexpr char kReferralColumns[] =
    "id, result_id, resident_id, kind, hospital_code, referring_hospital, status,"
    " open_date::text, due_date::text, follow_up_date::text, finding, note";

v1::Referral ReferralFromRow(const pqxx::row& row, absl::CivilDay today) {
  v1::Referral r;
  r.set_name(MakeName("referrals", row[0].as<int64_t>()));
  r.set_result(MakeName("results", row[1].as<int64_t>()));
  r.set_resident(MakeName("residents", row[2].as<int64_t>()));
  r.set_kind(static_cast<v1::ReferralKind>(row[3].as<int>()));
  if (!row[4].as<std::string>().empty()) {
    r.set_hospital(MakeName("hospitals", row[4].as<std::string>()));
  }
  r.set_referring_hospital(MakeName("hospitals", row[5].as<std::string>()));
  r.set_status(static_cast<v1::ReferralStatus>(row[6].as<int>()));
  r.set_open_date(row[7].as<std::string>());
  r.set_due_date(row[8].as<std::string>());
  if (!row[9].is_null()) r.set_follow_up_date(row[9].as<std::string>());
  if (!row[10].is_null()) r.set_finding(static_cast<v1::FollowUpFinding>(row[10].as<int>()));
  r.set_note(row[11].as<std::string>());
  r.set_overdue(r.status() == v1::REFERRAL_STATUS_OPEN && *ParseDate(r.due_date()) < today);
  return r;
}

template <typename Message>
Message Parsed(const pqxx::field& field) {
  Message m;
  if (!field.is_null()) m.ParseFromString(pqxx::binarystring(field).str());
  return m;
}

// A stored answer. Results classified before API 1.0 said "no grade" with
// the zero value, which 1.0 names UNSPECIFIED; they read as NONE.
v1::Result StoredResult(const pqxx::field& field) {
  v1::Result r = Parsed<v1::Result>(field);
  if (r.has_four_highs_classification() &&
      r.four_highs_classification().hypertension_grade() == v1::HYPERTENSION_GRADE_UNSPECIFIED) {
    r.mutable_four_highs_classification()->set_hypertension_grade(v1::HYPERTENSION_GRADE_NONE);
  }
  return r;
}

int64_t OpenReferral(pqxx::work& tx, int64_t result_id, int64_t resident_id,
                     const std::string& referring_hospital, const NewReferral& referral) {
  const int64_t id =
      tx.exec_prepared1("results_open_referral", result_id, resident_id,
                        static_cast<int>(referral.kind), referral.hospital_code, referring_hospital,
                        FormatDate(referral.open_date), FormatDate(referral.due_date))[0]
          .as<int64_t>();
  tx.exec_prepared("results_event", result_id, "referral.opened", FormatDate(referral.open_date),
                   CurrentTraceId());
  return id;
}

struct StoredForm {
  std::string measurement, classification;
  bool refer = false;  // positive or high risk: a referral follows
};

StoredForm Store(const v1::Result& r) {
  switch (r.screening_type()) {
    case v1::SCREENING_TYPE_COLORECTAL:
      return {r.colorectal().SerializeAsString(), r.colorectal_classification().SerializeAsString(),
              r.colorectal_classification().refer_colonoscopy()};
    case v1::SCREENING_TYPE_GASTRIC:
      return {r.gastric().SerializeAsString(), r.gastric_classification().SerializeAsString(),
              r.gastric_classification().refer_gastroscopy()};
    case v1::SCREENING_TYPE_NIPT:
      return {r.nipt().SerializeAsString(), r.nipt_classification().SerializeAsString(),
              r.nipt_classification().refer_prenatal_diagnosis()};
    default:
      return {r.four_highs().SerializeAsString(), r.four_highs_classification().SerializeAsString(),
              r.four_highs_classification().any_positive()};
  }
}

}  // namespace

ResultsStore::ResultsStore(db::Pool& pool) : pool_(pool) {
  pool_.AddPreparer(requests_.Statements());
  pool_.AddPreparer([](pqxx::connection_base& c) {
    // A batch of results in a few statements (RecordTogether): ids first, so
    // that each answer, which names its result and referral, goes in with
    // its row.
    c.prepare("results_new_ids",
              "SELECT nextval('results.results_id_seq'),"
              " CASE WHEN w THEN nextval('results.referrals_id_seq') END"
              " FROM unnest($1::boolean[]) WITH ORDINALITY AS u(w, n) ORDER BY n");
    c.prepare("results_insert_all",
              "INSERT INTO results.results (id, booking_id, resident_id, hospital_code,"
              " screening_type, programme_year, measurement, classification, any_positive,"
              " record_time, counts, accession_number, late_report, resident_district_code,"
              " hospital_district_code, answer)"
              " SELECT id, b, r, h, t, y, decode(m, 'hex'), decode(c, 'hex'), p, rt, n,"
              " nullif(a, ''), l, rd, hd, decode(ans, 'hex')"
              " FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::smallint[],"
              " $6::integer[], $7::text[], $8::text[], $9::boolean[], $10::timestamptz[],"
              " $11::boolean[], $12::text[], $13::boolean[], $14::text[], $15::text[], $16::text[])"
              " AS u(id, b, r, h, t, y, m, c, p, rt, n, a, l, rd, hd, ans)"
              " ON CONFLICT DO NOTHING RETURNING id");
    c.prepare("results_open_referrals",
              "INSERT INTO results.referrals (id, result_id, resident_id, kind, hospital_code,"
              " referring_hospital, open_date, due_date)"
              " SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::smallint[],"
              " $5::text[], $6::text[], $7::date[], $8::date[])");
    c.prepare("results_events",
              "INSERT INTO results.outbox (event_type, resident_id, screening_type,"
              " programme_year, hospital_code, result_id, resident_district_code,"
              " hospital_district_code, event_date, positive, trace_id)"
              " SELECT e, r, s, y, h, id, rd, hd, d, p, nullif(trace, '')"
              " FROM unnest($1::text[], $2::bigint[], $3::smallint[], $4::integer[],"
              " $5::text[], $6::bigint[], $7::text[], $8::text[], $9::date[], $10::boolean[],"
              " $11::text[]) AS u(e, r, s, y, h, id, rd, hd, d, p, trace)");
    c.prepare("results_insert",
              "INSERT INTO results.results (booking_id, resident_id, hospital_code, screening_type,"
              " programme_year, measurement, classification, any_positive, record_time, counts,"
              " accession_number, late_report, resident_district_code, hospital_district_code)"
              " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::timestamptz, $10, $11, $12, $13, $14)"
              " ON CONFLICT DO NOTHING RETURNING id");
    c.prepare("results_set_answer", "UPDATE results.results SET answer = $2 WHERE id = $1");
    c.prepare("results_by_accession",
              "SELECT booking_id, screening_type, answer FROM results.results"
              " WHERE hospital_code = $1 AND accession_number = $2");
    c.prepare("results_get", "SELECT answer, counts, version FROM results.results WHERE id = $1");
    c.prepare("results_read",
              "SELECT answer, resident_district_code FROM results.results WHERE id = $1");
    c.prepare("results_lock",
              "SELECT answer, counts, version, measurement, classification"
              " FROM results.results WHERE id = $1 FOR UPDATE");
    c.prepare("results_keep_version",
              "INSERT INTO results.result_versions (result_id, version, measurement,"
              " classification, replaced_by, reason) VALUES ($1, $2, $3, $4, $5, $6)");
    c.prepare("results_replace",
              "UPDATE results.results SET measurement = $2, classification = $3,"
              " any_positive = $4, version = version + 1, answer = $5 WHERE id = $1");
    c.prepare("results_open_referral",
              "INSERT INTO results.referrals (result_id, resident_id, kind, hospital_code,"
              " referring_hospital, open_date, due_date) VALUES ($1, $2, $3, $4, $5, $6::date,"
              " $7::date) RETURNING id");
    c.prepare("results_referral_of",
              "SELECT id, status FROM results.referrals WHERE result_id = $1"
              " FOR UPDATE");
    c.prepare("results_referral_status", "UPDATE results.referrals SET status = $2 WHERE id = $1");
    c.prepare("results_sweep_overdue",
              "WITH o AS (UPDATE results.referrals SET overdue_reported = true"
              " WHERE status = 1 AND NOT overdue_reported AND due_date < $1::date"
              " RETURNING result_id)"
              " INSERT INTO results.outbox (event_type, resident_id, screening_type,"
              " programme_year, hospital_code, result_id, resident_district_code,"
              " hospital_district_code, event_date, positive, trace_id)"
              " SELECT 'referral.overdue', r.resident_id, r.screening_type, r.programme_year,"
              " r.hospital_code, r.id, r.resident_district_code, r.hospital_district_code,"
              " $1::date, r.any_positive, nullif($2, '')"
              " FROM o JOIN results.results r ON r.id = o.result_id");
    // Every event is about a result and carries what progress counts by.
    c.prepare("results_event",
              "INSERT INTO results.outbox (event_type, resident_id, screening_type,"
              " programme_year, hospital_code, result_id, resident_district_code,"
              " hospital_district_code, event_date, positive, trace_id)"
              " SELECT $2, resident_id, screening_type, programme_year, hospital_code, id,"
              " resident_district_code, hospital_district_code, $3::date, any_positive,"
              " nullif($4, '') FROM results.results WHERE id = $1");
    c.prepare("results_list_referrals",
              absl::StrCat("SELECT ", kReferralColumns,
                           " FROM results.referrals"
                           " WHERE (hospital_code = $1 OR referring_hospital = $1)"
                           " AND ($2::smallint IS NULL OR status = $2)"
                           " AND (NOT $3::boolean OR (status = 1 AND due_date < $4::date))"
                           " AND id > $5 ORDER BY id LIMIT $6"));
    c.prepare("results_booking_open_referral",
              "SELECT EXISTS (SELECT 1 FROM results.referrals f JOIN results.results r"
              " ON r.id = f.result_id WHERE r.booking_id = $1 AND f.kind = $2 AND f.status = 1"
              " AND r.id <> $3)");
    c.prepare("results_get_referral",
              absl::StrCat("SELECT ", kReferralColumns, " FROM results.referrals WHERE id = $1"));
    c.prepare("results_follow_up",
              absl::StrCat("UPDATE results.referrals SET status = 2, follow_up_date = $2::date,"
                           " finding = $3, note = $4 WHERE id = $1 AND status = 1 RETURNING ",
                           kReferralColumns));
    c.prepare("results_recount_types",
              "SELECT screening_type, CASE WHEN screening_type = 4 THEN count(*)"
              " ELSE count(DISTINCT resident_id) END FROM results.results"
              " WHERE programme_year = $1 AND counts GROUP BY 1");
    c.prepare("results_recount",
              "SELECT (SELECT count(DISTINCT resident_id) FROM results.results"
              "        WHERE programme_year = $1 AND counts AND screening_type IN (1, 2, 3)),"
              " (SELECT count(*) FROM results.results WHERE programme_year = $1 AND NOT counts),"
              " (SELECT count(*) FROM results.referrals f JOIN results.results r"
              "        ON r.id = f.result_id WHERE r.programme_year = $1 AND f.status = 2),"
              " (SELECT count(*) FROM results.outbox WHERE programme_year = $1"
              "        AND event_type = 'result.recorded' AND positive),"
              " (SELECT count(*) FROM results.outbox WHERE programme_year = $1"
              "        AND event_type = 'referral.opened'),"
              " (SELECT count(*) FROM results.outbox WHERE programme_year = $1"
              "        AND event_type = 'referral.withdrawn'),"
              " (SELECT count(*) FROM results.outbox WHERE programme_year = $1"
              "        AND event_type = 'referral.overdue')");
    c.prepare("results_counted",
              "SELECT booking_id, screening_type FROM results.results"
              " WHERE booking_id = ANY ($1::bigint[]) AND counts");
    // Only transactions older than every running one are final; see 0001.
    // The same events counted, up to a million (the consumer's backlog).
    c.prepare("results_count_events",
              "SELECT count(*) FROM (SELECT 1 FROM results.outbox"
              " WHERE xid < pg_snapshot_xmin(pg_current_snapshot())"
              " AND (xid, seq) > ($1::xid8, $2::bigint) LIMIT 1000000) AS pending");
    c.prepare("results_list_events",
              "SELECT xid::text AS xid_text, seq, event_type, resident_id, screening_type, "
              "programme_year,"
              " hospital_code, result_id, resident_district_code, hospital_district_code,"
              " event_date::text, positive, coalesce(trace_id, ''),"
              " extract(epoch FROM create_time)::float8 FROM results.outbox"
              " WHERE xid < pg_snapshot_xmin(pg_current_snapshot())"
              // A row comparison the (xid, seq) index can start from; the start of
              // the log is (0, 0). (An `IS NULL OR` here made every poll read the
              // index from its first entry.)
              " AND (xid, seq) > ($1::xid8, $2::bigint)"
              // The table's xid, not the text above: as text, 1000 sorts before 999.
              " ORDER BY outbox.xid, outbox.seq LIMIT $3");
  });
}

absl::StatusOr<std::optional<v1::Result>> ResultsStore::FindResult(
    const v1::RecordResultRequest& request) {
  using Found = std::optional<v1::Result>;
  return db::Transact<Found>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Found> {
    auto prior = requests_.Find(tx, request.request_id(), "RecordResult", request);
    if (!prior.ok()) return prior.status();
    if (!prior->has_value()) return Found();
    v1::Result first;
    first.ParseFromString(**prior);
    return Found(first);
  });
}

std::vector<absl::StatusOr<v1::Result>> ResultsStore::RecordAll(
    const std::vector<ResultToStore>& results) {
  // At most once more for each kind of collision: a repeated request_id, a
  // result or accession number already there, a request_id already used.
  using Outcome = absl::StatusOr<v1::Result>;
  return TogetherThenOneByOne<Outcome>(
      results.size(), 3,
      [&](const std::vector<size_t>& indexes,
          std::vector<bool>* collided) -> std::optional<std::vector<Outcome>> {
        std::vector<ResultToStore> batch;
        for (size_t i : indexes) batch.push_back(results[i]);
        std::optional<std::vector<v1::Result>> stored = RecordTogether(batch, collided);
        if (!stored) return std::nullopt;
        return std::vector<Outcome>(std::make_move_iterator(stored->begin()),
                                    std::make_move_iterator(stored->end()));
      },
      [&](size_t i) { return RecordOne(results[i]); });
}

std::optional<std::vector<v1::Result>> ResultsStore::RecordTogether(
    const std::vector<ResultToStore>& batch, std::vector<bool>* collided) {
  std::vector<v1::Result> stored(batch.size());
  // A request_id twice in one batch: the second waits for one by one.
  collided->assign(batch.size(), false);
  std::set<std::string> seen;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!seen.insert(batch[i].request->request_id()).second) (*collided)[i] = true;
  }
  if (std::find(collided->begin(), collided->end(), true) != collided->end()) return std::nullopt;
  absl::Status status = db::TransactStatus(pool_, [&](pqxx::work& tx) -> absl::Status {
    std::vector<std::string> opens_referral;
    for (const ResultToStore& p : batch) {
      opens_referral.push_back(*p.referral ? "t" : "f");  // the service decided
    }
    pqxx::result ids = tx.exec_prepared("results_new_ids", db::PgArray(opens_referral));
    std::vector<std::string> result_ids, bookings, residents, hospitals, types, years, measurements,
        classifications, positives, times, counts, accessions, late, resident_districts,
        hospital_districts, answers;
    std::vector<std::string> referral_ids, referral_results, referral_residents, kinds,
        referral_hospitals, referring, open_dates, due_dates;
    // Events in order, each with what progress counts by.
    std::vector<std::string> event_types, event_residents, event_screenings, event_years,
        event_hospitals, event_results, event_resident_districts, event_hospital_districts,
        event_dates, event_positives, event_traces;
    auto add_event = [&](const ResultToStore& p, int64_t result_id, const std::string& type,
                         const std::string& date, bool positive) {
      event_types.push_back(type);
      event_residents.push_back(
          absl::StrCat(*ParseNumericName("residents", p.booking->resident())));
      event_screenings.push_back(absl::StrCat(static_cast<int>(p.result->screening_type())));
      event_years.push_back(absl::StrCat(p.booking->programme_year()));
      event_hospitals.push_back(*ParseStringName("hospitals", p.booking->hospital()));
      event_results.push_back(absl::StrCat(result_id));
      event_resident_districts.push_back(p.booking->resident_district_code());
      event_hospital_districts.push_back(p.booking->hospital_district_code());
      event_dates.push_back(date);
      event_positives.push_back(positive ? "t" : "f");
      event_traces.push_back(p.trace_id);
    };
    for (size_t i = 0; i < batch.size(); ++i) {
      const ResultToStore& p = batch[i];
      const v1::Result& result = *p.result;
      const int64_t result_id = ids[i][0].as<int64_t>();
      const std::string hospital_code = *ParseStringName("hospitals", p.booking->hospital());
      const std::string when = FormatTimestamp(p.record_time);
      const std::string today = FormatDate(absl::ToCivilDay(p.record_time, HarbinTimeZone()));
      v1::Result& answer = stored[i];
      answer = result;
      answer.set_name(MakeName("results", result_id));
      answer.set_record_time(when);
      answer.set_version(1);
      answer.set_accession_number(p.request->accession_number());
      const StoredForm form = Store(result);
      add_event(p, result_id,
                result.counts_as_screened() ? "result.recorded" : "result.sample_failed", today,
                form.refer);
      if (!ids[i][1].is_null()) {
        const NewReferral& referral = **p.referral;
        const int64_t referral_id = ids[i][1].as<int64_t>();
        answer.set_referral(MakeName("referrals", referral_id));
        referral_ids.push_back(absl::StrCat(referral_id));
        referral_results.push_back(absl::StrCat(result_id));
        referral_residents.push_back(
            absl::StrCat(*ParseNumericName("residents", p.booking->resident())));
        kinds.push_back(absl::StrCat(static_cast<int>(referral.kind)));
        referral_hospitals.push_back(referral.hospital_code);
        referring.push_back(hospital_code);
        open_dates.push_back(FormatDate(referral.open_date));
        due_dates.push_back(FormatDate(referral.due_date));
        add_event(p, result_id, "referral.opened", FormatDate(referral.open_date), form.refer);
      }
      result_ids.push_back(absl::StrCat(result_id));
      bookings.push_back(absl::StrCat(*ParseNumericName("bookings", p.booking->name())));
      residents.push_back(absl::StrCat(*ParseNumericName("residents", p.booking->resident())));
      hospitals.push_back(hospital_code);
      types.push_back(absl::StrCat(static_cast<int>(result.screening_type())));
      years.push_back(absl::StrCat(p.booking->programme_year()));
      measurements.push_back(HexEncode(form.measurement));
      classifications.push_back(HexEncode(form.classification));
      positives.push_back(form.refer ? "t" : "f");
      times.push_back(when);
      counts.push_back(result.counts_as_screened() ? "t" : "f");
      accessions.push_back(p.request->accession_number());
      late.push_back(result.late_report() ? "t" : "f");
      resident_districts.push_back(p.booking->resident_district_code());
      hospital_districts.push_back(p.booking->hospital_district_code());
      answers.push_back(HexEncode(answer.SerializeAsString()));
    }
    using db::PgArray;
    std::set<int64_t> inserted;
    for (const auto& row : tx.exec_prepared(
             "results_insert_all", PgArray(result_ids), PgArray(bookings), PgArray(residents),
             PgArray(hospitals), PgArray(types), PgArray(years), PgArray(measurements),
             PgArray(classifications), PgArray(positives), PgArray(times), PgArray(counts),
             PgArray(accessions), PgArray(late), PgArray(resident_districts),
             PgArray(hospital_districts), PgArray(answers))) {
      inserted.insert(row[0].as<int64_t>());
    }
    if (inserted.size() != batch.size()) {
      // A result or accession number already there: each such call says which.
      for (size_t i = 0; i < batch.size(); ++i) {
        (*collided)[i] = !inserted.count(ParseNumericName("results", stored[i].name()).value());
      }
      return absl::AbortedError("collided");
    }
    if (!referral_ids.empty()) {
      tx.exec_prepared("results_open_referrals", PgArray(referral_ids), PgArray(referral_results),
                       PgArray(referral_residents), PgArray(kinds), PgArray(referral_hospitals),
                       PgArray(referring), PgArray(open_dates), PgArray(due_dates));
    }
    tx.exec_prepared("results_events", PgArray(event_types), PgArray(event_residents),
                     PgArray(event_screenings), PgArray(event_years), PgArray(event_hospitals),
                     PgArray(event_results), PgArray(event_resident_districts),
                     PgArray(event_hospital_districts), PgArray(event_dates),
                     PgArray(event_positives), PgArray(event_traces));
    std::vector<db::RequestLog::Answered> answered;
    for (size_t i = 0; i < batch.size(); ++i) {
      answered.push_back({&batch[i].request->request_id(), batch[i].request, &stored[i]});
    }
    const std::set<std::string> taken = requests_.ClaimAllWithAnswers(tx, "RecordResult", answered);
    if (taken.size() != batch.size()) {
      for (size_t i = 0; i < batch.size(); ++i) {
        (*collided)[i] = !taken.count(batch[i].request->request_id());
      }
      // A retry of an earlier request: it gets the first answer.
      return absl::AbortedError("one by one");
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return std::nullopt;  // one by one: each gets its own outcome
  return stored;
}

absl::StatusOr<v1::Result> ResultsStore::RecordOne(const ResultToStore& pending) {
  const v1::RecordResultRequest& request = *pending.request;
  const v1::Booking& booking = *pending.booking;
  const v1::Result& result = *pending.result;
  const absl::Time record_time = pending.record_time;
  const std::optional<NewReferral>& referral = *pending.referral;
  const int64_t booking_id = *ParseNumericName("bookings", booking.name());
  const int64_t resident_id = *ParseNumericName("residents", booking.resident());
  const std::string hospital_code = *ParseStringName("hospitals", booking.hospital());
  const std::string when = FormatTimestamp(record_time);
  const std::string today = FormatDate(absl::ToCivilDay(record_time, HarbinTimeZone()));
  // The request_id is claimed at the end, with the answer (one statement
  // fewer); a racing retry waits there and then reads the first answer.
  bool taken = false;
  absl::StatusOr<v1::Result> recorded =
      db::Transact<v1::Result>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Result> {
        taken = false;
        // The whole result (measurement and classification of its screening).
        const StoredForm form = Store(result);
        pqxx::result inserted = tx.exec_prepared(
            "results_insert", booking_id, resident_id, hospital_code,
            static_cast<int>(result.screening_type()), booking.programme_year(),
            pqxx::binarystring(form.measurement), pqxx::binarystring(form.classification),
            form.refer, when, result.counts_as_screened(),
            request.accession_number().empty() ? nullptr : request.accession_number().c_str(),
            result.late_report(), booking.resident_district_code(),
            booking.hospital_district_code());
        if (inserted.empty() && !request.accession_number().empty()) {
          pqxx::result same =
              tx.exec_prepared("results_by_accession", hospital_code, request.accession_number());
          if (!same.empty()) {
            if (same[0][0].as<int64_t>() == booking_id &&
                same[0][1].as<int>() == static_cast<int>(result.screening_type())) {
              return StoredResult(same[0][2]);  // the same sample again
            }
            return InvalidField("accession_number",
                                "already names another result of this hospital");
          }
        }
        if (inserted.empty()) {
          return WithReason(
              absl::AlreadyExistsError(absl::StrCat(booking.name(), " already has a ",
                                                    v1::ScreeningType_Name(result.screening_type()),
                                                    " result; amend it instead")),
              "RESULT_EXISTS", {{"booking", booking.name()}});
        }
        const int64_t result_id = inserted[0][0].as<int64_t>();
        tx.exec_prepared("results_event", result_id,
                         result.counts_as_screened() ? "result.recorded" : "result.sample_failed",
                         today, CurrentTraceId());
        v1::Result stored = result;
        stored.set_name(MakeName("results", result_id));
        stored.set_record_time(when);
        stored.set_version(1);
        stored.set_accession_number(request.accession_number());
        if (referral) {  // the service decided (a failed sample may refer too)
          stored.set_referral(MakeName(
              "referrals", OpenReferral(tx, result_id, resident_id, hospital_code, *referral)));
        }
        tx.exec_prepared("results_set_answer", result_id,
                         pqxx::binarystring(stored.SerializeAsString()));
        // No NOTIFY: it serializes commits, and the consumer polls.
        if (!requests_.ClaimWithAnswer(tx, request.request_id(), "RecordResult", request, stored)) {
          taken = true;
          return absl::AbortedError("request_id taken");  // rolls this attempt back
        }
        return stored;
      });
  if (!taken) return recorded;
  ASSIGN_OR_RETURN(std::optional<v1::Result> first, FindResult(request));
  if (!first) return absl::AbortedError("the first request with this id is unfinished; retry");
  return *first;
}

absl::StatusOr<v1::Result> ResultsStore::GetResult(int64_t id) {
  return db::AutoCommit<v1::Result>(
      pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<v1::Result> {
        pqxx::result rows = tx.exec_prepared("results_get", id);
        if (rows.empty()) {
          return absl::NotFoundError(absl::StrCat(MakeName("results", id), " does not exist"));
        }
        return StoredResult(rows[0][0]);
      });
}

absl::StatusOr<v1::Result> ResultsStore::Amend(const v1::AmendResultRequest& request,
                                               int64_t result_id, const v1::Result& corrected,
                                               const std::string& amended_by,
                                               const std::optional<NewReferral>& referral,
                                               absl::CivilDay today) {
  const std::string day = FormatDate(today);
  return db::Transact<v1::Result>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Result> {
    auto prior = requests_.ClaimAs<v1::Result>(tx, request.request_id(), "AmendResult", request);
    if (!prior.ok()) return prior.status();
    if (*prior) return **prior;
    pqxx::result rows = tx.exec_prepared("results_lock", result_id);
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat(MakeName("results", result_id), " does not exist"));
    }
    if (!rows[0][1].as<bool>()) {
      return WithReason(absl::FailedPreconditionError(
                            "a failed sample is not amended: record the recollected sample"),
                        "NOT_AMENDABLE");
    }
    const v1::Result old = StoredResult(rows[0][0]);
    const int version = rows[0][2].as<int>();
    tx.exec_prepared("results_keep_version", result_id, version, pqxx::binarystring(rows[0][3]),
                     pqxx::binarystring(rows[0][4]), amended_by, request.reason());
    v1::Result stored = corrected;
    stored.set_version(version + 1);
    // The referral follows the new classification.
    pqxx::result existing = tx.exec_prepared("results_referral_of", result_id);
    if (!existing.empty()) {
      const int64_t referral_id = existing[0][0].as<int64_t>();
      const int status = existing[0][1].as<int>();
      stored.set_referral(MakeName("referrals", referral_id));
      if (!referral && status == v1::REFERRAL_STATUS_OPEN) {
        tx.exec_prepared("results_referral_status", referral_id,
                         static_cast<int>(v1::REFERRAL_STATUS_WITHDRAWN));
        tx.exec_prepared("results_event", result_id, "referral.withdrawn", day, CurrentTraceId());
      } else if (referral && status == v1::REFERRAL_STATUS_WITHDRAWN) {
        tx.exec_prepared("results_referral_status", referral_id,
                         static_cast<int>(v1::REFERRAL_STATUS_OPEN));
        tx.exec_prepared("results_event", result_id, "referral.opened", day, CurrentTraceId());
      }
    } else if (referral) {
      stored.set_referral(MakeName(
          "referrals", OpenReferral(tx, result_id, *ParseNumericName("residents", old.resident()),
                                    *ParseStringName("hospitals", old.hospital()), *referral)));
    }
    const StoredForm form = Store(stored);
    tx.exec_prepared("results_replace", result_id, pqxx::binarystring(form.measurement),
                     pqxx::binarystring(form.classification), form.refer,
                     pqxx::binarystring(stored.SerializeAsString()));
    tx.exec_prepared("results_event", result_id, "result.amended", day, CurrentTraceId());
    requests_.Save(tx, request.request_id(), stored);
    return stored;
  });
}

absl::StatusOr<int> ResultsStore::SweepOverdueReferrals(absl::CivilDay today) {
  return db::AutoCommit<int>(pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<int> {
    // One statement: the marks and their events commit together.
    return static_cast<int>(
        tx.exec_prepared("results_sweep_overdue", FormatDate(today), CurrentTraceId())
            .affected_rows());
  });
}

absl::StatusOr<bool> ResultsStore::ClaimOverdueSweepRound(absl::Duration interval) {
  return ClaimTaskRound(pool_, "results.task_rounds", "overdue_sweep", interval);
}

absl::StatusOr<std::pair<std::vector<v1::Referral>, bool>> ResultsStore::ListReferrals(
    const ReferralQuery& q) {
  using Page = std::pair<std::vector<v1::Referral>, bool>;
  const std::string status = absl::StrCat(static_cast<int>(q.status));
  return db::AutoCommit<Page>(pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<Page> {
    pqxx::result rows =
        tx.exec_prepared("results_list_referrals", q.hospital_code,
                         q.status == v1::REFERRAL_STATUS_UNSPECIFIED ? nullptr : status.c_str(),
                         q.overdue_only, FormatDate(q.today), q.after_id, q.page_size + 1);
    Page page;
    for (const auto& row : rows) {
      if (static_cast<int>(page.first.size()) == q.page_size) {
        page.second = true;
        break;
      }
      page.first.push_back(ReferralFromRow(row, q.today));
    }
    return page;
  });
}

absl::StatusOr<ResultRead> ResultsStore::ReadResult(int64_t id) {
  return db::AutoCommit<ResultRead>(
      pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<ResultRead> {
        pqxx::result rows = tx.exec_prepared("results_read", id);
        if (rows.empty()) {
          return absl::NotFoundError(absl::StrCat(MakeName("results", id), " does not exist"));
        }
        return ResultRead{StoredResult(rows[0][0]), rows[0][1].as<std::string>()};
      });
}

// Not prepared: planned each time with its values, so the filters given
// (a booking, a resident, a hospital) choose the index; a generic plan of
// these optional filters would scan the table.
constexpr char kListResultsSql[] =
    "SELECT answer, resident_district_code FROM results.results"
    " WHERE ($1::text IS NULL OR hospital_code = $1)"
    " AND ($2::text IS NULL OR resident_district_code = $2)"
    " AND ($3::bigint IS NULL OR booking_id = $3)"
    " AND ($4::bigint IS NULL OR resident_id = $4)"
    " AND ($5::smallint IS NULL OR screening_type = $5)"
    " AND ($6::timestamptz IS NULL OR record_time >= $6)"
    " AND ($7::timestamptz IS NULL OR record_time < $7)"
    " AND id > $8 ORDER BY id LIMIT $9";

absl::StatusOr<std::pair<std::vector<ResultRead>, bool>> ResultsStore::ListResults(
    const ResultQuery& q) {
  using Page = std::pair<std::vector<ResultRead>, bool>;
  auto text = [](const std::string& value) { return value.empty() ? nullptr : value.c_str(); };
  auto id = [](int64_t value) { return value == 0 ? std::optional<int64_t>() : value; };
  auto time = [](const std::optional<absl::Time>& t) {
    return t ? std::optional<std::string>(
                   absl::FormatTime(absl::RFC3339_full, *t, absl::UTCTimeZone()))
             : std::nullopt;
  };
  const std::optional<int> type = q.screening_type == v1::SCREENING_TYPE_UNSPECIFIED
                                      ? std::nullopt
                                      : std::optional<int>(static_cast<int>(q.screening_type));
  return db::AutoCommit<Page>(pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<Page> {
    pqxx::result rows =
        tx.exec_params(kListResultsSql, text(q.hospital_code), text(q.resident_district),
                       id(q.booking_id), id(q.resident_id), type, time(q.recorded_from),
                       time(q.recorded_before), q.after_id, q.page_size + 1);
    Page page;
    for (const auto& row : rows) {
      if (static_cast<int>(page.first.size()) == q.page_size) {
        page.second = true;
        break;
      }
      page.first.push_back({StoredResult(row[0]), row[1].as<std::string>()});
    }
    return page;
  });
}

absl::StatusOr<v1::Referral> ResultsStore::GetReferral(int64_t id, absl::CivilDay today) {
  return db::AutoCommit<v1::Referral>(
      pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<v1::Referral> {
        pqxx::result rows = tx.exec_prepared("results_get_referral", id);
        if (rows.empty()) {
          return absl::NotFoundError(absl::StrCat(MakeName("referrals", id), " does not exist"));
        }
        return ReferralFromRow(rows[0], today);
      });
}

absl::StatusOr<bool> ResultsStore::BookingHasOpenReferral(int64_t booking_id, v1::ReferralKind kind,
                                                          int64_t except_result_id) {
  return db::AutoCommit<bool>(pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<bool> {
    return tx
        .exec_prepared1("results_booking_open_referral", booking_id, static_cast<int>(kind),
                        except_result_id)[0]
        .as<bool>();
  });
}

absl::StatusOr<v1::Referral> ResultsStore::RecordFollowUp(const v1::RecordFollowUpRequest& request,
                                                          int64_t id, absl::CivilDay date,
                                                          absl::CivilDay today) {
  return db::Transact<v1::Referral>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Referral> {
    ASSIGN_OR_RETURN(
        std::optional<v1::Referral> first,
        requests_.ClaimAs<v1::Referral>(tx, request.request_id(), "RecordFollowUp", request));
    if (first) return *first;
    pqxx::result done = tx.exec_prepared("results_follow_up", id, FormatDate(date),
                                         static_cast<int>(request.finding()), request.note());
    if (done.empty()) {
      pqxx::result rows = tx.exec_prepared("results_get_referral", id);
      if (rows.empty()) {
        return absl::NotFoundError(absl::StrCat(MakeName("referrals", id), " does not exist"));
      }
      const v1::Referral r = ReferralFromRow(rows[0], today);
      return WithReason(absl::FailedPreconditionError(
                            absl::StrCat(r.name(), " is ", v1::ReferralStatus_Name(r.status()))),
                        "REFERRAL_CLOSED", {{"referral", r.name()}});
    }
    const v1::Referral r = ReferralFromRow(done[0], today);
    tx.exec_prepared("results_event", *ParseNumericName("results", r.result()),
                     "referral.completed", FormatDate(today), CurrentTraceId());
    requests_.Save(tx, request.request_id(), r);
    return r;
  });
}

absl::StatusOr<internal::v1::ResultCounts> ResultsStore::CountResults(int programme_year) {
  // One snapshot for every count (REPEATABLE READ is not needed: the
  // statements of a READ COMMITTED transaction may see later commits, and
  // the recount tolerates that by rechecking).
  return db::Transact<internal::v1::ResultCounts>(
      pool_, [&](pqxx::work& tx) -> absl::StatusOr<internal::v1::ResultCounts> {
        internal::v1::ResultCounts counts;
        pqxx::row totals = tx.exec_prepared1("results_recount", programme_year);
        counts.set_persons_screened(totals[0].as<int64_t>());
        counts.set_samples_failed(totals[1].as<int64_t>());
        counts.set_referrals_completed(totals[2].as<int64_t>());
        counts.set_positives(totals[3].as<int64_t>());
        counts.set_referrals_opened(totals[4].as<int64_t>());
        counts.set_referrals_withdrawn(totals[5].as<int64_t>());
        counts.set_referrals_overdue(totals[6].as<int64_t>());
        for (const auto& row : tx.exec_prepared("results_recount_types", programme_year)) {
          auto* t = counts.add_by_type();
          t->set_screening_type(static_cast<v1::ScreeningType>(row[0].as<int>()));
          t->set_persons_screened(row[1].as<int64_t>());
        }
        return counts;
      });
}

absl::StatusOr<std::set<std::pair<int64_t, v1::ScreeningType>>> ResultsStore::CountedResults(
    const std::vector<int64_t>& booking_ids) {
  using Counted = std::set<std::pair<int64_t, v1::ScreeningType>>;
  const std::string ids = absl::StrCat("{", absl::StrJoin(booking_ids, ","), "}");
  return db::AutoCommit<Counted>(pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<Counted> {
    Counted counted;
    for (const auto& row : tx.exec_prepared("results_counted", ids)) {
      counted.insert({row[0].as<int64_t>(), static_cast<v1::ScreeningType>(row[1].as<int>())});
    }
    return counted;
  });
}

absl::StatusOr<int64_t> ResultsStore::CountEvents(const std::string& after) {
  std::optional<std::pair<std::string, int64_t>> position;
  if (!after.empty()) position = ParseOffset(after);
  const std::string xid = position ? position->first : "0";
  const std::string seq = position ? absl::StrCat(position->second) : "0";
  return db::AutoCommit<int64_t>(pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<int64_t> {
    return tx.exec_prepared1("results_count_events", xid, seq)[0].as<int64_t>();
  });
}

absl::StatusOr<std::vector<internal::v1::OutboxEvent>> ResultsStore::ListEvents(
    const std::string& after, int limit) {
  using Events = std::vector<internal::v1::OutboxEvent>;
  std::optional<std::pair<std::string, int64_t>> position;
  if (!after.empty()) position = ParseOffset(after);
  const std::string xid = position ? position->first : "0";
  const std::string seq = position ? absl::StrCat(position->second) : "0";
  return db::Transact<Events>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Events> {
    pqxx::result rows = tx.exec_prepared("results_list_events", xid, seq, limit);
    Events events;
    for (const auto& row : rows) {
      internal::v1::OutboxEvent& e = events.emplace_back();
      e.set_offset(absl::StrCat(row[0].as<std::string>(), ":", row[1].as<int64_t>()));
      e.set_type(EventTypeFromName(row[2].as<std::string>()));
      e.set_resident(MakeName("residents", row[3].as<int64_t>()));
      e.set_screening_type(static_cast<v1::ScreeningType>(row[4].as<int>()));
      e.set_programme_year(row[5].as<int>());
      e.set_hospital(MakeName("hospitals", row[6].as<std::string>()));
      e.set_result(MakeName("results", row[7].as<int64_t>()));
      e.set_resident_district_code(row[8].as<std::string>());
      e.set_hospital_district_code(row[9].as<std::string>());
      e.set_date(row[10].as<std::string>());
      e.set_positive(row[11].as<bool>());
      e.set_trace_id(row[12].as<std::string>());
      e.set_create_time_seconds(row[13].as<double>());
    }
    return events;
  });
}

}  // namespace screening::results
