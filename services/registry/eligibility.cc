#include "services/registry/eligibility.h"

#include "absl/strings/str_cat.h"
#include "common/dates.h"

namespace screening::registry {

Eligibility CheckEligibility(const EligibilityRules& rules, const EligibilityInput& input) {
  Eligibility result;
  result.age_on_date = AgeOn(input.birth_date, input.date);
  const std::string on = FormatDate(input.date);
  const std::string range = absl::StrCat(rules.min_age, "-", rules.max_age);
  switch (input.screening_type) {
    case v1::SCREENING_TYPE_COLORECTAL:
    case v1::SCREENING_TYPE_GASTRIC:
    case v1::SCREENING_TYPE_FOUR_HIGHS:
      if (result.age_on_date < rules.min_age) {
        result.reasons.push_back({"AGE_BELOW_MIN", absl::StrCat(result.age_on_date, " on ", on,
                                                                "; the programme covers ", range)});
      } else if (result.age_on_date > rules.max_age) {
        result.reasons.push_back({"AGE_ABOVE_MAX", absl::StrCat(result.age_on_date, " on ", on,
                                                                "; the programme covers ", range)});
      }
      break;
    case v1::SCREENING_TYPE_NIPT:
      if (input.sex != Sex::kFemale) {
        result.reasons.push_back({"NIPT_NOT_FEMALE", "NIPT is for pregnant women"});
      }
      // Pregnancies (and so NIPT windows) are not registered yet.
      result.reasons.push_back(
          {"NIPT_PREGNANCY_REQUIRED", "NIPT needs a registered pregnancy; not supported yet"});
      break;
    default:
      result.reasons.push_back({"SCREENING_TYPE_UNKNOWN", "the screening type is not known"});
      break;
  }
  result.eligible = result.reasons.empty();
  return result;
}

}  // namespace screening::registry
