// Who may be screened (DOMAIN.md §1): a pure function of the resident, the
// screening and the appointment date, answering with every reason.
//
//   EligibilityRules rules;  // ages 45-60
//   Eligibility e = CheckEligibility(rules, {birth, Sex::kMale,
//       v1::SCREENING_TYPE_GASTRIC, absl::CivilDay(2025, 6, 3)});
//   e.eligible, e.reasons[0].code == "AGE_ABOVE_MAX"
#pragma once

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "screening/v1/common.pb.h"
#include "services/registry/id_number.h"

namespace screening::registry {

// The programme's age range in completed years on the appointment date.
struct EligibilityRules {
  int min_age = 45;
  int max_age = 60;
};

struct EligibilityInput {
  absl::CivilDay birth_date;
  Sex sex;
  v1::ScreeningType screening_type;
  absl::CivilDay date;
};

struct IneligibilityReason {
  std::string code;     // stable: AGE_BELOW_MIN, AGE_ABOVE_MAX, NIPT_NOT_FEMALE, ...
  std::string message;  // a readable sentence
};

struct Eligibility {
  bool eligible = false;
  int age_on_date = 0;
  std::vector<IneligibilityReason> reasons;
};

Eligibility CheckEligibility(const EligibilityRules& rules, const EligibilityInput& input);

}  // namespace screening::registry
