// The gate's call metrics in Prometheus' model: calls by RPC, status code and
// protocol (grpc, http, in_process), their latency, and calls inside the gate
// now. Labels are bounded: method names come from the API, never from a
// request's values.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <string>

#include <grpcpp/support/status.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace screening {

class CallMetrics {
 public:
  explicit CallMetrics(prometheus::Registry& registry);

  // One call ended with `code` after `elapsed`.
  void Observe(absl::string_view method, absl::string_view protocol, grpc::StatusCode code,
               absl::Duration elapsed);

  // Counts a call inside the gate for as long as it lives (moves with it).
  class InFlight {
   public:
    explicit InFlight(prometheus::Gauge& gauge) : gauge_(gauge) { gauge_.Increment(); }
    ~InFlight() { gauge_.Decrement(); }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;

   private:
    prometheus::Gauge& gauge_;
  };
  std::unique_ptr<InFlight> Enter(absl::string_view protocol);

  // The gate refused a call before its handler ran: `reason` is the
  // refusal's stable reason (RATE_LIMITED, SHUTTING_DOWN) or, without one,
  // its code (UNAUTHENTICATED, PERMISSION_DENIED).
  void Refused(absl::string_view reason);
  // An audit row could not be written, so the answer was withheld.
  void AuditWriteFailed();

 private:
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Family<prometheus::Histogram>& seconds_;
  prometheus::Family<prometheus::Gauge>& in_flight_;
  prometheus::Family<prometheus::Counter>& refusals_;
  prometheus::Counter& audit_write_failures_;

  // The series of one RPC over one protocol, found once and kept: a
  // family's Add builds and hashes its labels under a lock, too much for
  // every call.
  struct MethodSeries {
    prometheus::Histogram* seconds;
    std::array<std::atomic<prometheus::Counter*>, 17> by_code{};  // grpc::StatusCode 0–16
  };
  MethodSeries& SeriesOf(absl::string_view method, absl::string_view protocol);
  absl::Mutex series_mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<MethodSeries>> series_
      ABSL_GUARDED_BY(series_mu_);
  absl::flat_hash_map<std::string, prometheus::Gauge*> in_flight_by_protocol_
      ABSL_GUARDED_BY(series_mu_);
};

}  // namespace screening
