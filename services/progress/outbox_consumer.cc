#include "services/progress/outbox_consumer.h"

#include "common/errors.h"
#include "common/log.h"
#include "common/server_metrics.h"
#include "common/trace.h"
#include "screening/internal/v1/results.grpc.pb.h"
#include "screening/internal/v1/scheduling.grpc.pb.h"

namespace screening::progress {
namespace {

constexpr char kConsumer[] = "results";
constexpr char kSchedulingConsumer[] = "scheduling";
constexpr int kBatchSize = 500;
constexpr absl::Duration kFetchTimeout = absl::Seconds(10);

}  // namespace

OutboxConsumer::OutboxConsumer(ProgressStore& store, const Peers& peers,
                               absl::Duration poll_interval, std::function<void()> on_applied)
    : store_(store),
      peers_(peers),
      poll_interval_(poll_interval),
      on_applied_(std::move(on_applied)) {}

OutboxConsumer::~OutboxConsumer() { Stop(); }

void OutboxConsumer::Start() {
  thread_ = std::thread([this] { Run(); });
}

void OutboxConsumer::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

namespace {

// Logs a batch of events counted, with the trace of each (the calls that
// raised them), so that a call can be followed to the event that counted it.
void LogCounted(absl::string_view source, const std::vector<internal::v1::OutboxEvent>& events,
                int applied, absl::Time start) {
  if (applied <= 0) return;
  std::vector<std::string> traces;
  for (const internal::v1::OutboxEvent& e : events) {
    if (!e.trace_id().empty() &&
        std::find(traces.begin(), traces.end(), e.trace_id()) == traces.end()) {
      traces.push_back(e.trace_id());
    }
  }
  logs::Info("outbox events counted")
      .Str("source", source)
      .Int("events", applied)
      .Str("last_offset", events.empty() ? "" : events.back().offset())
      .Num("ms", absl::ToDoubleMilliseconds(absl::Now() - start))
      .Str("trace_id", CurrentTraceId())
      .List("event_traces", traces);
}

absl::Time CommitTime(const internal::v1::OutboxEvent& e) {
  return absl::FromUnixMicros(static_cast<int64_t>(e.create_time_seconds() * 1e6));
}

// The metrics of one page read from `outbox`: what is left to count (the
// count asked on a catch-up's first page, less what was counted since) and
// the commit time of the oldest event not yet counted.
void ObservePoll(absl::string_view outbox, int64_t pending,
                 const std::vector<internal::v1::OutboxEvent>& events) {
  if (ServerMetrics* metrics = GetServerMetrics()) {
    metrics->OutboxPolled(outbox, absl::Now(), pending,
                          events.empty() ? absl::InfiniteFuture() : CommitTime(events.front()));
  }
}

void ObserveCounted(absl::string_view outbox, const std::vector<internal::v1::OutboxEvent>& events,
                    int applied) {
  ServerMetrics* metrics = GetServerMetrics();
  if (metrics == nullptr || applied <= 0 || events.empty()) return;
  metrics->OutboxCounted(outbox, applied, CommitTime(events.back()), absl::Now());
}

}  // namespace

absl::StatusOr<int> OutboxConsumer::Drain() {
  int total = 0;
  // Each drain is a background action of its own trace (its peer calls
  // carry it), sampled out: a poll that finds nothing logs nothing at info.
  ScopedTrace trace(TraceContext::Start(/*sampled=*/false));
  // Booking events, in the same shape: the counters apply both kinds.
  // The events left to count are asked on the first page of each outbox.
  int64_t pending = -1;
  for (;;) {
    const absl::Time start = absl::Now();
    std::vector<internal::v1::OutboxEvent> fetched;
    auto applied = store_.ConsumeBatch(
        kSchedulingConsumer,
        [this, &fetched, &pending](
            const std::string& after) -> absl::StatusOr<std::vector<internal::v1::OutboxEvent>> {
          auto scheduling = peers_.Stub<internal::v1::SchedulingInternalService>("scheduling");
          if (!scheduling.ok()) return scheduling.status();
          internal::v1::ListBookingEventsRequest request;
          request.set_after(after);
          request.set_page_size(kBatchSize);
          request.set_count_pending(pending < 0);
          internal::v1::ListBookingEventsResponse response;
          auto context = peers_.CallContext(nullptr, kFetchTimeout);
          absl::Status status = PeerOutcome(
              (*scheduling)->ListBookingEvents(context.get(), request, &response), "scheduling");
          if (!status.ok()) return status;
          std::vector<internal::v1::OutboxEvent> events;
          for (const internal::v1::BookingEvent& b : response.events()) {
            internal::v1::OutboxEvent& e = events.emplace_back();
            e.set_offset(b.offset());
            e.set_type(b.type());
            e.set_resident(b.resident());
            e.set_programme_year(b.programme_year());
            e.set_hospital(b.hospital());
            e.set_resident_district_code(b.resident_district_code());
            e.set_hospital_district_code(b.hospital_district_code());
            e.set_date(b.date());
            e.set_trace_id(b.trace_id());
            e.set_create_time_seconds(b.create_time_seconds());
          }
          if (request.count_pending()) pending = response.pending();
          ObservePoll("scheduling", pending, events);
          fetched = events;
          return events;
        });
    if (!applied.ok()) return applied.status();
    LogCounted("scheduling", fetched, *applied, start);
    pending = std::max<int64_t>(0, pending - *applied);
    // Caught up (a short page): nothing visible is left to count. Said
    // before the count goes up, so that no scrape sees both at once.
    if (*applied < kBatchSize) ObservePoll("scheduling", pending, {});
    ObserveCounted("scheduling", fetched, *applied);
    total += *applied;
    if (*applied < kBatchSize) break;
  }
  pending = -1;
  for (;;) {
    const absl::Time start = absl::Now();
    std::vector<internal::v1::OutboxEvent> fetched;
    auto applied = store_.ConsumeBatch(
        kConsumer,
        [this, &fetched, &pending](
            const std::string& after) -> absl::StatusOr<std::vector<internal::v1::OutboxEvent>> {
          auto results = peers_.Stub<internal::v1::ResultsInternalService>("results");
          if (!results.ok()) return results.status();
          internal::v1::ListOutboxEventsRequest request;
          request.set_after(after);
          request.set_page_size(kBatchSize);
          request.set_count_pending(pending < 0);
          internal::v1::ListOutboxEventsResponse response;
          auto context = peers_.CallContext(nullptr, kFetchTimeout);
          absl::Status status = PeerOutcome(
              (*results)->ListOutboxEvents(context.get(), request, &response), "results");
          if (!status.ok()) return status;
          fetched.assign(response.events().begin(), response.events().end());
          if (request.count_pending()) pending = response.pending();
          ObservePoll("results", pending, fetched);
          return fetched;
        });
    if (!applied.ok()) return applied.status();
    LogCounted("results", fetched, *applied, start);
    pending = std::max<int64_t>(0, pending - *applied);
    // Caught up (a short page): nothing visible is left to count. Said
    // before the count goes up, so that no scrape sees both at once.
    if (*applied < kBatchSize) ObservePoll("results", pending, {});
    ObserveCounted("results", fetched, *applied);
    total += *applied;
    if (*applied < kBatchSize) return total;
  }
}

void OutboxConsumer::Run() {
  absl::Status last = absl::OkStatus();
  while (!stop_.WaitForNotificationWithTimeout(poll_interval_)) {
    absl::StatusOr<int> drained = Drain();
    // Log a failure once, not on every poll, and keep trying: the counters
    // catch up when the results service or the database is back.
    if (!drained.ok() && drained.status() != last) {
      logs::Warn("outbox consumer failed; retrying")
          .Str("code", absl::StatusCodeToString(drained.status().code()))
          .Str("error", drained.status().message());
    }
    last = drained.ok() ? absl::OkStatus() : drained.status();
    if (drained.ok() && *drained > 0 && on_applied_) on_applied_();
  }
}

}  // namespace screening::progress
