#include "services/progress/projection.h"

#include <cmath>

#include "common/dates.h"

namespace screening::progress {

int WorkingDays(absl::CivilDay from, absl::CivilDay to) { return WeekdaysBetween(from, to); }

v1::Projection Project(const ProjectionInput& in) {
  v1::Projection p;
  if (in.target <= 0) return p;
  int64_t recent = 0;
  for (int64_t n : in.recent_daily) recent += n;
  const int window = static_cast<int>(in.recent_daily.size());
  const int window_working = window == 0 ? 0 : WorkingDays(in.today - window, in.today - 1);
  p.set_daily_rate(window_working == 0 ? 0.0 : static_cast<double>(recent) / window_working);
  const int left = in.today > in.year_end ? 0 : WorkingDays(in.today, in.year_end);
  p.set_working_days_left(left);
  p.set_projected_year_end(in.done + static_cast<int64_t>(std::floor(p.daily_rate() * left)));
  const int64_t remaining = in.target - in.done;
  if (remaining <= 0) {
    p.set_status(v1::PROJECTION_STATUS_REACHED);
    return p;
  }
  p.set_needed_daily_rate(left == 0 ? static_cast<double>(remaining)
                                    : static_cast<double>(remaining) / left);
  if (p.daily_rate() > 0) {
    // Walk the working days until the pace covers what remains.
    double reached = static_cast<double>(in.done);
    for (absl::CivilDay d = in.today; d <= in.year_end; ++d) {
      if (WeekdaysBetween(d, d) == 0) continue;
      reached += p.daily_rate();
      if (reached + 1e-9 >= static_cast<double>(in.target)) {
        p.set_target_date(FormatDate(d));
        break;
      }
    }
  }
  p.set_status(p.target_date().empty() ? v1::PROJECTION_STATUS_AT_RISK
                                       : v1::PROJECTION_STATUS_ON_TRACK);
  return p;
}

}  // namespace screening::progress
