#include "services/registry/eligibility.h"

#include "absl/strings/str_cat.h"
#include "common/dates.h"

namespace screening::registry {

Eligibility CheckEligibility(const Programmes& programmes, const EligibilityInput& input) {
  Eligibility result;
  const int year = static_cast<int>(input.date.year());
  const ProgrammeRules* rules = programmes.Find(year);
  const absl::CivilDay reference = rules ? rules->AgeReferenceDay(input.date) : input.date;
  result.age_on_date = AgeOn(input.birth_date, reference);
  if (rules == nullptr) {
    result.reasons.push_back(
        {"NO_PROGRAMME", absl::StrCat("no screening programme is configured for ", year)});
    return result;
  }
  const std::string range = absl::StrCat(rules->min_age, "-", rules->max_age);
  const std::string age_fact = absl::StrCat(result.age_on_date, " on ", FormatDate(reference));
  switch (input.screening_type) {
    case v1::SCREENING_TYPE_COLORECTAL:
    case v1::SCREENING_TYPE_GASTRIC:
    case v1::SCREENING_TYPE_FOUR_HIGHS:
      if (result.age_on_date < rules->min_age) {
        result.reasons.push_back(
            {"AGE_BELOW_MIN", absl::StrCat(age_fact, "; the programme covers ", range)});
      } else if (result.age_on_date > rules->max_age) {
        result.reasons.push_back(
            {"AGE_ABOVE_MAX", absl::StrCat(age_fact, "; the programme covers ", range)});
      }
      // Known digestive-tract cancer: followed up elsewhere, not screened.
      if (input.digestive_cancer_history && input.screening_type != v1::SCREENING_TYPE_FOUR_HIGHS) {
        result.reasons.push_back(
            {"DIGESTIVE_CANCER_HISTORY",
             "a history of digestive-tract malignancy excludes colorectal and gastric screening"});
      }
      break;
    case v1::SCREENING_TYPE_NIPT:
      // No age range: any pregnant resident, one NIPT per pregnancy.
      if (input.sex != Sex::kFemale) {
        result.reasons.push_back({"NIPT_NOT_FEMALE", "NIPT is for pregnant women"});
      } else if (!input.nipt_draw_reasons) {
        result.reasons.push_back({"NIPT_NO_PREGNANCY", "NIPT needs a registered pregnancy"});
      } else {
        result.reasons.insert(result.reasons.end(), input.nipt_draw_reasons->begin(),
                              input.nipt_draw_reasons->end());
      }
      break;
    default:
      result.reasons.push_back({"SCREENING_TYPE_UNKNOWN", "the screening type is not known"});
      break;
  }
  result.eligible = result.reasons.empty();
  return result;
}

}  // namespace screening::registry
