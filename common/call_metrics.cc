#include "common/call_metrics.h"

#include "absl/status/status.h"

namespace screening {
namespace {

// From 1 ms to 10 s: a GetProgress answers in a few ms, a booking batch in
// tens, a stream's admission in one.
const prometheus::Histogram::BucketBoundaries& Buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return buckets;
}

}  // namespace

CallMetrics::CallMetrics(prometheus::Registry& registry)
    : calls_(prometheus::BuildCounter()
                 .Name("screening_calls_total")
                 .Help("Calls through the gate, by RPC, status code and protocol.")
                 .Register(registry)),
      seconds_(prometheus::BuildHistogram()
                   .Name("screening_call_duration_seconds")
                   .Help("Time from the gate's admission to the answer, by RPC and protocol.")
                   .Register(registry)),
      in_flight_(prometheus::BuildGauge()
                     .Name("screening_calls_in_flight")
                     .Help("Calls inside the gate now, by protocol.")
                     .Register(registry)),
      refusals_(prometheus::BuildCounter()
                    .Name("screening_gate_refusals_total")
                    .Help("Calls the gate refused before their handler, by reason: "
                          "authentication, rights, rate limit, shutdown.")
                    .Register(registry)),
      audit_write_failures_(prometheus::BuildCounter()
                                .Name("screening_audit_write_failures_total")
                                .Help("Audit rows that could not be written (the answer was "
                                      "withheld: UNAVAILABLE).")
                                .Register(registry)
                                .Add({})) {}

void CallMetrics::Refused(absl::string_view reason) {
  refusals_.Add({{"reason", std::string(reason)}}).Increment();
}

void CallMetrics::AuditWriteFailed() { audit_write_failures_.Increment(); }

void CallMetrics::Observe(absl::string_view method, absl::string_view protocol,
                          grpc::StatusCode code, absl::Duration elapsed) {
  const std::string m(method), p(protocol);
  calls_
      .Add({{"method", m},
            {"code", absl::StatusCodeToString(static_cast<absl::StatusCode>(code))},
            {"protocol", p}})
      .Increment();
  seconds_.Add({{"method", m}, {"protocol", p}}, Buckets()).Observe(absl::ToDoubleSeconds(elapsed));
}

std::unique_ptr<CallMetrics::InFlight> CallMetrics::Enter(absl::string_view protocol) {
  return std::make_unique<InFlight>(in_flight_.Add({{"protocol", std::string(protocol)}}));
}

}  // namespace screening
