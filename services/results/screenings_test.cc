#include "services/results/screenings.h"

#include <gtest/gtest.h>

#include "tests/support/grpc_matchers.h"

namespace screening::results {
namespace {

using ::screening::testing::BadFields;

v1::FitSample Fit(v1::SampleOutcome outcome, std::optional<double> ng = std::nullopt) {
  v1::FitSample s;
  s.set_outcome(outcome);
  if (ng) s.set_ng_hb_per_ml(*ng);
  return s;
}

v1::ColorectalMeasurement FitOf(v1::FitSample a, v1::FitSample b, std::string kit = "FIT-100") {
  v1::ColorectalMeasurement m;
  *m.add_fit_samples() = a;
  *m.add_fit_samples() = b;
  m.mutable_questionnaire();
  m.set_fit_kit(kit);
  return m;
}

TEST(Colorectal, FitIsPositiveIfEitherSampleIsOrReachesTheCutoff) {
  const ColorectalRules rules;
  constexpr auto kNeg = v1::SAMPLE_OUTCOME_NEGATIVE, kPos = v1::SAMPLE_OUTCOME_POSITIVE,
                 kFailed = v1::SAMPLE_OUTCOME_SAMPLE_FAILED;
  EXPECT_FALSE(ClassifyColorectal(rules, FitOf(Fit(kNeg), Fit(kNeg))).refer_colonoscopy());
  EXPECT_TRUE(ClassifyColorectal(rules, FitOf(Fit(kNeg), Fit(kPos))).stool_test_positive());
  // The kit's cut-off: 99.9 is below, 100 is at it.
  EXPECT_FALSE(ClassifyColorectal(rules, FitOf(Fit(kNeg, 99.9), Fit(kNeg))).stool_test_positive());
  EXPECT_TRUE(ClassifyColorectal(rules, FitOf(Fit(kNeg, 100), Fit(kNeg))).stool_test_positive());
  // Each kit its own cut-off: the result names its kit.
  ColorectalRules kits;
  ASSERT_TRUE(ParseFitKits("FIT-100:100, OC-150:150", &kits).ok());
  EXPECT_TRUE(
      ClassifyColorectal(kits, FitOf(Fit(kNeg, 100), Fit(kNeg), "FIT-100")).stool_test_positive());
  EXPECT_FALSE(
      ClassifyColorectal(kits, FitOf(Fit(kNeg, 100), Fit(kNeg), "OC-150")).stool_test_positive());
  EXPECT_FALSE(
      ClassifyColorectal(kits, FitOf(Fit(kNeg, 149.9), Fit(kNeg), "OC-150")).stool_test_positive());
  EXPECT_TRUE(
      ClassifyColorectal(kits, FitOf(Fit(kNeg, 150), Fit(kNeg), "OC-150")).stool_test_positive());
  // A failed sample: collect again, unless the other is positive.
  auto failed = ClassifyColorectal(rules, FitOf(Fit(kFailed), Fit(kNeg)));
  EXPECT_TRUE(failed.sample_failed());
  EXPECT_FALSE(failed.refer_colonoscopy());
  auto decided = ClassifyColorectal(rules, FitOf(Fit(kFailed), Fit(kPos)));
  EXPECT_FALSE(decided.sample_failed());
  EXPECT_TRUE(decided.refer_colonoscopy());
}

TEST(Colorectal, StoolDnaAndTheQuestionnaire) {
  const ColorectalRules rules;
  v1::ColorectalMeasurement m;
  m.set_stool_dna(v1::SAMPLE_OUTCOME_NEGATIVE);
  m.mutable_questionnaire();
  EXPECT_FALSE(ClassifyColorectal(rules, m).refer_colonoscopy());
  m.set_stool_dna(v1::SAMPLE_OUTCOME_SAMPLE_FAILED);
  EXPECT_TRUE(ClassifyColorectal(rules, m).sample_failed());
  m.set_stool_dna(v1::SAMPLE_OUTCOME_POSITIVE);
  EXPECT_TRUE(ClassifyColorectal(rules, m).refer_colonoscopy());
  m.set_stool_dna(v1::SAMPLE_OUTCOME_NEGATIVE);
  // One minor item is not enough; two are; one major item is.
  m.mutable_questionnaire()->set_chronic_diarrhoea(true);
  EXPECT_FALSE(ClassifyColorectal(rules, m).questionnaire_high_risk());
  m.mutable_questionnaire()->set_major_adverse_life_event(true);
  EXPECT_TRUE(ClassifyColorectal(rules, m).questionnaire_high_risk());
  EXPECT_TRUE(ClassifyColorectal(rules, m).refer_colonoscopy());
  v1::ColorectalMeasurement major;
  major.set_stool_dna(v1::SAMPLE_OUTCOME_NEGATIVE);
  major.mutable_questionnaire()->set_own_intestinal_polyps(true);
  EXPECT_TRUE(ClassifyColorectal(rules, major).questionnaire_high_risk());
}

TEST(Colorectal, BadFieldsAreNamed) {
  const ColorectalRules rules;
  v1::ColorectalMeasurement m;
  EXPECT_EQ(BadFields(ValidateColorectal(m, rules, "colorectal")),
            (std::vector<std::string>{"colorectal.fit_samples", "colorectal.questionnaire"}));
  *m.add_fit_samples() = Fit(v1::SAMPLE_OUTCOME_UNSPECIFIED, -1);
  m.set_stool_dna(v1::SAMPLE_OUTCOME_POSITIVE);
  m.mutable_questionnaire();
  EXPECT_EQ(
      BadFields(ValidateColorectal(m, rules, "colorectal")),
      (std::vector<std::string>{"colorectal.fit_samples", "colorectal.fit_samples",
                                "colorectal.fit_samples[0].outcome",
                                "colorectal.fit_samples[0].ng_hb_per_ml", "colorectal.fit_kit"}));
  EXPECT_TRUE(ValidateColorectal(
                  FitOf(Fit(v1::SAMPLE_OUTCOME_NEGATIVE, 10000), Fit(v1::SAMPLE_OUTCOME_NEGATIVE)),
                  rules, "colorectal")
                  .ok());
}

TEST(Colorectal, AQuantitativeReadingNamesAConfiguredKit) {
  const ColorectalRules rules;  // FIT-100 only
  constexpr auto kNeg = v1::SAMPLE_OUTCOME_NEGATIVE;
  EXPECT_EQ(BadFields(ValidateColorectal(FitOf(Fit(kNeg, 50), Fit(kNeg), ""), rules, "c")),
            std::vector<std::string>{"c.fit_kit"});
  EXPECT_EQ(BadFields(ValidateColorectal(FitOf(Fit(kNeg, 50), Fit(kNeg), "OC-75"), rules, "c")),
            std::vector<std::string>{"c.fit_kit"});
  EXPECT_TRUE(ValidateColorectal(FitOf(Fit(kNeg), Fit(kNeg), ""), rules, "c").ok())
      << "qualitative readings only: the kit may be left out";
  v1::ColorectalMeasurement dna;
  dna.set_stool_dna(kNeg);
  dna.mutable_questionnaire();
  dna.set_fit_kit("FIT-100");
  EXPECT_EQ(BadFields(ValidateColorectal(dna, rules, "c")), std::vector<std::string>{"c.fit_kit"});
}

TEST(Colorectal, FitKitsFlag) {
  ColorectalRules rules;
  ASSERT_TRUE(ParseFitKits("A:100,B:75.5", &rules).ok());
  EXPECT_EQ(rules.fit_kits, (std::map<std::string, double>{{"A", 100}, {"B", 75.5}}));
  for (const char* bad : {"", "A", "A:0", "A:-1", ":100", "A:x", "A:100,A:90", "A:20000"}) {
    ColorectalRules untouched;
    EXPECT_EQ(ParseFitKits(bad, &untouched).code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(untouched.fit_kits, ColorectalRules{}.fit_kits) << bad;
  }
}

v1::GastricMeasurement Serum(double pg1, double pg2, double g17, bool hp) {
  v1::GastricMeasurement m;
  m.set_pepsinogen_1_ug_l(pg1);
  m.set_pepsinogen_2_ug_l(pg2);
  m.set_gastrin_17_pmol_l(g17);
  m.set_h_pylori_igg_positive(hp);
  return m;
}

TEST(Gastric, PgrAtAndAroundItsThreshold) {
  const GastricRules rules;
  // A woman of 45, H. pylori negative, G-17 below 1.50: only the PGR scores.
  auto score = [&](double pg1, double pg2) {
    return ClassifyGastric(rules, Serum(pg1, pg2, 1.0, false), 45, v1::SEX_FEMALE).score();
  };
  EXPECT_DOUBLE_EQ(PepsinogenRatio(Serum(38.8, 10, 1.0, false)), 3.88);
  EXPECT_EQ(score(38.8, 10), 3);
  EXPECT_EQ(score(38.9, 10), 0) << "3.89 exactly is not below 3.89";
  EXPECT_EQ(score(77.8, 20), 0) << "3.89 exactly, however the division rounds";
  EXPECT_EQ(score(38.86, 10), 3) << "3.886 is below 3.89: compared unrounded";
  EXPECT_DOUBLE_EQ(PepsinogenRatio(Serum(38.86, 10, 1.0, false)), 3.886);
  EXPECT_EQ(score(38.899, 10), 3);
  EXPECT_EQ(score(38.901, 10), 0);
  EXPECT_EQ(score(3.89, 1), 0);
  EXPECT_EQ(score(583.5, 150), 0) << "PG I at its bound of 500 and above: 3.89 exactly";
}

TEST(Gastric, Gastrin17AtAndAroundItsThresholds) {
  const GastricRules rules;
  auto score = [&](double g17) {
    return ClassifyGastric(rules, Serum(80, 10, g17, false), 45, v1::SEX_FEMALE).score();
  };
  EXPECT_EQ(score(1.49), 0);
  EXPECT_EQ(score(1.495), 0) << "below 1.50, not rounded up to it";
  EXPECT_EQ(score(1.50), 3);
  EXPECT_EQ(score(5.70), 3);
  EXPECT_EQ(score(5.704), 5) << "above 5.70, not rounded down to it";
  EXPECT_EQ(score(5.71), 5);
}

TEST(Gastric, TheIssuesManOfFiftyScoresMediumNotLow) {
  // A man of 50 with H. pylori, PG I 38.86, PG II 10 and G-17 1.0:
  // age 5 + male 4 + Hp 1 + PGR 3.886 < 3.89: 3 = 13, medium, gastroscopy.
  const auto c = ClassifyGastric(GastricRules{}, Serum(38.86, 10, 1.0, true), 50, v1::SEX_MALE);
  EXPECT_EQ(c.score(), 13);
  EXPECT_EQ(c.band(), v1::GASTRIC_RISK_BAND_MEDIUM);
  EXPECT_TRUE(c.refer_gastroscopy());
}

TEST(Gastric, ScoreBandsAt11_12_16_17) {
  const GastricRules rules;
  // Age 50-59: 5; male: 4; Hp: 1; PGR < 3.89: 3; G-17 mid: 3, high: 5.
  auto band = [&](int age, v1::Sex sex, bool hp, double pgr_pg1, double g17) {
    return ClassifyGastric(rules, Serum(pgr_pg1, 10, g17, hp), age, sex);
  };
  auto c11 = band(55, v1::SEX_FEMALE, false, 30, 1.5);  // 5 + 3 + 3 = 11
  EXPECT_EQ(c11.score(), 11);
  EXPECT_EQ(c11.band(), v1::GASTRIC_RISK_BAND_LOW);
  EXPECT_FALSE(c11.refer_gastroscopy());
  auto c12 = band(55, v1::SEX_FEMALE, true, 30, 1.5);  // 12
  EXPECT_EQ(c12.score(), 12);
  EXPECT_EQ(c12.band(), v1::GASTRIC_RISK_BAND_MEDIUM);
  EXPECT_TRUE(c12.refer_gastroscopy());
  auto c15 = band(55, v1::SEX_MALE, false, 30, 1.5);  // 5 + 4 + 3 + 3
  EXPECT_EQ(c15.score(), 15);
  auto c16b = band(55, v1::SEX_MALE, true, 30, 1.5);  // 16
  EXPECT_EQ(c16b.score(), 16);
  EXPECT_EQ(c16b.band(), v1::GASTRIC_RISK_BAND_MEDIUM);
  auto c17 = band(55, v1::SEX_MALE, false, 30, 6.0);  // 5 + 4 + 3 + 5 = 17
  EXPECT_EQ(c17.score(), 17);
  EXPECT_EQ(c17.band(), v1::GASTRIC_RISK_BAND_HIGH);
  // Age points by decade: 49 → 0, 50 → 5, 60 → 6, 70 → 10.
  EXPECT_EQ(band(49, v1::SEX_FEMALE, false, 80, 1.0).score(), 0);
  EXPECT_EQ(band(50, v1::SEX_FEMALE, false, 80, 1.0).score(), 5);
  EXPECT_EQ(band(60, v1::SEX_FEMALE, false, 80, 1.0).score(), 6);
  EXPECT_EQ(band(70, v1::SEX_FEMALE, false, 80, 1.0).score(), 10);
  EXPECT_EQ(c17.age(), 55);
  EXPECT_EQ(c17.sex(), v1::SEX_MALE);
}

TEST(Gastric, PgTwoOfZeroAndOtherBadValuesAreRefused) {
  const GastricRules rules;
  EXPECT_EQ(BadFields(ValidateGastric(Serum(501, 0, 201, false), rules, "gastric")),
            (std::vector<std::string>{"gastric.pepsinogen_1_ug_l", "gastric.pepsinogen_2_ug_l",
                                      "gastric.gastrin_17_pmol_l"}));
  EXPECT_TRUE(ValidateGastric(Serum(500, 150, 200, true), rules, "gastric").ok());
  EXPECT_EQ(BadFields(ValidateGastric(Serum(-1, 150.5, -0.1, true), rules, "gastric")).size(), 3u);
}

TEST(Nipt, TargetsOrAFailedTestAndNothingElse) {
  v1::NiptMeasurement m;
  EXPECT_EQ(BadFields(ValidateNipt(m, "nipt")),
            (std::vector<std::string>{"nipt.trisomy_21", "nipt.trisomy_18", "nipt.trisomy_13"}));
  m.set_trisomy_21(v1::NIPT_RISK_LOW);
  m.set_trisomy_18(v1::NIPT_RISK_HIGH);
  m.set_trisomy_13(v1::NIPT_RISK_LOW);
  ASSERT_TRUE(ValidateNipt(m, "nipt").ok());
  const v1::NiptClassification c = ClassifyNipt(m);
  EXPECT_TRUE(c.high_risk());
  EXPECT_TRUE(c.refer_prenatal_diagnosis());
  ASSERT_EQ(c.high_risk_targets_size(), 1);
  EXPECT_EQ(c.high_risk_targets(0), "T18");
  m.set_failed(true);
  EXPECT_EQ(BadFields(ValidateNipt(m, "nipt")).size(), 3u) << "a failed test gives no target";
  v1::NiptMeasurement failed;
  failed.set_failed(true);
  ASSERT_TRUE(ValidateNipt(failed, "nipt").ok());
  EXPECT_TRUE(ClassifyNipt(failed).failed());
  EXPECT_FALSE(ClassifyNipt(failed).refer_prenatal_diagnosis());
}

TEST(Units, ConventionalValuesBecomeSi) {
  v1::FourHighsMeasurement sent;
  sent.set_fasting_glucose_mmol_l(126);    // mg/dL
  sent.set_total_cholesterol_mmol_l(240);  // mg/dL
  sent.set_ldl_cholesterol_mmol_l(160);
  sent.set_hdl_cholesterol_mmol_l(38.67);
  sent.set_triglycerides_mmol_l(200);  // mg/dL
  sent.set_uric_acid_umol_l(7.0);      // mg/dL
  sent.mutable_units()->set_glucose(v1::CONCENTRATION_UNIT_MG_DL);
  sent.mutable_units()->set_cholesterol(v1::CONCENTRATION_UNIT_MG_DL);
  sent.mutable_units()->set_triglycerides(v1::CONCENTRATION_UNIT_MG_DL);
  sent.mutable_units()->set_uric_acid(v1::CONCENTRATION_UNIT_MG_DL);
  const v1::FourHighsMeasurement si = FourHighsToSi(UnitFactors{}, sent);
  EXPECT_DOUBLE_EQ(si.fasting_glucose_mmol_l(), 7.0);
  EXPECT_NEAR(si.total_cholesterol_mmol_l(), 6.206, 0.001);
  EXPECT_NEAR(si.ldl_cholesterol_mmol_l(), 4.138, 0.001);
  EXPECT_DOUBLE_EQ(si.hdl_cholesterol_mmol_l(), 1.0);
  EXPECT_NEAR(si.triglycerides_mmol_l(), 2.258, 0.001);
  EXPECT_NEAR(si.uric_acid_umol_l(), 416.36, 0.001);
  EXPECT_FALSE(si.has_units());
  // SI stays as sent.
  v1::FourHighsMeasurement plain;
  plain.set_fasting_glucose_mmol_l(5.5);
  plain.set_uric_acid_umol_l(300);
  EXPECT_DOUBLE_EQ(FourHighsToSi(UnitFactors{}, plain).fasting_glucose_mmol_l(), 5.5);
  EXPECT_DOUBLE_EQ(FourHighsToSi(UnitFactors{}, plain).uric_acid_umol_l(), 300);
}

}  // namespace
}  // namespace screening::results
