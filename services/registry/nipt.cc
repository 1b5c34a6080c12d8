#include "services/registry/nipt.h"

#include "absl/strings/str_cat.h"
#include "common/dates.h"

namespace screening::registry {
namespace {

// "12+0": weeks and days, as obstetricians write gestational age.
std::string WeeksAndDays(int day) { return absl::StrCat(day / 7, "+", day % 7); }

}  // namespace

PregnancyDates DatePregnancy(absl::CivilDay day_zero) {
  return {.day_zero = day_zero,
          .due_date = day_zero + kDueDateDay,
          .window_start = day_zero + kNiptFirstDay,
          .window_end = day_zero + kNiptLastDay};
}

absl::CivilDay DayZeroFromDueDate(absl::CivilDay due_date) { return due_date - kDueDateDay; }

int GestationalDay(const PregnancyDates& dates, absl::CivilDay on) {
  return static_cast<int>(on - dates.day_zero);
}

std::set<v1::NiptCaution> NiptCautions(const std::set<v1::NiptCaution>& stated, int fetuses,
                                       absl::CivilDay birth_date, absl::CivilDay due_date) {
  std::set<v1::NiptCaution> cautions = stated;
  if (fetuses >= 2) cautions.insert(v1::NIPT_CAUTION_MULTIPLE_PREGNANCY);
  if (AgeOn(birth_date, due_date) >= kCautionMaternalAge) {
    cautions.insert(v1::NIPT_CAUTION_MATERNAL_AGE_35_OR_MORE);
  }
  return cautions;
}

std::vector<IneligibilityReason> NiptContraindicationReasons(
    const std::set<v1::NiptContraindication>& contraindications) {
  std::vector<IneligibilityReason> reasons;
  for (v1::NiptContraindication c : contraindications) {
    std::string name = v1::NiptContraindication_Name(c);
    name.erase(0, std::string("NIPT_CONTRAINDICATION_").size());
    reasons.push_back(
        {absl::StrCat("NIPT_NOT_APPLICABLE_", name),
         "NIPT is not applicable: the pregnancy has a contraindication (" + name + ")"});
  }
  return reasons;
}

NiptDraw CheckNiptDraw(const PregnancyDates& dates,
                       const std::set<v1::NiptContraindication>& contraindications,
                       std::optional<absl::CivilDay> consent_date, absl::CivilDay on) {
  NiptDraw draw;
  draw.gestational_day = GestationalDay(dates, on);
  draw.reasons = NiptContraindicationReasons(contraindications);
  const std::string when =
      absl::StrCat("gestational day ", draw.gestational_day, " (",
                   WeeksAndDays(draw.gestational_day), ") on ", FormatDate(on));
  if (draw.gestational_day < kNiptFirstDay) {
    draw.reasons.push_back(
        {"NIPT_TOO_EARLY", absl::StrCat(when, "; NIPT from day ", kNiptFirstDay, " (12+0), ",
                                        FormatDate(dates.window_start))});
  } else if (draw.gestational_day > kNiptLastDay) {
    draw.reasons.push_back(
        {"NIPT_TOO_LATE", absl::StrCat(when, "; NIPT until day ", kNiptLastDay, " (22+6), ",
                                       FormatDate(dates.window_end))});
  }
  if (!consent_date || *consent_date > on) {
    draw.reasons.push_back(
        {"NIPT_CONSENT_MISSING", "written consent must be recorded before the blood draw"});
  }
  draw.eligible = draw.reasons.empty();
  return draw;
}

}  // namespace screening::registry
