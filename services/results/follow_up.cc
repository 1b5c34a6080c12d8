#include "services/results/follow_up.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/dates.h"

namespace screening::results {

std::optional<v1::ReferralKind> ReferralFor(const v1::Result& r) {
  switch (r.screening_type()) {
    case v1::SCREENING_TYPE_COLORECTAL:
      if (r.colorectal_classification().refer_colonoscopy()) return v1::REFERRAL_KIND_COLONOSCOPY;
      break;
    case v1::SCREENING_TYPE_GASTRIC:
      if (r.gastric_classification().refer_gastroscopy()) return v1::REFERRAL_KIND_GASTROSCOPY;
      break;
    case v1::SCREENING_TYPE_FOUR_HIGHS:
      if (r.four_highs_classification().any_positive()) return v1::REFERRAL_KIND_FAMILY_DOCTOR;
      break;
    case v1::SCREENING_TYPE_NIPT:
      if (r.nipt_classification().refer_prenatal_diagnosis()) {
        return v1::REFERRAL_KIND_PRENATAL_DIAGNOSIS;
      }
      break;
    default:
      break;
  }
  return std::nullopt;
}

v1::FollowUpProcedure ProcedureFor(v1::ReferralKind kind) {
  switch (kind) {
    case v1::REFERRAL_KIND_COLONOSCOPY:
      return v1::FOLLOW_UP_PROCEDURE_COLONOSCOPY;
    case v1::REFERRAL_KIND_GASTROSCOPY:
      return v1::FOLLOW_UP_PROCEDURE_GASTROSCOPY;
    case v1::REFERRAL_KIND_PRENATAL_DIAGNOSIS:
      return v1::FOLLOW_UP_PROCEDURE_PRENATAL_DIAGNOSIS;
    default:
      return v1::FOLLOW_UP_PROCEDURE_UNSPECIFIED;
  }
}

absl::CivilDay DueDate(const FollowUpRules& rules, v1::ReferralKind kind, absl::CivilDay opened) {
  switch (kind) {
    case v1::REFERRAL_KIND_COLONOSCOPY:
      return opened + rules.colonoscopy_days;
    case v1::REFERRAL_KIND_GASTROSCOPY:
      return opened + rules.gastroscopy_days;
    case v1::REFERRAL_KIND_PRENATAL_DIAGNOSIS:
      return opened + rules.prenatal_diagnosis_days;
    default:
      return opened + rules.family_doctor_days;
  }
}

int WorkingDaysBetween(absl::CivilDay from, absl::CivilDay to) {
  return WeekdaysBetween(from + 1, to);
}

bool LateNiptReport(const FollowUpRules& rules, absl::CivilDay drawn, absl::CivilDay reported) {
  return WorkingDaysBetween(drawn, reported) > rules.nipt_report_working_days;
}

std::string FollowUpHospital(v1::FollowUpProcedure procedure, const std::string& referring_code,
                             const std::string& district_code,
                             const std::vector<v1::Hospital>& hospitals) {
  if (procedure == v1::FOLLOW_UP_PROCEDURE_UNSPECIFIED) return "";
  auto offers = [&](const v1::Hospital& h) {
    return std::find(h.follow_up_procedures().begin(), h.follow_up_procedures().end(), procedure) !=
           h.follow_up_procedures().end();
  };
  std::vector<const v1::Hospital*> sorted;
  for (const auto& h : hospitals) {
    if (offers(h)) sorted.push_back(&h);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const v1::Hospital* a, const v1::Hospital* b) { return a->code() < b->code(); });
  for (const v1::Hospital* h : sorted) {
    if (h->code() == referring_code) return h->code();
  }
  for (const v1::Hospital* h : sorted) {
    if (h->district_code() == district_code) return h->code();
  }
  return sorted.empty() ? "" : sorted.front()->code();
}

absl::Status ParseReferralDays(absl::string_view text, FollowUpRules* rules) {
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(item, '=');
    int days = 0;
    if (!absl::SimpleAtoi(kv.second, &days) || days < 1 || days > 3650) {
      return absl::InvalidArgumentError(
          absl::StrCat("referral days: '", item, "' needs 1 to 3650 days"));
    }
    if (kv.first == "colonoscopy") {
      rules->colonoscopy_days = days;
    } else if (kv.first == "gastroscopy") {
      rules->gastroscopy_days = days;
    } else if (kv.first == "family_doctor") {
      rules->family_doctor_days = days;
    } else if (kv.first == "prenatal_diagnosis") {
      rules->prenatal_diagnosis_days = days;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("referral days: unknown kind '", kv.first,
                       "' (colonoscopy, gastroscopy, family_doctor, prenatal_diagnosis)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace screening::results
