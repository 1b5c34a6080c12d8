#include "services/progress/progress_service.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

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

namespace screening::progress {
namespace {

internal::v1::OutboxEvent Recorded(int resident, v1::ScreeningType type,
                                   const std::string& district) {
  internal::v1::OutboxEvent e;
  e.set_type(internal::v1::OUTBOX_EVENT_TYPE_RESULT_RECORDED);
  e.set_resident(absl::StrCat("residents/", resident));
  e.set_screening_type(type);
  e.set_programme_year(2025);
  e.set_resident_district_code(district);
  e.set_date("2025-03-04");
  e.set_hospital("hospitals/H1");
  return e;
}

TEST(CountBatch, SumsIncrementsAndKeepsEachPersonsFirstEvent) {
  std::vector<internal::v1::OutboxEvent> batch = {
      Recorded(7, v1::SCREENING_TYPE_FOUR_HIGHS, "230102"),
      Recorded(7, v1::SCREENING_TYPE_GASTRIC, "230103"),
      Recorded(8, v1::SCREENING_TYPE_NIPT, "230102")};
  batch[1].set_positive(true);
  BatchCounts counts = CountBatch(batch);
  ASSERT_EQ(counts.persons.size(), 1u) << "NIPT is not a person screened";
  EXPECT_EQ(counts.persons.begin()->second.screening_type(), v1::SCREENING_TYPE_FOUR_HIGHS);
  EXPECT_EQ(counts.person_types.size(), 2u);
  EXPECT_EQ((counts.increments.totals[{2025, "positives"}]), 1);
  EXPECT_EQ((counts.increments.totals[{2025, TypeMetric(v1::SCREENING_TYPE_NIPT)}]), 1);
  // The database says resident 7 is new, and new for four highs only.
  counts.CountNew({{2025, 7}}, {{2025, 7, static_cast<int>(v1::SCREENING_TYPE_FOUR_HIGHS)}});
  EXPECT_EQ((counts.increments.totals[{2025, PersonsScreenedMetric()}]), 1);
  EXPECT_EQ(
      (counts.increments.groups[{2025, "resident_district", "230102", PersonsScreenedMetric()}]), 1)
      << "counted where first screened";
  EXPECT_EQ(
      (counts.increments
           .groups[{2025, "day_resident_district", "2025-03-04/230102", PersonsScreenedMetric()}]),
      1);
  EXPECT_EQ((counts.increments.totals[{2025, TypeMetric(v1::SCREENING_TYPE_GASTRIC)}]), 0);
}

}  // namespace
}  // namespace screening::progress
