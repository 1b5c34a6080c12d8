// RegistryInternalService's handlers: what only other services call
// (screening.internal.v1), served on the same port and gate as the public API
// to `service:` callers.
#pragma once

#include "common/call_gate.h"
#include "common/programme.h"
#include "screening/internal/v1/registry.grpc.pb.h"
#include "services/registry/registry_store.h"

namespace screening::registry {

class RegistryInternalServiceImpl final : public internal::v1::RegistryInternalService::Service {
 public:
  RegistryInternalServiceImpl(RegistryStore& store, CallGate& gate, const Programmes& programmes)
      : store_(store), gate_(gate), programmes_(programmes) {}

  grpc::Status BatchCheckEligibility(
      grpc::ServerContext* context, const internal::v1::BatchCheckEligibilityRequest* request,
      internal::v1::BatchCheckEligibilityResponse* response) override;
  grpc::Status BatchGetResidents(grpc::ServerContext* context,
                                 const internal::v1::BatchGetResidentsRequest* request,
                                 internal::v1::BatchGetResidentsResponse* response) override;
  grpc::Status GetContacts(grpc::ServerContext* context,
                           const internal::v1::GetContactsRequest* request,
                           internal::v1::GetContactsResponse* response) override;

 private:
  RegistryStore& store_;
  CallGate& gate_;
  const Programmes& programmes_;
};

// INVALID_ARGUMENT naming each bad field of each check, as `requests[i].field`.
absl::Status ValidateBatchCheckEligibility(
    const internal::v1::BatchCheckEligibilityRequest& request);

}  // namespace screening::registry
