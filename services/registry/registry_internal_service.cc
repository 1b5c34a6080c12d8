#include "services/registry/registry_internal_service.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "services/registry/eligibility_answer.h"
#include "services/registry/resident_view.h"

namespace screening::registry {
namespace {

// 1 to 1,000 resident names, as ids; each bad one named.
absl::StatusOr<std::vector<int64_t>> ResidentIds(
    const google::protobuf::RepeatedPtrField<std::string>& names) {
  constexpr int kMaxResidents = 1000;
  if (names.size() < 1 || names.size() > kMaxResidents) {
    return InvalidField("residents", absl::StrCat("must name 1 to ", kMaxResidents, " residents"));
  }
  FieldViolations bad;
  std::vector<int64_t> ids;
  for (int i = 0; i < names.size(); ++i) {
    auto id = ParseNumericName("residents", names[i]);
    if (!id) {
      bad.Add(absl::StrCat("residents[", i, "]"), "must be residents/{id}");
    } else {
      ids.push_back(*id);
    }
  }
  RETURN_IF_ERROR(bad.ToStatus());
  return ids;
}

}  // namespace

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

grpc::Status RegistryInternalServiceImpl::BatchGetResidents(
    grpc::ServerContext* context, const internal::v1::BatchGetResidentsRequest* request,
    internal::v1::BatchGetResidentsResponse* response) {
  return gate_.Serve(
      context, *request, Method<internal::v1::RegistryInternalService>("BatchGetResidents"),
      [&](CallGate::Call& call) -> absl::Status {
        ASSIGN_OR_RETURN(std::vector<int64_t> ids, ResidentIds(request->residents()));
        call.set_resource(absl::StrCat(ids.size(), " residents"));
        ASSIGN_OR_RETURN(auto residents, store_.GetMany(ids));
        for (int64_t id : ids) {
          auto found = residents.find(id);
          if (found == residents.end()) continue;
          RedactResident(call.caller(), found->second);
          *response->add_residents() = std::move(found->second);
        }
        return absl::OkStatus();
      });
}

grpc::Status RegistryInternalServiceImpl::GetContacts(
    grpc::ServerContext* context, const internal::v1::GetContactsRequest* request,
    internal::v1::GetContactsResponse* response) {
  return gate_.Serve(
      context, *request, Method<internal::v1::RegistryInternalService>("GetContacts"),
      [&](CallGate::Call& call) -> absl::Status {
        ASSIGN_OR_RETURN(std::vector<int64_t> ids, ResidentIds(request->residents()));
        call.set_resource(absl::StrCat(ids.size(), " contacts"));
        ASSIGN_OR_RETURN(auto contacts, store_.GetContacts(ids));
        for (int64_t id : ids) {
          auto found = contacts.find(id);
          if (found == contacts.end()) continue;
          internal::v1::Contact* contact = response->add_contacts();
          contact->set_resident(MakeName("residents", id));
          contact->set_phone(found->second.phone);
          contact->set_sms_declined(found->second.sms_declined);
        }
        return absl::OkStatus();
      });
}

}  // namespace screening::registry
