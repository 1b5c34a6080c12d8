#include "services/progress/progress_store.h"

#include "absl/strings/str_cat.h"
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
      if (e.type() != "result.recorded") continue;
      const int64_t resident = *ParseNumericName("residents", e.resident());
      const int year = e.programme_year();
      if (CountsAsPerson(e.screening_type()) &&
          !tx.exec_prepared("progress_add_person", year, resident).empty()) {
        tx.exec_prepared("progress_increment", year, PersonsScreenedMetric());
      }
      if (e.screening_type() == v1::SCREENING_TYPE_NIPT) {
        // NIPT counts pregnancies, not women: each counted NIPT result is one
        // pregnancy (one entitlement each; a redraw follows a failed test,
        // which is not counted), and each event is applied exactly once.
        tx.exec_prepared("progress_increment", year, TypeMetric(e.screening_type()));
      } else if (!tx.exec_prepared("progress_add_person_type", year, resident,
                                   static_cast<int>(e.screening_type()))
                      .empty()) {
        tx.exec_prepared("progress_increment", year, TypeMetric(e.screening_type()));
      }
    }
    tx.exec_prepared("progress_set_offset", consumer, events->back().offset());
    return static_cast<int>(events->size());
  });
}

absl::StatusOr<Counts> ProgressStore::GetCounts(int programme_year, const std::string& consumer) {
  return db::Transact<Counts>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Counts> {
    Counts counts;
    for (const auto& row : tx.exec_prepared("progress_counts", programme_year)) {
      counts.metrics[row[0].as<std::string>()] = row[1].as<int64_t>();
    }
    pqxx::result offset = tx.exec_prepared("progress_offset", consumer);
    if (!offset.empty()) counts.offset = offset[0][0].as<std::string>();
    return counts;
  });
}

}  // namespace screening::progress
