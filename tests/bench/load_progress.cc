// Puts a programme year's progress where 800,000 screened persons would leave
// it, for the console's benchmarks (bench_console_paint): it migrates a
// database and feeds the progress service's own counting (ProgressStore::
// ConsumeBatch, as the outbox consumer does) with one result event per
// person, spread over the working days of the year up to --until and over
// the 18 districts, and --nipt NIPT results. Recording that many results
// through the API would take the better part of an hour; the counters,
// breakdowns and screened-person rows the dashboard reads are the same.
//
//   load_progress --database_url="host=... dbname=..." [--persons=800000]
//                 [--nipt=6000] [--programme_year=2026] [--until=2026-11-30]
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "common/dates.h"
#include "common/db.h"
#include "common/districts.h"
#include "common/help_flags.h"
#include "services/progress/progress_store.h"
#include "services/screeningd/app.h"

ABSL_FLAG(std::string, database_url, "", "libpq settings of the database to fill (required).");
ABSL_FLAG(int, persons, 800000, "Persons screened (one result each).");
ABSL_FLAG(int, nipt, 6000, "NIPT results.");
ABSL_FLAG(int, programme_year, 0, "The programme year; 0 for this year in China.");
ABSL_FLAG(std::string, until, "", "The last day with results (YYYY-MM-DD); empty for yesterday.");

namespace screening {
namespace {

constexpr int kBatch = 5000;
// Outbox offsets below any real transaction id, so that results recorded
// after the load are still counted after it.
std::string Offset(int64_t seq) { return absl::StrCat("1:", seq); }

int Run() {
  const std::string url = absl::GetFlag(FLAGS_database_url);
  if (url.empty()) {
    std::fprintf(stderr, "load_progress: --database_url is required\n");
    return 2;
  }
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), HarbinTimeZone());
  const int year = absl::GetFlag(FLAGS_programme_year) == 0 ? static_cast<int>(today.year())
                                                            : absl::GetFlag(FLAGS_programme_year);
  absl::CivilDay until = today - 1;
  if (!absl::GetFlag(FLAGS_until).empty() &&
      !absl::ParseCivilTime(absl::GetFlag(FLAGS_until), &until)) {
    std::fprintf(stderr, "load_progress: --until must be YYYY-MM-DD\n");
    return 2;
  }
  std::vector<std::string> days;  // the working days (Monday to Friday) of the year until then
  for (absl::CivilDay d(year, 1, 2); d <= until && d.year() == year; ++d) {
    const absl::Weekday w = absl::GetWeekday(d);
    if (w != absl::Weekday::saturday && w != absl::Weekday::sunday) days.push_back(FormatDate(d));
  }
  if (days.empty()) {
    std::fprintf(stderr, "load_progress: no working day in %d until %s\n", year,
                 FormatDate(until).c_str());
    return 2;
  }
  if (absl::Status migrated =
          MigrateServices(url, {"admin", "registry", "scheduling", "results", "progress"});
      !migrated.ok()) {
    std::fprintf(stderr, "load_progress: %s\n", migrated.ToString().c_str());
    return 1;
  }
  db::Pool pool({.url = db::ConnectionStringForUser(url, "screening_progress", ""), .size = 1});
  progress::ProgressStore store(pool);
  const auto districts = HarbinDistricts();
  const int persons = absl::GetFlag(FLAGS_persons), nipt = absl::GetFlag(FLAGS_nipt);
  const int64_t total = int64_t{persons} + nipt;
  const absl::Time start = absl::Now();
  int64_t next = 0;
  while (next < total) {
    auto applied = store.ConsumeBatch(
        "results",
        [&](const std::string&) -> absl::StatusOr<std::vector<internal::v1::OutboxEvent>> {
          std::vector<internal::v1::OutboxEvent> events;
          for (; next < total && static_cast<int>(events.size()) < kBatch; ++next) {
            internal::v1::OutboxEvent& e = events.emplace_back();
            // Person i is screened on a day that grows with i, so that the
            // trend rises through the year.
            const bool is_nipt = next >= persons;
            const int64_t i = is_nipt ? next - persons : next;
            const int64_t of = is_nipt ? nipt : persons;
            const auto& district = districts[i % districts.size()];
            e.set_offset(Offset(next + 1));
            e.set_type(internal::v1::OUTBOX_EVENT_TYPE_RESULT_RECORDED);
            e.set_resident(absl::StrCat("residents/", next + 1));
            e.set_screening_type(is_nipt ? v1::SCREENING_TYPE_NIPT : v1::SCREENING_TYPE_FOUR_HIGHS);
            e.set_programme_year(year);
            e.set_hospital(absl::StrCat("hospitals/HRB-", district.code, "-01"));
            e.set_result(absl::StrCat("results/", next + 1));
            e.set_resident_district_code(std::string(district.code));
            e.set_hospital_district_code(std::string(district.code));
            e.set_date(days[static_cast<size_t>(i * static_cast<int64_t>(days.size()) / of)]);
            e.set_positive(i % 20 == 0);
          }
          return events;
        });
    if (!applied.ok()) {
      std::fprintf(stderr, "load_progress: %s\n", applied.status().ToString().c_str());
      return 1;
    }
  }
  std::printf("loaded %d persons and %d NIPT results over %zu working days of %d in %.1f s\n",
              persons, nipt, days.size(), year, absl::ToDoubleSeconds(absl::Now() - start));
  return 0;
}

}  // namespace
}  // namespace screening

int main(int argc, char** argv) {
  screening::ShowFlagsOfFileInHelp(__FILE__);
  absl::SetProgramUsageMessage("usage: load_progress --database_url=...: fills a year's progress");
  absl::ParseCommandLine(argc, argv);
  return screening::Run();
}
