#include "services/progress/progress_store.h"

#include <set>
#include <tuple>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"

namespace screening::progress {
namespace {

bool CountsAsPerson(v1::ScreeningType type) {
  return type == v1::SCREENING_TYPE_COLORECTAL || type == v1::SCREENING_TYPE_GASTRIC ||
         type == v1::SCREENING_TYPE_FOUR_HIGHS;
}

}  // namespace

void Increments::Count(const internal::v1::OutboxEvent& e, const std::string& metric) {
  const int year = e.programme_year();
  ++totals[{year, metric}];
  for (const auto& [dimension, key] :
       {std::pair<const char*, std::string>{"resident_district", e.resident_district_code()},
        {"hospital_district", e.hospital_district_code()},
        {"hospital", e.hospital()},
        {"day", e.date()},
        {"day_resident_district", absl::StrCat(e.date(), "/", e.resident_district_code())}}) {
    ++groups[{year, dimension, key, metric}];
  }
}

BatchCounts CountBatch(const std::vector<internal::v1::OutboxEvent>& events) {
  BatchCounts counts;
  for (const internal::v1::OutboxEvent& e : events) {
    auto count = [&](const std::string& metric) { counts.increments.Count(e, metric); };
    switch (e.type()) {
      case internal::v1::OUTBOX_EVENT_TYPE_BOOKING_CREATED:
      case internal::v1::OUTBOX_EVENT_TYPE_BOOKING_PROMOTED:
        count("bookings");
        break;
      case internal::v1::OUTBOX_EVENT_TYPE_BOOKING_CANCELLED:
        count("cancellations");
        break;
      case internal::v1::OUTBOX_EVENT_TYPE_BOOKING_NO_SHOW:
        count("no_shows");
        break;
      case internal::v1::OUTBOX_EVENT_TYPE_RESULT_SAMPLE_FAILED:
        count("samples_failed");
        break;
      case internal::v1::OUTBOX_EVENT_TYPE_REFERRAL_OPENED:
        count("referrals_opened");
        break;
      case internal::v1::OUTBOX_EVENT_TYPE_REFERRAL_COMPLETED:
        count("referrals_completed");
        break;
      case internal::v1::OUTBOX_EVENT_TYPE_REFERRAL_WITHDRAWN:
        count("referrals_withdrawn");
        break;
      case internal::v1::OUTBOX_EVENT_TYPE_REFERRAL_OVERDUE:
        count("referrals_overdue");
        break;
      default:
        break;
    }
    if (e.type() != internal::v1::OUTBOX_EVENT_TYPE_RESULT_RECORDED) continue;
    if (e.positive()) count("positives");
    const int64_t resident = ParseNumericName("residents", e.resident()).value_or(0);
    if (e.screening_type() == v1::SCREENING_TYPE_NIPT) {
      // NIPT counts pregnancies, not women: each counted NIPT result is one
      // pregnancy (one entitlement each; a redraw follows a failed test,
      // which is not counted), and each event is applied exactly once.
      count(TypeMetric(e.screening_type()));
      continue;
    }
    // A person or person-type counts at its first event (in this batch;
    // the database says whether it is the first of the year).
    if (CountsAsPerson(e.screening_type())) {
      counts.persons.try_emplace({e.programme_year(), resident}, e);
    }
    counts.person_types.try_emplace(
        {e.programme_year(), resident, static_cast<int>(e.screening_type())}, e);
  }
  return counts;
}

void BatchCounts::CountNew(const std::set<std::pair<int, int64_t>>& new_persons,
                           const std::set<std::tuple<int, int64_t, int>>& new_person_types) {
  for (const auto& [person, event] : persons) {
    if (new_persons.count(person)) increments.Count(event, PersonsScreenedMetric());
  }
  for (const auto& [person_type, event] : person_types) {
    if (new_person_types.count(person_type)) {
      increments.Count(event, TypeMetric(static_cast<v1::ScreeningType>(std::get<2>(person_type))));
    }
  }
}

std::string PersonsScreenedMetric() { return "persons_screened"; }
std::string TypeMetric(v1::ScreeningType type) {
  return absl::StrCat("type:", static_cast<int>(type));
}

ProgressStore::ProgressStore(db::Pool& pool, db::Pool* standby)
    : pool_(pool), reads_(pool, standby) {
  pool_.AddPreparer(requests_.Statements());
  db::Preparer statements = [](pqxx::connection_base& c) {
    c.prepare("progress_lock_offset",
              "SELECT event_offset FROM progress.consumer_offsets WHERE consumer = $1 FOR UPDATE");
    c.prepare("progress_set_offset",
              "UPDATE progress.consumer_offsets SET event_offset = $2 WHERE consumer = $1");
    // A batch is applied in four statements, whatever its size: the new
    // persons and person-types (the ones not seen before come back), then
    // every counter's and breakdown's increment, summed in memory.
    c.prepare("progress_add_persons",
              "INSERT INTO progress.screened_persons"
              " SELECT * FROM unnest($1::integer[], $2::bigint[]) ON CONFLICT DO NOTHING"
              " RETURNING programme_year, resident_id");
    c.prepare("progress_add_person_types",
              "INSERT INTO progress.screened_by_type"
              " SELECT * FROM unnest($1::integer[], $2::bigint[], $3::smallint[])"
              " ON CONFLICT DO NOTHING RETURNING programme_year, resident_id, screening_type");
    c.prepare("progress_add_counters",
              "INSERT INTO progress.counters"
              " SELECT * FROM unnest($1::integer[], $2::text[], $3::bigint[])"
              " ON CONFLICT (programme_year, metric)"
              " DO UPDATE SET value = progress.counters.value + excluded.value");
    c.prepare(
        "progress_add_breakdown",
        "INSERT INTO progress.breakdown"
        " SELECT * FROM unnest($1::integer[], $2::text[], $3::text[], $4::text[], $5::bigint[])"
        " ON CONFLICT (programme_year, dimension, key, metric)"
        " DO UPDATE SET value = progress.breakdown.value + excluded.value");
    c.prepare("progress_daily",
              "SELECT key, value FROM progress.breakdown WHERE programme_year = $1"
              " AND dimension = 'day' AND metric = $2 AND key >= $3 AND key <= $4");

    // Both readers' offsets as one, "{results},{scheduling}", as a row of the
    // snapshots below: counters, a breakdown and the offset in one statement
    // (one snapshot).
    const std::string offset_row =
        "SELECT 'o', coalesce(max(event_offset) FILTER (WHERE consumer = 'results'), '') || ','"
        " || coalesce(max(event_offset) FILTER (WHERE consumer = 'scheduling'), ''), '', 0::bigint"
        " FROM progress.consumer_offsets";
    c.prepare("progress_offset", "SELECT x.o FROM (" + offset_row + ") AS x(k, o, m, v)");
    c.prepare("progress_snapshot",
              "SELECT 'm', '', metric, value FROM progress.counters WHERE programme_year = $1"
              " UNION ALL SELECT 'g', key, metric, value FROM progress.breakdown"
              " WHERE programme_year = $1 AND dimension = $2"
              // Months are sums of days.
              " UNION ALL SELECT 'g', left(key, 7), metric, sum(value)::bigint"
              " FROM progress.breakdown WHERE programme_year = $1 AND $2 = 'month'"
              " AND dimension = 'day' GROUP BY 2, 3 UNION ALL " +
                  offset_row);
    // As of a day: the day counters summed up to it, and per resident
    // district (keys "YYYY-MM-DD/district": a range of days is a range of keys).
    c.prepare("progress_snapshot_as_of",
              "SELECT 'm', '', metric, sum(value)::bigint FROM progress.breakdown"
              " WHERE programme_year = $1 AND dimension = 'day' AND key <= $2 GROUP BY metric"
              " UNION ALL SELECT 'g', split_part(key, '/', 2), metric, sum(value)::bigint"
              " FROM progress.breakdown WHERE programme_year = $1"
              " AND dimension = 'day_resident_district' AND key < $2 || '/~' GROUP BY 2, 3"
              " UNION ALL " +
                  offset_row);
    c.prepare("progress_district_daily",
              "SELECT split_part(key, '/', 2), split_part(key, '/', 1), value"
              " FROM progress.breakdown WHERE programme_year = $1"
              " AND dimension = 'day_resident_district' AND key >= $3 AND key < $4 || '/~'"
              " AND metric = $2");
    c.prepare("progress_reports",
              "SELECT report FROM progress.quarterly_reports WHERE programme_year = $1"
              " AND quarter = $2 ORDER BY version");
    c.prepare("progress_latest_report_version",
              "SELECT coalesce(max(version), 0) FROM progress.quarterly_reports"
              " WHERE programme_year = $1 AND quarter = $2");
    c.prepare("progress_save_report",
              "INSERT INTO progress.quarterly_reports VALUES ($1, $2, $3, $4, $5, $6)"
              " ON CONFLICT DO NOTHING RETURNING 1");
    c.prepare("progress_group_metric",
              "SELECT key, value FROM progress.breakdown"
              " WHERE programme_year = $1 AND dimension = $2 AND metric = $3");
  };
  pool_.AddPreparer(statements);
  if (standby != nullptr) standby->AddPreparer(statements);
}

absl::StatusOr<int> ProgressStore::ConsumeBatch(const std::string& consumer,
                                                const EventSource& source) {
  return db::Transact<int>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int> {
    pqxx::result offset = tx.exec_prepared("progress_lock_offset", consumer);
    if (offset.empty()) return absl::InternalError(absl::StrCat("no offset for ", consumer));
    auto events = source(offset[0][0].as<std::string>());
    if (!events.ok()) return events.status();
    if (events->empty()) return 0;
    BatchCounts counts = CountBatch(*events);
    // Which of the batch's persons and person-types are new this year.
    std::set<std::pair<int, int64_t>> new_persons;
    if (!counts.persons.empty()) {
      std::vector<int64_t> years, residents;
      for (const auto& [person, event] : counts.persons) {
        years.push_back(person.first);
        residents.push_back(person.second);
      }
      for (const auto& row :
           tx.exec_prepared("progress_add_persons", db::PgArray(years), db::PgArray(residents))) {
        new_persons.emplace(row[0].as<int>(), row[1].as<int64_t>());
      }
    }
    std::set<std::tuple<int, int64_t, int>> new_person_types;
    if (!counts.person_types.empty()) {
      std::vector<int64_t> years, residents, types;
      for (const auto& [person_type, event] : counts.person_types) {
        years.push_back(std::get<0>(person_type));
        residents.push_back(std::get<1>(person_type));
        types.push_back(std::get<2>(person_type));
      }
      for (const auto& row : tx.exec_prepared("progress_add_person_types", db::PgArray(years),
                                              db::PgArray(residents), db::PgArray(types))) {
        new_person_types.emplace(row[0].as<int>(), row[1].as<int64_t>(), row[2].as<int>());
      }
    }
    counts.CountNew(new_persons, new_person_types);
    ApplyIncrements(tx, counts.increments);
    tx.exec_prepared("progress_set_offset", consumer, events->back().offset());
    if (before_commit_) before_commit_();
    return static_cast<int>(events->size());
  });
}

void ProgressStore::ApplyIncrements(pqxx::work& tx, const Increments& increments) {
  std::vector<int64_t> years, values;
  std::vector<std::string> metrics;
  for (const auto& [key, value] : increments.totals) {
    years.push_back(key.first);
    metrics.push_back(key.second);
    values.push_back(value);
  }
  if (!years.empty()) {
    tx.exec_prepared("progress_add_counters", db::PgArray(years), db::PgArray(metrics),
                     db::PgArray(values));
  }
  years.clear();
  values.clear();
  metrics.clear();
  std::vector<std::string> dimensions, keys;
  for (const auto& [key, value] : increments.groups) {
    years.push_back(std::get<0>(key));
    dimensions.push_back(std::get<1>(key));
    keys.push_back(std::get<2>(key));
    metrics.push_back(std::get<3>(key));
    values.push_back(value);
  }
  if (!years.empty()) {
    tx.exec_prepared("progress_add_breakdown", db::PgArray(years), db::PgArray(dimensions),
                     db::PgArray(keys), db::PgArray(metrics), db::PgArray(values));
  }
}

absl::StatusOr<std::vector<int64_t>> ProgressStore::Daily(int programme_year,
                                                          const std::string& metric,
                                                          absl::CivilDay first, absl::CivilDay last,
                                                          db::Freshness freshness) {
  using Days = std::vector<int64_t>;
  return reads_.AutoCommit<Days>(freshness, [&](pqxx::nontransaction& tx) -> absl::StatusOr<Days> {
    Days days(std::max<int64_t>(0, last - first + 1), 0);
    // Keys are YYYY-MM-DD, so text order is date order.
    for (const auto& row : tx.exec_prepared("progress_daily", programme_year, metric,
                                            FormatDate(first), FormatDate(last))) {
      if (auto day = ParseDate(row[0].as<std::string>())) {
        days[*day - first] = row[1].as<int64_t>();
      }
    }
    return days;
  });
}

std::string DimensionName(v1::ProgressDimension dimension) {
  switch (dimension) {
    case v1::PROGRESS_DIMENSION_RESIDENT_DISTRICT:
      return "resident_district";
    case v1::PROGRESS_DIMENSION_HOSPITAL_DISTRICT:
      return "hospital_district";
    case v1::PROGRESS_DIMENSION_HOSPITAL:
      return "hospital";
    case v1::PROGRESS_DIMENSION_DAY:
      return "day";
    case v1::PROGRESS_DIMENSION_MONTH:
      return "month";
    default:
      return "";
  }
}

namespace {

// Rows of ('m', '', metric, value), ('g', key, metric, value) and
// ('o', offset, '', 0), as the snapshot statements below answer.
Counts CountsFromRows(const pqxx::result& rows) {
  Counts counts;
  for (const auto& row : rows) {
    const std::string kind = row[0].as<std::string>();
    if (kind == "m") counts.metrics[row[2].as<std::string>()] = row[3].as<int64_t>();
    if (kind == "g")
      counts.groups[row[1].as<std::string>()][row[2].as<std::string>()] = row[3].as<int64_t>();
    if (kind == "o") counts.offset = row[1].as<std::string>();
  }
  return counts;
}

}  // namespace

absl::StatusOr<Counts> ProgressStore::GetCounts(int programme_year, const std::string& dimension,
                                                db::Freshness freshness) {
  // One statement, so one snapshot: the counts are exactly those of the
  // events up to the offset.
  return reads_.AutoCommit<Counts>(
      freshness, [&](pqxx::nontransaction& tx) -> absl::StatusOr<Counts> {
        return CountsFromRows(tx.exec_prepared("progress_snapshot", programme_year, dimension));
      });
}

absl::StatusOr<std::string> ProgressStore::Offset(db::Freshness freshness) {
  return reads_.AutoCommit<std::string>(
      freshness, [&](pqxx::nontransaction& tx) -> absl::StatusOr<std::string> {
        return tx.exec_prepared("progress_offset")[0][0].as<std::string>();
      });
}

absl::StatusOr<Counts> ProgressStore::CountsAsOf(int programme_year, absl::CivilDay last_day,
                                                 db::Freshness freshness) {
  return reads_.AutoCommit<Counts>(
      freshness, [&](pqxx::nontransaction& tx) -> absl::StatusOr<Counts> {
        return CountsFromRows(
            tx.exec_prepared("progress_snapshot_as_of", programme_year, FormatDate(last_day)));
      });
}

absl::StatusOr<std::map<std::string, int64_t>> ProgressStore::GroupMetric(
    int programme_year, const std::string& dimension, const std::string& metric,
    db::Freshness freshness) {
  using Groups = std::map<std::string, int64_t>;
  return reads_.AutoCommit<Groups>(
      freshness, [&](pqxx::nontransaction& tx) -> absl::StatusOr<Groups> {
        Groups groups;
        for (const auto& row :
             tx.exec_prepared("progress_group_metric", programme_year, dimension, metric)) {
          groups[row[0].as<std::string>()] = row[1].as<int64_t>();
        }
        return groups;
      });
}

absl::StatusOr<std::map<std::string, std::vector<int64_t>>> ProgressStore::DailyByDistrict(
    int programme_year, const std::string& metric, absl::CivilDay first, absl::CivilDay last,
    db::Freshness freshness) {
  using ByDistrict = std::map<std::string, std::vector<int64_t>>;
  return reads_.AutoCommit<ByDistrict>(
      freshness, [&](pqxx::nontransaction& tx) -> absl::StatusOr<ByDistrict> {
        ByDistrict by_district;
        const size_t days = std::max<int64_t>(0, last - first + 1);
        for (const auto& row : tx.exec_prepared("progress_district_daily", programme_year, metric,
                                                FormatDate(first), FormatDate(last))) {
          auto& series = by_district[row[0].as<std::string>()];
          series.resize(days, 0);
          if (auto day = ParseDate(row[1].as<std::string>())) {
            series[*day - first] = row[2].as<int64_t>();
          }
        }
        return by_district;
      });
}

}  // namespace screening::progress

namespace screening::progress {

absl::StatusOr<std::vector<v1::QuarterlyReport>> ProgressStore::Reports(int programme_year,
                                                                        int quarter) {
  using Reports = std::vector<v1::QuarterlyReport>;
  return db::AutoCommit<Reports>(pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<Reports> {
    Reports reports;
    for (const auto& row : tx.exec_prepared("progress_reports", programme_year, quarter)) {
      if (!reports.emplace_back().ParseFromString(pqxx::binarystring(row[0]).str())) {
        return absl::DataLossError("a stored quarterly report does not parse");
      }
    }
    return reports;
  });
}

absl::StatusOr<std::optional<v1::QuarterlyReport>> ProgressStore::EarlierSignOff(
    const v1::SignOffQuarterlyReportRequest& request) {
  using Earlier = std::optional<v1::QuarterlyReport>;
  return db::Transact<Earlier>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Earlier> {
    ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                     requests_.Find(tx, request.request_id(), "SignOffQuarterlyReport", request));
    if (!bytes) return Earlier();
    v1::QuarterlyReport report;
    if (!report.ParseFromString(*bytes)) {
      return absl::InternalError("a stored sign-off could not be read");
    }
    return Earlier(std::move(report));
  });
}

absl::StatusOr<v1::QuarterlyReport> ProgressStore::SaveReport(
    const v1::QuarterlyReport& report, const v1::SignOffQuarterlyReportRequest& request) {
  return db::Transact<v1::QuarterlyReport>(
      pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::QuarterlyReport> {
        ASSIGN_OR_RETURN(std::optional<v1::QuarterlyReport> first,
                         requests_.ClaimAs<v1::QuarterlyReport>(tx, request.request_id(),
                                                                "SignOffQuarterlyReport", request));
        if (first) return *first;
        const int latest = tx.exec_prepared("progress_latest_report_version",
                                            report.programme_year(), report.quarter())[0][0]
                               .as<int>();
        pqxx::result saved = latest + 1 != report.version()
                                 ? pqxx::result()
                                 : tx.exec_prepared("progress_save_report", report.programme_year(),
                                                    report.quarter(), report.version(),
                                                    pqxx::binarystring(report.SerializeAsString()),
                                                    report.signed_off_by(), report.sign_off_time());
        if (saved.empty()) {
          return WithReason(
              absl::FailedPreconditionError(
                  absl::StrCat("version ", report.version() - 1,
                               " is no longer the latest: someone signed this report off meanwhile;"
                               " read it again")),
              "REPORT_VERSION_CHANGED");
        }
        requests_.Save(tx, request.request_id(), report);
        return report;
      });
}

}  // namespace screening::progress
