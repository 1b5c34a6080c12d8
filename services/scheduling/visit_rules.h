// Scheduling's pure rules: what makes slots one visit, what a free screening
// is counted against, and which slots a hospital's plan makes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "screening/v1/scheduling.pb.h"

namespace screening::scheduling {

// The entitlement a screening is counted against: the programme year
// (`y2025`) for the adult screenings, the pregnancy (`p17`) for NIPT.
std::string Entitlement(v1::ScreeningType type, int year, std::optional<int64_t> pregnancy_id);

// OK when `slots` are one visit: all at one hospital in one session of one
// day, each for a different screening. INVALID_ARGUMENT naming `field`.
absl::Status CheckOneVisit(const std::vector<v1::Slot>& slots, const std::string& field);

// True when the hospital works on `day`: one of its working days (Monday to
// Friday when none are set) and not one of its holidays.
bool IsWorkingDay(const v1::Hospital& hospital, absl::CivilDay day);

struct PlannedSlot {
  absl::CivilDay day;
  v1::Session session;
  v1::ScreeningType screening_type;
  int places;
};

// The slots a hospital's capacity plan makes from `start` to `end`
// (inclusive): every working day, every session, every screening with places.
std::vector<PlannedSlot> PlanSlots(const v1::Hospital& hospital, absl::CivilDay start,
                                   absl::CivilDay end);

// True when the hospital offers the screening.
bool Offers(const v1::Hospital& hospital, v1::ScreeningType type);

// Six random digits for the resident to show at check-in.
std::string NewVerificationCode();

}  // namespace screening::scheduling
