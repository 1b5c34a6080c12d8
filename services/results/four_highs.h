// The four highs (DOMAIN.md §6, bounds §8): validation of one visit's
// measurements and their screen-positive classification. Every threshold is
// in FourHighsRules, named, so a policy change is one edit.
//
//   v1::FourHighsMeasurement m = ...;
//   RETURN_IF_ERROR(ValidateFourHighs(m, "four_highs"));
//   v1::FourHighsClassification c = ClassifyFourHighs(FourHighsRules{}, m);
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "screening/v1/results.pb.h"

namespace screening::results {

struct FourHighsRules {
  // Hypertension grades, mmHg: grade n starts at systolic[n-1] or diastolic[n-1].
  int systolic_grade[3] = {140, 160, 180};
  int diastolic_grade[3] = {90, 100, 110};
  // Glucose, mmol/L and %.
  double diabetes_fpg = 7.0;
  double impaired_fpg = 6.1;
  double diabetes_hba1c = 6.5;
  double urgent_fpg = 16.7;  // urgent when above
  // Lipids, mmol/L: positive at or above, HDL below.
  double high_tc = 6.2;
  double high_ldl = 4.1;
  double high_tg = 2.3;
  double low_hdl = 1.0;
  // Uric acid, µmol/L: positive when above (configurable per DOMAIN.md §6).
  double high_uric_acid = 420;
};

// INVALID_ARGUMENT naming each value outside DOMAIN.md §8's accepted range,
// each field prefixed with `prefix` (e.g. "four_highs.systolic_mmhg").
absl::Status ValidateFourHighs(const v1::FourHighsMeasurement& m, absl::string_view prefix);

// Classifies validated measurements.
v1::FourHighsClassification ClassifyFourHighs(const FourHighsRules& rules,
                                              const v1::FourHighsMeasurement& m);

}  // namespace screening::results
