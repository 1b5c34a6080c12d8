#include "services/scheduling/allocation.h"

#include <algorithm>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/dates.h"
#include "common/names.h"

namespace screening::scheduling {
namespace {

using Wide = __int128;

// The water-filled state: parts held at their cap, and the rest `remaining`
// to split over the others in proportion to `weights` (sum `weight_sum`).
struct WaterFill {
  std::vector<bool> capped;
  std::vector<int64_t> weights;
  int64_t remaining = 0;
  Wide weight_sum = 0;
};

WaterFill Fill(int64_t total, const std::vector<int64_t>& weights,
               const std::vector<std::optional<int64_t>>& caps) {
  const size_t n = weights.size();
  WaterFill f;
  f.capped.assign(n, false);
  f.weights = weights;
  const bool all_zero =
      std::all_of(weights.begin(), weights.end(), [](int64_t w) { return w <= 0; });
  if (all_zero) {
    for (size_t i = 0; i < n; ++i) f.weights[i] = caps[i].value_or(0);
  }
  for (size_t i = 0; i < n; ++i) {
    if (f.weights[i] < 0) f.weights[i] = 0;
    // A part with no room, or no weight, takes nothing.
    if ((caps[i] && *caps[i] <= 0) || f.weights[i] == 0) f.capped[i] = true;
  }
  f.remaining = std::max<int64_t>(total, 0);
  for (;;) {
    f.weight_sum = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!f.capped[i]) f.weight_sum += f.weights[i];
    }
    if (f.weight_sum == 0) return f;
    bool held = false;
    for (size_t i = 0; i < n; ++i) {
      if (f.capped[i] || !caps[i]) continue;
      if (Wide(f.remaining) * f.weights[i] > Wide(*caps[i]) * f.weight_sum) {
        f.capped[i] = true;
        f.remaining -= *caps[i];
        held = true;
      }
    }
    if (!held) return f;
  }
}

std::string WithThousands(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -n : n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return n < 0 ? "-" + digits : digits;
}

}  // namespace

std::vector<int64_t> SplitCapped(int64_t total, const std::vector<int64_t>& weights,
                                 const std::vector<std::optional<int64_t>>& caps) {
  const size_t n = weights.size();
  const WaterFill f = Fill(total, weights, caps);
  std::vector<int64_t> parts(n, 0);
  std::vector<Wide> remainders(n, -1);
  int64_t given = 0;
  for (size_t i = 0; i < n; ++i) {
    if (f.capped[i]) {
      // Held at its cap, or taking nothing.
      parts[i] = (caps[i] && f.weights[i] > 0 && *caps[i] > 0) ? *caps[i] : 0;
      continue;
    }
    const Wide numerator = Wide(f.remaining) * f.weights[i];
    parts[i] = static_cast<int64_t>(numerator / f.weight_sum);
    remainders[i] = numerator % f.weight_sum;
    given += parts[i];
  }
  if (f.weight_sum == 0) return parts;
  int64_t leftover = f.remaining - given;
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return remainders[a] > remainders[b]; });
  for (size_t i : order) {
    if (leftover == 0 || remainders[i] <= 0) break;
    ++parts[i];
    --leftover;
  }
  return parts;
}

std::vector<double> ExactCappedShares(int64_t total, const std::vector<int64_t>& weights,
                                      const std::vector<std::optional<int64_t>>& caps) {
  const WaterFill f = Fill(total, weights, caps);
  std::vector<double> shares(weights.size(), 0);
  for (size_t i = 0; i < weights.size(); ++i) {
    if (f.capped[i]) {
      shares[i] = (caps[i] && f.weights[i] > 0 && *caps[i] > 0) ? *caps[i] : 0;
    } else if (f.weight_sum > 0) {
      shares[i] = static_cast<double>(f.remaining) * static_cast<double>(f.weights[i]) /
                  static_cast<double>(f.weight_sum);
    }
  }
  return shares;
}

v1::AllocationPlan Allocate(const AllocationInput& in) {
  v1::AllocationPlan plan;
  plan.set_programme_year(in.year);
  plan.set_kind(in.kind);
  plan.set_target(in.target);
  plan.set_as_of_date(FormatDate(in.as_of));

  // Groups of hospitals sharing a quota: districts, or one city-wide group.
  std::vector<std::string> groups;
  std::vector<int64_t> group_quota;
  if (in.district_population.empty()) {
    groups.push_back("");
    group_quota.push_back(in.target);
  } else {
    std::vector<int64_t> population;
    for (const auto& [code, people] : in.district_population) {
      groups.push_back(code);
      population.push_back(people);
    }
    group_quota = SplitCapped(in.target, population,
                              std::vector<std::optional<int64_t>>(groups.size(), std::nullopt));
    for (size_t g = 0; g < groups.size(); ++g) {
      auto* d = plan.add_districts();
      d->set_district_code(groups[g]);
      d->set_quota(group_quota[g]);
      d->set_population(population[g]);
    }
  }

  const size_t n = in.hospitals.size();
  std::vector<int64_t> room(n, 0), part(n, 0);
  for (size_t h = 0; h < n; ++h) {
    for (const auto& [month, places] : in.hospitals[h].places_by_month) room[h] += places;
  }
  int64_t unplaced = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    std::vector<size_t> members;
    int64_t screened = 0;
    for (size_t h = 0; h < n; ++h) {
      if (groups[g].empty() || in.hospitals[h].district_code == groups[g]) {
        members.push_back(h);
        screened += in.hospitals[h].screened;
      }
    }
    const int64_t still = std::max<int64_t>(group_quota[g] - screened, 0);
    std::vector<int64_t> weights;
    std::vector<std::optional<int64_t>> caps;
    for (size_t h : members) {
      weights.push_back(room[h]);
      caps.push_back(room[h]);
    }
    const std::vector<int64_t> parts = SplitCapped(still, weights, caps);
    int64_t placed = 0;
    for (size_t k = 0; k < members.size(); ++k) {
      part[members[k]] = parts[k];
      placed += parts[k];
    }
    const int64_t short_by = still - placed;
    if (!in.district_population.empty()) plan.mutable_districts(g)->set_unplaced(short_by);
    unplaced += short_by;
  }
  plan.set_unplaced(unplaced);

  std::map<std::string, int64_t> previous;
  if (in.previous) {
    for (const auto& h : in.previous->hospitals()) previous[h.hospital()] = h.quota();
  }
  for (size_t h = 0; h < n; ++h) {
    const HospitalCapacity& hc = in.hospitals[h];
    auto* out = plan.add_hospitals();
    out->set_hospital(MakeName("hospitals", hc.code));
    out->set_district_code(hc.district_code);
    out->set_quota(hc.screened + part[h]);
    out->set_screened(hc.screened);
    out->set_capacity_left(room[h]);
    std::vector<int64_t> month_places(12, 0);
    std::vector<std::optional<int64_t>> month_caps(12);
    for (int m = 1; m <= 12; ++m) {
      auto it = hc.places_by_month.find(m);
      month_places[m - 1] =
          (m >= in.as_of.month() && it != hc.places_by_month.end()) ? it->second : 0;
      month_caps[m - 1] = month_places[m - 1];
    }
    for (int64_t q : SplitCapped(part[h], month_places, month_caps)) out->add_monthly_quota(q);
    if (in.previous) {
      auto it = previous.find(out->hospital());
      const int64_t before = it == previous.end() ? 0 : it->second;
      out->set_moved(out->quota() - before);
      if (out->moved() != 0) {
        plan.add_changes(absl::StrFormat(
            "%s: quota %s -> %s (%s%s), screened %s, places left %s", out->hospital(),
            WithThousands(before), WithThousands(out->quota()), out->moved() > 0 ? "+" : "",
            WithThousands(out->moved()), WithThousands(hc.screened), WithThousands(room[h])));
      }
    }
  }
  return plan;
}

}  // namespace screening::scheduling
