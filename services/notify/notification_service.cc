#include "services/notify/notification_service.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/caller.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"

namespace screening::notify {
namespace {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 100;

}  // namespace

grpc::Status NotificationServiceImpl::ListNotifications(grpc::ServerContext* context,
                                                        const v1::ListNotificationsRequest* request,
                                                        v1::ListNotificationsResponse* response) {
  return gate_.Serve(
      context, *request, Method<v1::NotificationService>("ListNotifications"),
      [&](CallGate::Call& call) -> absl::Status {
        FieldViolations bad;
        const auto resident = ParseNumericName("residents", request->resident());
        if (!resident) bad.Add("resident", "must be residents/{id}");
        if (request->page_size() < 0 || request->page_size() > kMaxPageSize) {
          bad.Add("page_size", absl::StrCat("must be 0 to ", kMaxPageSize));
        }
        const int limit = request->page_size() == 0 ? kDefaultPageSize : request->page_size();
        int64_t before_id = 0;
        if (!request->page_token().empty() &&
            (!absl::SimpleAtoi(request->page_token(), &before_id) || before_id <= 0)) {
          bad.Add("page_token", "is not a token this service issued");
        }
        RETURN_IF_ERROR(bad.ToStatus());
        call.set_resource(request->resident());
        ASSIGN_OR_RETURN(auto rows, store_.ListForResident(*resident, before_id, limit));
        // Every message of a resident carries their district: one of
        // another district's is enough to refuse.
        for (const auto& row : rows)
          RETURN_IF_ERROR(RequireDistrict(call.caller(), row.district_code));
        const bool more = static_cast<int>(rows.size()) > limit;
        if (more) rows.pop_back();
        for (auto& row : rows) *response->add_notifications() = std::move(row.notification);
        if (more) {
          response->set_next_page_token(absl::StrCat(
              *ParseNumericName("notifications", response->notifications().rbegin()->name())));
        }
        return absl::OkStatus();
      });
}

}  // namespace screening::notify
