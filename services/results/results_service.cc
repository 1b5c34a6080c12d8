#include "services/results/results_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "screening/v1/registry.grpc.pb.h"
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
  const int measurements = request.has_four_highs() + request.has_colorectal() +
                           request.has_gastric() + request.has_nipt();
  if (measurements == 0) {
    bad.Add("four_highs", "one of four_highs, colorectal, gastric and nipt is required");
  } else if (measurements > 1) {
    bad.Add("four_highs", "only one of four_highs, colorectal, gastric and nipt per result");
  }
  if (request.has_four_highs()) {
    // Bounds apply to the SI values, whatever units were sent.
    bad.AddAll(ValidateFourHighs(FourHighsToSi(UnitFactors{}, request.four_highs()), "four_highs"));
  }
  if (request.has_colorectal()) {
    bad.AddAll(ValidateColorectal(request.colorectal(), ColorectalRules{}, "colorectal"));
  }
  if (request.has_gastric()) {
    bad.AddAll(ValidateGastric(request.gastric(), GastricRules{}, "gastric"));
  }
  if (request.has_nipt()) bad.AddAll(ValidateNipt(request.nipt(), "nipt"));
  return bad.ToStatus();
}

v1::ScreeningType MeasuredScreening(const v1::RecordResultRequest& request) {
  if (request.has_colorectal()) return v1::SCREENING_TYPE_COLORECTAL;
  if (request.has_gastric()) return v1::SCREENING_TYPE_GASTRIC;
  if (request.has_nipt()) return v1::SCREENING_TYPE_NIPT;
  return v1::SCREENING_TYPE_FOUR_HIGHS;
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
  const v1::ScreeningType type = MeasuredScreening(request);
  const bool covered =
      std::any_of(booking.screenings().begin(), booking.screenings().end(),
                  [&](const v1::BookedScreening& s) { return s.screening_type() == type; });
  if (!covered) {
    return WithReason(absl::FailedPreconditionError(absl::StrCat(
                          request.booking(), " does not include ", v1::ScreeningType_Name(type))),
                      "SCREENING_NOT_BOOKED");
  }
  v1::Result result;
  result.set_booking(booking.name());
  result.set_resident(booking.resident());
  result.set_hospital(booking.hospital());
  result.set_screening_type(type);
  result.set_counts_as_screened(true);
  switch (type) {
    case v1::SCREENING_TYPE_COLORECTAL:
      *result.mutable_colorectal() = request.colorectal();
      *result.mutable_colorectal_classification() =
          ClassifyColorectal(other_rules_.colorectal, request.colorectal());
      result.set_counts_as_screened(!result.colorectal_classification().sample_failed());
      break;
    case v1::SCREENING_TYPE_GASTRIC: {
      // The score counts age on the visit day and sex: the registry knows them.
      ASSIGN_OR_RETURN(auto registry, peers_.Stub<v1::RegistryService>("registry"));
      v1::GetResidentRequest get_resident;
      get_resident.set_name(booking.resident());
      v1::Resident resident;
      auto ask = peers_.CallContext(&context, kSchedulingTimeout);
      RETURN_IF_ERROR(
          PeerOutcome(registry->GetResident(ask.get(), get_resident, &resident), "registry"));
      const int age = AgeOn(*ParseDate(resident.birth_date()), *ParseDate(booking.date()));
      *result.mutable_gastric() = request.gastric();
      *result.mutable_gastric_classification() =
          ClassifyGastric(other_rules_.gastric, request.gastric(), age, resident.sex());
      break;
    }
    case v1::SCREENING_TYPE_NIPT:
      *result.mutable_nipt() = request.nipt();
      *result.mutable_nipt_classification() = ClassifyNipt(request.nipt());
      result.set_counts_as_screened(!result.nipt_classification().failed());
      break;
    default:
      *result.mutable_four_highs() = FourHighsToSi(other_rules_.units, request.four_highs());
      *result.mutable_four_highs_units_sent() = request.four_highs().units();
      *result.mutable_four_highs_classification() = ClassifyFourHighs(rules_, result.four_highs());
      break;
  }
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
