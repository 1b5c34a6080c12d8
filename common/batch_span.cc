#include "common/batch_span.h"

#include <algorithm>

#include "common/log.h"

namespace screening {

BatchSpan::BatchSpan(std::string kind, std::vector<std::string> trace_ids)
    : kind_(std::move(kind)),
      trace_ids_(std::move(trace_ids)),
      start_(absl::Now()),
      trace_(BatchTrace(trace_ids_)),
      scope_(trace_) {}

BatchSpan::~BatchSpan() {
  std::vector<std::string> linked;  // each call's trace once, the batch's own left out
  for (const std::string& id : trace_ids_) {
    if (!id.empty() && id != trace_.trace_id &&
        std::find(linked.begin(), linked.end(), id) == linked.end()) {
      linked.push_back(id);
    }
  }
  logs::Info("batch")
      .Str("kind", kind_)
      .Int("size", static_cast<int64_t>(trace_ids_.size()))
      .Int("collisions", collisions_)
      .Num("ms", absl::ToDoubleMilliseconds(absl::Now() - start_))
      .Str("trace_id", trace_.trace_id)
      .Str("span_id", trace_.span_id)
      .List("linked_traces", linked);
}

}  // namespace screening
