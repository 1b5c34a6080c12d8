// Every threshold and bound of the result rules (docs/domain.md §4-§8), in one
// place, named, so that a policy change is one edit. The classifiers take
// these structs; defaults are docs/domain.md's.
#pragma once

#include <map>
#include <string>

namespace screening::results {

struct FourHighsRules {
  // Hypertension grades, mmHg: grade n starts at systolic[n-1] or diastolic[n-1].
  int systolic_grade[3] = {140, 160, 180};
  int diastolic_grade[3] = {90, 100, 110};
  // Glucose, mmol/L and %.
  double diabetes_fpg = 7.0;
  double impaired_fpg = 6.1;
  double diabetes_hba1c = 6.5;
  double urgent_fpg = 16.7;  // urgent when above
  // Lipids, mmol/L: positive at or above, HDL below.
  double high_tc = 6.2;
  double high_ldl = 4.1;
  double high_tg = 2.3;
  double low_hdl = 1.0;
  // Uric acid, µmol/L: positive when above. docs/domain.md §6: 420 for both
  // sexes by default; the older rule is 420 for men and 360 for women.
  double high_uric_acid_male = 420;
  double high_uric_acid_female = 420;
  // The limit depends on sex: classifying needs the resident's sex.
  bool UricAcidBySex() const { return high_uric_acid_male != high_uric_acid_female; }
};

// Colorectal (docs/domain.md §4).
struct ColorectalRules {
  // FIT kits by name, each with its quantitative cut-off, ng Hb/mL buffer:
  // positive at or above. The cut-off depends on the kit; 100 is common.
  std::map<std::string, double> fit_kits = {{"FIT-100", 100}};
  // Questionnaire: high risk with any one major item, or this many minor ones.
  int minor_items_for_high_risk = 2;
  // Accepted FIT quantitative readings (an engineering bound).
  double fit_max_ng_ml = 10000;
};

// Gastric cancer: the 2017 Chinese consensus score (docs/domain.md §5).
struct GastricRules {
  // Age points: from age_from[i], age_points[i] (below the first: 0).
  int age_from[4] = {40, 50, 60, 70};
  int age_points[4] = {0, 5, 6, 10};
  int male_points = 4;
  int h_pylori_points = 1;
  // PGR below this scores pgr_points.
  double pgr_below = 3.89;
  int pgr_points = 3;
  // G-17, pmol/L: below g17_low 0 points; up to g17_high (inclusive)
  // g17_mid_points; above g17_high_points.
  double g17_low = 1.50;
  double g17_high = 5.70;
  int g17_mid_points = 3;
  int g17_high_points = 5;
  // Bands: low up to low_max, medium up to medium_max, high above.
  int low_max = 11;
  int medium_max = 16;
  // Accepted inputs (docs/domain.md §8).
  double pg1_max = 500;
  double pg2_max = 150;  // and above 0
  double g17_max = 200;
};

// Conventional units to SI (docs/domain.md §8).
struct UnitFactors {
  double glucose_mg_dl_per_mmol_l = 18.0;
  double cholesterol_mg_dl_per_mmol_l = 38.67;
  double triglycerides_mg_dl_per_mmol_l = 88.57;
  double uric_acid_umol_l_per_mg_dl = 59.48;
};

// Referrals and reporting deadlines (configurable policy).
struct FollowUpRules {
  // Days from the result to the follow-up's due date, per referral kind.
  int colonoscopy_days = 365;  // "within one year in Harbin's programme"
  int gastroscopy_days = 90;
  int family_doctor_days = 30;
  int prenatal_diagnosis_days = 14;
  // NIPT reports later than this many working days after the draw are late.
  int nipt_report_working_days = 15;
  // Checked-in visits without a result after this many days are listed.
  int missing_result_days = 7;
};

// All of the above: what the results service is configured with.
struct ResultRules {
  FourHighsRules four_highs;
  ColorectalRules colorectal;
  GastricRules gastric;
  UnitFactors units;
  FollowUpRules follow_up;
};

}  // namespace screening::results
