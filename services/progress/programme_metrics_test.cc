#include "services/progress/programme_metrics.h"

#include <gtest/gtest.h>

namespace screening::progress {
namespace {

// The value of `family`'s sample whose labels include `label`=`value`.
double ValueOf(const std::vector<prometheus::MetricFamily>& families, const std::string& family,
               const std::string& label, const std::string& value) {
  for (const auto& f : families) {
    if (f.name != family) continue;
    for (const auto& m : f.metric) {
      for (const auto& l : m.label) {
        if (l.name == label && l.value == value) return m.gauge.value;
      }
    }
  }
  ADD_FAILURE() << "no " << family << "{" << label << "=" << value << "}";
  return -1;
}

TEST(ProgrammeFamiliesTest, GaugesAreTheProgressFiguresByTargetAndYear) {
  v1::Progress p;
  p.set_programme_year(2025);
  p.set_persons_screened(412345);
  p.set_persons_target(800000);
  p.set_nipt_screened(3100);
  p.set_nipt_target(6000);
  p.mutable_persons_projection()->set_projected_year_end(790000);
  p.mutable_persons_projection()->set_status(v1::PROJECTION_STATUS_AT_RISK);
  p.mutable_nipt_projection()->set_projected_year_end(6400);
  p.mutable_nipt_projection()->set_status(v1::PROJECTION_STATUS_ON_TRACK);
  p.set_referrals_overdue(7);
  p.set_bookings(500000);
  auto families = ProgrammeFamilies(p);
  EXPECT_EQ(ValueOf(families, "screening_programme_screened", "target", "persons"), 412345);
  EXPECT_EQ(ValueOf(families, "screening_programme_screened", "target", "nipt"), 3100);
  EXPECT_EQ(ValueOf(families, "screening_programme_target", "target", "persons"), 800000);
  EXPECT_EQ(ValueOf(families, "screening_programme_projected_year_end", "target", "persons"),
            790000);
  EXPECT_EQ(ValueOf(families, "screening_programme_at_risk", "target", "persons"), 1);
  EXPECT_EQ(ValueOf(families, "screening_programme_at_risk", "target", "nipt"), 0);
  EXPECT_EQ(ValueOf(families, "screening_programme_referrals", "state", "overdue"), 7);
  EXPECT_EQ(ValueOf(families, "screening_programme_bookings", "year", "2025"), 500000);
  for (const auto& f : families) {
    EXPECT_EQ(f.type, prometheus::MetricType::Gauge) << f.name;
    EXPECT_FALSE(f.help.empty()) << f.name;
  }
}

}  // namespace
}  // namespace screening::progress
