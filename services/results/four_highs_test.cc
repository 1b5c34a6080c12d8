#include "services/results/four_highs.h"

#include <gtest/gtest.h>

#include "common/errors.h"
#include "tests/support/grpc_matchers.h"

namespace screening::results {
namespace {

// A healthy visit: every classification negative.
v1::FourHighsMeasurement Normal() {
  v1::FourHighsMeasurement m;
  m.set_systolic_mmhg(120);
  m.set_diastolic_mmhg(80);
  m.set_fasting_glucose_mmol_l(5.0);
  m.set_total_cholesterol_mmol_l(4.5);
  m.set_ldl_cholesterol_mmol_l(2.5);
  m.set_hdl_cholesterol_mmol_l(1.3);
  m.set_triglycerides_mmol_l(1.2);
  m.set_uric_acid_umol_l(300);
  return m;
}

v1::FourHighsClassification Classify(const v1::FourHighsMeasurement& m, v1::Sex sex = v1::SEX_MALE,
                                     const FourHighsRules& rules = FourHighsRules{}) {
  EXPECT_TRUE(ValidateFourHighs(m, "four_highs").ok()) << ValidateFourHighs(m, "four_highs");
  return ClassifyFourHighs(rules, m, sex);
}

using ::screening::testing::BadFields;

TEST(ClassifyFourHighs, NormalIsNegative) {
  auto c = Classify(Normal());
  EXPECT_FALSE(c.any_positive());
  EXPECT_FALSE(c.urgent());
}

TEST(ClassifyFourHighs, BloodPressureThresholdsAndGrades) {
  auto m = Normal();
  m.set_systolic_mmhg(139);
  m.set_diastolic_mmhg(89);
  EXPECT_FALSE(Classify(m).hypertension());
  m.set_systolic_mmhg(140);
  EXPECT_EQ(Classify(m).hypertension_grade(), v1::HYPERTENSION_GRADE_1);
  m.set_systolic_mmhg(120);
  m.set_diastolic_mmhg(90);
  EXPECT_TRUE(Classify(m).hypertension());
  // The higher grade wins: 150/105 is grade 2.
  m.set_systolic_mmhg(150);
  m.set_diastolic_mmhg(105);
  EXPECT_EQ(Classify(m).hypertension_grade(), v1::HYPERTENSION_GRADE_2);
  m.set_systolic_mmhg(179);
  m.set_diastolic_mmhg(109);
  EXPECT_FALSE(Classify(m).urgent());
  m.set_systolic_mmhg(180);
  EXPECT_EQ(Classify(m).hypertension_grade(), v1::HYPERTENSION_GRADE_3);
  EXPECT_TRUE(Classify(m).urgent());
  m.set_systolic_mmhg(150);
  m.set_diastolic_mmhg(110);
  EXPECT_TRUE(Classify(m).urgent());
}

TEST(ClassifyFourHighs, MedicationMakesHypertensionPositive) {
  auto m = Normal();
  m.set_on_antihypertensives(true);
  auto c = Classify(m);
  EXPECT_TRUE(c.hypertension());
  EXPECT_EQ(c.hypertension_grade(), v1::HYPERTENSION_GRADE_NONE);
}

TEST(ClassifyFourHighs, GlucoseThresholds) {
  auto m = Normal();
  m.set_fasting_glucose_mmol_l(6.0);
  EXPECT_FALSE(Classify(m).impaired_fasting_glucose());
  m.set_fasting_glucose_mmol_l(6.1);
  EXPECT_TRUE(Classify(m).impaired_fasting_glucose());
  EXPECT_FALSE(Classify(m).high_glucose());
  m.set_fasting_glucose_mmol_l(7.0);
  EXPECT_TRUE(Classify(m).high_glucose());
  EXPECT_FALSE(Classify(m).impaired_fasting_glucose());
  m.set_fasting_glucose_mmol_l(16.7);
  EXPECT_FALSE(Classify(m).urgent());
  m.set_fasting_glucose_mmol_l(16.8);
  EXPECT_TRUE(Classify(m).urgent());
  auto a1c = Normal();
  a1c.clear_fasting_glucose_mmol_l();
  a1c.set_hba1c_percent(6.4);
  EXPECT_FALSE(Classify(a1c).high_glucose());
  a1c.set_hba1c_percent(6.5);
  EXPECT_TRUE(Classify(a1c).high_glucose());
}

TEST(ClassifyFourHighs, LipidThresholds) {
  auto m = Normal();
  m.set_ldl_cholesterol_mmol_l(4.0);
  EXPECT_FALSE(Classify(m).high_lipids());
  m.set_ldl_cholesterol_mmol_l(4.1);
  EXPECT_TRUE(Classify(m).high_lipids());
  m = Normal();
  m.set_total_cholesterol_mmol_l(6.2);
  EXPECT_TRUE(Classify(m).high_lipids());
  m = Normal();
  m.set_triglycerides_mmol_l(2.29);
  EXPECT_FALSE(Classify(m).high_lipids());
  m.set_triglycerides_mmol_l(2.3);
  EXPECT_TRUE(Classify(m).high_lipids());
  m = Normal();
  m.set_hdl_cholesterol_mmol_l(1.0);
  EXPECT_FALSE(Classify(m).high_lipids());
  m.set_hdl_cholesterol_mmol_l(0.99);
  EXPECT_TRUE(Classify(m).high_lipids());
}

TEST(ClassifyFourHighs, UricAcidThreshold) {
  auto m = Normal();
  m.set_uric_acid_umol_l(420);
  EXPECT_FALSE(Classify(m).high_uric_acid());
  EXPECT_FALSE(Classify(m, v1::SEX_FEMALE).high_uric_acid()) << "420 for both sexes by default";
  m.set_uric_acid_umol_l(421);
  EXPECT_TRUE(Classify(m).high_uric_acid());
  EXPECT_TRUE(Classify(m, v1::SEX_FEMALE).high_uric_acid());
  EXPECT_TRUE(Classify(m).any_positive());
  EXPECT_FALSE(FourHighsRules{}.UricAcidBySex());
}

TEST(ClassifyFourHighs, UricAcidPerSexRule) {
  FourHighsRules older;  // docs/domain.md §6's older rule: 420 for men, 360 for women
  older.high_uric_acid_female = 360;
  EXPECT_TRUE(older.UricAcidBySex());
  auto m = Normal();
  for (auto [value, man, woman] : {std::tuple{360.0, false, false}, std::tuple{360.5, false, true},
                                   std::tuple{361.0, false, true}, std::tuple{420.0, false, true},
                                   std::tuple{420.5, true, true}}) {
    m.set_uric_acid_umol_l(value);
    EXPECT_EQ(Classify(m, v1::SEX_MALE, older).high_uric_acid(), man) << value;
    EXPECT_EQ(Classify(m, v1::SEX_FEMALE, older).high_uric_acid(), woman) << value;
  }
}

TEST(ValidateFourHighs, NamesEveryValueOutOfRange) {
  v1::FourHighsMeasurement m;  // all zero, no glucose
  EXPECT_EQ(BadFields(ValidateFourHighs(m, "four_highs")),
            (std::vector<std::string>{
                "four_highs.systolic_mmhg", "four_highs.diastolic_mmhg",
                "four_highs.fasting_glucose_mmol_l", "four_highs.total_cholesterol_mmol_l",
                "four_highs.ldl_cholesterol_mmol_l", "four_highs.hdl_cholesterol_mmol_l",
                "four_highs.triglycerides_mmol_l", "four_highs.uric_acid_umol_l"}));
}

TEST(ValidateFourHighs, RangeEdgesAndCrossFieldRules) {
  auto m = Normal();
  m.set_systolic_mmhg(300);
  m.set_diastolic_mmhg(200);
  EXPECT_TRUE(ValidateFourHighs(m, "x").ok());
  m.set_systolic_mmhg(301);
  EXPECT_EQ(BadFields(ValidateFourHighs(m, "x")), std::vector<std::string>{"x.systolic_mmhg"});
  m = Normal();
  m.set_systolic_mmhg(80);
  m.set_diastolic_mmhg(80);
  EXPECT_EQ(BadFields(ValidateFourHighs(m, "x")), std::vector<std::string>{"x.diastolic_mmhg"});
  m = Normal();
  m.set_hdl_cholesterol_mmol_l(4.5);
  EXPECT_EQ(BadFields(ValidateFourHighs(m, "x")),
            std::vector<std::string>{"x.hdl_cholesterol_mmol_l"});
  m = Normal();
  m.set_fasting_glucose_mmol_l(40.1);
  m.set_hba1c_percent(2.9);
  m.set_uric_acid_umol_l(49);
  EXPECT_EQ(BadFields(ValidateFourHighs(m, "x")),
            (std::vector<std::string>{"x.fasting_glucose_mmol_l", "x.hba1c_percent",
                                      "x.uric_acid_umol_l"}));
}

}  // namespace
}  // namespace screening::results
