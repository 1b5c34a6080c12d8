// RegistryService's gRPC handlers: pass the gate, validate, delegate to the
// domain rules and the store, show each caller only what it may see.
#pragma once

#include "common/call_gate.h"
#include "common/clock.h"
#include "screening/v1/registry.grpc.pb.h"
#include "services/registry/eligibility.h"
#include "services/registry/nipt.h"
#include "services/registry/registry_store.h"

namespace screening::registry {

class RegistryServiceImpl final : public v1::RegistryService::Service {
 public:
  RegistryServiceImpl(RegistryStore& store, CallGate& gate, const Clock& clock,
                      const Programmes& programmes)
      : store_(store), gate_(gate), clock_(clock), programmes_(programmes) {}

  grpc::Status RegisterResident(grpc::ServerContext* context,
                                const v1::RegisterResidentRequest* request,
                                v1::Resident* response) override;
  grpc::Status GetResident(grpc::ServerContext* context, const v1::GetResidentRequest* request,
                           v1::Resident* response) override;
  grpc::Status LookupResident(grpc::ServerContext* context,
                              const v1::LookupResidentRequest* request,
                              v1::Resident* response) override;
  grpc::Status UpdateResident(grpc::ServerContext* context,
                              const v1::UpdateResidentRequest* request,
                              v1::Resident* response) override;
  grpc::Status ListResidents(grpc::ServerContext* context, const v1::ListResidentsRequest* request,
                             v1::ListResidentsResponse* response) override;
  grpc::Status ListPossibleDuplicates(grpc::ServerContext* context,
                                      const v1::ListPossibleDuplicatesRequest* request,
                                      v1::ListPossibleDuplicatesResponse* response) override;
  grpc::Status ImportResidents(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::ImportResidentsResponse, v1::ImportResidentsRequest>* stream)
      override;
  grpc::Status ImportResidentRows(grpc::ServerContext* context,
                                  const v1::ImportResidentRowsRequest* request,
                                  v1::ImportResidentRowsResponse* response) override;
  grpc::Status RegisterPregnancy(grpc::ServerContext* context,
                                 const v1::RegisterPregnancyRequest* request,
                                 v1::Pregnancy* response) override;
  grpc::Status GetPregnancy(grpc::ServerContext* context, const v1::GetPregnancyRequest* request,
                            v1::Pregnancy* response) override;
  grpc::Status CheckEligibility(grpc::ServerContext* context,
                                const v1::CheckEligibilityRequest* request,
                                v1::CheckEligibilityResponse* response) override;

 private:
  RegistryStore& store_;
  CallGate& gate_;
  const Clock& clock_;
  const Programmes& programmes_;
};

// Validates an UpdateResident request into the changes to make; INVALID_ARGUMENT
// naming each bad field (or update_mask path). Pure.
absl::StatusOr<RegistryStore::Changes> ValidateResidentUpdate(
    const v1::UpdateResidentRequest& request);

// Validates a RegisterPregnancy request into the record to store (day zero
// from the last menstrual period or the ultrasound due date, which must put
// the pregnancy in progress on `today`). INVALID_ARGUMENT naming each bad
// field. Pure.
absl::StatusOr<PregnancyRecord> ValidateNewPregnancy(const v1::RegisterPregnancyRequest& request,
                                                     absl::CivilDay today);

// The answer for a stored pregnancy of a resident born on `birth_date`:
// window dates, derived cautions, whether NIPT is applicable. Pure.
v1::Pregnancy PregnancyView(const PregnancyRecord& record, absl::CivilDay birth_date);

// Validates a RegisterResident request and returns the resident to store:
// canonical ID number, birth date and sex derived. INVALID_ARGUMENT naming
// every bad field otherwise. Pure, for unit tests.
absl::StatusOr<v1::Resident> ValidateNewResident(const v1::RegisterResidentRequest& request,
                                                 absl::CivilDay today);

}  // namespace screening::registry
