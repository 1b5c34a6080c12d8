// NIPT for a pregnancy (docs/domain.md §7): the window of gestational days 84 to
// 160 as dates, the caution flags, and whether a draw on a given day is
// allowed, with every reason. Pure functions.
//
//   PregnancyDates dates = DatePregnancy(absl::CivilDay(2025, 1, 1));  // from the LMP
//   dates.window_start  // 2025-03-26 (day 84), dates.window_end 2025-06-09 (day 160)
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "screening/v1/registry.pb.h"
#include "services/registry/eligibility.h"

namespace screening::registry {

inline constexpr int kNiptFirstDay = 84;  // 12+0 weeks
inline constexpr int kNiptLastDay = 160;  // 22+6 weeks
inline constexpr int kDueDateDay = 280;   // 40+0 weeks
inline constexpr int kCautionMaternalAge = 35;

struct PregnancyDates {
  absl::CivilDay
      day_zero;  // the first day of the last menstrual period (or as dated by ultrasound)
  absl::CivilDay due_date;
  absl::CivilDay window_start, window_end;
};

PregnancyDates DatePregnancy(absl::CivilDay day_zero);

// Day zero from an ultrasound-dated due date.
absl::CivilDay DayZeroFromDueDate(absl::CivilDay due_date);

// Gestational day on `on` (0 on day zero).
int GestationalDay(const PregnancyDates& dates, absl::CivilDay on);

// The cautions to flag: the clinic's, plus multiple pregnancy (fetuses >= 2)
// and maternal age 35 or more at the due date.
std::set<v1::NiptCaution> NiptCautions(const std::set<v1::NiptCaution>& stated, int fetuses,
                                       absl::CivilDay birth_date, absl::CivilDay due_date);

// Why NIPT is not applicable at all (one reason per contraindication).
std::vector<IneligibilityReason> NiptContraindicationReasons(
    const std::set<v1::NiptContraindication>& contraindications);

// Whether a draw on `on` is allowed for this pregnancy: not applicable,
// outside the window, or without written consent signed by then.
struct NiptDraw {
  bool eligible = false;
  int gestational_day = 0;
  std::vector<IneligibilityReason> reasons;
};
NiptDraw CheckNiptDraw(const PregnancyDates& dates,
                       const std::set<v1::NiptContraindication>& contraindications,
                       std::optional<absl::CivilDay> consent_date, absl::CivilDay on);

}  // namespace screening::registry
