// The four highs (docs/domain.md §6, bounds §8): validation of one visit's
// measurements and their screen-positive classification. Every threshold is
// in FourHighsRules, named, so a policy change is one edit.
//
//   v1::FourHighsMeasurement m = ...;
//   RETURN_IF_ERROR(ValidateFourHighs(m, "four_highs"));
//   v1::FourHighsClassification c = ClassifyFourHighs(FourHighsRules{}, m, v1::SEX_MALE);
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "screening/v1/results.pb.h"
#include "services/results/thresholds.h"

namespace screening::results {

// INVALID_ARGUMENT naming each value outside docs/domain.md §8's accepted range,
// each field prefixed with `prefix` (e.g. "four_highs.systolic_mmhg").
absl::Status ValidateFourHighs(const v1::FourHighsMeasurement& m, absl::string_view prefix);

// Classifies validated measurements of a resident of `sex` (the uric acid
// limit may depend on it: FourHighsRules::UricAcidBySex).
v1::FourHighsClassification ClassifyFourHighs(const FourHighsRules& rules,
                                              const v1::FourHighsMeasurement& m, v1::Sex sex);

}  // namespace screening::results
