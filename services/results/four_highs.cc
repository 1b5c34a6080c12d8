#include "services/results/four_highs.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace screening::results {
namespace {

// Accepted input ranges (docs/domain.md §8): outside them a value is a data-entry error.
struct Range {
  double min, max;
  bool Contains(double v) const { return v >= min && v <= max; }
};
constexpr Range kSystolic{60, 300}, kDiastolic{30, 200}, kGlucose{1, 40}, kHba1c{3, 20},
    kTotalCholesterol{1, 20}, kLdl{0.1, 15}, kHdl{0.1, 5}, kTriglycerides{0.1, 50},
    kUricAcid{50, 1200};

void CheckRange(FieldViolations& bad, absl::string_view prefix, absl::string_view field,
                double value, Range range, absl::string_view unit) {
  if (!range.Contains(value)) {
    bad.Add(absl::StrCat(prefix, ".", field),
            absl::StrCat("must be ", range.min, " to ", range.max, " ", unit));
  }
}

v1::HypertensionGrade Grade(const FourHighsRules& rules, int systolic, int diastolic) {
  for (int grade = 3; grade >= 1; --grade) {
    if (systolic >= rules.systolic_grade[grade - 1] ||
        diastolic >= rules.diastolic_grade[grade - 1]) {
      return static_cast<v1::HypertensionGrade>(grade);
    }
  }
  return v1::HYPERTENSION_GRADE_NONE;
}

}  // namespace

absl::Status ValidateFourHighs(const v1::FourHighsMeasurement& m, absl::string_view prefix) {
  FieldViolations bad;
  CheckRange(bad, prefix, "systolic_mmhg", m.systolic_mmhg(), kSystolic, "mmHg");
  CheckRange(bad, prefix, "diastolic_mmhg", m.diastolic_mmhg(), kDiastolic, "mmHg");
  if (kSystolic.Contains(m.systolic_mmhg()) && kDiastolic.Contains(m.diastolic_mmhg()) &&
      m.systolic_mmhg() <= m.diastolic_mmhg()) {
    bad.Add(absl::StrCat(prefix, ".diastolic_mmhg"), "must be below the systolic pressure");
  }
  if (!m.has_fasting_glucose_mmol_l() && !m.has_hba1c_percent()) {
    bad.Add(absl::StrCat(prefix, ".fasting_glucose_mmol_l"),
            "fasting glucose or HbA1c is required");
  }
  if (m.has_fasting_glucose_mmol_l()) {
    CheckRange(bad, prefix, "fasting_glucose_mmol_l", m.fasting_glucose_mmol_l(), kGlucose,
               "mmol/L");
  }
  if (m.has_hba1c_percent()) {
    CheckRange(bad, prefix, "hba1c_percent", m.hba1c_percent(), kHba1c, "%");
  }
  CheckRange(bad, prefix, "total_cholesterol_mmol_l", m.total_cholesterol_mmol_l(),
             kTotalCholesterol, "mmol/L");
  CheckRange(bad, prefix, "ldl_cholesterol_mmol_l", m.ldl_cholesterol_mmol_l(), kLdl, "mmol/L");
  CheckRange(bad, prefix, "hdl_cholesterol_mmol_l", m.hdl_cholesterol_mmol_l(), kHdl, "mmol/L");
  if (kHdl.Contains(m.hdl_cholesterol_mmol_l()) &&
      kTotalCholesterol.Contains(m.total_cholesterol_mmol_l()) &&
      m.hdl_cholesterol_mmol_l() >= m.total_cholesterol_mmol_l()) {
    bad.Add(absl::StrCat(prefix, ".hdl_cholesterol_mmol_l"), "must be below total cholesterol");
  }
  CheckRange(bad, prefix, "triglycerides_mmol_l", m.triglycerides_mmol_l(), kTriglycerides,
             "mmol/L");
  CheckRange(bad, prefix, "uric_acid_umol_l", m.uric_acid_umol_l(), kUricAcid, "µmol/L");
  return bad.ToStatus();
}

v1::FourHighsClassification ClassifyFourHighs(const FourHighsRules& rules,
                                              const v1::FourHighsMeasurement& m, v1::Sex sex) {
  v1::FourHighsClassification c;
  c.set_hypertension_grade(Grade(rules, m.systolic_mmhg(), m.diastolic_mmhg()));
  c.set_hypertension(c.hypertension_grade() != v1::HYPERTENSION_GRADE_NONE ||
                     m.on_antihypertensives());

  const bool has_fpg = m.has_fasting_glucose_mmol_l();
  const double fpg = m.fasting_glucose_mmol_l();
  c.set_high_glucose((has_fpg && fpg >= rules.diabetes_fpg) ||
                     (m.has_hba1c_percent() && m.hba1c_percent() >= rules.diabetes_hba1c));
  c.set_impaired_fasting_glucose(has_fpg && fpg >= rules.impaired_fpg && fpg < rules.diabetes_fpg);

  c.set_high_lipids(m.total_cholesterol_mmol_l() >= rules.high_tc ||
                    m.ldl_cholesterol_mmol_l() >= rules.high_ldl ||
                    m.triglycerides_mmol_l() >= rules.high_tg ||
                    m.hdl_cholesterol_mmol_l() < rules.low_hdl);
  c.set_high_uric_acid(m.uric_acid_umol_l() > (sex == v1::SEX_FEMALE ? rules.high_uric_acid_female
                                                                     : rules.high_uric_acid_male));

  c.set_urgent(m.systolic_mmhg() >= rules.systolic_grade[2] ||
               m.diastolic_mmhg() >= rules.diastolic_grade[2] ||
               (has_fpg && fpg > rules.urgent_fpg));
  c.set_any_positive(c.hypertension() || c.high_glucose() || c.high_lipids() || c.high_uric_acid());
  return c;
}

}  // namespace screening::results
