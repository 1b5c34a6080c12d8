#include "services/progress/progress_service.h"

#include <gtest/gtest.h>

namespace screening::progress {
namespace {

TEST(MakeProgress, SharesAgainstConfiguredTargets) {
  Counts counts;
  counts.metrics[PersonsScreenedMetric()] = 200000;
  counts.metrics[TypeMetric(v1::SCREENING_TYPE_FOUR_HIGHS)] = 150000;
  counts.metrics[TypeMetric(v1::SCREENING_TYPE_NIPT)] = 1500;
  counts.offset = "9:3";
  const ProgrammeRules rules;  // 2025: 800,000 and 6,000
  v1::Progress p = MakeProgress(2025, counts, &rules);
  EXPECT_EQ(p.persons_screened(), 200000);
  EXPECT_EQ(p.persons_target(), 800000);
  EXPECT_DOUBLE_EQ(p.persons_share(), 0.25);
  EXPECT_EQ(p.nipt_screened(), 1500);
  EXPECT_DOUBLE_EQ(p.nipt_share(), 0.25);
  ASSERT_EQ(p.by_type_size(), 4);
  EXPECT_EQ(p.by_type(2).screening_type(), v1::SCREENING_TYPE_FOUR_HIGHS);
  EXPECT_EQ(p.by_type(2).persons_screened(), 150000);
  EXPECT_EQ(p.by_type(0).persons_screened(), 0);
  EXPECT_EQ(p.offset(), "9:3");
}

TEST(MakeProgress, YearsWithoutAProgrammeHaveNoTarget) {
  v1::Progress p = MakeProgress(2026, Counts{}, nullptr);
  EXPECT_EQ(p.persons_target(), 0);
  EXPECT_DOUBLE_EQ(p.persons_share(), 0.0);
}

}  // namespace
}  // namespace screening::progress
