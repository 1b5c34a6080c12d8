#include "services/registry/id_number.h"

#include <array>
#include <cctype>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/dates.h"

namespace screening::registry {
namespace {

constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr absl::string_view kCheckCharacters = "10X98765432";

bool AllDigits(absl::string_view s) {
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

char IdCheckCharacter(absl::string_view first17) {
  int sum = 0;
  for (size_t i = 0; i < kWeights.size(); ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheckCharacters[sum % 11];
}

absl::StatusOr<IdNumber> ParseIdNumber(absl::string_view text, absl::CivilDay today) {
  std::string id(text);
  if (id.size() == 15) {
    if (!AllDigits(id)) return absl::InvalidArgumentError("a 15-digit number has only digits");
    std::string first17 = absl::StrCat(id.substr(0, 6), "19", id.substr(6));
    id = absl::StrCat(first17, std::string(1, IdCheckCharacter(first17)));
  } else if (id.size() == 18) {
    if (id[17] == 'x') id[17] = 'X';
    if (!AllDigits(absl::string_view(id).substr(0, 17)) ||
        !(std::isdigit(static_cast<unsigned char>(id[17])) || id[17] == 'X')) {
      return absl::InvalidArgumentError("must be 17 digits and a digit or X");
    }
    const char expected = IdCheckCharacter(id);
    if (id[17] != expected) {
      return absl::InvalidArgumentError(
          absl::StrCat("check character should be ", std::string(1, expected)));
    }
  } else {
    return absl::InvalidArgumentError("must have 18 characters (or 15 digits, legacy)");
  }
  const std::string date_text =
      absl::StrCat(id.substr(6, 4), "-", id.substr(10, 2), "-", id.substr(12, 2));
  std::optional<absl::CivilDay> birth = ParseDate(date_text);
  if (!birth)
    return absl::InvalidArgumentError(
        absl::StrCat("birth date ", date_text, " is not a real date"));
  if (*birth > today) {
    return absl::InvalidArgumentError(absl::StrCat("birth date ", date_text, " is in the future"));
  }
  const int sequence_last = id[16] - '0';
  return IdNumber{.canonical = id,
                  .division_code = id.substr(0, 6),
                  .birth_date = *birth,
                  .sex = (sequence_last % 2 == 1) ? Sex::kMale : Sex::kFemale};
}

std::string MaskIdNumber(absl::string_view canonical) {
  if (canonical.size() != 18) return std::string(canonical.size(), '*');
  return absl::StrCat(canonical.substr(0, 6), std::string(8, '*'), canonical.substr(14));
}

absl::string_view CurrentDivisionCode(absl::string_view code) {
  static constexpr std::array<std::pair<absl::string_view, absl::string_view>, 7> kRenamed = {{
      {"230105", "230104"},
      {"230106", "230110"},
      {"230107", "230110"},
      {"230121", "230111"},
      {"230122", "230112"},
      {"230181", "230112"},
      {"230182", "230113"},
  }};
  for (const auto& [old_code, current] : kRenamed) {
    if (old_code == code) return current;
  }
  return code;
}

}  // namespace screening::registry
