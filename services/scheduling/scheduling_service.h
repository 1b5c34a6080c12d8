// SchedulingService's gRPC handlers: validate, ask the registry, delegate to
// the store.
#pragma once

#include "common/call_gate.h"
#include "common/clock.h"
#include "common/peers.h"
#include "screening/v1/scheduling.grpc.pb.h"
#include "services/scheduling/scheduling_store.h"

namespace screening::scheduling {

class SchedulingServiceImpl final : public v1::SchedulingService::Service {
 public:
  SchedulingServiceImpl(SchedulingStore& store, CallGate& gate, const Peers& peers,
                        const Clock& clock)
      : store_(store), gate_(gate), peers_(peers), clock_(clock) {}

  grpc::Status UpsertHospital(grpc::ServerContext* context,
                              const v1::UpsertHospitalRequest* request,
                              v1::Hospital* response) override;
  grpc::Status SetCapacity(grpc::ServerContext* context, const v1::SetCapacityRequest* request,
                           v1::Slot* response) override;
  grpc::Status SearchSlots(grpc::ServerContext* context, const v1::SearchSlotsRequest* request,
                           v1::SearchSlotsResponse* response) override;
  grpc::Status BookScreening(grpc::ServerContext* context, const v1::BookScreeningRequest* request,
                             v1::Booking* response) override;
  grpc::Status GetBooking(grpc::ServerContext* context, const v1::GetBookingRequest* request,
                          v1::Booking* response) override;

 private:
  absl::StatusOr<v1::Booking> Book(const grpc::ServerContext& context, const Caller& caller,
                                   const v1::BookScreeningRequest& request);

  SchedulingStore& store_;
  CallGate& gate_;
  const Peers& peers_;
  const Clock& clock_;
};

// Request validation, pure and unit-tested: INVALID_ARGUMENT naming each bad field.
absl::Status ValidateHospital(const v1::UpsertHospitalRequest& request);
absl::Status ValidateSetCapacity(const v1::SetCapacityRequest& request);
absl::StatusOr<SlotQuery> ValidateSearchSlots(const v1::SearchSlotsRequest& request);
absl::Status ValidateBookScreening(const v1::BookScreeningRequest& request);

}  // namespace screening::scheduling
