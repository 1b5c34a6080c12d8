#include "common/batch_span.h"

#include <algorithm>

#include "common/log.h"
#include "common/server_metrics.h"

namespace screening {

namespace {
thread_local BatchSpan* t_current = nullptr;
}  // namespace

BatchSpan::BatchSpan(std::string kind, std::vector<std::string> trace_ids)
    : kind_(std::move(kind)),
      trace_ids_(std::move(trace_ids)),
      start_(absl::Now()),
      trace_(BatchTrace(trace_ids_)),
      scope_(trace_),
      outer_(t_current) {
  t_current = this;
}

void BatchSpan::CountStoredAlone(int items) {
  if (t_current != nullptr) t_current->collisions_ += items;
}

BatchSpan::~BatchSpan() {
  t_current = outer_;
  const absl::Duration elapsed = absl::Now() - start_;
  if (ServerMetrics* metrics = GetServerMetrics()) {
    metrics->Batch(kind_, trace_ids_.size(), elapsed);
    if (collisions_ > 0) metrics->BatchCollisions(kind_, collisions_);
  }
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
      .Num("ms", absl::ToDoubleMilliseconds(elapsed))
      .Str("trace_id", trace_.trace_id)
      .Str("span_id", trace_.span_id)
      .List("linked_traces", linked);
}

}  // namespace screening
