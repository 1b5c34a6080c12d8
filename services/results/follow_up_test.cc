#include "services/results/follow_up.h"

#include <gtest/gtest.h>

namespace screening::results {
namespace {

v1::Hospital H(const std::string& code, const std::string& district,
               std::vector<v1::FollowUpProcedure> procedures) {
  v1::Hospital h;
  h.set_code(code);
  h.set_district_code(district);
  for (auto p : procedures) h.add_follow_up_procedures(p);
  return h;
}

TEST(ReferralFor, EachScreeningsPositiveOpensItsReferral) {
  v1::Result r;
  r.set_screening_type(v1::SCREENING_TYPE_COLORECTAL);
  EXPECT_FALSE(ReferralFor(r).has_value());
  r.mutable_colorectal_classification()->set_refer_colonoscopy(true);
  EXPECT_EQ(ReferralFor(r), v1::REFERRAL_KIND_COLONOSCOPY);
  r.set_screening_type(v1::SCREENING_TYPE_GASTRIC);
  r.mutable_gastric_classification()->set_refer_gastroscopy(true);
  EXPECT_EQ(ReferralFor(r), v1::REFERRAL_KIND_GASTROSCOPY);
  r.set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
  r.mutable_four_highs_classification()->set_any_positive(true);
  EXPECT_EQ(ReferralFor(r), v1::REFERRAL_KIND_FAMILY_DOCTOR);
  r.set_screening_type(v1::SCREENING_TYPE_NIPT);
  EXPECT_FALSE(ReferralFor(r).has_value());
  r.mutable_nipt_classification()->set_refer_prenatal_diagnosis(true);
  EXPECT_EQ(ReferralFor(r), v1::REFERRAL_KIND_PRENATAL_DIAGNOSIS);
}

TEST(DueDate, DaysPerKindFromTheRules) {
  FollowUpRules rules;
  const absl::CivilDay opened(2025, 3, 3);
  EXPECT_EQ(DueDate(rules, v1::REFERRAL_KIND_COLONOSCOPY, opened), absl::CivilDay(2026, 3, 3));
  EXPECT_EQ(DueDate(rules, v1::REFERRAL_KIND_GASTROSCOPY, opened), absl::CivilDay(2025, 6, 1));
  EXPECT_EQ(DueDate(rules, v1::REFERRAL_KIND_FAMILY_DOCTOR, opened), absl::CivilDay(2025, 4, 2));
  rules.prenatal_diagnosis_days = 7;
  EXPECT_EQ(DueDate(rules, v1::REFERRAL_KIND_PRENATAL_DIAGNOSIS, opened),
            absl::CivilDay(2025, 3, 10));
}

TEST(LateNiptReport, FifteenWorkingDaysAfterTheDraw) {
  const FollowUpRules rules;
  const absl::CivilDay drawn(2025, 3, 3);  // a Monday
  // Three weeks later is 15 working days: on time; the next working day is late.
  EXPECT_EQ(WorkingDaysBetween(drawn, absl::CivilDay(2025, 3, 24)), 15);
  EXPECT_FALSE(LateNiptReport(rules, drawn, absl::CivilDay(2025, 3, 24)));
  EXPECT_TRUE(LateNiptReport(rules, drawn, absl::CivilDay(2025, 3, 25)));
  EXPECT_EQ(WorkingDaysBetween(absl::CivilDay(2025, 3, 7), absl::CivilDay(2025, 3, 9)), 0)
      << "a weekend";
}

TEST(FollowUpHospital, ReferringThenSameDistrictThenAny) {
  const std::vector<v1::Hospital> hospitals = {
      H("B-ENDO", "230103", {v1::FOLLOW_UP_PROCEDURE_COLONOSCOPY}),
      H("A-ENDO", "230102",
        {v1::FOLLOW_UP_PROCEDURE_COLONOSCOPY, v1::FOLLOW_UP_PROCEDURE_GASTROSCOPY}),
      H("C-SCREEN", "230103", {}),
  };
  EXPECT_EQ(FollowUpHospital(v1::FOLLOW_UP_PROCEDURE_COLONOSCOPY, "B-ENDO", "230102", hospitals),
            "B-ENDO");
  EXPECT_EQ(FollowUpHospital(v1::FOLLOW_UP_PROCEDURE_COLONOSCOPY, "C-SCREEN", "230103", hospitals),
            "B-ENDO");
  EXPECT_EQ(FollowUpHospital(v1::FOLLOW_UP_PROCEDURE_GASTROSCOPY, "C-SCREEN", "230103", hospitals),
            "A-ENDO");
  EXPECT_EQ(
      FollowUpHospital(v1::FOLLOW_UP_PROCEDURE_PRENATAL_DIAGNOSIS, "C-SCREEN", "230103", hospitals),
      "");
  EXPECT_EQ(FollowUpHospital(v1::FOLLOW_UP_PROCEDURE_UNSPECIFIED, "A-ENDO", "230102", hospitals),
            "");
}

TEST(ParseReferralDays, SetsTheKindsGivenAndRefusesTheRest) {
  FollowUpRules rules;
  ASSERT_TRUE(ParseReferralDays("gastroscopy=60,prenatal_diagnosis=10", &rules).ok());
  EXPECT_EQ(rules.gastroscopy_days, 60);
  EXPECT_EQ(rules.prenatal_diagnosis_days, 10);
  EXPECT_EQ(rules.colonoscopy_days, 365) << "unchanged";
  EXPECT_FALSE(ParseReferralDays("endoscopy=30", &rules).ok());
  EXPECT_FALSE(ParseReferralDays("colonoscopy=0", &rules).ok());
  EXPECT_FALSE(ParseReferralDays("colonoscopy", &rules).ok());
  EXPECT_TRUE(ParseReferralDays("", &rules).ok());
}

}  // namespace
}  // namespace screening::results
