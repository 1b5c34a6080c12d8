// The programme's rules per year (docs/domain.md §1), as data: the age range and
// the date ages are counted on, and the targets. 2026's programme is a
// configuration change, not a code change.
//
//   auto programmes = Programmes::FromJson(R"({"programmes": [
//       {"year": 2025, "min_age": 45, "max_age": 60, "age_reference": "appointment_date",
//        "persons_target": 800000, "nipt_target": 6000}]})");
//   const ProgrammeRules* rules = programmes->Find(2025);
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace screening {

// Which day a resident's age is counted on.
enum class AgeReference {
  kAppointmentDate,  // the day of the screening appointment (the default)
  kYearStart,        // 1 January of the programme year
  kYearEnd,          // 31 December of the programme year
};

struct ProgrammeRules {
  int year = 2025;
  int min_age = 45;
  int max_age = 60;
  AgeReference age_reference = AgeReference::kAppointmentDate;
  int64_t persons_target = 800000;
  int64_t nipt_target = 6000;

  // The day ages are counted on for an appointment on `appointment`.
  absl::CivilDay AgeReferenceDay(absl::CivilDay appointment) const;
};

class Programmes {
 public:
  // One programme: the defaults of docs/domain.md with this year and targets.
  static Programmes Single(ProgrammeRules rules);

  // {"programmes": [{"year": ..., "min_age": ..., "max_age": ...,
  //   "age_reference": "appointment_date"|"year_start"|"year_end",
  //   "persons_target": ..., "nipt_target": ...}, ...]}. Every key of a
  // programme but "year" is optional (docs/domain.md defaults); unknown keys,
  // duplicate years and impossible values are INVALID_ARGUMENT.
  static absl::StatusOr<Programmes> FromJson(absl::string_view json);

  // Adds or replaces a year's rules.
  void Put(ProgrammeRules rules) { by_year_[rules.year] = rules; }

  // The rules of `year`, or nullptr when no programme runs that year.
  const ProgrammeRules* Find(int year) const;

 private:
  std::map<int, ProgrammeRules> by_year_;
};

}  // namespace screening
