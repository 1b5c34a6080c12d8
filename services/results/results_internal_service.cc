#include "services/results/results_internal_service.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace screening::results {
namespace {

constexpr int kDefaultEventPage = 500;
constexpr int kMaxEventPage = 1000;

}  // namespace

grpc::Status ResultsInternalServiceImpl::CountResults(
    grpc::ServerContext* context, const internal::v1::CountResultsRequest* request,
    internal::v1::ResultCounts* response) {
  return gate_.Serve(context, *request,
                     Method<internal::v1::ResultsInternalService>("CountResults"),
                     [&](CallGate::Call&) -> absl::Status {
                       if (request->programme_year() < 2024 || request->programme_year() > 2100) {
                         return InvalidField("programme_year", "must be 2024 to 2100");
                       }
                       ASSIGN_OR_RETURN(*response, store_.CountResults(request->programme_year()));
                       return absl::OkStatus();
                     });
}

grpc::Status ResultsInternalServiceImpl::ListOutboxEvents(
    grpc::ServerContext* context, const internal::v1::ListOutboxEventsRequest* request,
    internal::v1::ListOutboxEventsResponse* response) {
  return gate_.Serve(
      context, *request, Method<internal::v1::ResultsInternalService>("ListOutboxEvents"),
      [&](CallGate::Call&) -> absl::Status {
        FieldViolations bad;
        if (!request->after().empty() && !ParseOffset(request->after())) {
          bad.Add("after", "must be an offset this service issued");
        }
        if (request->page_size() < 0 || request->page_size() > kMaxEventPage) {
          bad.Add("page_size", absl::StrCat("must be 0 to ", kMaxEventPage));
        }
        RETURN_IF_ERROR(bad.ToStatus());
        ASSIGN_OR_RETURN(
            auto events,
            store_.ListEvents(request->after(), request->page_size() == 0 ? kDefaultEventPage
                                                                          : request->page_size()));
        for (auto& e : events) *response->add_events() = std::move(e);
        if (request->count_pending()) {
          ASSIGN_OR_RETURN(int64_t pending, store_.CountEvents(request->after()));
          response->set_pending(pending);
        }
        return absl::OkStatus();
      });
}

}  // namespace screening::results
