#include "services/results/results_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "screening/v1/scheduling.grpc.pb.h"

namespace screening::results {
namespace {

constexpr absl::Duration kSchedulingTimeout = absl::Seconds(5);
constexpr int kDefaultEventPage = 500;
constexpr int kMaxEventPage = 1000;

}  // namespace

absl::Status ValidateRecordResult(const v1::RecordResultRequest& request) {
  FieldViolations bad;
  if (!ParseStringName("hospitals", request.hospital())) {
    bad.Add("hospital", "must be hospitals/{code}");
  }
  if (!ParseNumericName("bookings", request.booking())) {
    bad.Add("booking", "must be bookings/{id}");
  }
  if (!IsValidRequestId(request.request_id())) {
    bad.Add("request_id", "is required: 1 to 64 printable ASCII characters");
  }
  if (!request.has_four_highs()) {
    bad.Add("four_highs", "is required");
  } else {
    bad.AddAll(ValidateFourHighs(request.four_highs(), "four_highs"));
  }
  return bad.ToStatus();
}

grpc::Status ResultsServiceImpl::RecordResult(grpc::ServerContext* context,
                                              const v1::RecordResultRequest* request,
                                              v1::Result* response) {
  return gate_.Serve(context, Method<v1::ResultsService>("RecordResult"),
                     [&](CallGate::Call& call) -> absl::Status {
                       call.set_resource(request->booking());
                       ASSIGN_OR_RETURN(*response, Record(*context, call.caller(), *request));
                       call.set_resource(response->name());
                       return absl::OkStatus();
                     });
}

absl::StatusOr<v1::Result> ResultsServiceImpl::Record(const grpc::ServerContext& context,
                                                      const Caller& caller,
                                                      const v1::RecordResultRequest& request) {
  RETURN_IF_ERROR(ValidateRecordResult(request));
  // A hospital records only as itself.
  RETURN_IF_ERROR(RequireHospital(caller, *ParseStringName("hospitals", request.hospital())));
  ASSIGN_OR_RETURN(std::optional<v1::Result> earlier, store_.FindResult(request));
  if (earlier) return *earlier;

  ASSIGN_OR_RETURN(auto scheduling, peers_.Stub<v1::SchedulingService>("scheduling"));
  v1::GetBookingRequest get;
  get.set_name(request.booking());
  v1::Booking booking;
  auto call = peers_.CallContext(&context, kSchedulingTimeout);
  RETURN_IF_ERROR(PeerOutcome(scheduling->GetBooking(call.get(), get, &booking), "scheduling"));
  // Another hospital's booking: say so without revealing anything about it.
  if (booking.hospital() != request.hospital()) {
    return WithReason(absl::PermissionDeniedError(absl::StrCat(
                          request.booking(), " is not a booking of ", request.hospital())),
                      "BOOKING_OF_ANOTHER_HOSPITAL");
  }
  // A result is recorded only for a resident who came and was checked in.
  if (booking.state() != v1::BOOKING_STATE_CHECKED_IN) {
    return WithReason(absl::FailedPreconditionError(absl::StrCat(
                          request.booking(), " is ", v1::BookingState_Name(booking.state()),
                          "; check the resident in first")),
                      "BOOKING_NOT_CHECKED_IN");
  }
  const bool covers_four_highs = std::any_of(
      booking.screenings().begin(), booking.screenings().end(), [](const v1::BookedScreening& s) {
        return s.screening_type() == v1::SCREENING_TYPE_FOUR_HIGHS;
      });
  if (!covers_four_highs) {
    return WithReason(absl::FailedPreconditionError(absl::StrCat(
                          request.booking(), " does not include the four-highs screening")),
                      "SCREENING_NOT_BOOKED");
  }
  v1::Result result;
  result.set_booking(booking.name());
  result.set_resident(booking.resident());
  result.set_hospital(booking.hospital());
  result.set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
  *result.mutable_four_highs() = request.four_highs();
  *result.mutable_four_highs_classification() = ClassifyFourHighs(rules_, request.four_highs());
  return store_.Record(request, booking, result, clock_.Now());
}

grpc::Status ResultsServiceImpl::ListOutboxEvents(grpc::ServerContext* context,
                                                  const v1::ListOutboxEventsRequest* request,
                                                  v1::ListOutboxEventsResponse* response) {
  return gate_.Serve(context, Method<v1::ResultsService>("ListOutboxEvents"),
                     [&](CallGate::Call&) -> absl::Status {
                       FieldViolations bad;
                       if (!request->after().empty() && !ParseOffset(request->after())) {
                         bad.Add("after", "must be an offset this service issued");
                       }
                       if (request->page_size() < 0 || request->page_size() > kMaxEventPage) {
                         bad.Add("page_size", absl::StrCat("must be 0 to ", kMaxEventPage));
                       }
                       RETURN_IF_ERROR(bad.ToStatus());
                       ASSIGN_OR_RETURN(auto events, store_.ListEvents(request->after(),
                                                                       request->page_size() == 0
                                                                           ? kDefaultEventPage
                                                                           : request->page_size()));
                       for (auto& e : events) *response->add_events() = std::move(e);
                       return absl::OkStatus();
                     });
}

}  // namespace screening::results
