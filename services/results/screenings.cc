#include "services/results/screenings.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/errors.h"

namespace screening::results {
namespace {

bool IsOutcome(v1::SampleOutcome o) {
  return v1::SampleOutcome_IsValid(o) && o != v1::SAMPLE_OUTCOME_UNSPECIFIED;
}

// Exact to a millionth: lab values have a few decimals at most.
int64_t Millionths(double value) { return std::llround(value * 1e6); }

bool IsRisk(v1::NiptRisk r) { return r == v1::NIPT_RISK_LOW || r == v1::NIPT_RISK_HIGH; }

}  // namespace

absl::Status ParseFitKits(absl::string_view text, ColorectalRules* rules) {
  std::map<std::string, double> kits;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> kit = absl::StrSplit(item, ':');
    const std::string name(absl::StripAsciiWhitespace(kit.first));
    double cutoff = 0;
    if (name.empty() || name.size() > 64 ||
        !absl::SimpleAtod(absl::StripAsciiWhitespace(kit.second), &cutoff) || !(cutoff > 0) ||
        cutoff > rules->fit_max_ng_ml) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", item, "': want NAME:CUTOFF, a name of 1 to 64 characters and a ",
                       "cut-off above 0 and at most ", rules->fit_max_ng_ml, " ng Hb/mL"));
    }
    if (!kits.emplace(name, cutoff).second) {
      return absl::InvalidArgumentError(absl::StrCat("kit '", name, "' is named twice"));
    }
  }
  if (kits.empty()) return absl::InvalidArgumentError("name at least one kit");
  rules->fit_kits = std::move(kits);
  return absl::OkStatus();
}

absl::Status ValidateColorectal(const v1::ColorectalMeasurement& m, const ColorectalRules& rules,
                                absl::string_view prefix) {
  FieldViolations bad;
  const bool fit = m.fit_samples_size() > 0;
  const bool dna = m.stool_dna() != v1::SAMPLE_OUTCOME_UNSPECIFIED;
  if (fit == dna) {
    bad.Add(absl::StrCat(prefix, ".fit_samples"),
            "give either two FIT samples or the stool DNA test, not both");
  }
  if (fit && m.fit_samples_size() != 2) {
    bad.Add(absl::StrCat(prefix, ".fit_samples"), "FIT takes exactly two samples");
  }
  for (int i = 0; i < m.fit_samples_size(); ++i) {
    const v1::FitSample& sample = m.fit_samples(i);
    const std::string field = absl::StrCat(prefix, ".fit_samples[", i, "]");
    if (!IsOutcome(sample.outcome())) {
      bad.Add(field + ".outcome", "must be NEGATIVE, POSITIVE or SAMPLE_FAILED");
    }
    if (sample.has_ng_hb_per_ml() &&
        (sample.ng_hb_per_ml() < 0 || sample.ng_hb_per_ml() > rules.fit_max_ng_ml ||
         std::isnan(sample.ng_hb_per_ml()))) {
      bad.Add(field + ".ng_hb_per_ml", absl::StrCat("must be 0 to ", rules.fit_max_ng_ml));
    }
  }
  const bool quantitative =
      std::any_of(m.fit_samples().begin(), m.fit_samples().end(),
                  [](const v1::FitSample& sample) { return sample.has_ng_hb_per_ml(); });
  if (!m.fit_kit().empty() && !rules.fit_kits.contains(m.fit_kit())) {
    bad.Add(absl::StrCat(prefix, ".fit_kit"), "is not a configured FIT kit");
  } else if (m.fit_kit().empty() && quantitative) {
    bad.Add(absl::StrCat(prefix, ".fit_kit"),
            "is required with a quantitative reading: its cut-off depends on the kit");
  } else if (!m.fit_kit().empty() && !fit) {
    bad.Add(absl::StrCat(prefix, ".fit_kit"), "goes with FIT samples only");
  }
  if (dna && !IsOutcome(m.stool_dna())) {
    bad.Add(absl::StrCat(prefix, ".stool_dna"), "must be NEGATIVE, POSITIVE or SAMPLE_FAILED");
  }
  if (!m.has_questionnaire()) {
    bad.Add(absl::StrCat(prefix, ".questionnaire"), "is required");
  }
  return bad.ToStatus();
}

v1::ColorectalClassification ClassifyColorectal(const ColorectalRules& rules,
                                                const v1::ColorectalMeasurement& m) {
  v1::ColorectalClassification c;
  bool failed = false;
  const auto kit = rules.fit_kits.find(m.fit_kit());  // validated: there when a reading is
  for (const v1::FitSample& sample : m.fit_samples()) {
    const bool over_cutoff = sample.has_ng_hb_per_ml() && kit != rules.fit_kits.end() &&
                             sample.ng_hb_per_ml() >= kit->second;
    if (sample.outcome() == v1::SAMPLE_OUTCOME_POSITIVE || over_cutoff) {
      c.set_stool_test_positive(true);
    } else if (sample.outcome() == v1::SAMPLE_OUTCOME_SAMPLE_FAILED) {
      failed = true;
    }
  }
  if (m.stool_dna() == v1::SAMPLE_OUTCOME_POSITIVE) c.set_stool_test_positive(true);
  if (m.stool_dna() == v1::SAMPLE_OUTCOME_SAMPLE_FAILED) failed = true;
  const v1::ColorectalQuestionnaire& q = m.questionnaire();
  const bool major =
      q.relative_with_colorectal_cancer() || q.own_cancer_history() || q.own_intestinal_polyps();
  const int minor = q.chronic_diarrhoea() + q.chronic_constipation() + q.mucus_or_bloody_stool() +
                    q.appendicitis_or_appendectomy() + q.cholecystitis_or_cholecystectomy() +
                    q.major_adverse_life_event();
  c.set_questionnaire_high_risk(major || minor >= rules.minor_items_for_high_risk);
  // A positive sample decides; otherwise a failed sample must be collected again.
  c.set_sample_failed(failed && !c.stool_test_positive());
  c.set_refer_colonoscopy(c.stool_test_positive() || c.questionnaire_high_risk());
  return c;
}

absl::Status ValidateGastric(const v1::GastricMeasurement& m, const GastricRules& rules,
                             absl::string_view prefix) {
  FieldViolations bad;
  auto check = [&](absl::string_view field, double value, bool ok, const std::string& range) {
    if (!ok || std::isnan(value)) bad.Add(absl::StrCat(prefix, ".", field), range);
  };
  check("pepsinogen_1_ug_l", m.pepsinogen_1_ug_l(),
        m.pepsinogen_1_ug_l() >= 0 && m.pepsinogen_1_ug_l() <= rules.pg1_max,
        absl::StrCat("must be 0 to ", rules.pg1_max, " µg/L"));
  check("pepsinogen_2_ug_l", m.pepsinogen_2_ug_l(),
        m.pepsinogen_2_ug_l() > 0 && m.pepsinogen_2_ug_l() <= rules.pg2_max,
        absl::StrCat("must be above 0 and at most ", rules.pg2_max,
                     " µg/L (PG II of 0 leaves the ratio undefined)"));
  check("gastrin_17_pmol_l", m.gastrin_17_pmol_l(),
        m.gastrin_17_pmol_l() >= 0 && m.gastrin_17_pmol_l() <= rules.g17_max,
        absl::StrCat("must be 0 to ", rules.g17_max, " pmol/L"));
  return bad.ToStatus();
}

double PepsinogenRatio(const v1::GastricMeasurement& m) {
  return m.pepsinogen_1_ug_l() / m.pepsinogen_2_ug_l();
}

bool PepsinogenRatioBelow(const v1::GastricMeasurement& m, double limit) {
  // PG I / PG II < limit  <=>  PG I < limit * PG II, in exact integers of
  // millionths (inputs have at most a few decimals), so 38.9 / 10 is exactly
  // 3.89 and not below it, while 38.86 / 10 = 3.886 is.
  const __int128 lhs = static_cast<__int128>(Millionths(m.pepsinogen_1_ug_l())) * 1000000;
  const __int128 rhs = static_cast<__int128>(Millionths(limit)) * Millionths(m.pepsinogen_2_ug_l());
  return lhs < rhs;
}

v1::GastricClassification ClassifyGastric(const GastricRules& rules,
                                          const v1::GastricMeasurement& m, int age, v1::Sex sex) {
  v1::GastricClassification c;
  int score = 0;
  for (int i = 3; i >= 0; --i) {
    if (age >= rules.age_from[i]) {
      score += rules.age_points[i];
      break;
    }
  }
  if (sex == v1::SEX_MALE) score += rules.male_points;
  if (m.h_pylori_igg_positive()) score += rules.h_pylori_points;
  c.set_pg_ratio(PepsinogenRatio(m));
  if (PepsinogenRatioBelow(m, rules.pgr_below)) score += rules.pgr_points;
  // Exact values, not rounded ones: 1.495 is below 1.50 and 5.704 above 5.70.
  const int64_t g17 = Millionths(m.gastrin_17_pmol_l());
  if (g17 > Millionths(rules.g17_high)) {
    score += rules.g17_high_points;
  } else if (g17 >= Millionths(rules.g17_low)) {
    score += rules.g17_mid_points;
  }
  c.set_score(score);
  c.set_band(score <= rules.low_max      ? v1::GASTRIC_RISK_BAND_LOW
             : score <= rules.medium_max ? v1::GASTRIC_RISK_BAND_MEDIUM
                                         : v1::GASTRIC_RISK_BAND_HIGH);
  c.set_refer_gastroscopy(c.band() != v1::GASTRIC_RISK_BAND_LOW);
  c.set_age(age);
  c.set_sex(sex);
  return c;
}

absl::Status ValidateNipt(const v1::NiptMeasurement& m, absl::string_view prefix) {
  FieldViolations bad;
  const std::pair<const char*, v1::NiptRisk> targets[] = {{"trisomy_21", m.trisomy_21()},
                                                          {"trisomy_18", m.trisomy_18()},
                                                          {"trisomy_13", m.trisomy_13()}};
  for (const auto& [field, risk] : targets) {
    if (m.failed() && risk != v1::NIPT_RISK_UNSPECIFIED) {
      bad.Add(absl::StrCat(prefix, ".", field), "a failed test gives no target");
    } else if (!m.failed() && !IsRisk(risk)) {
      bad.Add(absl::StrCat(prefix, ".", field), "must be NIPT_RISK_LOW or NIPT_RISK_HIGH");
    }
  }
  return bad.ToStatus();
}

v1::NiptClassification ClassifyNipt(const v1::NiptMeasurement& m) {
  v1::NiptClassification c;
  c.set_failed(m.failed());
  if (m.failed()) return c;
  const std::pair<const char*, v1::NiptRisk> targets[] = {
      {"T21", m.trisomy_21()}, {"T18", m.trisomy_18()}, {"T13", m.trisomy_13()}};
  for (const auto& [name, risk] : targets) {
    if (risk == v1::NIPT_RISK_HIGH) c.add_high_risk_targets(name);
  }
  c.set_high_risk(c.high_risk_targets_size() > 0);
  c.set_refer_prenatal_diagnosis(c.high_risk());
  return c;
}

v1::FourHighsMeasurement FourHighsToSi(const UnitFactors& f, const v1::FourHighsMeasurement& sent) {
  v1::FourHighsMeasurement si = sent;
  si.clear_units();
  const v1::FourHighsUnits& u = sent.units();
  if (u.glucose() == v1::CONCENTRATION_UNIT_MG_DL && sent.has_fasting_glucose_mmol_l()) {
    si.set_fasting_glucose_mmol_l(sent.fasting_glucose_mmol_l() / f.glucose_mg_dl_per_mmol_l);
  }
  if (u.cholesterol() == v1::CONCENTRATION_UNIT_MG_DL) {
    si.set_total_cholesterol_mmol_l(sent.total_cholesterol_mmol_l() /
                                    f.cholesterol_mg_dl_per_mmol_l);
    si.set_ldl_cholesterol_mmol_l(sent.ldl_cholesterol_mmol_l() / f.cholesterol_mg_dl_per_mmol_l);
    si.set_hdl_cholesterol_mmol_l(sent.hdl_cholesterol_mmol_l() / f.cholesterol_mg_dl_per_mmol_l);
  }
  if (u.triglycerides() == v1::CONCENTRATION_UNIT_MG_DL) {
    si.set_triglycerides_mmol_l(sent.triglycerides_mmol_l() / f.triglycerides_mg_dl_per_mmol_l);
  }
  if (u.uric_acid() == v1::CONCENTRATION_UNIT_MG_DL) {
    si.set_uric_acid_umol_l(sent.uric_acid_umol_l() * f.uric_acid_umol_l_per_mg_dl);
  }
  return si;
}

}  // namespace screening::results
