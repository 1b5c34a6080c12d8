#include "common/dates.h"

#include <cctype>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"

namespace screening {

std::optional<absl::CivilDay> ParseDate(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  }
  int year = 0, month = 0, day = 0;
  const std::string digits(text);
  if (!absl::SimpleAtoi(digits.substr(0, 4), &year) ||
      !absl::SimpleAtoi(digits.substr(5, 2), &month) ||
      !absl::SimpleAtoi(digits.substr(8, 2), &day)) {
    return std::nullopt;
  }
  if (year < 1800 || year > 2200) return std::nullopt;
  absl::CivilDay parsed(year, month, day);
  // CivilDay normalises 2025-02-30 to 2025-03-02; a real date survives unchanged.
  if (parsed.year() != year || parsed.month() != month || parsed.day() != day) {
    return std::nullopt;
  }
  return parsed;
}

std::string FormatDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

std::string FormatTimestamp(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

int AgeOn(absl::CivilDay birth, absl::CivilDay on) {
  int age = static_cast<int>(on.year() - birth.year());
  if (on.month() < birth.month() || (on.month() == birth.month() && on.day() < birth.day())) {
    --age;
  }
  return age;
}

int WeekdaysBetween(absl::CivilDay from, absl::CivilDay to) {
  int days = 0;
  for (absl::CivilDay d = from; d <= to; ++d) {
    const absl::Weekday w = absl::GetWeekday(d);
    if (w != absl::Weekday::saturday && w != absl::Weekday::sunday) ++days;
  }
  return days;
}

}  // namespace screening
