#include "services/progress/quarterly_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace screening::progress {
namespace {

using ::testing::HasSubstr;

TEST(QuarterCutoff, TheTwentyFifthOfEachQuartersLastMonth) {
  EXPECT_EQ(QuarterCutoff(2025, 1), absl::CivilDay(2025, 3, 25));
  EXPECT_EQ(QuarterCutoff(2025, 2), absl::CivilDay(2025, 6, 25));
  EXPECT_EQ(QuarterCutoff(2025, 3), absl::CivilDay(2025, 9, 25));
  EXPECT_EQ(QuarterCutoff(2025, 4), absl::CivilDay(2025, 12, 25));
}

Counts AsOf() {
  Counts c;
  c.metrics = {{PersonsScreenedMetric(), 200000},
               {TypeMetric(v1::SCREENING_TYPE_FOUR_HIGHS), 180000},
               {TypeMetric(v1::SCREENING_TYPE_NIPT), 1500},
               {"positives", 12000},
               {"referrals_opened", 12000},
               {"referrals_completed", 9000}};
  c.groups["230102"] = {{PersonsScreenedMetric(), 30000},
                        {TypeMetric(v1::SCREENING_TYPE_NIPT), 200},
                        {"positives", 1800}};
  return c;
}

TEST(BuildReport, TotalsDistrictsAndShares) {
  const ProgrammeRules rules;  // 800,000 and 6,000
  const v1::QuarterlyReport r = BuildReport(2025, 2, AsOf(), &rules, {{"230102", 120000}});
  EXPECT_EQ(r.cutoff_date(), "2025-06-25");
  EXPECT_EQ(r.status(), v1::REPORT_STATUS_DRAFT);
  EXPECT_EQ(r.totals().persons_screened(), 200000);
  EXPECT_DOUBLE_EQ(r.totals().persons_share(), 0.25);
  EXPECT_DOUBLE_EQ(r.totals().nipt_share(), 0.25);
  EXPECT_DOUBLE_EQ(r.referral_completion(), 0.75);
  ASSERT_EQ(r.districts_size(), 18) << "every district, screened or not";
  EXPECT_EQ(r.districts(0).district_code(), "230102");
  EXPECT_EQ(r.districts(0).district_name(), "道里区");
  EXPECT_EQ(r.districts(0).persons_screened(), 30000);
  EXPECT_EQ(r.districts(0).persons_quota(), 120000);
  EXPECT_DOUBLE_EQ(r.districts(0).share(), 0.25);
  EXPECT_EQ(r.districts(0).nipt_screened(), 200);
  EXPECT_EQ(r.districts(1).persons_screened(), 0);
  EXPECT_DOUBLE_EQ(r.districts(1).share(), 0.0) << "no quota: no share";
}

TEST(CompareReports, ListsEveryFigureThatMoved) {
  const ProgrammeRules rules;
  const v1::QuarterlyReport before = BuildReport(2025, 1, AsOf(), &rules, {});
  Counts corrected = AsOf();
  corrected.metrics[PersonsScreenedMetric()] += 3;
  corrected.groups["230102"][PersonsScreenedMetric()] += 3;
  const v1::QuarterlyReport after = BuildReport(2025, 1, corrected, &rules, {});
  const auto changes = CompareReports(before, after);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].figure(), "persons_screened");
  EXPECT_EQ(changes[0].before(), 200000);
  EXPECT_EQ(changes[0].after(), 200003);
  EXPECT_EQ(changes[1].figure(), "district:230102:persons_screened");
  EXPECT_TRUE(CompareReports(before, before).empty());
}

TEST(RenderCsv, OneFigurePerLine) {
  const ProgrammeRules rules;
  v1::QuarterlyReport r = BuildReport(2025, 1, AsOf(), &rules, {});
  r.set_version(2);
  auto* change = r.add_changes();
  change->set_figure("persons_screened");
  change->set_before(199997);
  change->set_after(200000);
  const std::string csv = RenderCsv(r);
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "section,key,value");
  EXPECT_THAT(csv, HasSubstr("\nreport,cutoff_date,2025-03-25\n"));
  EXPECT_THAT(csv, HasSubstr("\nreport,version,2\n"));
  EXPECT_THAT(csv, HasSubstr("\nfigure,persons_screened,200000\n"));
  EXPECT_THAT(csv, HasSubstr("\nfigure,type:four_highs,180000\n"));
  EXPECT_THAT(csv, HasSubstr("\ndistrict,district:230102:persons_screened,30000\n"));
  EXPECT_THAT(csv, HasSubstr("\nshare,persons,0.2500\n"));
  EXPECT_THAT(csv, HasSubstr("\nshare,referral_completion,0.7500\n"));
  EXPECT_THAT(csv, HasSubstr("\nchange,persons_screened,199997->200000\n"));
  // Every line has three fields.
  size_t start = 0;
  while (start < csv.size()) {
    const size_t end = csv.find('\n', start);
    const std::string line = csv.substr(start, end - start);
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), 2) << line;
    start = end + 1;
  }
}

TEST(RenderChineseDocument, TheCommissionsReport) {
  const ProgrammeRules rules;
  v1::QuarterlyReport draft = BuildReport(2025, 1, AsOf(), &rules, {{"230102", 120000}});
  const std::string md = RenderChineseDocument(draft);
  EXPECT_THAT(md, HasSubstr("# 哈尔滨市2025年民生实事免费筛查项目第一季度进展报告"));
  EXPECT_THAT(md, HasSubstr("统计截止日期：2025年3月25日"));
  EXPECT_THAT(md, HasSubstr("草稿"));
  EXPECT_THAT(md, HasSubstr("| 45–60岁居民免费筛查（人） | 200000 | 800000 | 25.0% |"));
  EXPECT_THAT(md, HasSubstr("| 道里区 | 30000 | 120000 | 25.0% | 200 | 1800 |"));
  EXPECT_THAT(md, HasSubstr("完成率 75.0%"));

  v1::QuarterlyReport signed_off = draft;
  signed_off.set_version(2);
  signed_off.set_signed_off_by("commission:hrb");
  signed_off.set_correction_reason("补录3月25日检验结果");
  auto* change = signed_off.add_changes();
  change->set_figure("persons_screened");
  change->set_before(199997);
  change->set_after(200000);
  const std::string corrected = RenderChineseDocument(signed_off);
  EXPECT_THAT(corrected, HasSubstr("第2版"));
  EXPECT_THAT(corrected, HasSubstr("更正原因：补录3月25日检验结果"));
  EXPECT_THAT(corrected, HasSubstr("| persons_screened | 199997 | 200000 |"));
  EXPECT_THAT(corrected, ::testing::Not(HasSubstr("草稿")));
}

}  // namespace
}  // namespace screening::progress
