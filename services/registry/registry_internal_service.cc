#include "services/registry/registry_internal_service.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "services/registry/eligibility_answer.h"

namespace screening::registry {

absl::Status ValidateBatchCheckEligibility(
    const internal::v1::BatchCheckEligibilityRequest& request) {
  constexpr int kMaxChecks = 1000;
  if (request.requests_size() < 1 || request.requests_size() > kMaxChecks) {
    return InvalidField("requests", absl::StrCat("must hold 1 to ", kMaxChecks, " checks"));
  }
  FieldViolations bad;
  for (int i = 0; i < request.requests_size(); ++i) {
    AddCheckEligibilityViolations(request.requests(i), absl::StrCat("requests[", i, "]."), bad);
  }
  return bad.ToStatus();
}

grpc::Status RegistryInternalServiceImpl::BatchCheckEligibility(
    grpc::ServerContext* context, const internal::v1::BatchCheckEligibilityRequest* request,
    internal::v1::BatchCheckEligibilityResponse* response) {
  return gate_.Serve(
      context, *request, Method<internal::v1::RegistryInternalService>("BatchCheckEligibility"),
      [&](CallGate::Call& call) -> absl::Status {
        RETURN_IF_ERROR(ValidateBatchCheckEligibility(*request));
        call.set_resource(absl::StrCat(request->requests_size(), " eligibility checks"));
        std::vector<int64_t> ids;
        for (const auto& check : request->requests()) {
          ids.push_back(*ParseNumericName("residents", check.resident()));
        }
        ASSIGN_OR_RETURN(auto residents, store_.GetEligibilityFacts(ids));
        for (const auto& check : request->requests()) {
          auto found = residents.find(*ParseNumericName("residents", check.resident()));
          if (found == residents.end()) {
            return absl::NotFoundError(absl::StrCat(check.resident(), " does not exist"));
          }
          RETURN_IF_ERROR(AnswerEligibility(store_, programmes_, check, found->second,
                                            response->add_responses()));
        }
        return absl::OkStatus();
      });
}

}  // namespace screening::registry
