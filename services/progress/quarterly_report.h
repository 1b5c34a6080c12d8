// The quarterly report to the Development and Reform Commission (the seed's
// part 三), as pure functions: the cut-off, the figures, what changed between
// two versions, and the report rendered as CSV and as a Chinese document.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "common/programme.h"
#include "screening/v1/progress.pb.h"
#include "services/progress/progress_reader.h"
#include "services/progress/progress_store.h"

namespace screening::progress {

// The 25th of the quarter's last month: 25 March, June, September, December.
absl::CivilDay QuarterCutoff(int programme_year, int quarter);

// The report's figures from the counts as of the cut-off (totals, and per
// resident district in `as_of.groups`), against the targets and the
// districts' quotas. Projections and renderings are added separately.
v1::QuarterlyReport BuildReport(int programme_year, int quarter, const Counts& as_of,
                                const ProgrammeRules* rules, const DistrictQuotas& quotas);

// Every whole-number figure of a report, named (`persons_screened`,
// `type:colorectal`, `district:230102:persons_screened`, ...), in a fixed
// order: what a correction compares and the CSV lists.
std::vector<std::pair<std::string, int64_t>> ReportFigures(const v1::QuarterlyReport& report);

// The figures that differ between two versions, in figure order.
std::vector<v1::ReportChange> CompareReports(const v1::QuarterlyReport& before,
                                             const v1::QuarterlyReport& after);

// `section,key,value` lines under a header: the figures, the shares and the
// projections, then the changes of a correction.
std::string RenderCsv(const v1::QuarterlyReport& report);

// A Chinese-language Markdown document for the commission.
std::string RenderChineseDocument(const v1::QuarterlyReport& report);

}  // namespace screening::progress
