// Progress's SQL: counters, distinct-person sets and the consumer offset in
// the `progress` schema.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "common/db.h"
#include "common/lagging_reads.h"
#include "common/request_log.h"
#include "screening/internal/v1/results.pb.h"
#include "screening/v1/progress.pb.h"
#include "screening/v1/results.pb.h"

namespace screening::progress {

// Fetches the events after an offset ("" for the start), in order.
using EventSource =
    std::function<absl::StatusOr<std::vector<internal::v1::OutboxEvent>>(const std::string& after)>;

struct Counts {
  std::map<std::string, int64_t> metrics;  // metric → value
  // The last events included: "{results offset},{scheduling offset}", each
  // part empty before its first event.
  std::string offset;
  // With a dimension: key → metric → value.
  std::map<std::string, std::map<std::string, int64_t>> groups;
};

// Counter increments summed over a batch of events: per (year, metric) and
// per (year, dimension, key, metric).
struct Increments {
  std::map<std::pair<int, std::string>, int64_t> totals;
  std::map<std::tuple<int, std::string, std::string, std::string>, int64_t> groups;
  // One more of `metric`, in the total and in each breakdown of the event.
  void Count(const internal::v1::OutboxEvent& event, const std::string& metric);
};

// A batch's counts before the database says which persons are new: every
// increment that needs no lookup, and the first event of each person and
// person-type in the batch.
struct BatchCounts {
  Increments increments;
  std::map<std::pair<int, int64_t>, internal::v1::OutboxEvent> persons;  // (year, resident)
  std::map<std::tuple<int, int64_t, int>, internal::v1::OutboxEvent> person_types;
  // Counts the persons and person-types the database found new.
  void CountNew(const std::set<std::pair<int, int64_t>>& new_persons,
                const std::set<std::tuple<int, int64_t, int>>& new_person_types);
};

// Pure: what a batch of events adds, persons aside.
BatchCounts CountBatch(const std::vector<internal::v1::OutboxEvent>& events);

class ProgressStore {
 public:
  // `standby`: where reads that may lag go (--read_database_url); null: the primary.
  explicit ProgressStore(db::Pool& pool, db::Pool* standby = nullptr);

  // How far behind the primary reads of `freshness` may be now.
  absl::StatusOr<absl::Duration> Staleness(db::Freshness freshness) {
    return reads_.Staleness(freshness);
  }

  // In one transaction: locks the consumer's offset, fetches the events after
  // it, applies them to the counters and moves the offset. A crash anywhere
  // leaves counters and offset unchanged together. Returns how many events
  // were applied (0 when none were waiting).
  absl::StatusOr<int> ConsumeBatch(const std::string& consumer, const EventSource& source);

  // Runs inside ConsumeBatch's transaction, after every write and before
  // the commit: where the crash test kills the process.
  void SetBeforeCommitHook(std::function<void()> hook) { before_commit_ = std::move(hook); }

  // Totals, and the breakdown by `dimension` ("" for none; see
  // DimensionName).
  absl::StatusOr<Counts> GetCounts(int programme_year, const std::string& dimension = "",
                                   db::Freshness freshness = db::Freshness::kLatest);

  // The combined offset of both readers (see Counts::offset); cheap, for
  // watchers polling for a change.
  absl::StatusOr<std::string> Offset(db::Freshness freshness = db::Freshness::kLatest);

  // Totals of the events dated up to and including `last_day` (the day a
  // result was recorded or a booking changed), and the same per resident
  // district in `groups`.
  absl::StatusOr<Counts> CountsAsOf(int programme_year, absl::CivilDay last_day,
                                    db::Freshness freshness = db::Freshness::kLatest);

  // The signed-off versions of a quarter's report, oldest first.
  absl::StatusOr<std::vector<v1::QuarterlyReport>> Reports(int programme_year, int quarter);

  // Stores a signed-off report as its `version`, which must follow the latest
  // stored one (else FAILED_PRECONDITION: someone signed off meanwhile),
  // and claims `request`'s request_id with it: a racing retry gets the
  // report stored first.
  absl::StatusOr<v1::QuarterlyReport> SaveReport(const v1::QuarterlyReport& report,
                                                 const v1::SignOffQuarterlyReportRequest& request);
  // The report a sign-off with this request_id stored, if any
  // (INVALID_ARGUMENT when the id was used for another request).
  absl::StatusOr<std::optional<v1::QuarterlyReport>> EarlierSignOff(
      const v1::SignOffQuarterlyReportRequest& request);

  // One metric of a breakdown: key → value.
  absl::StatusOr<std::map<std::string, int64_t>> GroupMetric(
      int programme_year, const std::string& dimension, const std::string& metric,
      db::Freshness freshness = db::Freshness::kLatest);

  // Per resident district, one counter per day from `first` to `last`.
  absl::StatusOr<std::map<std::string, std::vector<int64_t>>> DailyByDistrict(
      int programme_year, const std::string& metric, absl::CivilDay first, absl::CivilDay last,
      db::Freshness freshness = db::Freshness::kLatest);

  // One counter per day from `first` to `last` (inclusive), oldest first.
  absl::StatusOr<std::vector<int64_t>> Daily(int programme_year, const std::string& metric,
                                             absl::CivilDay first, absl::CivilDay last,
                                             db::Freshness freshness = db::Freshness::kLatest);

 private:
  static void ApplyIncrements(pqxx::work& tx, const Increments& increments);

  db::Pool& pool_;
  db::LaggingReads reads_;
  db::RequestLog requests_{"progress"};
  std::function<void()> before_commit_;
};

// Counter names.
std::string PersonsScreenedMetric();
std::string TypeMetric(v1::ScreeningType type);
// Other counters: positives, referrals_opened, referrals_completed,
// referrals_withdrawn, referrals_overdue, samples_failed.

// The breakdown dimension's name in progress.breakdown ("" for none).
std::string DimensionName(v1::ProgressDimension dimension);

}  // namespace screening::progress
