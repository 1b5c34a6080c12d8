#include "services/progress/projection.h"

#include <gtest/gtest.h>

namespace screening::progress {
namespace {

TEST(Projection, OnTrackAtTheRecentPace) {
  // 2025-12-01 is a Monday; 23 working days to 31 December inclusive.
  ProjectionInput in{.done = 790000,
                     .target = 800000,
                     .today = absl::CivilDay(2025, 12, 1),
                     .year_end = absl::CivilDay(2025, 12, 31)};
  // The last 14 days (10 working days) screened 1,000 a working day.
  in.recent_daily = std::vector<int64_t>(14, 0);
  for (int i = 0; i < 14; ++i) {
    const absl::CivilDay d = in.today - 14 + i;
    const auto w = absl::GetWeekday(d);
    if (w != absl::Weekday::saturday && w != absl::Weekday::sunday) in.recent_daily[i] = 1000;
  }
  const v1::Projection p = Project(in);
  EXPECT_EQ(WorkingDays(in.today, in.year_end), 23);
  EXPECT_DOUBLE_EQ(p.daily_rate(), 1000);
  EXPECT_EQ(p.working_days_left(), 23);
  EXPECT_EQ(p.projected_year_end(), 813000);
  EXPECT_EQ(p.target_date(), "2025-12-12") << "the tenth working day";
  EXPECT_DOUBLE_EQ(p.needed_daily_rate(), 10000.0 / 23);
  EXPECT_EQ(p.status(), v1::PROJECTION_STATUS_ON_TRACK);
}

TEST(Projection, AtRiskWhenThePaceFallsShort) {
  ProjectionInput in{.done = 700000,
                     .target = 800000,
                     .today = absl::CivilDay(2025, 12, 1),
                     .year_end = absl::CivilDay(2025, 12, 31),
                     .recent_daily = std::vector<int64_t>(14, 2000)};  // weekends too
  const v1::Projection p = Project(in);
  EXPECT_DOUBLE_EQ(p.daily_rate(), 2800) << "28,000 over 10 working days";
  EXPECT_EQ(p.projected_year_end(), 700000 + 2800 * 23);
  EXPECT_TRUE(p.target_date().empty());
  EXPECT_NEAR(p.needed_daily_rate(), 100000.0 / 23, 1e-9);
  EXPECT_EQ(p.status(), v1::PROJECTION_STATUS_AT_RISK);
}

TEST(Projection, ReachedNoHistoryAndPastTheDeadline) {
  ProjectionInput reached{.done = 6001,
                          .target = 6000,
                          .today = absl::CivilDay(2025, 10, 1),
                          .year_end = absl::CivilDay(2025, 12, 31)};
  EXPECT_EQ(Project(reached).status(), v1::PROJECTION_STATUS_REACHED);
  ProjectionInput idle{.done = 0,
                       .target = 6000,
                       .today = absl::CivilDay(2025, 1, 2),
                       .year_end = absl::CivilDay(2025, 12, 31)};
  const v1::Projection p = Project(idle);
  EXPECT_DOUBLE_EQ(p.daily_rate(), 0);
  EXPECT_EQ(p.status(), v1::PROJECTION_STATUS_AT_RISK);
  EXPECT_GT(p.needed_daily_rate(), 0);
  ProjectionInput late = idle;
  late.today = absl::CivilDay(2026, 1, 5);
  EXPECT_EQ(Project(late).working_days_left(), 0);
  EXPECT_DOUBLE_EQ(Project(late).needed_daily_rate(), 6000);
  EXPECT_EQ(Project(ProjectionInput{}).status(), v1::PROJECTION_STATUS_UNSPECIFIED) << "no target";
}

}  // namespace
}  // namespace screening::progress
