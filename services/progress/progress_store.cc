#include "services/progress/progress_store.h"

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/names.h"

namespace screening::progress {
namespace {

bool CountsAsPerson(v1::ScreeningType type) {
  return type == v1::SCREENING_TYPE_COLORECTAL || type == v1::SCREENING_TYPE_GASTRIC ||
         type == v1::SCREENING_TYPE_FOUR_HIGHS;
}

}  // namespace

std::string PersonsScreenedMetric() { return "persons_screened"; }
std::string TypeMetric(v1::ScreeningType type) {
  return absl::StrCat("type:", static_cast<int>(type));
}

ProgressStore::ProgressStore(db::Pool& pool) : pool_(pool) {
  pool_.AddPreparer([](pqxx::connection_base& c) {
    c.prepare("progress_lock_offset",
              "SELECT event_offset FROM progress.consumer_offsets WHERE consumer = $1 FOR UPDATE");
    c.prepare("progress_set_offset",
              "UPDATE progress.consumer_offsets SET event_offset = $2 WHERE consumer = $1");
    c.prepare("progress_add_person",
              "INSERT INTO progress.screened_persons VALUES ($1, $2) ON CONFLICT DO NOTHING"
              " RETURNING 1");
    c.prepare("progress_add_person_type",
              "INSERT INTO progress.screened_by_type VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
              " RETURNING 1");
    // The total and its four breakdowns, in one statement.
    c.prepare("progress_count",
              "WITH total AS (INSERT INTO progress.counters VALUES ($1, $2, 1)"
              " ON CONFLICT (programme_year, metric)"
              " DO UPDATE SET value = progress.counters.value + 1)"
              " INSERT INTO progress.breakdown VALUES ($1, 'resident_district', $3, $2, 1),"
              " ($1, 'hospital_district', $4, $2, 1), ($1, 'hospital', $5, $2, 1),"
              " ($1, 'day', $6, $2, 1) ON CONFLICT (programme_year, dimension, key, metric)"
              " DO UPDATE SET value = progress.breakdown.value + 1");
    c.prepare("progress_daily",
              "SELECT key, value FROM progress.breakdown WHERE programme_year = $1"
              " AND dimension = 'day' AND metric = $2 AND key >= $3 AND key <= $4");
    c.prepare("progress_groups",
              "SELECT key, metric, value FROM progress.breakdown"
              " WHERE programme_year = $1 AND dimension = $2 ORDER BY key");
    c.prepare(
        "progress_increment",
        "INSERT INTO progress.counters VALUES ($1, $2, 1) ON CONFLICT (programme_year, metric)"
        " DO UPDATE SET value = progress.counters.value + 1");
    c.prepare("progress_counts",
              "SELECT metric, value FROM progress.counters WHERE programme_year = $1");
    c.prepare("progress_offset",
              "SELECT event_offset FROM progress.consumer_offsets WHERE consumer = $1");
  });
}

absl::StatusOr<int> ProgressStore::ConsumeBatch(const std::string& consumer,
                                                const EventSource& source) {
  return db::Transact<int>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int> {
    pqxx::result offset = tx.exec_prepared("progress_lock_offset", consumer);
    if (offset.empty()) return absl::InternalError(absl::StrCat("no offset for ", consumer));
    auto events = source(offset[0][0].as<std::string>());
    if (!events.ok()) return events.status();
    if (events->empty()) return 0;
    for (const v1::OutboxEvent& e : *events) {
      const int year = e.programme_year();
      auto count = [&](const std::string& metric) {
        tx.exec_prepared("progress_count", year, metric, e.resident_district_code(),
                         e.hospital_district_code(), e.hospital(), e.date());
      };
      if (e.type() == "booking.created" || e.type() == "booking.promoted") count("bookings");
      if (e.type() == "booking.cancelled") count("cancellations");
      if (e.type() == "booking.no_show") count("no_shows");
      if (e.type() == "result.sample_failed") count("samples_failed");
      if (e.type() == "referral.opened") count("referrals_opened");
      if (e.type() == "referral.completed") count("referrals_completed");
      if (e.type() == "referral.withdrawn") count("referrals_withdrawn");
      if (e.type() == "referral.overdue") count("referrals_overdue");
      if (e.type() != "result.recorded") continue;
      if (e.positive()) count("positives");
      const int64_t resident = *ParseNumericName("residents", e.resident());
      if (CountsAsPerson(e.screening_type()) &&
          !tx.exec_prepared("progress_add_person", year, resident).empty()) {
        count(PersonsScreenedMetric());
      }
      if (e.screening_type() == v1::SCREENING_TYPE_NIPT) {
        // NIPT counts pregnancies, not women: each counted NIPT result is one
        // pregnancy (one entitlement each; a redraw follows a failed test,
        // which is not counted), and each event is applied exactly once.
        count(TypeMetric(e.screening_type()));
      } else if (!tx.exec_prepared("progress_add_person_type", year, resident,
                                   static_cast<int>(e.screening_type()))
                      .empty()) {
        count(TypeMetric(e.screening_type()));
      }
    }
    tx.exec_prepared("progress_set_offset", consumer, events->back().offset());
    return static_cast<int>(events->size());
  });
}

absl::StatusOr<std::vector<int64_t>> ProgressStore::Daily(int programme_year,
                                                          const std::string& metric,
                                                          absl::CivilDay first,
                                                          absl::CivilDay last) {
  using Days = std::vector<int64_t>;
  return db::AutoCommit<Days>(pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<Days> {
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
    default:
      return "";
  }
}

absl::StatusOr<Counts> ProgressStore::GetCounts(int programme_year, const std::string& consumer,
                                                const std::string& dimension) {
  return db::Transact<Counts>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Counts> {
    Counts counts;
    if (!dimension.empty()) {
      for (const auto& row : tx.exec_prepared("progress_groups", programme_year, dimension)) {
        counts.groups[row[0].as<std::string>()][row[1].as<std::string>()] = row[2].as<int64_t>();
      }
    }
    for (const auto& row : tx.exec_prepared("progress_counts", programme_year)) {
      counts.metrics[row[0].as<std::string>()] = row[1].as<int64_t>();
    }
    pqxx::result offset = tx.exec_prepared("progress_offset", consumer);
    if (!offset.empty()) counts.offset = offset[0][0].as<std::string>();
    return counts;
  });
}

}  // namespace screening::progress
