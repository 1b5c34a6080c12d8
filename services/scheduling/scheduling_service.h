// SchedulingService's gRPC handlers: validate, ask the registry, delegate to
// the store.
#pragma once

#include "common/batcher.h"
#include "common/call_gate.h"
#include "common/clock.h"
#include "common/peers.h"
#include "common/programme.h"
#include "screening/v1/registry.pb.h"
#include "screening/v1/scheduling.grpc.pb.h"
#include "services/scheduling/scheduling_store.h"

namespace screening::scheduling {

// BookScreening is a callback method: a call waits in the booking workers'
// queue, not on a thread of its own, and the workers book the calls waiting
// together in one batch and answer each (BatchWorkers). Every other RPC is
// synchronous.
class SchedulingServiceImpl final : public v1::SchedulingService::WithCallbackMethod_BookScreening<
                                        v1::SchedulingService::Service> {
 public:
  SchedulingServiceImpl(SchedulingStore& store, CallGate& gate, const Peers& peers,
                        const Clock& clock, const Programmes& programmes)
      : store_(store),
        gate_(gate),
        peers_(peers),
        clock_(clock),
        programmes_(programmes),
        booking_workers_([this](std::vector<QueuedBooking>& calls) { ServeBookings(calls); },
                         {.max_batch = 64, .threads = 2}) {}

  grpc::Status UpsertHospital(grpc::ServerContext* context,
                              const v1::UpsertHospitalRequest* request,
                              v1::Hospital* response) override;
  grpc::Status ListHospitals(grpc::ServerContext* context, const v1::ListHospitalsRequest* request,
                             v1::ListHospitalsResponse* response) override;
  grpc::Status GenerateSlots(grpc::ServerContext* context, const v1::GenerateSlotsRequest* request,
                             v1::GenerateSlotsResponse* response) override;
  grpc::Status SetCapacity(grpc::ServerContext* context, const v1::SetCapacityRequest* request,
                           v1::Slot* response) override;
  grpc::Status GetAllocationPlan(grpc::ServerContext* context,
                                 const v1::GetAllocationPlanRequest* request,
                                 v1::AllocationPlan* response) override;
  grpc::Status AllocateTargets(grpc::ServerContext* context,
                               const v1::AllocateTargetsRequest* request,
                               v1::AllocationPlan* response) override;
  grpc::Status SearchSlots(grpc::ServerContext* context, const v1::SearchSlotsRequest* request,
                           v1::SearchSlotsResponse* response) override;
  grpc::ServerUnaryReactor* BookScreening(grpc::CallbackServerContext* context,
                                          const v1::BookScreeningRequest* request,
                                          v1::Booking* response) override;
  grpc::Status GetBooking(grpc::ServerContext* context, const v1::GetBookingRequest* request,
                          v1::Booking* response) override;
  grpc::Status CancelBooking(grpc::ServerContext* context, const v1::CancelBookingRequest* request,
                             v1::Booking* response) override;
  grpc::Status RescheduleBooking(grpc::ServerContext* context,
                                 const v1::RescheduleBookingRequest* request,
                                 v1::Booking* response) override;
  grpc::Status JoinWaitlist(grpc::ServerContext* context, const v1::JoinWaitlistRequest* request,
                            v1::WaitlistEntry* response) override;
  grpc::Status LeaveWaitlist(grpc::ServerContext* context, const v1::LeaveWaitlistRequest* request,
                             v1::WaitlistEntry* response) override;
  grpc::Status GetWaitlistEntry(grpc::ServerContext* context,
                                const v1::GetWaitlistEntryRequest* request,
                                v1::WaitlistEntry* response) override;
  grpc::Status ListBookings(grpc::ServerContext* context, const v1::ListBookingsRequest* request,
                            v1::ListBookingsResponse* response) override;
  grpc::Status ListResidentBookings(grpc::ServerContext* context,
                                    const v1::ListResidentBookingsRequest* request,
                                    v1::ListResidentBookingsResponse* response) override;
  grpc::Status ListWaitlistEntries(grpc::ServerContext* context,
                                   const v1::ListWaitlistEntriesRequest* request,
                                   v1::ListWaitlistEntriesResponse* response) override;
  grpc::Status CheckIn(grpc::ServerContext* context, const v1::CheckInRequest* request,
                       v1::Booking* response) override;
  grpc::Status MarkNoShow(grpc::ServerContext* context, const v1::MarkNoShowRequest* request,
                          v1::Booking* response) override;

 private:
  // Fills each booking's resident_card from the registry (one call).
  absl::Status AddResidentCards(const grpc::ServerContext* parent,
                                std::vector<v1::Booking*> bookings);
  // The registry's answer for each screening of a visit on `date`.
  struct Eligibility {
    std::string district_code;
    std::optional<int64_t> pregnancy_id;
  };
  // Peer calls act for `parent` (null: the process's own, as for a batch).
  absl::StatusOr<Eligibility> CheckEligible(const grpc::ServerContext* parent,
                                            const std::string& resident,
                                            const std::vector<v1::ScreeningType>& types,
                                            const std::string& date, const std::string& pregnancy);
  // The registry's answers (one per screening, up to the first failure)
  // turned into an eligibility or the reasons against it.
  static absl::StatusOr<Eligibility> EligibilityFrom(
      const std::string& resident, const std::vector<v1::ScreeningType>& types,
      const std::vector<absl::StatusOr<v1::CheckEligibilityResponse>>& answers);
  // A BookScreening call waiting for the booking workers.
  struct QueuedBooking {
    grpc::CallbackServerContext* context;
    const v1::BookScreeningRequest* request;
    v1::Booking* response;
    grpc::ServerUnaryReactor* reactor;
  };
  // The gate, validation and BookBatch for the calls waiting together, then
  // each call's answer.
  void ServeBookings(std::vector<QueuedBooking>& queued);
  // Calls that failed to book (`booked`, of the calls `booking_of`) whose
  // request_ids were booked before get those earlier answers instead.
  void RetriesGetTheirEarlierAnswers(const std::vector<CallGate::Call>& calls,
                                     const std::vector<QueuedBooking>& queued,
                                     const std::vector<size_t>& booking_of,
                                     std::vector<absl::StatusOr<v1::Booking>>& booked);
  // Validated BookScreening calls arriving together: their eligibility in one
  // registry call, then stored together (SchedulingStore::BookAll).
  struct BookingCall {
    const Caller* caller;
    const v1::BookScreeningRequest* request;
    // The call's audit row if booked (null: not audited), and whether it was
    // committed with the booking.
    const AuditEntry* audit;
    bool* audited;
    const std::string* trace_id;  // the call's, for its outbox event
  };
  std::vector<absl::StatusOr<v1::Booking>> BookBatch(std::vector<BookingCall>& calls);
  // The eligibility of each call not yet refused, in one registry call (each
  // its own if that fails).
  void FetchEligibility(const std::vector<BookingCall>& calls,
                        const std::vector<std::vector<v1::Slot>>& slots,
                        const std::vector<std::vector<v1::ScreeningType>>& types,
                        const std::vector<std::optional<absl::Status>>& refused,
                        std::vector<std::optional<absl::StatusOr<Eligibility>>>& eligibility);
  absl::StatusOr<v1::Booking> Reschedule(const grpc::ServerContext& context, const Caller& caller,
                                         const v1::RescheduleBookingRequest& request);
  absl::StatusOr<v1::WaitlistEntry> Join(const grpc::ServerContext& context, const Caller& caller,
                                         const v1::JoinWaitlistRequest& request);
  absl::StatusOr<v1::AllocationPlan> Allocate(const Caller& caller,
                                              const v1::AllocateTargetsRequest& request);
  // A booking the caller may see: a clinic its district's, a hospital its own.
  absl::StatusOr<v1::Booking> BookingInScope(const Caller& caller, const std::string& name,
                                             CallGate::Call& call);

  SchedulingStore& store_;
  CallGate& gate_;
  const Peers& peers_;
  const Clock& clock_;
  const Programmes& programmes_;
  BatchWorkers<QueuedBooking> booking_workers_;  // last: its threads use the members above
};

// Request validation, pure and unit-tested: INVALID_ARGUMENT naming each bad field.
absl::Status ValidateHospital(const v1::UpsertHospitalRequest& request);
absl::Status ValidateSetCapacity(const v1::SetCapacityRequest& request);
absl::Status ValidateGenerateSlots(const v1::GenerateSlotsRequest& request);
absl::StatusOr<SlotQuery> ValidateSearchSlots(const v1::SearchSlotsRequest& request);
absl::Status ValidateBookScreening(const v1::BookScreeningRequest& request);
absl::Status ValidateCancelBooking(const v1::CancelBookingRequest& request);
absl::Status ValidateRescheduleBooking(const v1::RescheduleBookingRequest& request);
absl::Status ValidateJoinWaitlist(const v1::JoinWaitlistRequest& request, absl::CivilDay today);
absl::StatusOr<NewestFirstQuery> ValidateListResidentBookings(
    const v1::ListResidentBookingsRequest& request);
absl::StatusOr<NewestFirstQuery> ValidateListWaitlistEntries(
    const v1::ListWaitlistEntriesRequest& request);
absl::StatusOr<RosterQuery> ValidateListBookings(const v1::ListBookingsRequest& request);
absl::Status ValidateCheckIn(const v1::CheckInRequest& request);

// Verification codes are for the resident, the clinic that booked and the
// notifier that texts it; a hospital must be shown one, never read it.
void HideVerificationCode(const Caller& caller, v1::Booking& booking);

}  // namespace screening::scheduling
