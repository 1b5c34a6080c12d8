#include "services/registry/eligibility.h"

#include <gtest/gtest.h>

namespace screening::registry {
namespace {

Eligibility Check(absl::CivilDay birth, absl::CivilDay on,
                  v1::ScreeningType type = v1::SCREENING_TYPE_FOUR_HIGHS, Sex sex = Sex::kMale) {
  return CheckEligibility(EligibilityRules{}, {birth, sex, type, on});
}

TEST(CheckEligibility, AgeBoundariesOnTheAppointmentDate) {
  const absl::CivilDay birth(1980, 6, 3);
  const absl::CivilDay turns45(2025, 6, 3);
  EXPECT_FALSE(Check(birth, turns45 - 1).eligible);  // 44
  EXPECT_EQ(Check(birth, turns45 - 1).reasons.at(0).code, "AGE_BELOW_MIN");
  EXPECT_TRUE(Check(birth, turns45).eligible);  // 45

  const absl::CivilDay born(1965, 6, 3);
  EXPECT_TRUE(Check(born, absl::CivilDay(2026, 6, 2)).eligible);  // 60
  Eligibility at61 = Check(born, absl::CivilDay(2026, 6, 3));     // 61
  EXPECT_FALSE(at61.eligible);
  EXPECT_EQ(at61.age_on_date, 61);
  ASSERT_EQ(at61.reasons.size(), 1u);
  EXPECT_EQ(at61.reasons[0].code, "AGE_ABOVE_MAX");
  EXPECT_EQ(at61.reasons[0].message, "61 on 2026-06-03; the programme covers 45-60");
}

TEST(CheckEligibility, SameAgeRuleForTheThreeAdultScreenings) {
  for (auto type :
       {v1::SCREENING_TYPE_COLORECTAL, v1::SCREENING_TYPE_GASTRIC, v1::SCREENING_TYPE_FOUR_HIGHS}) {
    EXPECT_TRUE(Check(absl::CivilDay(1970, 1, 1), absl::CivilDay(2025, 6, 1), type).eligible);
    EXPECT_FALSE(Check(absl::CivilDay(1990, 1, 1), absl::CivilDay(2025, 6, 1), type).eligible);
  }
}

TEST(CheckEligibility, NiptNeedsAFemaleResidentAndAPregnancy) {
  Eligibility male = Check(absl::CivilDay(1995, 1, 1), absl::CivilDay(2025, 6, 1),
                           v1::SCREENING_TYPE_NIPT, Sex::kMale);
  EXPECT_FALSE(male.eligible);
  EXPECT_EQ(male.reasons.at(0).code, "NIPT_NOT_FEMALE");
  Eligibility female = Check(absl::CivilDay(1995, 1, 1), absl::CivilDay(2025, 6, 1),
                             v1::SCREENING_TYPE_NIPT, Sex::kFemale);
  EXPECT_FALSE(female.eligible);
  EXPECT_EQ(female.reasons.at(0).code, "NIPT_PREGNANCY_REQUIRED");
}

TEST(CheckEligibility, ConfigurableAgeRange) {
  EligibilityRules rules{.min_age = 40, .max_age = 70};
  EXPECT_TRUE(CheckEligibility(rules, {absl::CivilDay(1984, 1, 1), Sex::kFemale,
                                       v1::SCREENING_TYPE_GASTRIC, absl::CivilDay(2025, 1, 1)})
                  .eligible);
}

}  // namespace
}  // namespace screening::registry
