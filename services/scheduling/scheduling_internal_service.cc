#include "services/scheduling/scheduling_internal_service.h"

#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "services/scheduling/scheduling_service.h"

namespace screening::scheduling {
namespace {

constexpr int kMaxPageSize = 1000;

}  // namespace

absl::StatusOr<std::vector<int64_t>> ValidateBatchGetBookings(
    const internal::v1::BatchGetBookingsRequest& request) {
  constexpr int kMaxNames = 1000;
  if (request.names_size() < 1 || request.names_size() > kMaxNames) {
    return InvalidField("names", absl::StrCat("must list 1 to ", kMaxNames, " bookings"));
  }
  FieldViolations bad;
  std::vector<int64_t> ids;
  for (int i = 0; i < request.names_size(); ++i) {
    std::optional<int64_t> id = ParseNumericName("bookings", request.names(i));
    if (!id) {
      bad.Add(absl::StrCat("names[", i, "]"), "must be bookings/{id}");
    } else {
      ids.push_back(*id);
    }
  }
  RETURN_IF_ERROR(bad.ToStatus());
  return ids;
}

grpc::Status SchedulingInternalServiceImpl::BatchGetBookings(
    grpc::ServerContext* context, const internal::v1::BatchGetBookingsRequest* request,
    internal::v1::BatchGetBookingsResponse* response) {
  return gate_.Serve(
      context, *request, Method<internal::v1::SchedulingInternalService>("BatchGetBookings"),
      [&](CallGate::Call& call) -> absl::Status {
        ASSIGN_OR_RETURN(std::vector<int64_t> ids, ValidateBatchGetBookings(*request));
        call.set_resource(absl::StrCat(request->names_size(), " bookings"));
        ASSIGN_OR_RETURN(std::vector<v1::Booking> bookings, store_.GetBookings(ids));
        for (v1::Booking& booking : bookings) {
          HideVerificationCode(call.caller(), booking);
          *response->add_bookings() = std::move(booking);
        }
        return absl::OkStatus();
      });
}

grpc::Status SchedulingInternalServiceImpl::CountBookings(
    grpc::ServerContext* context, const internal::v1::CountBookingsRequest* request,
    internal::v1::BookingCounts* response) {
  return gate_.Serve(context, *request,
                     Method<internal::v1::SchedulingInternalService>("CountBookings"),
                     [&](CallGate::Call&) -> absl::Status {
                       if (request->programme_year() < 2024 || request->programme_year() > 2100) {
                         return InvalidField("programme_year", "must be 2024 to 2100");
                       }
                       ASSIGN_OR_RETURN(*response, store_.CountBookings(request->programme_year()));
                       return absl::OkStatus();
                     });
}

grpc::Status SchedulingInternalServiceImpl::ListBookingEvents(
    grpc::ServerContext* context, const internal::v1::ListBookingEventsRequest* request,
    internal::v1::ListBookingEventsResponse* response) {
  return gate_.Serve(
      context, *request, Method<internal::v1::SchedulingInternalService>("ListBookingEvents"),
      [&](CallGate::Call&) -> absl::Status {
        FieldViolations bad;
        if (!request->after().empty() && !ParseOutboxOffset(request->after())) {
          bad.Add("after", "must be an offset this service issued");
        }
        if (request->page_size() < 0 || request->page_size() > kMaxPageSize) {
          bad.Add("page_size", absl::StrCat("must be 0 to ", kMaxPageSize));
        }
        RETURN_IF_ERROR(bad.ToStatus());
        ASSIGN_OR_RETURN(std::vector<internal::v1::BookingEvent> events,
                         store_.ListEvents(request->after(),
                                           request->page_size() == 0 ? 500 : request->page_size()));
        for (auto& e : events) *response->add_events() = std::move(e);
        if (request->count_pending()) {
          ASSIGN_OR_RETURN(int64_t pending, store_.CountEvents(request->after()));
          response->set_pending(pending);
        }
        return absl::OkStatus();
      });
}

}  // namespace screening::scheduling
