// Resident ID numbers (居民身份证号码, GB 11643-1999), docs/domain.md §2.
//
//   auto id = ParseIdNumber("23010219700101001x", today);
//   id->canonical   // "23010219700101001X"
//   id->birth_date  // 1970-01-01
//   id->sex         // Sex::kMale (17th character odd)
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace screening::registry {

enum class Sex { kMale, kFemale };

struct IdNumber {
  std::string canonical;      // 18 characters, upper-case X
  std::string division_code;  // the first six digits as printed
  absl::CivilDay birth_date;
  Sex sex;
};

// ISO 7064 MOD 11-2 check character of the first 17 digits.
char IdCheckCharacter(absl::string_view first17);

// Validates an 18-character number (a trailing lower-case x is accepted) or
// converts a legacy 15-digit one (century 19). The birth date must be real and
// not after `today`. INVALID_ARGUMENT with a readable reason otherwise; the
// caller names the field.
absl::StatusOr<IdNumber> ParseIdNumber(absl::string_view text, absl::CivilDay today);

// Masks all but the first six and last four characters: 230102********001X.
std::string MaskIdNumber(absl::string_view canonical);

// Today's code for a division code from an old card (230105 → 230104, ...), or
// the code itself when it is current. ID numbers never change; this is for
// reports that group residents by the code on their card.
absl::string_view CurrentDivisionCode(absl::string_view code);

}  // namespace screening::registry
