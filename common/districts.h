// Harbin's 18 districts, counties and county-level cities (GB/T 2260), with
// their 2010 census population (docs/domain.md §3).
#pragma once

#include <cstdint>
#include <span>
#include "absl/strings/string_view.h"

namespace screening {

enum class DistrictKind { kDistrict, kCounty, kCountyLevelCity };

struct District {
  absl::string_view code;
  absl::string_view name;
  absl::string_view pinyin;
  DistrictKind kind;
  int64_t population_2010;
};

// All 18, in the table order of docs/domain.md §3.
std::span<const District> HarbinDistricts();

// The district with this code, or nullptr if it is not one of the 18.
const District* FindDistrict(absl::string_view code);

}  // namespace screening
