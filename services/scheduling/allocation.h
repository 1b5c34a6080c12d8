// Allocation of a year's target (docs/architecture.md "Allocation"), as pure functions:
// over districts by eligible population, over each district's hospitals by
// capacity capped by what their slots hold, over the months left; rounded by
// largest remainder so that the parts add up exactly.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "screening/v1/scheduling.pb.h"

namespace screening::scheduling {

// Splits `total` in proportion to `weights`, no part above its cap: the
// exact shares are water-filled (a part that would pass its cap is held at
// it and the rest re-split among the others), then rounded by largest
// remainder. The parts sum to min(total, sum of caps) and each is within one
// of its exact share. Parts with weight 0 get nothing unless every weight is
// 0, when the caps are the weights. No cap (nullopt) means unlimited.
std::vector<int64_t> SplitCapped(int64_t total, const std::vector<int64_t>& weights,
                                 const std::vector<std::optional<int64_t>>& caps);

// The exact (unrounded) shares SplitCapped rounds; for tests and reports.
std::vector<double> ExactCappedShares(int64_t total, const std::vector<int64_t>& weights,
                                      const std::vector<std::optional<int64_t>>& caps);

struct HospitalCapacity {
  std::string code;
  std::string district_code;
  int64_t screened = 0;                    // already screened this year
  std::map<int, int64_t> places_by_month;  // month (1-12) → places from as_of on
};

struct AllocationInput {
  int year = 0;
  v1::AllocationTarget kind = v1::ALLOCATION_TARGET_PERSONS;
  int64_t target = 0;
  absl::CivilDay as_of;
  // Per district (persons): the population to split by. Empty for NIPT,
  // which is split over its hospitals city-wide.
  std::map<std::string, int64_t> district_population;
  std::vector<HospitalCapacity> hospitals;
  // The latest applied plan, to say what moved.
  std::optional<v1::AllocationPlan> previous;
};

// The plan: district quotas, then per district the part not yet screened
// split over its hospitals by the places they have left (capped by them),
// each hospital's quota being what it screened plus its part. Quota a
// district's hospitals cannot hold stays with the district as `unplaced`
// (residents screen near home; the commission sees where places are
// missing). Each hospital's remaining quota is split over the months left by
// its places there.
v1::AllocationPlan Allocate(const AllocationInput& input);

}  // namespace screening::scheduling
