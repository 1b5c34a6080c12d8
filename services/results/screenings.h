// Colorectal, gastric and NIPT results (docs/domain.md §4, §5, §7, bounds §8), and
// the conversion of conventional four-highs units: validation and
// classification, pure. Thresholds are in thresholds.h.
//
//   RETURN_IF_ERROR(ValidateColorectal(m, ColorectalRules{}, "colorectal"));
//   v1::ColorectalClassification c = ClassifyColorectal(ColorectalRules{}, m);
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "screening/v1/results.pb.h"
#include "services/results/thresholds.h"

namespace screening::results {

// Reads the FIT kits of `--fit_kits`: `NAME:CUTOFF[,NAME:CUTOFF...]`, e.g.
// `FIT-100:100,OC-75:75` (cut-offs in ng Hb/mL, above 0). Replaces the kits
// in `rules`; INVALID_ARGUMENT names what is wrong.
absl::Status ParseFitKits(absl::string_view text, ColorectalRules* rules);

absl::Status ValidateColorectal(const v1::ColorectalMeasurement& m, const ColorectalRules& rules,
                                absl::string_view prefix);
v1::ColorectalClassification ClassifyColorectal(const ColorectalRules& rules,
                                                const v1::ColorectalMeasurement& m);

absl::Status ValidateGastric(const v1::GastricMeasurement& m, const GastricRules& rules,
                             absl::string_view prefix);
// PG I / PG II, unrounded (PG II is validated above 0).
double PepsinogenRatio(const v1::GastricMeasurement& m);
// PG I / PG II is below `limit`, compared exactly (not as rounded doubles).
bool PepsinogenRatioBelow(const v1::GastricMeasurement& m, double limit);
// The 2017 score for a resident of `age` (completed years on the visit day)
// and `sex`.
v1::GastricClassification ClassifyGastric(const GastricRules& rules,
                                          const v1::GastricMeasurement& m, int age, v1::Sex sex);

absl::Status ValidateNipt(const v1::NiptMeasurement& m, absl::string_view prefix);
v1::NiptClassification ClassifyNipt(const v1::NiptMeasurement& m);

// The measurement in SI units (the units field cleared), from whatever units
// it was sent in. Validate the result, not the input.
v1::FourHighsMeasurement FourHighsToSi(const UnitFactors& factors,
                                       const v1::FourHighsMeasurement& sent);

}  // namespace screening::results
