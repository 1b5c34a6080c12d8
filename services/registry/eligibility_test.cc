#include "services/registry/eligibility.h"

#include <gtest/gtest.h>

namespace screening::registry {
namespace {

// Two programmes: docs/domain.md's 2025, and a 2026 with other ages counted on 31 December.
Programmes TestProgrammes() {
  Programmes programmes = Programmes::Single({});
  programmes.Put(
      {.year = 2026, .min_age = 40, .max_age = 65, .age_reference = AgeReference::kYearEnd});
  return programmes;
}

Eligibility Check(absl::CivilDay birth, absl::CivilDay on,
                  v1::ScreeningType type = v1::SCREENING_TYPE_FOUR_HIGHS, Sex sex = Sex::kMale,
                  bool cancer_history = false) {
  return CheckEligibility(TestProgrammes(), {birth, sex, type, on, cancer_history});
}

TEST(CheckEligibility, AgeBoundariesOnTheAppointmentDate) {
  const absl::CivilDay birth(1980, 6, 3);
  const absl::CivilDay turns45(2025, 6, 3);
  EXPECT_FALSE(Check(birth, turns45 - 1).eligible);  // 44
  EXPECT_EQ(Check(birth, turns45 - 1).reasons.at(0).code, "AGE_BELOW_MIN");
  EXPECT_TRUE(Check(birth, turns45).eligible);  // 45

  const absl::CivilDay born(1964, 6, 3);
  EXPECT_TRUE(Check(born, absl::CivilDay(2025, 6, 2)).eligible);  // 60
  Eligibility at61 = Check(born, absl::CivilDay(2025, 6, 3));     // 61
  EXPECT_FALSE(at61.eligible);
  EXPECT_EQ(at61.age_on_date, 61);
  ASSERT_EQ(at61.reasons.size(), 1u);
  EXPECT_EQ(at61.reasons[0].code, "AGE_ABOVE_MAX");
  EXPECT_EQ(at61.reasons[0].message, "61 on 2025-06-03; the programme covers 45-60");
}

TEST(CheckEligibility, SameAgeRuleForTheThreeAdultScreenings) {
  for (auto type :
       {v1::SCREENING_TYPE_COLORECTAL, v1::SCREENING_TYPE_GASTRIC, v1::SCREENING_TYPE_FOUR_HIGHS}) {
    EXPECT_TRUE(Check(absl::CivilDay(1970, 1, 1), absl::CivilDay(2025, 6, 1), type).eligible);
    EXPECT_FALSE(Check(absl::CivilDay(1990, 1, 1), absl::CivilDay(2025, 6, 1), type).eligible);
  }
}

TEST(CheckEligibility, NiptNeedsAFemaleResidentAndAPregnancyButNoAgeRange) {
  Eligibility male = Check(absl::CivilDay(1995, 1, 1), absl::CivilDay(2025, 6, 1),
                           v1::SCREENING_TYPE_NIPT, Sex::kMale);
  EXPECT_FALSE(male.eligible);
  EXPECT_EQ(male.reasons.at(0).code, "NIPT_NOT_FEMALE");
  Eligibility female = Check(absl::CivilDay(1995, 1, 1), absl::CivilDay(2025, 6, 1),
                             v1::SCREENING_TYPE_NIPT, Sex::kFemale);
  EXPECT_FALSE(female.eligible);
  EXPECT_EQ(female.reasons.at(0).code, "NIPT_NO_PREGNANCY");
  EligibilityInput pregnant{absl::CivilDay(1995, 1, 1), Sex::kFemale, v1::SCREENING_TYPE_NIPT,
                            absl::CivilDay(2025, 6, 1)};
  pregnant.nipt_draw_reasons.emplace();  // a draw that day is fine
  EXPECT_TRUE(CheckEligibility(TestProgrammes(), pregnant).eligible) << "30 is not 45-60, and fine";
  pregnant.nipt_draw_reasons->push_back({"NIPT_TOO_LATE", "day 170"});
  Eligibility late = CheckEligibility(TestProgrammes(), pregnant);
  EXPECT_FALSE(late.eligible);
  EXPECT_EQ(late.reasons.at(0).code, "NIPT_TOO_LATE");
}

TEST(CheckEligibility, EachYearHasItsOwnRulesAndReferenceDay) {
  // 2026 counts ages on 31 December and covers 40-65: born 1986-12-31 is 40 then.
  Eligibility turns40 = Check(absl::CivilDay(1986, 12, 31), absl::CivilDay(2026, 3, 1));
  EXPECT_TRUE(turns40.eligible);
  EXPECT_EQ(turns40.age_on_date, 40);
  Eligibility young = Check(absl::CivilDay(1987, 1, 1), absl::CivilDay(2026, 3, 1));
  EXPECT_FALSE(young.eligible);
  EXPECT_EQ(young.reasons.at(0).message, "39 on 2026-12-31; the programme covers 40-65");
  // No programme in 2027.
  Eligibility none = Check(absl::CivilDay(1970, 1, 1), absl::CivilDay(2027, 3, 1));
  EXPECT_FALSE(none.eligible);
  EXPECT_EQ(none.reasons.at(0).code, "NO_PROGRAMME");
}

TEST(CheckEligibility, DigestiveCancerHistoryExcludesOnlyTheDigestiveScreenings) {
  const absl::CivilDay birth(1970, 1, 1), on(2025, 6, 1);
  for (auto type : {v1::SCREENING_TYPE_COLORECTAL, v1::SCREENING_TYPE_GASTRIC}) {
    Eligibility e = Check(birth, on, type, Sex::kMale, /*cancer_history=*/true);
    EXPECT_FALSE(e.eligible);
    EXPECT_EQ(e.reasons.at(0).code, "DIGESTIVE_CANCER_HISTORY");
  }
  EXPECT_TRUE(Check(birth, on, v1::SCREENING_TYPE_FOUR_HIGHS, Sex::kMale, true).eligible);
  // Every reason is given, not just the first.
  Eligibility both =
      Check(absl::CivilDay(1990, 1, 1), on, v1::SCREENING_TYPE_GASTRIC, Sex::kMale, true);
  ASSERT_EQ(both.reasons.size(), 2u);
  EXPECT_EQ(both.reasons[0].code, "AGE_BELOW_MIN");
  EXPECT_EQ(both.reasons[1].code, "DIGESTIVE_CANCER_HISTORY");
}

}  // namespace
}  // namespace screening::registry
