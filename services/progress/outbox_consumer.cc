#include "services/progress/outbox_consumer.h"

#include <cstdio>

#include "common/errors.h"
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

absl::StatusOr<int> OutboxConsumer::Drain() {
  int total = 0;
  // Booking events, in the same shape: the counters apply both kinds.
  for (;;) {
    auto applied = store_.ConsumeBatch(
        kSchedulingConsumer,
        [this](const std::string& after) -> absl::StatusOr<std::vector<internal::v1::OutboxEvent>> {
          auto scheduling = peers_.Stub<internal::v1::SchedulingInternalService>("scheduling");
          if (!scheduling.ok()) return scheduling.status();
          internal::v1::ListBookingEventsRequest request;
          request.set_after(after);
          request.set_page_size(kBatchSize);
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
          }
          return events;
        });
    if (!applied.ok()) return applied.status();
    total += *applied;
    if (*applied < kBatchSize) break;
  }
  for (;;) {
    auto applied = store_.ConsumeBatch(
        kConsumer,
        [this](const std::string& after) -> absl::StatusOr<std::vector<internal::v1::OutboxEvent>> {
          auto results = peers_.Stub<internal::v1::ResultsInternalService>("results");
          if (!results.ok()) return results.status();
          internal::v1::ListOutboxEventsRequest request;
          request.set_after(after);
          request.set_page_size(kBatchSize);
          internal::v1::ListOutboxEventsResponse response;
          auto context = peers_.CallContext(nullptr, kFetchTimeout);
          absl::Status status = PeerOutcome(
              (*results)->ListOutboxEvents(context.get(), request, &response), "results");
          if (!status.ok()) return status;
          return std::vector<internal::v1::OutboxEvent>(response.events().begin(),
                                                        response.events().end());
        });
    if (!applied.ok()) return applied.status();
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
      std::fprintf(stderr, "progress consumer: %s\n", drained.status().ToString().c_str());
    }
    last = drained.ok() ? absl::OkStatus() : drained.status();
    if (drained.ok() && *drained > 0 && on_applied_) on_applied_();
  }
}

}  // namespace screening::progress
