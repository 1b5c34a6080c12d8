// Calendar dates as the API writes them: `YYYY-MM-DD`.
#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace screening {

// Parses exactly `YYYY-MM-DD` (a real date, years 1800-2200); nullopt otherwise.
std::optional<absl::CivilDay> ParseDate(absl::string_view text);

// `YYYY-MM-DD`.
std::string FormatDate(absl::CivilDay day);

// RFC 3339 in UTC, e.g. `2025-03-01T02:00:00Z`.
std::string FormatTimestamp(absl::Time time);

// Age in completed years (周岁) on `on`: birthdays on 29 February count from
// 1 March in common years.
int AgeOn(absl::CivilDay birth, absl::CivilDay on);

// Monday to Friday days from `from` to `to`, both inclusive (0 when `to`
// is before `from`): the programme's working days, holidays aside.
int WeekdaysBetween(absl::CivilDay from, absl::CivilDay to);

}  // namespace screening
