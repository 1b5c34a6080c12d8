#include "services/scheduling/allocation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>

#include "common/districts.h"

namespace screening::scheduling {
namespace {

using Caps = std::vector<std::optional<int64_t>>;

TEST(SplitCapped, TheDomainExampleSplitsHarbinsTargetByPopulation) {
  std::vector<int64_t> population;
  for (const District& d : HarbinDistricts()) population.push_back(d.population_2010);
  const std::vector<int64_t> parts =
      SplitCapped(800000, population, Caps(population.size(), std::nullopt));
  EXPECT_EQ(parts,
            (std::vector<int64_t>{69482, 101080, 68178, 14310, 17815, 68929, 57506, 44893, 62101,
                                  29208, 15333, 41465, 44419, 20886, 15844, 18237, 44031, 66283}));
}

TEST(SplitCapped, ACappedPartIsHeldAndTheRestReSplit) {
  // 100 by 1:1:2, the last capped at 30: 30, then 70 split 1:1.
  EXPECT_EQ(SplitCapped(100, {1, 1, 2}, {std::nullopt, std::nullopt, 30}),
            (std::vector<int64_t>{35, 35, 30}));
  // Not enough room: everyone at their cap.
  EXPECT_EQ(SplitCapped(100, {5, 5}, {10, 20}), (std::vector<int64_t>{10, 20}));
  // No weights: the caps are the weights.
  EXPECT_EQ(SplitCapped(30, {0, 0}, {10, 20}), (std::vector<int64_t>{10, 20}));
  // A part with no room takes nothing.
  EXPECT_EQ(SplitCapped(9, {1, 1, 1}, {0, std::nullopt, std::nullopt}),
            (std::vector<int64_t>{0, 5, 4}));
  EXPECT_EQ(SplitCapped(0, {1, 2}, {5, 5}), (std::vector<int64_t>{0, 0}));
}

// Property: for random weights and caps, the parts sum to min(total, room),
// none passes its cap, and each is within one of its exact share.
TEST(SplitCapped, PropertiesHoldForRandomInputs) {
  std::mt19937_64 random(20251128);
  for (int round = 0; round < 5000; ++round) {
    const int n = 1 + static_cast<int>(random() % 12);
    std::vector<int64_t> weights(n);
    Caps caps(n);
    int64_t room = 0;
    bool unlimited = false;
    for (int i = 0; i < n; ++i) {
      weights[i] = static_cast<int64_t>(random() % 1000000);
      if (random() % 4 == 0) {
        caps[i] = std::nullopt;
        if (weights[i] > 0) unlimited = true;
      } else {
        caps[i] = static_cast<int64_t>(random() % 200000);
        if (weights[i] > 0) room += *caps[i];
      }
    }
    if (std::all_of(weights.begin(), weights.end(), [](int64_t w) { return w == 0; })) continue;
    const int64_t total = static_cast<int64_t>(random() % 1000000);
    const std::vector<int64_t> parts = SplitCapped(total, weights, caps);
    const std::vector<double> exact = ExactCappedShares(total, weights, caps);
    const int64_t sum = std::accumulate(parts.begin(), parts.end(), int64_t{0});
    EXPECT_EQ(sum, unlimited ? total : std::min(total, room)) << "round " << round;
    for (int i = 0; i < n; ++i) {
      EXPECT_GE(parts[i], 0);
      if (caps[i]) {
        EXPECT_LE(parts[i], *caps[i]) << "round " << round;
      }
      EXPECT_LT(std::abs(static_cast<double>(parts[i]) - exact[i]), 1.0) << "round " << round;
    }
  }
}

TEST(Allocate, HospitalsShareTheirDistrictByPlacesAndMonthsByPlaces) {
  AllocationInput in;
  in.year = 2025;
  in.target = 1000;
  in.as_of = absl::CivilDay(2025, 11, 1);
  in.district_population = {{"230102", 3}, {"230103", 1}};
  in.hospitals = {
      {.code = "A", .district_code = "230102", .places_by_month = {{11, 600}, {12, 600}}},
      {.code = "B", .district_code = "230102", .places_by_month = {{11, 300}, {12, 0}}},
      {.code = "C", .district_code = "230103", .places_by_month = {{12, 100}}},
  };
  const v1::AllocationPlan plan = Allocate(in);
  ASSERT_EQ(plan.districts_size(), 2);
  EXPECT_EQ(plan.districts(0).quota(), 750);
  EXPECT_EQ(plan.districts(1).quota(), 250);
  EXPECT_EQ(plan.districts(1).unplaced(), 150) << "C holds only 100";
  EXPECT_EQ(plan.unplaced(), 150);
  ASSERT_EQ(plan.hospitals_size(), 3);
  EXPECT_EQ(plan.hospitals(0).quota(), 600);  // 750 by places left, 1200:300
  EXPECT_EQ(plan.hospitals(1).quota(), 150);
  EXPECT_EQ(plan.hospitals(2).quota(), 100);
  EXPECT_EQ(plan.hospitals(0).monthly_quota(10), 300);
  EXPECT_EQ(plan.hospitals(0).monthly_quota(11), 300);
  EXPECT_EQ(plan.hospitals(1).monthly_quota(10), 150) << "B has places in November only";
  EXPECT_EQ(plan.hospitals(1).monthly_quota(11), 0);
  EXPECT_EQ(plan.hospitals(0).monthly_quota(0), 0);
}

TEST(Allocate, ARerunMovesQuotaFromTheHospitalBehindAndSaysSo) {
  AllocationInput in;
  in.year = 2025;
  in.target = 100;
  in.as_of = absl::CivilDay(2025, 1, 1);
  in.district_population = {{"230102", 1}};
  in.hospitals = {{.code = "A", .district_code = "230102", .places_by_month = {{1, 100}}},
                  {.code = "B", .district_code = "230102", .places_by_month = {{1, 100}}}};
  const v1::AllocationPlan first = Allocate(in);
  EXPECT_EQ(first.hospitals(0).quota(), 50);
  EXPECT_EQ(first.hospitals(1).quota(), 50);
  EXPECT_TRUE(first.changes().empty());

  // Mid-year: A screened 10, B 40; each has 60 places left.
  in.as_of = absl::CivilDay(2025, 7, 1);
  in.previous = first;
  in.hospitals = {
      {.code = "A", .district_code = "230102", .screened = 10, .places_by_month = {{7, 60}}},
      {.code = "B", .district_code = "230102", .screened = 40, .places_by_month = {{7, 60}}}};
  const v1::AllocationPlan rerun = Allocate(in);
  EXPECT_EQ(rerun.hospitals(0).quota(), 35);  // 10 + 25
  EXPECT_EQ(rerun.hospitals(1).quota(), 65);  // 40 + 25
  EXPECT_EQ(rerun.hospitals(0).moved(), -15);
  EXPECT_EQ(rerun.hospitals(1).moved(), 15);
  ASSERT_EQ(rerun.changes_size(), 2);
  EXPECT_EQ(rerun.changes(0), "hospitals/A: quota 50 -> 35 (-15), screened 10, places left 60");
}

}  // namespace
}  // namespace screening::scheduling
