#include "services/progress/programme_metrics.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/scrape_metrics.h"

namespace screening::progress {

std::vector<prometheus::MetricFamily> ProgrammeFamilies(const v1::Progress& p) {
  const std::string year = absl::StrCat(p.programme_year());
  auto one = [&](double value) { return std::vector<Sample>{{{{"year", year}}, value}}; };
  // By target: the persons of the screenings for 45–60, and NIPT.
  auto by_target = [&](double persons, double nipt) {
    return std::vector<Sample>{{{{"year", year}, {"target", "persons"}}, persons},
                               {{{"year", year}, {"target", "nipt"}}, nipt}};
  };
  auto at_risk = [](const v1::Projection& projection) {
    return projection.status() == v1::PROJECTION_STATUS_AT_RISK ? 1.0 : 0.0;
  };
  return {
      GaugeFamily("screening_programme_screened",
                  "Persons screened (counted once a year) and NIPT tests, by target.",
                  by_target(p.persons_screened(), p.nipt_screened())),
      GaugeFamily("screening_programme_target", "The year's target, by target.",
                  by_target(p.persons_target(), p.nipt_target())),
      GaugeFamily("screening_programme_projected_year_end",
                  "Where the recent daily pace ends the year, by target.",
                  by_target(p.persons_projection().projected_year_end(),
                            p.nipt_projection().projected_year_end())),
      GaugeFamily("screening_programme_needed_daily_rate",
                  "Screenings a working day needed from now to meet the target, by target.",
                  by_target(p.persons_projection().needed_daily_rate(),
                            p.nipt_projection().needed_daily_rate())),
      GaugeFamily("screening_programme_daily_rate",
                  "Screenings a working day at the recent pace, by target.",
                  by_target(p.persons_projection().daily_rate(), p.nipt_projection().daily_rate())),
      GaugeFamily("screening_programme_at_risk",
                  "1 when the pace projects a miss of the year's target, by target.",
                  by_target(at_risk(p.persons_projection()), at_risk(p.nipt_projection()))),
      GaugeFamily("screening_programme_bookings", "Bookings made this year.", one(p.bookings())),
      GaugeFamily("screening_programme_positives", "Positive or high-risk results this year.",
                  one(p.positives())),
      GaugeFamily("screening_programme_referrals",
                  "Referrals this year, by state: opened, completed, withdrawn, and gone overdue "
                  "(each counted once, when it went overdue).",
                  {{{{"year", year}, {"state", "opened"}}, double(p.referrals_opened())},
                   {{{"year", year}, {"state", "completed"}}, double(p.referrals_completed())},
                   {{{"year", year}, {"state", "withdrawn"}}, double(p.referrals_withdrawn())},
                   {{{"year", year}, {"state", "overdue"}}, double(p.referrals_overdue())}}),
  };
}

}  // namespace screening::progress
