#include "common/programme.h"

#include <nlohmann/json.hpp>

#include <set>

#include "absl/strings/str_cat.h"

namespace screening {

absl::CivilDay ProgrammeRules::AgeReferenceDay(absl::CivilDay appointment) const {
  switch (age_reference) {
    case AgeReference::kAppointmentDate:
      return appointment;
    case AgeReference::kYearStart:
      return absl::CivilDay(year, 1, 1);
    case AgeReference::kYearEnd:
      return absl::CivilDay(year, 12, 31);
  }
  return appointment;
}

Programmes Programmes::Single(ProgrammeRules rules) {
  Programmes programmes;
  programmes.Put(rules);
  return programmes;
}

absl::StatusOr<Programmes> Programmes::FromJson(absl::string_view text) {
  nlohmann::json root = nlohmann::json::parse(text.begin(), text.end(), nullptr,
                                              /*allow_exceptions=*/false);
  if (root.is_discarded()) return absl::InvalidArgumentError("programme rules: not valid JSON");
  if (!root.is_object() || root.size() != 1 || !root.contains("programmes") ||
      !root["programmes"].is_array() || root["programmes"].empty()) {
    return absl::InvalidArgumentError(
        "programme rules: expected {\"programmes\": [ ... ]} with at least one programme");
  }
  static const std::set<std::string> kKeys = {"year",          "min_age",        "max_age",
                                              "age_reference", "persons_target", "nipt_target"};
  Programmes programmes;
  for (const auto& p : root["programmes"]) {
    if (!p.is_object())
      return absl::InvalidArgumentError("programme rules: a programme is an object");
    for (const auto& [key, value] : p.items()) {
      if (!kKeys.count(key)) {
        return absl::InvalidArgumentError(
            absl::StrCat("programme rules: unknown key \"", key, "\""));
      }
    }
    auto integer = [&](const char* key, int64_t fallback, int64_t min,
                       int64_t max) -> absl::StatusOr<int64_t> {
      if (!p.contains(key)) return fallback;
      if (!p[key].is_number_integer() || p[key].get<int64_t>() < min ||
          p[key].get<int64_t>() > max) {
        return absl::InvalidArgumentError(absl::StrCat(
            "programme rules: \"", key, "\" must be an integer from ", min, " to ", max));
      }
      return p[key].get<int64_t>();
    };
    if (!p.contains("year"))
      return absl::InvalidArgumentError("programme rules: \"year\" is required");
    ProgrammeRules rules;
    auto year = integer("year", 0, 2024, 2100);
    auto min_age = integer("min_age", rules.min_age, 0, 120);
    auto max_age = integer("max_age", rules.max_age, 0, 120);
    auto persons = integer("persons_target", rules.persons_target, 0, 100000000);
    auto nipt = integer("nipt_target", rules.nipt_target, 0, 10000000);
    for (const auto* v : {&year, &min_age, &max_age, &persons, &nipt}) {
      if (!v->ok()) return v->status();
    }
    rules.year = static_cast<int>(*year);
    rules.min_age = static_cast<int>(*min_age);
    rules.max_age = static_cast<int>(*max_age);
    rules.persons_target = *persons;
    rules.nipt_target = *nipt;
    if (rules.min_age > rules.max_age) {
      return absl::InvalidArgumentError(
          absl::StrCat("programme rules ", rules.year, ": min_age is above max_age"));
    }
    if (p.contains("age_reference")) {
      const std::string reference =
          p["age_reference"].is_string() ? p["age_reference"].get<std::string>() : "";
      if (reference == "appointment_date") {
        rules.age_reference = AgeReference::kAppointmentDate;
      } else if (reference == "year_start") {
        rules.age_reference = AgeReference::kYearStart;
      } else if (reference == "year_end") {
        rules.age_reference = AgeReference::kYearEnd;
      } else {
        return absl::InvalidArgumentError(
            "programme rules: \"age_reference\" is appointment_date, year_start or year_end");
      }
    }
    if (programmes.Find(rules.year) != nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("programme rules: year ", rules.year, " appears twice"));
    }
    programmes.Put(rules);
  }
  return programmes;
}

const ProgrammeRules* Programmes::Find(int year) const {
  auto it = by_year_.find(year);
  return it == by_year_.end() ? nullptr : &it->second;
}

}  // namespace screening
