#include "services/progress/quarterly_report.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/dates.h"
#include "common/districts.h"
#include "services/progress/progress_service.h"

namespace screening::progress {
namespace {

int64_t Metric(const std::map<std::string, int64_t>& metrics, const std::string& name) {
  auto it = metrics.find(name);
  return it == metrics.end() ? 0 : it->second;
}

double Share(int64_t count, int64_t target) {
  return target > 0 ? static_cast<double>(count) / static_cast<double>(target) : 0.0;
}

constexpr v1::ScreeningType kTypes[] = {v1::SCREENING_TYPE_COLORECTAL, v1::SCREENING_TYPE_GASTRIC,
                                        v1::SCREENING_TYPE_FOUR_HIGHS, v1::SCREENING_TYPE_NIPT};

std::string TypeKey(v1::ScreeningType type) {
  switch (type) {
    case v1::SCREENING_TYPE_COLORECTAL:
      return "colorectal";
    case v1::SCREENING_TYPE_GASTRIC:
      return "gastric";
    case v1::SCREENING_TYPE_FOUR_HIGHS:
      return "four_highs";
    default:
      return "nipt";
  }
}

std::string TypeNameZh(v1::ScreeningType type) {
  switch (type) {
    case v1::SCREENING_TYPE_COLORECTAL:
      return "结直肠癌筛查";
    case v1::SCREENING_TYPE_GASTRIC:
      return "胃癌筛查";
    case v1::SCREENING_TYPE_FOUR_HIGHS:
      return "“四高”筛查";
    default:
      return "无创产前基因检测（NIPT）";
  }
}

std::string StatusZh(v1::ProjectionStatus status) {
  switch (status) {
    case v1::PROJECTION_STATUS_REACHED:
      return "已完成";
    case v1::PROJECTION_STATUS_ON_TRACK:
      return "按期可完成";
    case v1::PROJECTION_STATUS_AT_RISK:
      return "存在风险";
    default:
      return "—";
  }
}

std::string Percent(double share) { return absl::StrFormat("%.1f%%", share * 100.0); }

std::string ChineseDate(const std::string& iso) {
  // "2025-03-25" → "2025年3月25日"
  if (iso.size() != 10) return iso;
  return absl::StrCat(iso.substr(0, 4), "年", std::stoi(iso.substr(5, 2)), "月",
                      std::stoi(iso.substr(8, 2)), "日");
}

const char* kQuarterZh[] = {"", "第一季度", "第二季度", "第三季度", "第四季度"};

}  // namespace

absl::CivilDay QuarterCutoff(int programme_year, int quarter) {
  return absl::CivilDay(programme_year, quarter * 3, 25);
}

v1::QuarterlyReport BuildReport(int programme_year, int quarter, const Counts& as_of,
                                const ProgrammeRules* rules, const DistrictQuotas& quotas) {
  v1::QuarterlyReport r;
  r.set_programme_year(programme_year);
  r.set_quarter(quarter);
  r.set_cutoff_date(FormatDate(QuarterCutoff(programme_year, quarter)));
  r.set_status(v1::REPORT_STATUS_DRAFT);
  *r.mutable_totals() = MakeProgress(programme_year, Counts{.metrics = as_of.metrics}, rules);
  r.mutable_totals()->clear_offset();  // a report is as of a day, not of an event
  const v1::Progress& t = r.totals();
  r.set_referral_completion(Share(t.referrals_completed(), t.referrals_opened()));
  for (const District& d : HarbinDistricts()) {
    const std::string code(d.code);
    auto* line = r.add_districts();
    line->set_district_code(code);
    line->set_district_name(std::string(d.name));
    auto group = as_of.groups.find(code);
    const std::map<std::string, int64_t> none;
    const auto& metrics = group == as_of.groups.end() ? none : group->second;
    line->set_persons_screened(Metric(metrics, PersonsScreenedMetric()));
    line->set_nipt_screened(Metric(metrics, TypeMetric(v1::SCREENING_TYPE_NIPT)));
    line->set_positives(Metric(metrics, "positives"));
    auto quota = quotas.find(code);
    line->set_persons_quota(quota == quotas.end() ? 0 : quota->second);
    line->set_share(Share(line->persons_screened(), line->persons_quota()));
  }
  return r;
}

std::vector<std::pair<std::string, int64_t>> ReportFigures(const v1::QuarterlyReport& report) {
  const v1::Progress& t = report.totals();
  std::vector<std::pair<std::string, int64_t>> figures = {
      {"persons_screened", t.persons_screened()},
      {"persons_target", t.persons_target()},
      {"nipt_screened", t.nipt_screened()},
      {"nipt_target", t.nipt_target()}};
  for (const auto& by_type : t.by_type()) {
    figures.emplace_back(absl::StrCat("type:", TypeKey(by_type.screening_type())),
                         by_type.persons_screened());
  }
  for (const CounterField& f : CounterFields()) figures.emplace_back(f.metric, (t.*f.get)());
  for (const auto& d : report.districts()) {
    const std::string prefix = absl::StrCat("district:", d.district_code(), ":");
    figures.emplace_back(prefix + "persons_screened", d.persons_screened());
    figures.emplace_back(prefix + "persons_quota", d.persons_quota());
    figures.emplace_back(prefix + "nipt_screened", d.nipt_screened());
    figures.emplace_back(prefix + "positives", d.positives());
  }
  return figures;
}

std::vector<v1::ReportChange> CompareReports(const v1::QuarterlyReport& before,
                                             const v1::QuarterlyReport& after) {
  std::map<std::string, int64_t> old_values;
  for (const auto& [figure, value] : ReportFigures(before)) old_values[figure] = value;
  std::vector<v1::ReportChange> changes;
  for (const auto& [figure, value] : ReportFigures(after)) {
    auto it = old_values.find(figure);
    const int64_t old_value = it == old_values.end() ? 0 : it->second;
    if (old_value == value) continue;
    v1::ReportChange& c = changes.emplace_back();
    c.set_figure(figure);
    c.set_before(old_value);
    c.set_after(value);
  }
  return changes;
}

std::string RenderCsv(const v1::QuarterlyReport& r) {
  std::string csv = "section,key,value\n";
  auto line = [&](absl::string_view section, absl::string_view key, absl::string_view value) {
    absl::StrAppend(&csv, section, ",", key, ",", value, "\n");
  };
  line("report", "programme_year", absl::StrCat(r.programme_year()));
  line("report", "quarter", absl::StrCat(r.quarter()));
  line("report", "cutoff_date", r.cutoff_date());
  line("report", "version", absl::StrCat(r.version()));
  for (const auto& [figure, value] : ReportFigures(r)) {
    line(absl::StartsWith(figure, "district:") ? "district" : "figure", figure,
         absl::StrCat(value));
  }
  line("share", "persons", absl::StrFormat("%.4f", r.totals().persons_share()));
  line("share", "nipt", absl::StrFormat("%.4f", r.totals().nipt_share()));
  line("share", "referral_completion", absl::StrFormat("%.4f", r.referral_completion()));
  for (const auto& [name, p] : {std::pair{"persons", &r.totals().persons_projection()},
                                std::pair{"nipt", &r.totals().nipt_projection()}}) {
    const std::string key = absl::StrCat(name, ":");
    line("projection", key + "daily_rate", absl::StrFormat("%.2f", p->daily_rate()));
    line("projection", key + "projected_year_end", absl::StrCat(p->projected_year_end()));
    line("projection", key + "target_date", p->target_date());
    line("projection", key + "status", v1::ProjectionStatus_Name(p->status()));
  }
  for (const auto& c : r.changes()) {
    line("change", c.figure(), absl::StrCat(c.before(), "->", c.after()));
  }
  return csv;
}

std::string RenderChineseDocument(const v1::QuarterlyReport& r) {
  const v1::Progress& t = r.totals();
  std::string md;
  absl::StrAppend(&md, "# 哈尔滨市", r.programme_year(), "年民生实事免费筛查项目",
                  kQuarterZh[r.quarter()], "进展报告\n\n");
  absl::StrAppend(&md, "- 统计截止日期：", ChineseDate(r.cutoff_date()), "\n");
  if (r.version() == 0) {
    absl::StrAppend(&md, "- 状态：草稿（未签发）\n");
  } else {
    absl::StrAppend(&md, "- 版本：第", r.version(), "版，签发人：", r.signed_off_by(),
                    "，签发时间：", r.sign_off_time(), "\n");
    if (!r.correction_reason().empty()) {
      absl::StrAppend(&md, "- 更正原因：", r.correction_reason(), "\n");
    }
  }
  absl::StrAppend(&md,
                  "\n## 一、总体完成情况\n\n| 指标 | 已完成 | 年度目标 | 完成率 |\n| --- | ---: | "
                  "---: | ---: |\n");
  absl::StrAppend(&md, "| 45–60岁居民免费筛查（人） | ", t.persons_screened(), " | ",
                  t.persons_target(), " | ", Percent(t.persons_share()), " |\n");
  absl::StrAppend(&md, "| 孕妇免费无创产前基因检测（人次） | ", t.nipt_screened(), " | ",
                  t.nipt_target(), " | ", Percent(t.nipt_share()), " |\n");
  absl::StrAppend(&md, "\n## 二、分项目完成情况\n\n| 筛查项目 | 人数 |\n| --- | ---: |\n");
  for (const auto& by_type : t.by_type()) {
    absl::StrAppend(&md, "| ", TypeNameZh(by_type.screening_type()), " | ",
                    by_type.persons_screened(), " |\n");
  }
  absl::StrAppend(
      &md,
      "\n## 三、分区县（市）完成情况\n\n| 区县（市） | 已筛查（人） | 分配任务（人） | "
      "完成率 | NIPT（人次） | 阳性/高风险 |\n| --- | ---: | ---: | ---: | ---: | ---: |\n");
  for (const auto& d : r.districts()) {
    absl::StrAppend(&md, "| ", d.district_name(), " | ", d.persons_screened(), " | ",
                    d.persons_quota(), " | ",
                    d.persons_quota() > 0 ? Percent(d.share()) : std::string("—"), " | ",
                    d.nipt_screened(), " | ", d.positives(), " |\n");
  }
  absl::StrAppend(&md, "\n## 四、阳性结果与转诊随访\n\n");
  absl::StrAppend(&md, "- 阳性或高风险结果：", t.positives(), " 例\n");
  absl::StrAppend(&md, "- 转诊：已发起 ", t.referrals_opened(), " 例，已完成随访 ",
                  t.referrals_completed(), " 例，完成率 ", Percent(r.referral_completion()),
                  "；超期 ", t.referrals_overdue(), " 例\n");
  absl::StrAppend(&md, "- 样本不合格需重新采样：", t.samples_failed(), " 例\n");
  absl::StrAppend(&md, "- 预约 ", t.bookings(), " 人次，取消 ", t.cancellations(), " 人次，爽约 ",
                  t.no_shows(), " 人次\n");
  absl::StrAppend(
      &md,
      "\n## 五、进度预测\n\n| 目标 | 近期日均（工作日） | 预计年底完成 | 预计达标日期 | "
      "所需日均 | 判断 |\n| --- | ---: | ---: | --- | ---: | --- |\n");
  for (const auto& [name, p] :
       {std::pair{"居民筛查", &t.persons_projection()}, std::pair{"NIPT", &t.nipt_projection()}}) {
    absl::StrAppend(&md, "| ", name, " | ", absl::StrFormat("%.1f", p->daily_rate()), " | ",
                    p->projected_year_end(), " | ",
                    p->target_date().empty() ? std::string("—") : ChineseDate(p->target_date()),
                    " | ", absl::StrFormat("%.1f", p->needed_daily_rate()), " | ",
                    StatusZh(p->status()), " |\n");
  }
  if (r.changes_size() > 0) {
    absl::StrAppend(
        &md, "\n## 六、与上一版相比的更正\n\n| 指标 | 原数值 | 更正后 |\n| --- | ---: | ---: |\n");
    for (const auto& c : r.changes()) {
      absl::StrAppend(&md, "| ", c.figure(), " | ", c.before(), " | ", c.after(), " |\n");
    }
  }
  return md;
}

}  // namespace screening::progress
