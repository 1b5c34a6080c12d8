// The results service's SQL: results and the outbox in the `results` schema.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/db.h"
#include "common/request_log.h"
#include "screening/v1/results.pb.h"
#include "screening/v1/scheduling.pb.h"

namespace screening::results {

class ResultsStore {
 public:
  explicit ResultsStore(db::Pool& pool);

  // The first answer to an earlier RecordResult with this request_id, if any.
  absl::StatusOr<std::optional<v1::Result>> FindResult(const v1::RecordResultRequest& request);

  // Stores a classified result for a checked booking and its outbox event
  // (`result.recorded`, or `result.sample_failed` when it does not count) in
  // one transaction. ALREADY_EXISTS (RESULT_EXISTS) when the screening
  // already has a counted result.
  absl::StatusOr<v1::Result> Record(const v1::RecordResultRequest& request,
                                    const v1::Booking& booking, const v1::Result& result,
                                    absl::Time record_time);

  // Events committed after `after` ("" for the start), in commit order.
  absl::StatusOr<std::vector<v1::OutboxEvent>> ListEvents(const std::string& after, int limit);

 private:
  db::Pool& pool_;
  db::RequestLog requests_{"results"};
};

// Offsets are `{xid}:{seq}`; nullopt when malformed.
std::optional<std::pair<std::string, int64_t>> ParseOffset(absl::string_view offset);

}  // namespace screening::results
