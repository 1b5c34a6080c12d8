#include "services/scheduling/visit_rules.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/crypto.h"
#include "common/dates.h"
#include "common/errors.h"

namespace screening::scheduling {

std::string Entitlement(v1::ScreeningType type, int year, std::optional<int64_t> pregnancy_id) {
  if (type == v1::SCREENING_TYPE_NIPT && pregnancy_id) return absl::StrCat("p", *pregnancy_id);
  return absl::StrCat("y", year);
}

absl::Status CheckOneVisit(const std::vector<v1::Slot>& slots, const std::string& field) {
  if (slots.empty()) return InvalidField(field, "must name at least one slot");
  std::set<v1::ScreeningType> types;
  for (const v1::Slot& slot : slots) {
    if (slot.hospital() != slots[0].hospital() || slot.date() != slots[0].date() ||
        slot.session() != slots[0].session()) {
      return InvalidField(field, "must all be at one hospital in one session of one day");
    }
    if (!types.insert(slot.screening_type()).second) {
      return InvalidField(field, "must be one slot per screening");
    }
  }
  return absl::OkStatus();
}

bool IsWorkingDay(const v1::Hospital& hospital, absl::CivilDay day) {
  const int weekday = [&] {
    switch (absl::GetWeekday(day)) {
      case absl::Weekday::monday:
        return 1;
      case absl::Weekday::tuesday:
        return 2;
      case absl::Weekday::wednesday:
        return 3;
      case absl::Weekday::thursday:
        return 4;
      case absl::Weekday::friday:
        return 5;
      case absl::Weekday::saturday:
        return 6;
      case absl::Weekday::sunday:
        return 7;
    }
    return 0;
  }();
  const auto& days = hospital.working_days();
  const bool works =
      days.empty() ? weekday <= 5 : std::find(days.begin(), days.end(), weekday) != days.end();
  if (!works) return false;
  const std::string date = FormatDate(day);
  return std::find(hospital.holidays().begin(), hospital.holidays().end(), date) ==
         hospital.holidays().end();
}

std::vector<PlannedSlot> PlanSlots(const v1::Hospital& hospital, absl::CivilDay start,
                                   absl::CivilDay end) {
  std::vector<PlannedSlot> planned;
  for (absl::CivilDay day = start; day <= end; ++day) {
    if (!IsWorkingDay(hospital, day)) continue;
    for (const v1::SessionPlan& session : hospital.sessions()) {
      for (const v1::ScreeningPlaces& places : session.places()) {
        if (places.places() <= 0) continue;
        planned.push_back({day, session.session(), places.screening_type(), places.places()});
      }
    }
  }
  return planned;
}

bool Offers(const v1::Hospital& hospital, v1::ScreeningType type) {
  return std::find(hospital.screenings().begin(), hospital.screenings().end(), type) !=
         hospital.screenings().end();
}

std::string NewVerificationCode() {
  const std::string bytes = RandomBytes(4);
  uint32_t n = 0;
  for (unsigned char c : bytes) n = (n << 8) | c;
  return absl::StrFormat("%06u", n % 1000000);
}

}  // namespace screening::scheduling
