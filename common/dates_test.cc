#include "common/dates.h"

#include <gtest/gtest.h>

namespace screening {
namespace {

TEST(ParseDate, AcceptsRealDates) {
  EXPECT_EQ(ParseDate("2025-06-03"), absl::CivilDay(2025, 6, 3));
  EXPECT_EQ(ParseDate("2024-02-29"), absl::CivilDay(2024, 2, 29));
}

TEST(ParseDate, RejectsImpossibleAndMalformedDates) {
  EXPECT_EQ(ParseDate("2025-02-29"), std::nullopt);
  EXPECT_EQ(ParseDate("1980-02-30"), std::nullopt);
  EXPECT_EQ(ParseDate("2025-13-01"), std::nullopt);
  EXPECT_EQ(ParseDate("2025-6-3"), std::nullopt);
  EXPECT_EQ(ParseDate("20250603"), std::nullopt);
  EXPECT_EQ(ParseDate(""), std::nullopt);
  EXPECT_EQ(ParseDate("+025-06-03"), std::nullopt);
}

TEST(AgeOn, CountsCompletedYears) {
  const absl::CivilDay birth(1965, 6, 3);
  EXPECT_EQ(AgeOn(birth, absl::CivilDay(2025, 6, 2)), 59);
  EXPECT_EQ(AgeOn(birth, absl::CivilDay(2025, 6, 3)), 60);
  EXPECT_EQ(AgeOn(birth, absl::CivilDay(2026, 6, 2)), 60);
  EXPECT_EQ(AgeOn(birth, absl::CivilDay(2026, 6, 3)), 61);
}

TEST(AgeOn, LeapDayBirthdayCountsFromFirstOfMarch) {
  const absl::CivilDay birth(1980, 2, 29);
  EXPECT_EQ(AgeOn(birth, absl::CivilDay(2025, 2, 28)), 44);
  EXPECT_EQ(AgeOn(birth, absl::CivilDay(2025, 3, 1)), 45);
  EXPECT_EQ(AgeOn(birth, absl::CivilDay(2024, 2, 29)), 44);
}

TEST(FormatDate, PadsFields) { EXPECT_EQ(FormatDate(absl::CivilDay(2025, 3, 1)), "2025-03-01"); }

}  // namespace
}  // namespace screening
