// Referrals of positive and high-risk results to their follow-up (docs/domain.md
// §4-§7), and reporting deadlines, as pure functions. Days are in
// FollowUpRules (thresholds.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "screening/v1/results.pb.h"
#include "screening/v1/scheduling.pb.h"
#include "services/results/thresholds.h"

namespace screening::results {

// The referral a classified result calls for, if any.
std::optional<v1::ReferralKind> ReferralFor(const v1::Result& result);

// The procedure a hospital must offer for the referral; unspecified for the
// family doctor (no hospital procedure).
v1::FollowUpProcedure ProcedureFor(v1::ReferralKind kind);

// The day the follow-up is due by.
absl::CivilDay DueDate(const FollowUpRules& rules, v1::ReferralKind kind, absl::CivilDay opened);

// Working days (Monday to Friday) after `from`, up to and including `to`.
int WorkingDaysBetween(absl::CivilDay from, absl::CivilDay to);

// An NIPT report on `reported` for a draw on `drawn` is late.
bool LateNiptReport(const FollowUpRules& rules, absl::CivilDay drawn, absl::CivilDay reported);

// Where the follow-up goes: the referring hospital if it offers the
// procedure, else one in the resident's district, else any (by code); ""
// when none offers it or no procedure is needed.
std::string FollowUpHospital(v1::FollowUpProcedure procedure, const std::string& referring_code,
                             const std::string& district_code,
                             const std::vector<v1::Hospital>& hospitals);

// Reads `colonoscopy=365,gastroscopy=90,family_doctor=30,prenatal_diagnosis=14`
// (any subset) into `rules`. INVALID_ARGUMENT on an unknown kind or days
// outside 1 to 3650.
absl::Status ParseReferralDays(absl::string_view text, FollowUpRules* rules);

}  // namespace screening::results
