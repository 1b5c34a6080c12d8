// Progress's SQL: counters, distinct-person sets and the consumer offset in
// the `progress` schema.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/db.h"
#include "screening/v1/results.pb.h"

namespace screening::progress {

// Fetches the events after an offset ("" for the start), in order.
using EventSource =
    std::function<absl::StatusOr<std::vector<v1::OutboxEvent>>(const std::string& after)>;

struct Counts {
  std::map<std::string, int64_t> metrics;  // metric → value
  std::string offset;                      // the last event included
};

class ProgressStore {
 public:
  explicit ProgressStore(db::Pool& pool);

  // In one transaction: locks the consumer's offset, fetches the events after
  // it, applies them to the counters and moves the offset. A crash anywhere
  // leaves counters and offset unchanged together. Returns how many events
  // were applied (0 when none were waiting).
  absl::StatusOr<int> ConsumeBatch(const std::string& consumer, const EventSource& source);

  absl::StatusOr<Counts> GetCounts(int programme_year, const std::string& consumer);

 private:
  db::Pool& pool_;
};

// Counter names.
std::string PersonsScreenedMetric();
std::string TypeMetric(v1::ScreeningType type);

}  // namespace screening::progress
