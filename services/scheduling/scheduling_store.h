// Scheduling's SQL: hospitals, slots and bookings in the `scheduling` schema.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "common/db.h"
#include "common/request_log.h"
#include "screening/v1/scheduling.pb.h"

namespace screening::scheduling {

struct SlotQuery {
  v1::ScreeningType screening_type = v1::SCREENING_TYPE_UNSPECIFIED;  // unset: any
  std::string district_code;                                          // "": any
  std::string hospital_code;                                          // "": any
  std::optional<absl::CivilDay> start, end;
  bool only_available = false;
  int page_size = 100;
  // Keyset position after which to continue: (day, slot id).
  std::optional<std::pair<absl::CivilDay, int64_t>> after;
};

struct SlotPage {
  std::vector<v1::Slot> slots;
  std::optional<std::pair<absl::CivilDay, int64_t>> last;  // set when more may follow
};

// What BookScreening has checked before it writes.
struct NewBooking {
  int64_t resident_id;
  int64_t slot_id;
  std::string resident_district_code;
};

class SchedulingStore {
 public:
  explicit SchedulingStore(db::Pool& pool);

  absl::StatusOr<v1::Hospital> UpsertHospital(const v1::Hospital& hospital);

  // NOT_FOUND (hospital); FAILED_PRECONDITION (CAPACITY_BELOW_BOOKED).
  absl::StatusOr<v1::Slot> SetCapacity(const std::string& hospital_code, absl::CivilDay day,
                                       v1::ScreeningType type, int capacity);

  absl::StatusOr<SlotPage> SearchSlots(const SlotQuery& query);

  // NOT_FOUND when there is no such slot.
  absl::StatusOr<v1::Slot> GetSlot(int64_t id);

  // The first answer to an earlier BookScreening with this request_id, if any.
  absl::StatusOr<std::optional<v1::Booking>> FindBooking(const v1::BookScreeningRequest& request);

  // Takes a place if one is left and records the booking, in one
  // transaction. FAILED_PRECONDITION (SLOT_FULL); ALREADY_EXISTS
  // (ALREADY_BOOKED) when the resident holds an active booking for the
  // screening in the slot's year.
  absl::StatusOr<v1::Booking> Book(const v1::BookScreeningRequest& request,
                                   const NewBooking& booking);

  absl::StatusOr<v1::Booking> GetBooking(int64_t id);

 private:
  db::Pool& pool_;
  db::RequestLog requests_{"scheduling"};
};

}  // namespace screening::scheduling
