#include "services/results/results_store.h"

#include <cctype>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/dates.h"
#include "common/errors.h"
#include "common/names.h"

namespace screening::results {

std::optional<std::pair<std::string, int64_t>> ParseOffset(absl::string_view offset) {
  std::vector<absl::string_view> parts = absl::StrSplit(offset, ':');
  if (parts.size() != 2 || parts[0].empty() || parts[0].size() > 20) return std::nullopt;
  for (char c : parts[0]) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  int64_t seq = 0;
  if (!absl::SimpleAtoi(parts[1], &seq) || seq < 0) return std::nullopt;
  return std::make_pair(std::string(parts[0]), seq);
}

namespace {

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
    c.prepare("results_insert",
              "INSERT INTO results.results (booking_id, resident_id, hospital_code, screening_type,"
              " programme_year, measurement, classification, any_positive, record_time, counts)"
              " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::timestamptz, $10)"
              " ON CONFLICT DO NOTHING RETURNING id");
    c.prepare("results_insert_event",
              "INSERT INTO results.outbox (event_type, resident_id, screening_type,"
              " programme_year, hospital_code, result_id) VALUES ($1, $2, $3, $4, $5, $6)");
    c.prepare("results_notify", "SELECT pg_notify('results_outbox', '')");
    // Only transactions older than every running one are final; see 0001.
    c.prepare("results_list_events",
              "SELECT xid::text, seq, event_type, resident_id, screening_type, programme_year,"
              " hospital_code, result_id FROM results.outbox"
              " WHERE xid < pg_snapshot_xmin(pg_current_snapshot())"
              " AND ($1::xid8 IS NULL OR (xid, seq) > ($1::xid8, $2::bigint))"
              " ORDER BY xid, seq LIMIT $3");
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

absl::StatusOr<v1::Result> ResultsStore::Record(const v1::RecordResultRequest& request,
                                                const v1::Booking& booking,
                                                const v1::Result& result, absl::Time record_time) {
  const int64_t booking_id = *ParseNumericName("bookings", booking.name());
  const int64_t resident_id = *ParseNumericName("residents", booking.resident());
  const std::string hospital_code = *ParseStringName("hospitals", booking.hospital());
  const std::string when = FormatTimestamp(record_time);
  return db::Transact<v1::Result>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Result> {
    auto prior = requests_.Claim(tx, request.request_id(), "RecordResult", request);
    if (!prior.ok()) return prior.status();
    if (prior->has_value()) {
      v1::Result first;
      first.ParseFromString(**prior);
      return first;
    }
    // The whole result (measurement and classification of its screening).
    const StoredForm form = Store(result);
    pqxx::result inserted = tx.exec_prepared(
        "results_insert", booking_id, resident_id, hospital_code,
        static_cast<int>(result.screening_type()), booking.programme_year(),
        pqxx::binarystring(form.measurement), pqxx::binarystring(form.classification), form.refer,
        when, result.counts_as_screened());
    if (inserted.empty()) {
      return WithReason(
          absl::AlreadyExistsError(absl::StrCat(booking.name(), " already has a ",
                                                v1::ScreeningType_Name(result.screening_type()),
                                                " result; amend it instead")),
          "RESULT_EXISTS", {{"booking", booking.name()}});
    }
    const int64_t result_id = inserted[0][0].as<int64_t>();
    tx.exec_prepared("results_insert_event",
                     result.counts_as_screened() ? "result.recorded" : "result.sample_failed",
                     resident_id, static_cast<int>(result.screening_type()),
                     booking.programme_year(), hospital_code, result_id);
    // Wakes consumers at commit; they would find the event by polling anyway.
    tx.exec_prepared("results_notify");
    v1::Result stored = result;
    stored.set_name(MakeName("results", result_id));
    stored.set_record_time(when);
    requests_.Save(tx, request.request_id(), stored);
    return stored;
  });
}

absl::StatusOr<std::vector<v1::OutboxEvent>> ResultsStore::ListEvents(const std::string& after,
                                                                      int limit) {
  using Events = std::vector<v1::OutboxEvent>;
  std::optional<std::pair<std::string, int64_t>> position;
  if (!after.empty()) position = ParseOffset(after);
  const std::string seq = position ? absl::StrCat(position->second) : "";
  return db::Transact<Events>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Events> {
    pqxx::result rows =
        tx.exec_prepared("results_list_events", position ? position->first.c_str() : nullptr,
                         position ? seq.c_str() : nullptr, limit);
    Events events;
    for (const auto& row : rows) {
      v1::OutboxEvent& e = events.emplace_back();
      e.set_offset(absl::StrCat(row[0].as<std::string>(), ":", row[1].as<int64_t>()));
      e.set_type(row[2].as<std::string>());
      e.set_resident(MakeName("residents", row[3].as<int64_t>()));
      e.set_screening_type(static_cast<v1::ScreeningType>(row[4].as<int>()));
      e.set_programme_year(row[5].as<int>());
      e.set_hospital(MakeName("hospitals", row[6].as<std::string>()));
      e.set_result(MakeName("results", row[7].as<int64_t>()));
    }
    return events;
  });
}

}  // namespace screening::results
