// Projection toward a target (issue 7 part 3), pure: from the recent daily
// rate, the year-end total, the day the target is reached, the rate needed
// over the working days left, and whether the target is on track.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/time/civil_time.h"
#include "screening/v1/progress.pb.h"

namespace screening::progress {

struct ProjectionInput {
  int64_t done = 0;    // counted so far
  int64_t target = 0;  // the year's target
  absl::CivilDay today;
  absl::CivilDay year_end;  // the deadline, inclusive
  // Counts per day over the recent window, oldest first, ending yesterday
  // (today is not over yet).
  std::vector<int64_t> recent_daily;
};

// Working days (Monday to Friday) from `from` to `to`, both inclusive.
int WorkingDays(absl::CivilDay from, absl::CivilDay to);

// The recent rate is per working day of the window; screening happens on
// working days, so the projection spends it over the working days left
// (today included).
v1::Projection Project(const ProjectionInput& in);

}  // namespace screening::progress
