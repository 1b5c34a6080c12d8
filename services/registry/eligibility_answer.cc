#include "services/registry/eligibility_answer.h"

#include <optional>
#include <vector>

#include "common/dates.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "services/registry/nipt.h"

namespace screening::registry {

namespace {

// For NIPT on `date`: the named pregnancy, or the resident's pregnancy whose
// window holds the date (else the one nearest to it), with its refusal
// reasons; nullopt when she has none.
struct PregnancyDraw {
  int64_t pregnancy_id;
  std::vector<IneligibilityReason> reasons;
};
absl::StatusOr<std::optional<PregnancyDraw>> NiptDrawReasons(RegistryStore& store,
                                                             int64_t resident_id,
                                                             absl::string_view pregnancy_name,
                                                             absl::CivilDay date) {
  std::vector<PregnancyRecord> candidates;
  if (!pregnancy_name.empty()) {
    auto id = ParseNumericName("pregnancies", pregnancy_name);
    if (!id) return InvalidField("pregnancy", "must be pregnancies/{id}");
    ASSIGN_OR_RETURN(PregnancyRecord record, store.GetPregnancy(*id));
    if (record.resident_id != resident_id) {
      return InvalidField("pregnancy", "is not a pregnancy of this resident");
    }
    candidates.push_back(record);
  } else {
    ASSIGN_OR_RETURN(candidates, store.ListPregnancies(resident_id));
  }
  if (candidates.empty()) return std::optional<PregnancyDraw>();
  const PregnancyRecord* best = nullptr;
  int64_t best_distance = 0;
  for (const auto& p : candidates) {
    const PregnancyDates dates = DatePregnancy(p.day_zero);
    const int64_t distance = date < dates.window_start ? dates.window_start - date
                             : date > dates.window_end ? date - dates.window_end
                                                       : 0;
    if (best == nullptr || distance < best_distance) {
      best = &p;
      best_distance = distance;
    }
  }
  return std::optional<PregnancyDraw>(
      PregnancyDraw{best->id, CheckNiptDraw(DatePregnancy(best->day_zero), best->contraindications,
                                            best->consent_date, date)
                                  .reasons});
}

}  // namespace

void AddCheckEligibilityViolations(const v1::CheckEligibilityRequest& request,
                                   const std::string& prefix, FieldViolations& bad) {
  if (!ParseNumericName("residents", request.resident())) {
    bad.Add(prefix + "resident", "must be residents/{id}");
  }
  if (!v1::ScreeningType_IsValid(request.screening_type()) ||
      request.screening_type() == v1::SCREENING_TYPE_UNSPECIFIED) {
    bad.Add(prefix + "screening_type", "must be one of the programme's screenings");
  }
  if (!ParseDate(request.date())) bad.Add(prefix + "date", "must be a real date, YYYY-MM-DD");
}

absl::Status AnswerEligibility(RegistryStore& store, const Programmes& programmes,
                               const v1::CheckEligibilityRequest& request,
                               const v1::Resident& resident,
                               v1::CheckEligibilityResponse* response) {
  const int64_t id = *ParseNumericName("residents", resident.name());
  const absl::CivilDay date = *ParseDate(request.date());
  EligibilityInput input{.birth_date = *ParseDate(resident.birth_date()),
                         .sex = resident.sex() == v1::SEX_MALE ? Sex::kMale : Sex::kFemale,
                         .screening_type = request.screening_type(),
                         .date = date,
                         .digestive_cancer_history = resident.digestive_cancer_history()};
  if (request.screening_type() == v1::SCREENING_TYPE_NIPT && input.sex == Sex::kFemale) {
    ASSIGN_OR_RETURN(std::optional<PregnancyDraw> draw,
                     NiptDrawReasons(store, id, request.pregnancy(), date));
    if (draw) {
      input.nipt_draw_reasons = std::move(draw->reasons);
      response->set_pregnancy(MakeName("pregnancies", draw->pregnancy_id));
    }
  }
  Eligibility result = registry::CheckEligibility(programmes, input);
  response->set_eligible(result.eligible);
  response->set_age_on_date(result.age_on_date);
  response->set_district_code(resident.district_code());
  for (const auto& reason : result.reasons) {
    auto* out = response->add_reasons();
    out->set_code(reason.code);
    out->set_message(reason.message);
  }
  return absl::OkStatus();
}

}  // namespace screening::registry
