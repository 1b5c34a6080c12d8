// Scheduling's SQL: hospitals, slots, bookings (visits and their items), the
// waitlist, the outbox and allocation plans, in the `scheduling` schema.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "common/batcher.h"
#include "common/call_gate.h"
#include "common/db.h"
#include "common/request_log.h"
#include "screening/internal/v1/scheduling.pb.h"
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

// A visit BookScreening has checked (eligibility, scope) before it writes.
struct NewVisit {
  int64_t resident_id = 0;
  std::vector<int64_t> slot_ids;
  std::vector<v1::ScreeningType> types;   // per slot, in the same order
  std::vector<std::string> entitlements;  // per slot, in the same order
  std::optional<int64_t> pregnancy_id;    // for NIPT
  std::string resident_district_code;
  std::string verification_code;
};

// A waitlist entry JoinWaitlist has checked before it writes.
struct NewWaitlistEntry {
  int64_t resident_id = 0;
  std::string hospital_code;
  v1::ScreeningType screening_type = v1::SCREENING_TYPE_UNSPECIFIED;
  absl::CivilDay start, end;
  std::optional<int64_t> pregnancy_id;
  std::string resident_district_code;
};

struct RosterQuery {
  std::string hospital_code;
  absl::CivilDay day;
  v1::BookingState state = v1::BOOKING_STATE_UNSPECIFIED;  // unset: any
  int page_size = 100;
  std::optional<std::pair<int, int64_t>> after;  // (session, booking id)
};

// A resident's bookings or a district's waitlist, newest first (by id).
struct NewestFirstQuery {
  std::optional<int64_t> resident_id;
  std::string district_code;  // waitlist only
  int state = 0;              // 0: any
  int page_size = 100;
  std::optional<int64_t> before;  // the last id of the previous page
};

struct RosterPage {
  std::vector<v1::Booking> bookings;
  std::optional<std::pair<int, int64_t>> last;  // set when more may follow
};

// What CheckIn found: the booking, and whether the code was wrong (the wrong
// attempt is counted and committed).
struct CheckInOutcome {
  v1::Booking booking;
  bool wrong_code = false;
  int attempts_left = 0;
};

struct GeneratedSlots {
  int created = 0;
  int existing = 0;
  int64_t places_created = 0;
};

// What allocation needs to know of one hospital.
struct HospitalLoad {
  v1::Hospital hospital;
  int64_t screened = 0;                    // persons checked in this year
  std::map<int, int64_t> places_by_month;  // month (1-12) → person places from as_of
};

class SchedulingStore {
 public:
  // Wrong verification codes allowed before check-in is locked.
  static constexpr int kMaxCheckInAttempts = 5;

  explicit SchedulingStore(db::Pool& pool);

  absl::StatusOr<v1::Hospital> UpsertHospital(const v1::Hospital& hospital);
  // NOT_FOUND when there is no such hospital.
  absl::StatusOr<v1::Hospital> GetHospital(const std::string& code);
  // A page of hospitals ordered by code, after `after_code` (empty: from
  // the first), and whether more follow.
  absl::StatusOr<std::pair<std::vector<v1::Hospital>, bool>> ListHospitals(
      const std::string& district_code, v1::ScreeningType type, const std::string& after_code,
      int page_size);

  // Creates the planned slots that do not exist; NOT_FOUND (hospital).
  absl::StatusOr<GeneratedSlots> GenerateSlots(const std::string& hospital_code,
                                               absl::CivilDay start, absl::CivilDay end);

  // NOT_FOUND (hospital); FAILED_PRECONDITION (NOT_OFFERED,
  // CAPACITY_BELOW_BOOKED naming the bookings in the way).
  absl::StatusOr<v1::Slot> SetCapacity(const std::string& hospital_code, absl::CivilDay day,
                                       v1::Session session, v1::ScreeningType type, int capacity);

  absl::StatusOr<SlotPage> SearchSlots(const SlotQuery& query);

  // The slots in the order asked; NOT_FOUND naming the first missing one.
  absl::StatusOr<std::vector<v1::Slot>> GetSlots(const std::vector<int64_t>& ids);

  // The same for each visit of a batch, but only what never changes for a
  // slot (hospital, day, session, screening; not capacity or places left):
  // from memory when seen before, else with one read for the whole batch.
  // Booking needs it on every call.
  std::vector<absl::StatusOr<std::vector<v1::Slot>>> GetSlotFacts(
      const std::vector<std::vector<int64_t>>& visits);

  // The first answer (serialized) to an earlier request with this
  // request_id, if any (INVALID_ARGUMENT when the id was used for a
  // different request).
  absl::StatusOr<std::optional<std::string>> FindAnswer(const std::string& request_id,
                                                        absl::string_view method,
                                                        const google::protobuf::Message& request);
  // The same for many requests of one method, in one read: an outcome each.
  std::vector<absl::StatusOr<std::optional<std::string>>> FindAnswers(
      absl::string_view method, const std::vector<db::RequestLog::Asked>& asked);

  // Takes a place in every slot of the visit and records the booking, all or
  // nothing, in one transaction. FAILED_PRECONDITION (SLOT_FULL);
  // ALREADY_EXISTS (ALREADY_BOOKED) when the resident holds an active
  // booking for one of the screenings and entitlements.
  // Book for visits arriving together: in one transaction and a few
  // statements where they do not collide (see BookTogether); each gets the
  // answer it would get alone.
  struct VisitToBook {
    const v1::BookScreeningRequest* request;
    const NewVisit* visit;
    const std::vector<v1::Slot>* slots;  // the visit's slot facts, in its order
    // The call's audit row, written in the booking's transaction when the
    // visits are stored together (null: none); `*audited` is set once it is
    // committed. Booked alone, the call's gate writes the row afterwards.
    const AuditEntry* audit = nullptr;
    bool* audited = nullptr;
    // The call's trace, carried by its outbox event ("" for none).
    std::string trace_id;
  };
  std::vector<absl::StatusOr<v1::Booking>> BookAll(const std::vector<VisitToBook>& visits);

  // The bookings of `ids`, in that order; NOT_FOUND naming the first missing.
  absl::StatusOr<std::vector<v1::Booking>> GetBookings(const std::vector<int64_t>& ids);
  absl::StatusOr<v1::Booking> GetBooking(int64_t id);

  // Cancels an active booking, releases its places and gives each to the
  // first resident waiting for it. FAILED_PRECONDITION (BOOKING_NOT_ACTIVE).
  absl::StatusOr<v1::Booking> Cancel(const v1::CancelBookingRequest& request, int64_t booking_id);

  // Moves an active booking to new slots (one per screening it has): takes
  // the new places first, then releases the old. FAILED_PRECONDITION
  // (BOOKING_NOT_ACTIVE, SLOT_FULL).
  absl::StatusOr<v1::Booking> Reschedule(const v1::RescheduleBookingRequest& request,
                                         int64_t booking_id, const std::vector<int64_t>& slot_ids);

  // ALREADY_EXISTS (ALREADY_BOOKED, ALREADY_WAITING).
  absl::StatusOr<v1::WaitlistEntry> JoinWaitlist(const v1::JoinWaitlistRequest& request,
                                                 const NewWaitlistEntry& entry);
  // FAILED_PRECONDITION (ENTRY_NOT_WAITING).
  absl::StatusOr<v1::WaitlistEntry> LeaveWaitlist(int64_t id);
  absl::StatusOr<v1::WaitlistEntry> GetWaitlistEntry(int64_t id);

  absl::StatusOr<RosterPage> ListBookings(const RosterQuery& query);
  // Up to page_size + 1 rows: one more says another page follows.
  absl::StatusOr<std::vector<v1::Booking>> ListResidentBookings(const NewestFirstQuery& query);
  absl::StatusOr<std::vector<v1::WaitlistEntry>> ListWaitlistEntries(const NewestFirstQuery& query);

  // FAILED_PRECONDITION (BOOKING_NOT_ACTIVE, NOT_THE_DAY, TOO_MANY_ATTEMPTS).
  absl::StatusOr<CheckInOutcome> CheckIn(int64_t booking_id, const std::string& code,
                                         absl::CivilDay today);

  // FAILED_PRECONDITION (BOOKING_NOT_ACTIVE, NOT_YET).
  absl::StatusOr<v1::Booking> MarkNoShow(int64_t booking_id, absl::CivilDay today);

  // Booking events committed after `after` ("" for the start), in commit
  // order (the same horizon rule as results.outbox).
  // How many committed events follow `after` (up to a million).
  absl::StatusOr<int64_t> CountEvents(const std::string& after);
  absl::StatusOr<std::vector<internal::v1::BookingEvent>> ListEvents(const std::string& after,
                                                                     int limit);

  // A year's bookings, cancellations and no-shows, from the bookings table.
  absl::StatusOr<internal::v1::BookingCounts> CountBookings(int programme_year);

  // Allocation's inputs: every hospital offering an adult screening (or NIPT
  // when `nipt`), its persons checked in this year and its places from
  // `as_of` to the year's end.
  absl::StatusOr<std::vector<HospitalLoad>> HospitalLoads(int year, absl::CivilDay as_of,
                                                          bool nipt);
  // The latest applied plan for the year and target, if any.
  absl::StatusOr<std::optional<v1::AllocationPlan>> LatestPlan(int year,
                                                               v1::AllocationTarget target);
  // Stores `plan` as the latest version, unless `request` (its request_id)
  // was applied before: then the plan stored then, and nothing more.
  absl::StatusOr<v1::AllocationPlan> SavePlan(const v1::AllocationPlan& plan,
                                              const v1::AllocateTargetsRequest& request);

 private:
  absl::StatusOr<v1::Booking> BookOne(const VisitToBook& visit);
  // The batch in one transaction and a few statements: each visit booked, or
  // answered SLOT_FULL when its one slot has no place left. nullopt (nothing
  // written) when it failed, with `collided` marking the visits that need the
  // one-by-one path: a request_id or entitlement used before or twice, a
  // visit of several slots one of which is short.
  std::optional<std::vector<absl::StatusOr<v1::Booking>>> BookTogether(
      const std::vector<VisitToBook>& batch, std::vector<bool>* collided);

  db::Pool& pool_;
  db::RequestLog requests_{"scheduling"};
  // Booking ids from the sequence, taken ahead many at a time: a batch needs
  // its ids before its one insert statement (gaps are harmless).
  absl::StatusOr<std::vector<int64_t>> TakeBookingIds(size_t n);
  absl::Mutex ids_mu_;
  std::deque<int64_t> spare_ids_ ABSL_GUARDED_BY(ids_mu_);
  absl::Mutex facts_mu_;
  absl::flat_hash_map<int64_t, v1::Slot> facts_ ABSL_GUARDED_BY(facts_mu_);
};

}  // namespace screening::scheduling
