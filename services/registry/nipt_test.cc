#include "services/registry/nipt.h"

#include <gtest/gtest.h>

namespace screening::registry {
namespace {

const absl::CivilDay kLmp(2025, 1, 1);

TEST(DatePregnancy, WindowIsDays84To160) {
  PregnancyDates dates = DatePregnancy(kLmp);
  EXPECT_EQ(dates.window_start, absl::CivilDay(2025, 3, 26));
  EXPECT_EQ(dates.window_end, absl::CivilDay(2025, 6, 10));
  EXPECT_EQ(dates.due_date, absl::CivilDay(2025, 10, 8));
  EXPECT_EQ(GestationalDay(dates, dates.window_start), 84);
  EXPECT_EQ(GestationalDay(dates, dates.window_end), 160);
  EXPECT_EQ(DayZeroFromDueDate(dates.due_date), kLmp);
}

TEST(CheckNiptDraw, Days83And84And160And161) {
  PregnancyDates dates = DatePregnancy(kLmp);
  const absl::CivilDay consent(2025, 3, 1);
  NiptDraw day83 = CheckNiptDraw(dates, {}, consent, kLmp + 83);
  EXPECT_FALSE(day83.eligible);
  ASSERT_EQ(day83.reasons.size(), 1u);
  EXPECT_EQ(day83.reasons[0].code, "NIPT_TOO_EARLY");
  EXPECT_EQ(day83.reasons[0].message,
            "gestational day 83 (11+6) on 2025-03-25; NIPT from day 84 (12+0), 2025-03-26");
  EXPECT_TRUE(CheckNiptDraw(dates, {}, consent, kLmp + 84).eligible);
  EXPECT_TRUE(CheckNiptDraw(dates, {}, consent, kLmp + 160).eligible);
  NiptDraw day161 = CheckNiptDraw(dates, {}, consent, kLmp + 161);
  EXPECT_FALSE(day161.eligible);
  EXPECT_EQ(day161.reasons.at(0).code, "NIPT_TOO_LATE");
}

TEST(CheckNiptDraw, NeedsConsentSignedByTheDrawAndNoContraindication) {
  PregnancyDates dates = DatePregnancy(kLmp);
  const absl::CivilDay draw = kLmp + 100;
  EXPECT_EQ(CheckNiptDraw(dates, {}, std::nullopt, draw).reasons.at(0).code,
            "NIPT_CONSENT_MISSING");
  EXPECT_EQ(CheckNiptDraw(dates, {}, draw + 1, draw).reasons.at(0).code, "NIPT_CONSENT_MISSING");
  EXPECT_TRUE(CheckNiptDraw(dates, {}, draw, draw).eligible);
  NiptDraw contraindicated =
      CheckNiptDraw(dates, {v1::NIPT_CONTRAINDICATION_FETAL_STRUCTURAL_ANOMALY}, draw, draw);
  EXPECT_FALSE(contraindicated.eligible);
  EXPECT_EQ(contraindicated.reasons.at(0).code, "NIPT_NOT_APPLICABLE_FETAL_STRUCTURAL_ANOMALY");
}

TEST(NiptCautions, DerivesTwinsAndMaternalAge) {
  const absl::CivilDay due(2025, 10, 8);
  EXPECT_TRUE(NiptCautions({}, 1, absl::CivilDay(1991, 10, 9), due).empty());  // 33 at due date
  auto at35 = NiptCautions({}, 1, absl::CivilDay(1990, 10, 8), due);           // 35 on the due date
  EXPECT_EQ(at35, std::set<v1::NiptCaution>{v1::NIPT_CAUTION_MATERNAL_AGE_35_OR_MORE});
  auto twins = NiptCautions({v1::NIPT_CAUTION_IVF}, 2, absl::CivilDay(1995, 1, 1), due);
  EXPECT_EQ(twins,
            (std::set<v1::NiptCaution>{v1::NIPT_CAUTION_MULTIPLE_PREGNANCY, v1::NIPT_CAUTION_IVF}));
}

}  // namespace
}  // namespace screening::registry
