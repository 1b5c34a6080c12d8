// Who may be screened (docs/domain.md §1): a pure function of the programme's
// rules, the resident, the screening and the appointment date, answering with
// every reason.
//
//   Programmes programmes = Programmes::Single({});  // 2025: ages 45-60
//   Eligibility e = CheckEligibility(programmes, {birth, Sex::kMale,
//       v1::SCREENING_TYPE_GASTRIC, absl::CivilDay(2025, 6, 3)});
//   e.eligible, e.reasons[0].code == "AGE_ABOVE_MAX"
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "common/programme.h"
#include "screening/v1/common.pb.h"
#include "services/registry/id_number.h"

namespace screening::registry {

struct IneligibilityReason {
  std::string code;     // stable: NO_PROGRAMME, AGE_BELOW_MIN, AGE_ABOVE_MAX,
                        // DIGESTIVE_CANCER_HISTORY, NIPT_NOT_FEMALE, ...
  std::string message;  // a readable sentence
};

struct EligibilityInput {
  absl::CivilDay birth_date;
  Sex sex;
  v1::ScreeningType screening_type;
  absl::CivilDay date;  // of the appointment
  bool digestive_cancer_history = false;
  // For NIPT: the reasons a draw on `date` is refused for the pregnancy
  // whose window it falls in (or the nearest one); empty if eligible.
  // Unset when the resident has no registered pregnancy.
  std::optional<std::vector<IneligibilityReason>> nipt_draw_reasons;
};

struct Eligibility {
  bool eligible = false;
  int age_on_date = 0;  // on the programme's age reference day
  std::vector<IneligibilityReason> reasons;
};

Eligibility CheckEligibility(const Programmes& programmes, const EligibilityInput& input);

}  // namespace screening::registry
