// One eligibility answer, as CheckEligibility and the internal
// BatchCheckEligibility give it: the programme's rules (eligibility.h) on the
// resident's stored facts, and for NIPT the pregnancy's draw window.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "common/errors.h"
#include "common/programme.h"
#include "screening/v1/registry.pb.h"
#include "services/registry/registry_store.h"

namespace screening::registry {

// Adds a violation for each bad field of one check, named `prefix` + field.
void AddCheckEligibilityViolations(const v1::CheckEligibilityRequest& request,
                                   const std::string& prefix, FieldViolations& bad);

// Fills `response` for a validated check about `resident` (from
// RegistryStore::GetEligibilityFacts).
absl::Status AnswerEligibility(RegistryStore& store, const Programmes& programmes,
                               const v1::CheckEligibilityRequest& request,
                               const v1::Resident& resident,
                               v1::CheckEligibilityResponse* response);

}  // namespace screening::registry
