#include "services/scheduling/scheduling_service.h"

#include <cctype>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/dates.h"
#include "common/districts.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "screening/v1/registry.grpc.pb.h"

namespace screening::scheduling {
namespace {

constexpr int kMaxCapacity = 10000;
constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;
constexpr absl::Duration kRegistryTimeout = absl::Seconds(5);

bool IsScreeningType(int type) {
  return v1::ScreeningType_IsValid(type) && type != v1::SCREENING_TYPE_UNSPECIFIED;
}

// Page tokens are opaque to clients: `{day}.{slot id}` of the last slot sent.
std::string EncodePageToken(const std::pair<absl::CivilDay, int64_t>& last) {
  return absl::StrCat(FormatDate(last.first), ".", last.second);
}

std::optional<std::pair<absl::CivilDay, int64_t>> DecodePageToken(absl::string_view token) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 2) return std::nullopt;
  auto day = ParseDate(parts[0]);
  int64_t id = 0;
  if (!day || !absl::SimpleAtoi(parts[1], &id) || id <= 0) return std::nullopt;
  return std::make_pair(*day, id);
}

}  // namespace

absl::Status ValidateHospital(const v1::UpsertHospitalRequest& request) {
  FieldViolations bad;
  if (!request.has_hospital()) {
    bad.Add("hospital", "is required");
    return bad.ToStatus();
  }
  const v1::Hospital& h = request.hospital();
  if (!IsHospitalCode(h.code())) {
    bad.Add("hospital.code", "must be 2 to 32 characters of A-Z, 0-9, '-' and '_'");
  }
  const size_t name_length = Utf8Length(h.display_name());
  if (name_length == 0 || name_length > 128) {
    bad.Add("hospital.display_name", "must be 1 to 128 characters");
  }
  if (FindDistrict(h.district_code()) == nullptr) {
    bad.Add("hospital.district_code", "is not one of Harbin's 18 district codes");
  }
  return bad.ToStatus();
}

absl::Status ValidateSetCapacity(const v1::SetCapacityRequest& request) {
  FieldViolations bad;
  if (!ParseStringName("hospitals", request.hospital())) {
    bad.Add("hospital", "must be hospitals/{code}");
  }
  if (!ParseDate(request.date())) bad.Add("date", "must be a real date, YYYY-MM-DD");
  if (!IsScreeningType(request.screening_type())) {
    bad.Add("screening_type", "must be one of the programme's screenings");
  }
  if (request.capacity() < 0 || request.capacity() > kMaxCapacity) {
    bad.Add("capacity", absl::StrCat("must be 0 to ", kMaxCapacity));
  }
  return bad.ToStatus();
}

absl::StatusOr<SlotQuery> ValidateSearchSlots(const v1::SearchSlotsRequest& request) {
  FieldViolations bad;
  SlotQuery query;
  if (request.screening_type() != v1::SCREENING_TYPE_UNSPECIFIED &&
      !IsScreeningType(request.screening_type())) {
    bad.Add("screening_type", "must be one of the programme's screenings");
  }
  query.screening_type = request.screening_type();
  if (!request.district_code().empty() && FindDistrict(request.district_code()) == nullptr) {
    bad.Add("district_code", "is not one of Harbin's 18 district codes");
  }
  query.district_code = request.district_code();
  if (!request.hospital().empty()) {
    auto code = ParseStringName("hospitals", request.hospital());
    if (!code) {
      bad.Add("hospital", "must be hospitals/{code}");
    } else {
      query.hospital_code = *code;
    }
  }
  if (!request.start_date().empty()) {
    query.start = ParseDate(request.start_date());
    if (!query.start) bad.Add("start_date", "must be a real date, YYYY-MM-DD");
  }
  if (!request.end_date().empty()) {
    query.end = ParseDate(request.end_date());
    if (!query.end) bad.Add("end_date", "must be a real date, YYYY-MM-DD");
  }
  if (query.start && query.end && *query.end < *query.start) {
    bad.Add("end_date", "must not be before start_date");
  }
  query.only_available = request.only_available();
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    bad.Add("page_size", absl::StrCat("must be 0 to ", kMaxPageSize));
  }
  query.page_size = request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  if (!request.page_token().empty()) {
    query.after = DecodePageToken(request.page_token());
    if (!query.after) bad.Add("page_token", "is not a token this service issued");
  }
  if (!bad.empty()) return bad.ToStatus();
  return query;
}

absl::Status ValidateBookScreening(const v1::BookScreeningRequest& request) {
  FieldViolations bad;
  if (!ParseNumericName("residents", request.resident())) {
    bad.Add("resident", "must be residents/{id}");
  }
  if (!ParseNumericName("slots", request.slot())) bad.Add("slot", "must be slots/{id}");
  if (!IsValidRequestId(request.request_id())) {
    bad.Add("request_id", "is required: 1 to 64 printable ASCII characters");
  }
  return bad.ToStatus();
}

grpc::Status SchedulingServiceImpl::UpsertHospital(grpc::ServerContext* context,
                                                   const v1::UpsertHospitalRequest* request,
                                                   v1::Hospital* response) {
  return gate_.Serve(context, Method<v1::SchedulingService>("UpsertHospital"),
                     [&](CallGate::Call&) -> absl::Status {
                       RETURN_IF_ERROR(ValidateHospital(*request));
                       ASSIGN_OR_RETURN(*response, store_.UpsertHospital(request->hospital()));
                       return absl::OkStatus();
                     });
}

grpc::Status SchedulingServiceImpl::SetCapacity(grpc::ServerContext* context,
                                                const v1::SetCapacityRequest* request,
                                                v1::Slot* response) {
  return gate_.Serve(
      context, Method<v1::SchedulingService>("SetCapacity"), [&](CallGate::Call&) -> absl::Status {
        RETURN_IF_ERROR(ValidateSetCapacity(*request));
        ASSIGN_OR_RETURN(*response,
                         store_.SetCapacity(*ParseStringName("hospitals", request->hospital()),
                                            *ParseDate(request->date()), request->screening_type(),
                                            request->capacity()));
        return absl::OkStatus();
      });
}

grpc::Status SchedulingServiceImpl::SearchSlots(grpc::ServerContext* context,
                                                const v1::SearchSlotsRequest* request,
                                                v1::SearchSlotsResponse* response) {
  return gate_.Serve(context, Method<v1::SchedulingService>("SearchSlots"),
                     [&](CallGate::Call&) -> absl::Status {
                       ASSIGN_OR_RETURN(SlotQuery query, ValidateSearchSlots(*request));
                       ASSIGN_OR_RETURN(SlotPage page, store_.SearchSlots(query));
                       for (auto& slot : page.slots) *response->add_slots() = std::move(slot);
                       if (page.last) response->set_next_page_token(EncodePageToken(*page.last));
                       return absl::OkStatus();
                     });
}

grpc::Status SchedulingServiceImpl::BookScreening(grpc::ServerContext* context,
                                                  const v1::BookScreeningRequest* request,
                                                  v1::Booking* response) {
  return gate_.Serve(context, Method<v1::SchedulingService>("BookScreening"),
                     [&](CallGate::Call& call) -> absl::Status {
                       call.set_resource(request->resident());
                       ASSIGN_OR_RETURN(*response, Book(*context, call.caller(), *request));
                       return absl::OkStatus();
                     });
}

absl::StatusOr<v1::Booking> SchedulingServiceImpl::Book(const grpc::ServerContext& context,
                                                        const Caller& caller,
                                                        const v1::BookScreeningRequest& request) {
  RETURN_IF_ERROR(ValidateBookScreening(request));
  // A retry of a booking that was made returns it, whatever changed since.
  ASSIGN_OR_RETURN(std::optional<v1::Booking> earlier, store_.FindBooking(request));
  if (earlier) {
    RETURN_IF_ERROR(RequireDistrict(caller, earlier->resident_district_code()));
    return *earlier;
  }

  const int64_t slot_id = *ParseNumericName("slots", request.slot());
  ASSIGN_OR_RETURN(v1::Slot slot, store_.GetSlot(slot_id));
  if (*ParseDate(slot.date()) < Today(clock_)) {
    return WithReason(absl::FailedPreconditionError(
                          absl::StrCat(slot.name(), " is on ", slot.date(), ", which has passed")),
                      "SLOT_IN_PAST", {{"slot", slot.name()}});
  }

  ASSIGN_OR_RETURN(auto registry, peers_.Stub<v1::RegistryService>("registry"));
  v1::CheckEligibilityRequest check;
  check.set_resident(request.resident());
  check.set_screening_type(slot.screening_type());
  check.set_date(slot.date());
  v1::CheckEligibilityResponse eligibility;
  auto call = peers_.CallContext(&context, kRegistryTimeout);
  absl::Status asked =
      PeerOutcome(registry->CheckEligibility(call.get(), check, &eligibility), "registry");
  if (asked.code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError(absl::StrCat(request.resident(), " does not exist"));
  }
  RETURN_IF_ERROR(asked);
  // A clinic books only for residents of its district.
  RETURN_IF_ERROR(RequireDistrict(caller, eligibility.district_code()));
  if (!eligibility.eligible()) {
    google::rpc::PreconditionFailure failure;
    std::string summary;
    for (const auto& reason : eligibility.reasons()) {
      auto* v = failure.add_violations();
      v->set_type(reason.code());
      v->set_subject(request.resident());
      v->set_description(reason.message());
      absl::StrAppend(&summary, summary.empty() ? "" : "; ", reason.message());
    }
    return WithPreconditionFailure(
        WithReason(absl::FailedPreconditionError(absl::StrCat("not eligible: ", summary)),
                   "NOT_ELIGIBLE", {{"resident", request.resident()}}),
        failure);
  }
  return store_.Book(request,
                     NewBooking{.resident_id = *ParseNumericName("residents", request.resident()),
                                .slot_id = slot_id,
                                .resident_district_code = eligibility.district_code()});
}

grpc::Status SchedulingServiceImpl::GetBooking(grpc::ServerContext* context,
                                               const v1::GetBookingRequest* request,
                                               v1::Booking* response) {
  return gate_.Serve(
      context, Method<v1::SchedulingService>("GetBooking"),
      [&](CallGate::Call& call) -> absl::Status {
        auto id = ParseNumericName("bookings", request->name());
        if (!id) return InvalidField("name", "must be bookings/{id}");
        call.set_resource(request->name());
        ASSIGN_OR_RETURN(v1::Booking booking, store_.GetBooking(*id));
        // Another hospital's or district's booking: refused without a word about it.
        RETURN_IF_ERROR(
            RequireHospital(call.caller(), *ParseStringName("hospitals", booking.hospital())));
        RETURN_IF_ERROR(RequireDistrict(call.caller(), booking.resident_district_code()));
        *response = std::move(booking);
        return absl::OkStatus();
      });
}

}  // namespace screening::scheduling
