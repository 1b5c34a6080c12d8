#include "common/call_metrics.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

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

CallMetrics::MethodSeries& CallMetrics::SeriesOf(absl::string_view method,
                                                 absl::string_view protocol) {
  const std::string key = absl::StrCat(protocol, " ", method);
  {
    absl::ReaderMutexLock lock(&series_mu_);
    if (auto it = series_.find(key); it != series_.end()) return *it->second;
  }
  absl::MutexLock lock(&series_mu_);
  std::unique_ptr<MethodSeries>& series = series_[key];
  if (!series) {
    series = std::make_unique<MethodSeries>();
    series->seconds = &seconds_.Add(
        {{"method", std::string(method)}, {"protocol", std::string(protocol)}}, Buckets());
  }
  return *series;
}

void CallMetrics::Observe(absl::string_view method, absl::string_view protocol,
                          grpc::StatusCode code, absl::Duration elapsed) {
  MethodSeries& series = SeriesOf(method, protocol);
  const size_t c =
      static_cast<size_t>(code) < series.by_code.size() ? static_cast<size_t>(code) : 2;  // UNKNOWN
  prometheus::Counter* counter = series.by_code[c].load(std::memory_order_acquire);
  if (counter == nullptr) {
    // Family::Add returns the same series for the same labels, so two
    // threads racing here store the same pointer.
    counter = &calls_.Add({{"method", std::string(method)},
                           {"code", absl::StatusCodeToString(static_cast<absl::StatusCode>(c))},
                           {"protocol", std::string(protocol)}});
    series.by_code[c].store(counter, std::memory_order_release);
  }
  counter->Increment();
  series.seconds->Observe(absl::ToDoubleSeconds(elapsed));
}

std::unique_ptr<CallMetrics::InFlight> CallMetrics::Enter(absl::string_view protocol) {
  prometheus::Gauge* gauge = nullptr;
  {
    absl::ReaderMutexLock lock(&series_mu_);
    if (auto it = in_flight_by_protocol_.find(protocol); it != in_flight_by_protocol_.end()) {
      gauge = it->second;
    }
  }
  if (gauge == nullptr) {
    absl::MutexLock lock(&series_mu_);
    gauge = &in_flight_.Add({{"protocol", std::string(protocol)}});
    in_flight_by_protocol_[std::string(protocol)] = gauge;
  }
  return std::make_unique<InFlight>(*gauge);
}

}  // namespace screening
