// SchedulingInternalService's handlers: what only other services call
// (screening.internal.v1), served on the same port and gate as the public API
// to `service:` callers.
#pragma once

#include <vector>

#include "common/call_gate.h"
#include "screening/internal/v1/scheduling.grpc.pb.h"
#include "services/scheduling/scheduling_store.h"

namespace screening::scheduling {

class SchedulingInternalServiceImpl final
    : public internal::v1::SchedulingInternalService::Service {
 public:
  SchedulingInternalServiceImpl(SchedulingStore& store, CallGate& gate)
      : store_(store), gate_(gate) {}

  grpc::Status BatchGetBookings(grpc::ServerContext* context,
                                const internal::v1::BatchGetBookingsRequest* request,
                                internal::v1::BatchGetBookingsResponse* response) override;
  grpc::Status CountBookings(grpc::ServerContext* context,
                             const internal::v1::CountBookingsRequest* request,
                             internal::v1::BookingCounts* response) override;
  grpc::Status ListBookingEvents(grpc::ServerContext* context,
                                 const internal::v1::ListBookingEventsRequest* request,
                                 internal::v1::ListBookingEventsResponse* response) override;

 private:
  SchedulingStore& store_;
  CallGate& gate_;
};

// The booking ids of the names, in order; INVALID_ARGUMENT naming each bad one.
absl::StatusOr<std::vector<int64_t>> ValidateBatchGetBookings(
    const internal::v1::BatchGetBookingsRequest& request);

}  // namespace screening::scheduling
