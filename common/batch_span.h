// The span of a batch: work done at once for many calls (bookings or
// results stored together). While it lives, the calls it makes carry the
// batch's trace (see BatchTrace); when it ends it writes one log line with
// the batch's size, time and the traces of the calls it served, so that
// each call can be followed into the batch and out to its peer calls.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/trace.h"

namespace screening {

class BatchSpan {
 public:
  // `kind`: what the batch stores ("bookings", "results"); `trace_ids`: the
  // trace of each call in it.
  BatchSpan(std::string kind, std::vector<std::string> trace_ids);
  ~BatchSpan();
  BatchSpan(const BatchSpan&) = delete;
  BatchSpan& operator=(const BatchSpan&) = delete;

  // Counts `items` of the batch this thread runs (if any) that could not be
  // stored together and were stored one by one.
  static void CountStoredAlone(int items);

 private:
  const std::string kind_;
  const std::vector<std::string> trace_ids_;
  const absl::Time start_;
  const TraceContext trace_;
  ScopedTrace scope_;
  BatchSpan* const outer_;  // the span this thread ran before, restored after
  int collisions_ = 0;
};

}  // namespace screening
