#include "services/admin/admin_service.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace screening::admin {
namespace {

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;

}  // namespace

grpc::Status AdminServiceImpl::ListAuditEvents(grpc::ServerContext* context,
                                               const v1::ListAuditEventsRequest* request,
                                               v1::ListAuditEventsResponse* response) {
  return gate_.Serve(
      context, *request, Method<v1::AdminService>("ListAuditEvents"),
      [&](CallGate::Call&) -> absl::Status {
        FieldViolations bad;
        AuditQuery query{.resource = request->resource(), .subject = request->subject()};
        if (request->page_size() < 0 || request->page_size() > kMaxPageSize) {
          bad.Add("page_size", absl::StrCat("must be 0 to ", kMaxPageSize));
        }
        query.page_size = request->page_size() == 0 ? kDefaultPageSize : request->page_size();
        if (!request->page_token().empty() &&
            (!absl::SimpleAtoi(request->page_token(), &query.before_id) || query.before_id <= 0)) {
          bad.Add("page_token", "is not a token this service issued");
        }
        if (request->resource().size() > 200) bad.Add("resource", "must be at most 200 characters");
        if (request->subject().size() > 200) bad.Add("subject", "must be at most 200 characters");
        RETURN_IF_ERROR(bad.ToStatus());
        ASSIGN_OR_RETURN(auto events, store_.ListAudit(query));
        for (auto& e : events) *response->add_events() = std::move(e);
        if (response->events_size() == query.page_size) {
          response->set_next_page_token(absl::StrCat(response->events().rbegin()->id()));
        }
        return absl::OkStatus();
      });
}

}  // namespace screening::admin
