// Scheduling through the API: hospitals and their plans, one-visit booking,
// cancel, reschedule, the waitlist, check-in, no-show, NIPT by pregnancy and
// allocation. Each ends with the slots' counters against a recount.
#include <grpcpp/client_context.h>

#include <numeric>

#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "tests/support/slice_fixture.h"

namespace screening::testing {
namespace {

using ::testing::ElementsAre;

class SchedulingFlow : public SliceTest {
 protected:
  void TearDown() override {
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM scheduling.slots s WHERE booked <> (SELECT "
                            "count(*) FROM scheduling.booking_items i WHERE i.slot_id = s.id "
                            "AND i.holds)"),
              0)
        << "a slot's counter differs from a recount of its bookings";
  }

  static int Booked(const v1::Slot& slot) {
    return static_cast<int>(
        db_->QueryInt(absl::StrCat("SELECT booked FROM scheduling.slots WHERE id = ",
                                   *ParseNumericName("slots", slot.name()))));
  }
  static int64_t Events(const std::string& type, const v1::Booking& booking) {
    return db_->QueryInt(
        absl::StrCat("SELECT count(*) FROM scheduling.outbox WHERE event_type = '", type,
                     "' AND booking_id = ", *ParseNumericName("bookings", booking.name())));
  }
  static grpc::Status Cancel(const v1::Booking& booking, const std::string& request_id,
                             v1::Booking* out) {
    v1::CancelBookingRequest request;
    request.set_name(booking.name());
    request.set_reason(v1::CANCEL_REASON_RESIDENT_REQUEST);
    request.set_request_id(request_id);
    grpc::ClientContext context;
    return server_->scheduling().CancelBooking(&context, request, out);
  }
  static grpc::Status Reschedule(const v1::Booking& booking, const std::string& slots,
                                 const std::string& request_id, v1::Booking* out) {
    v1::RescheduleBookingRequest request;
    request.set_name(booking.name());
    for (absl::string_view s : absl::StrSplit(slots, ',')) request.add_slots(std::string(s));
    request.set_request_id(request_id);
    grpc::ClientContext context;
    return server_->scheduling().RescheduleBooking(&context, request, out);
  }
  static grpc::Status Join(const v1::Resident& resident, const std::string& hospital,
                           v1::ScreeningType type, const std::string& start, const std::string& end,
                           const std::string& request_id, v1::WaitlistEntry* out) {
    v1::JoinWaitlistRequest request;
    request.mutable_entry()->set_resident(resident.name());
    request.mutable_entry()->set_hospital(absl::StrCat("hospitals/", hospital));
    request.mutable_entry()->set_screening_type(type);
    request.mutable_entry()->set_start_date(start);
    request.mutable_entry()->set_end_date(end);
    request.set_request_id(request_id);
    grpc::ClientContext context;
    return server_->scheduling().JoinWaitlist(&context, request, out);
  }
  static v1::WaitlistEntry Entry(const std::string& name) {
    v1::GetWaitlistEntryRequest request;
    request.set_name(name);
    v1::WaitlistEntry entry;
    grpc::ClientContext context;
    EXPECT_TRUE(server_->scheduling().GetWaitlistEntry(&context, request, &entry).ok());
    return entry;
  }
  static v1::Booking GetBooking(const std::string& name) {
    v1::GetBookingRequest request;
    request.set_name(name);
    v1::Booking booking;
    grpc::ClientContext context;
    EXPECT_TRUE(server_->scheduling().GetBooking(&context, request, &booking).ok());
    return booking;
  }
  static grpc::Status CheckInWith(const v1::Booking& booking, const std::string& code,
                                  v1::Booking* out) {
    v1::Booking with_code = booking;
    with_code.set_verification_code(code);
    grpc::ClientContext context;
    return testing::CheckInOnTheDay(*clock_, server_->scheduling(), &context, with_code, out);
  }
};

TEST_F(SchedulingFlow, AHospitalsPlanMakesSlotsOnWorkingDaysOnly) {
  v1::UpsertHospitalRequest upsert;
  v1::Hospital* h = upsert.mutable_hospital();
  h->set_code("PLAN-H1");
  h->set_display_name("计划医院");
  h->set_district_code("230104");
  h->add_screenings(v1::SCREENING_TYPE_COLORECTAL);
  h->add_screenings(v1::SCREENING_TYPE_FOUR_HIGHS);
  h->add_follow_up_procedures(v1::FOLLOW_UP_PROCEDURE_COLONOSCOPY);
  for (int d : {1, 2, 3, 4, 5, 6}) h->add_working_days(d);  // Monday to Saturday
  h->add_holidays("2025-04-05");                            // a Saturday (Qingming)
  auto* morning = h->add_sessions();
  morning->set_session(v1::SESSION_MORNING);
  auto* p1 = morning->add_places();
  p1->set_screening_type(v1::SCREENING_TYPE_COLORECTAL);
  p1->set_places(30);
  auto* p2 = morning->add_places();
  p2->set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
  p2->set_places(50);
  auto* afternoon = h->add_sessions();
  afternoon->set_session(v1::SESSION_AFTERNOON);
  auto* p3 = afternoon->add_places();
  p3->set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
  p3->set_places(20);
  v1::Hospital stored;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server_->scheduling().UpsertHospital(&context, upsert, &stored).ok());
  }
  EXPECT_EQ(stored.sessions_size(), 2);
  EXPECT_THAT(stored.holidays(), ElementsAre("2025-04-05"));

  // 2025-03-31 (Monday) to 2025-04-06 (Sunday): six working days less the holiday.
  v1::GenerateSlotsRequest generate;
  generate.set_hospital("hospitals/PLAN-H1");
  generate.set_start_date("2025-03-31");
  generate.set_end_date("2025-04-06");
  v1::GenerateSlotsResponse generated;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server_->scheduling().GenerateSlots(&context, generate, &generated).ok());
  }
  EXPECT_EQ(generated.working_days(), 5);
  EXPECT_EQ(generated.slots_created(), 15);  // 5 days x 3 session places
  EXPECT_EQ(generated.places_created(), 5 * (30 + 50 + 20));
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM scheduling.slots WHERE hospital_code = 'PLAN-H1' "
                          "AND day IN ('2025-04-05', '2025-04-06')"),
            0);
  // Twice: nothing new.
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server_->scheduling().GenerateSlots(&context, generate, &generated).ok());
  }
  EXPECT_EQ(generated.slots_created(), 0);
  EXPECT_EQ(generated.slots_existing(), 15);

  // A screening it does not offer cannot get capacity.
  v1::SetCapacityRequest gastric;
  gastric.set_hospital("hospitals/PLAN-H1");
  gastric.set_date("2025-04-01");
  gastric.set_screening_type(v1::SCREENING_TYPE_GASTRIC);
  gastric.set_capacity(5);
  v1::Slot slot;
  grpc::ClientContext context;
  grpc::Status status = server_->scheduling().SetCapacity(&context, gastric, &slot);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ErrorReason(status), "NOT_OFFERED");

  v1::ListHospitalsRequest list;
  list.set_screening_type(v1::SCREENING_TYPE_COLORECTAL);
  list.set_district_code("230104");
  v1::ListHospitalsResponse listed;
  grpc::ClientContext c2;
  ASSERT_TRUE(server_->scheduling().ListHospitals(&c2, list, &listed).ok());
  ASSERT_EQ(listed.hospitals_size(), 1);
  EXPECT_EQ(listed.hospitals(0).code(), "PLAN-H1");
  list.set_screening_type(v1::SCREENING_TYPE_GASTRIC);
  grpc::ClientContext c3;
  ASSERT_TRUE(server_->scheduling().ListHospitals(&c3, list, &listed).ok());
  EXPECT_EQ(listed.hospitals_size(), 0);

  // Every hospital, one page of two at a time: each once, in code order.
  Hospital("PAGE-H1");
  Hospital("PAGE-H2");
  v1::ListHospitalsRequest all;
  v1::ListHospitalsResponse whole;
  grpc::ClientContext c4;
  ASSERT_TRUE(server_->scheduling().ListHospitals(&c4, all, &whole).ok());
  ASSERT_GE(whole.hospitals_size(), 2);
  all.set_page_size(2);
  std::vector<std::string> paged;
  do {
    v1::ListHospitalsResponse page;
    grpc::ClientContext c;
    ASSERT_TRUE(server_->scheduling().ListHospitals(&c, all, &page).ok());
    EXPECT_LE(page.hospitals_size(), 2);
    for (const auto& h : page.hospitals()) paged.push_back(h.code());
    all.set_page_token(page.next_page_token());
  } while (!all.page_token().empty());
  std::vector<std::string> expected;
  for (const auto& h : whole.hospitals()) expected.push_back(h.code());
  EXPECT_EQ(paged, expected);
}

TEST_F(SchedulingFlow, OneVisitBooksSeveralScreeningsAllOrNothing) {
  Hospital("VISIT-H1");
  v1::Slot colorectal = Capacity("VISIT-H1", "2025-03-18", v1::SCREENING_TYPE_COLORECTAL, 5);
  v1::Slot gastric = Capacity("VISIT-H1", "2025-03-18", v1::SCREENING_TYPE_GASTRIC, 1);
  v1::Slot four_highs = Capacity("VISIT-H1", "2025-03-18", v1::SCREENING_TYPE_FOUR_HIGHS, 5);
  const std::string all =
      absl::StrCat(colorectal.name(), ",", gastric.name(), ",", four_highs.name());

  v1::Booking visit;
  ASSERT_TRUE(Book(Register(absl::CivilDay(1968, 2, 2)).name(), all, "visit-1", &visit).ok());
  ASSERT_EQ(visit.screenings_size(), 3);
  EXPECT_EQ(visit.screenings(0).screening_type(), v1::SCREENING_TYPE_COLORECTAL);
  EXPECT_EQ(visit.screenings(2).slot(), four_highs.name());
  EXPECT_EQ(visit.session(), v1::SESSION_MORNING);
  EXPECT_EQ(visit.verification_code().size(), 6u);
  EXPECT_EQ(Events("booking.created", visit), 1);

  // The gastric slot is now full: a second visit of all three takes nothing.
  v1::Resident second = Register(absl::CivilDay(1968, 2, 3));
  v1::Booking refused;
  grpc::Status status = Book(second.name(), all, "visit-2", &refused);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ErrorReason(status), "SLOT_FULL");
  EXPECT_EQ(Booked(colorectal), 1);
  EXPECT_EQ(Booked(four_highs), 1);
  EXPECT_TRUE(Book(second.name(), absl::StrCat(colorectal.name(), ",", four_highs.name()),
                   "visit-3", &refused)
                  .ok());

  // Not one visit: another session.
  v1::Slot afternoon =
      Capacity("VISIT-H1", "2025-03-18", v1::SCREENING_TYPE_GASTRIC, 5, v1::SESSION_AFTERNOON);
  EXPECT_THAT(
      BadFields(Book(Register(absl::CivilDay(1968, 2, 4)).name(),
                     absl::StrCat(colorectal.name(), ",", afternoon.name()), "visit-4", &refused)),
      ElementsAre("slots"));

  // Every screening's eligibility is asked; the explanation comes back.
  v1::Resident too_old = Register(absl::CivilDay(1964, 3, 1));  // 61 on 2025-03-18
  status = Book(too_old.name(), absl::StrCat(colorectal.name(), ",", four_highs.name()), "visit-5",
                &refused);
  EXPECT_EQ(ErrorReason(status), "NOT_ELIGIBLE");
  auto failure = GetPreconditionFailure(FromGrpcStatus(status));
  ASSERT_TRUE(failure.has_value());
  ASSERT_EQ(failure->violations_size(), 2);
  EXPECT_EQ(failure->violations(0).type(), "AGE_ABOVE_MAX");
}

TEST_F(SchedulingFlow, CancelReleasesThePlacesAndAllowsANewBooking) {
  Hospital("CANCEL-H1");
  v1::Slot slot = Capacity("CANCEL-H1", "2025-03-19", v1::SCREENING_TYPE_FOUR_HIGHS, 1);
  v1::Resident resident = Register(absl::CivilDay(1969, 3, 3));
  v1::Booking booking;
  ASSERT_TRUE(Book(resident.name(), slot.name(), "cancel-book", &booking).ok());
  EXPECT_EQ(Booked(slot), 1);

  v1::Booking cancelled;
  ASSERT_TRUE(Cancel(booking, "cancel-1", &cancelled).ok());
  EXPECT_EQ(cancelled.state(), v1::BOOKING_STATE_CANCELLED);
  EXPECT_EQ(cancelled.cancel_reason(), v1::CANCEL_REASON_RESIDENT_REQUEST);
  EXPECT_EQ(Booked(slot), 0);
  EXPECT_EQ(Events("booking.cancelled", booking), 1);
  // A retry answers the same; another cancel is refused.
  v1::Booking again;
  ASSERT_TRUE(Cancel(booking, "cancel-1", &again).ok());
  EXPECT_EQ(again.state(), v1::BOOKING_STATE_CANCELLED);
  grpc::Status status = Cancel(booking, "cancel-2", &again);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ErrorReason(status), "BOOKING_NOT_ACTIVE");
  EXPECT_EQ(Events("booking.cancelled", booking), 1);

  // The entitlement is free again.
  v1::Booking rebooked;
  ASSERT_TRUE(Book(resident.name(), slot.name(), "cancel-rebook", &rebooked).ok());
  EXPECT_NE(rebooked.name(), booking.name());
  EXPECT_EQ(Booked(slot), 1);
}

TEST_F(SchedulingFlow, RescheduleMovesOnlyWhenTheNewPlaceIsTaken) {
  Hospital("MOVE-H1");
  v1::Slot first = Capacity("MOVE-H1", "2025-03-20", v1::SCREENING_TYPE_FOUR_HIGHS, 2);
  v1::Slot full = Capacity("MOVE-H1", "2025-03-21", v1::SCREENING_TYPE_FOUR_HIGHS, 1);
  v1::Slot open = Capacity("MOVE-H1", "2025-03-24", v1::SCREENING_TYPE_FOUR_HIGHS, 3);
  v1::Booking blocker;
  ASSERT_TRUE(
      Book(Register(absl::CivilDay(1969, 4, 1)).name(), full.name(), "move-0", &blocker).ok());
  v1::Booking booking;
  ASSERT_TRUE(
      Book(Register(absl::CivilDay(1969, 4, 2)).name(), first.name(), "move-1", &booking).ok());

  v1::Booking moved;
  grpc::Status status = Reschedule(booking, full.name(), "move-2", &moved);
  EXPECT_EQ(ErrorReason(status), "SLOT_FULL");
  EXPECT_EQ(Booked(first), 1) << "the old place is kept when the new one is not taken";
  EXPECT_EQ(GetBooking(booking.name()).date(), "2025-03-20");

  ASSERT_TRUE(Reschedule(booking, open.name(), "move-3", &moved).ok());
  EXPECT_EQ(moved.name(), booking.name());
  EXPECT_EQ(moved.date(), "2025-03-24");
  EXPECT_EQ(moved.screenings(0).slot(), open.name());
  EXPECT_EQ(Booked(first), 0);
  EXPECT_EQ(Booked(open), 1);
  EXPECT_EQ(Events("booking.rescheduled", booking), 1);
  // Another screening's slot is not the same visit.
  v1::Slot gastric = Capacity("MOVE-H1", "2025-03-25", v1::SCREENING_TYPE_GASTRIC, 3);
  EXPECT_THAT(BadFields(Reschedule(booking, gastric.name(), "move-4", &moved)),
              ElementsAre("slots"));
}

TEST_F(SchedulingFlow, ACancelledPlaceGoesToTheFirstWaitingResident) {
  Hospital("WAIT-H1");
  v1::Slot slot = Capacity("WAIT-H1", "2025-03-26", v1::SCREENING_TYPE_FOUR_HIGHS, 1);
  v1::Booking holder;
  ASSERT_TRUE(
      Book(Register(absl::CivilDay(1970, 7, 1)).name(), slot.name(), "wait-0", &holder).ok());
  v1::Resident first = Register(absl::CivilDay(1970, 7, 2));
  v1::Resident second = Register(absl::CivilDay(1970, 7, 3));
  v1::WaitlistEntry first_entry, second_entry, again;
  ASSERT_TRUE(Join(first, "WAIT-H1", v1::SCREENING_TYPE_FOUR_HIGHS, "2025-03-24", "2025-03-31",
                   "wait-1", &first_entry)
                  .ok());
  ASSERT_TRUE(Join(second, "WAIT-H1", v1::SCREENING_TYPE_FOUR_HIGHS, "2025-03-24", "2025-03-31",
                   "wait-2", &second_entry)
                  .ok());
  EXPECT_EQ(first_entry.state(), v1::WAITLIST_STATE_WAITING);
  grpc::Status status = Join(first, "WAIT-H1", v1::SCREENING_TYPE_FOUR_HIGHS, "2025-04-01",
                             "2025-04-02", "wait-3", &again);
  EXPECT_EQ(ErrorReason(status), "ALREADY_WAITING");

  v1::Booking cancelled;
  ASSERT_TRUE(Cancel(holder, "wait-cancel", &cancelled).ok());
  const v1::WaitlistEntry promoted = Entry(first_entry.name());
  EXPECT_EQ(promoted.state(), v1::WAITLIST_STATE_BOOKED);
  ASSERT_FALSE(promoted.booking().empty());
  const v1::Booking booking = GetBooking(promoted.booking());
  EXPECT_EQ(booking.resident(), first.name());
  EXPECT_EQ(booking.state(), v1::BOOKING_STATE_ACTIVE);
  EXPECT_EQ(booking.waitlist_entry(), first_entry.name());
  EXPECT_EQ(booking.screenings(0).slot(), slot.name());
  EXPECT_EQ(Events("booking.promoted", booking), 1);
  EXPECT_EQ(Booked(slot), 1);
  EXPECT_EQ(Entry(second_entry.name()).state(), v1::WAITLIST_STATE_WAITING);

  // The second leaves; a retry answers the same (it carries no request_id);
  // the first, booked from the list, can no longer leave it.
  v1::LeaveWaitlistRequest leave;
  leave.set_name(second_entry.name());
  v1::WaitlistEntry left;
  grpc::ClientContext c1;
  ASSERT_TRUE(server_->scheduling().LeaveWaitlist(&c1, leave, &left).ok());
  EXPECT_EQ(left.state(), v1::WAITLIST_STATE_LEFT);
  v1::WaitlistEntry left_again;
  grpc::ClientContext c2;
  ASSERT_TRUE(server_->scheduling().LeaveWaitlist(&c2, leave, &left_again).ok());
  EXPECT_EQ(left_again.SerializeAsString(), left.SerializeAsString());
  leave.set_name(first_entry.name());
  grpc::ClientContext c3;
  status = server_->scheduling().LeaveWaitlist(&c3, leave, &left);
  EXPECT_EQ(ErrorReason(status), "ENTRY_NOT_WAITING");
}

TEST_F(SchedulingFlow, AResidentsBookingsAndTheDistrictsWaitlistAreListedNewestFirst) {
  const v1::Hospital hospital = Hospital("LIST-H1");
  EXPECT_EQ(hospital.address(), "哈尔滨市LIST-H1路1号") << "the slip's address is kept";
  v1::Slot four_highs = Capacity("LIST-H1", "2025-04-07", v1::SCREENING_TYPE_FOUR_HIGHS, 1);
  v1::Slot colorectal = Capacity("LIST-H1", "2025-04-08", v1::SCREENING_TYPE_COLORECTAL, 5);
  v1::Slot gastric = Capacity("LIST-H1", "2025-04-09", v1::SCREENING_TYPE_GASTRIC, 5);
  const v1::Resident resident = Register(absl::CivilDay(1968, 5, 5));
  v1::Booking first, second, third, cancelled;
  ASSERT_TRUE(Book(resident.name(), four_highs.name(), "list-1", &first).ok());
  ASSERT_TRUE(Book(resident.name(), colorectal.name(), "list-2", &second).ok());
  ASSERT_TRUE(Book(resident.name(), gastric.name(), "list-3", &third).ok());
  ASSERT_TRUE(Cancel(second, "list-cancel", &cancelled).ok());

  // Pages of two: the newest first, each once, the cancelled one as it stands.
  std::vector<v1::Booking> seen;
  v1::ListResidentBookingsRequest request;
  request.set_resident(resident.name());
  request.set_page_size(2);
  do {
    v1::ListResidentBookingsResponse page;
    grpc::ClientContext context;
    ASSERT_TRUE(server_->scheduling().ListResidentBookings(&context, request, &page).ok());
    seen.insert(seen.end(), page.bookings().begin(), page.bookings().end());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].name(), third.name());
  EXPECT_EQ(seen[1].name(), second.name());
  EXPECT_EQ(seen[1].state(), v1::BOOKING_STATE_CANCELLED);
  EXPECT_EQ(seen[1].cancel_reason(), v1::CANCEL_REASON_RESIDENT_REQUEST);
  EXPECT_EQ(seen[2].name(), first.name());
  EXPECT_EQ(seen[2].verification_code(), first.verification_code());

  // Someone waits for the full four-highs day and gets the place when it is
  // cancelled: the district's list shows her entry booked, with the booking.
  const v1::Resident waiting = Register(absl::CivilDay(1968, 5, 6));
  v1::WaitlistEntry entry;
  ASSERT_TRUE(Join(waiting, "LIST-H1", v1::SCREENING_TYPE_FOUR_HIGHS, "2025-04-07", "2025-04-07",
                   "list-wait", &entry)
                  .ok());
  v1::ListWaitlistEntriesRequest waitlist;
  waitlist.set_district_code("230102");
  waitlist.set_resident(waiting.name());
  v1::ListWaitlistEntriesResponse entries;
  grpc::ClientContext c1;
  ASSERT_TRUE(server_->scheduling().ListWaitlistEntries(&c1, waitlist, &entries).ok());
  ASSERT_EQ(entries.entries_size(), 1);
  EXPECT_EQ(entries.entries(0).state(), v1::WAITLIST_STATE_WAITING);
  ASSERT_TRUE(Cancel(first, "list-cancel-2", &cancelled).ok());
  waitlist.clear_resident();
  waitlist.set_state(v1::WAITLIST_STATE_BOOKED);
  grpc::ClientContext c2;
  ASSERT_TRUE(server_->scheduling().ListWaitlistEntries(&c2, waitlist, &entries).ok());
  ASSERT_GE(entries.entries_size(), 1);
  EXPECT_EQ(entries.entries(0).name(), entry.name());
  EXPECT_EQ(entries.entries(0).resident(), waiting.name());
  EXPECT_FALSE(entries.entries(0).booking().empty());
  for (const auto& e : entries.entries()) EXPECT_EQ(e.state(), v1::WAITLIST_STATE_BOOKED);

  // Bad fields are named.
  request.set_resident("people/1");
  request.set_page_size(-1);
  request.set_page_token("x");
  v1::ListResidentBookingsResponse none;
  grpc::ClientContext c3;
  EXPECT_THAT(BadFields(server_->scheduling().ListResidentBookings(&c3, request, &none)),
              ElementsAre("resident", "page_size", "page_token"));
  waitlist.set_district_code("999999");
  waitlist.set_resident("residents/x");
  waitlist.set_state(static_cast<v1::WaitlistState>(9));
  grpc::ClientContext c4;
  EXPECT_THAT(BadFields(server_->scheduling().ListWaitlistEntries(&c4, waitlist, &entries)),
              ElementsAre("district_code", "resident", "state"));
}

TEST_F(SchedulingFlow, CheckInNeedsTheCodeAndNoShowFreesTheEntitlement) {
  Hospital("DESK-H1");
  v1::Slot slot = Capacity("DESK-H1", "2025-03-27", v1::SCREENING_TYPE_FOUR_HIGHS, 3);
  v1::Booking booking;
  ASSERT_TRUE(
      Book(Register(absl::CivilDay(1965, 8, 8)).name(), slot.name(), "desk-1", &booking).ok());
  const std::string wrong = booking.verification_code() == "000000" ? "111111" : "000000";
  v1::Booking out;
  grpc::Status status = CheckInWith(booking, wrong, &out);
  EXPECT_EQ(ErrorReason(status), "WRONG_CODE");
  EXPECT_NE(status.error_message().find("4 attempts left"), std::string::npos);
  ASSERT_TRUE(CheckInWith(booking, booking.verification_code(), &out).ok());
  EXPECT_EQ(out.state(), v1::BOOKING_STATE_CHECKED_IN);
  EXPECT_FALSE(out.check_in_time().empty());
  EXPECT_EQ(out.verification_code(), "");
  ASSERT_TRUE(CheckInWith(booking, booking.verification_code(), &out).ok()) << "twice is fine";
  EXPECT_EQ(Events("booking.checked_in", booking), 1);
  // A checked-in visit can no longer be cancelled.
  EXPECT_EQ(ErrorReason(Cancel(booking, "desk-cancel", &out)), "BOOKING_NOT_ACTIVE");

  // Five wrong codes lock check-in, even for the right one.
  v1::Booking locked;
  ASSERT_TRUE(
      Book(Register(absl::CivilDay(1965, 8, 9)).name(), slot.name(), "desk-2", &locked).ok());
  const std::string bad = locked.verification_code() == "000000" ? "111111" : "000000";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(ErrorReason(CheckInWith(locked, bad, &out)), "WRONG_CODE");
  EXPECT_EQ(ErrorReason(CheckInWith(locked, locked.verification_code(), &out)),
            "TOO_MANY_ATTEMPTS");

  // A missed visit: marked on its day, the place and the entitlement are freed.
  v1::Resident missed = Register(absl::CivilDay(1965, 8, 10));
  v1::Booking absent;
  ASSERT_TRUE(Book(missed.name(), slot.name(), "desk-3", &absent).ok());
  v1::MarkNoShowRequest no_show;
  no_show.set_name(absent.name());
  grpc::ClientContext c1;
  EXPECT_EQ(ErrorReason(server_->scheduling().MarkNoShow(&c1, no_show, &out)), "NOT_YET");
  const absl::Time before = clock_->Now();
  clock_->Set(absl::FromCivil(absl::CivilSecond(2025, 3, 27, 17, 0, 0), HarbinTimeZone()));
  grpc::ClientContext c2;
  status = server_->scheduling().MarkNoShow(&c2, no_show, &out);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(out.state(), v1::BOOKING_STATE_NO_SHOW);
  // A retry (no request_id) answers the same and changes nothing.
  v1::Booking again;
  grpc::ClientContext retry;
  ASSERT_TRUE(server_->scheduling().MarkNoShow(&retry, no_show, &again).ok());
  EXPECT_EQ(again.state(), v1::BOOKING_STATE_NO_SHOW);
  clock_->Set(before);
  EXPECT_EQ(Events("booking.no_show", absent), 1);
  EXPECT_EQ(Booked(slot), 2);
  v1::Slot later = Capacity("DESK-H1", "2025-04-03", v1::SCREENING_TYPE_FOUR_HIGHS, 3);
  EXPECT_TRUE(Book(missed.name(), later.name(), "desk-4", &out).ok());

  // The roster lists the day's bookings, pages through them, shows no code.
  v1::ListBookingsRequest roster;
  roster.set_hospital("hospitals/DESK-H1");
  roster.set_date("2025-03-27");
  roster.set_page_size(2);
  v1::ListBookingsResponse page;
  grpc::ClientContext c3;
  ASSERT_TRUE(server_->scheduling().ListBookings(&c3, roster, &page).ok());
  ASSERT_EQ(page.bookings_size(), 2);
  EXPECT_EQ(page.bookings(0).name(), booking.name());
  EXPECT_EQ(page.bookings(0).verification_code(), "");
  ASSERT_FALSE(page.next_page_token().empty());
  roster.set_page_token(page.next_page_token());
  grpc::ClientContext c4;
  ASSERT_TRUE(server_->scheduling().ListBookings(&c4, roster, &page).ok());
  ASSERT_EQ(page.bookings_size(), 1);
  EXPECT_EQ(page.bookings(0).name(), absent.name());
  EXPECT_TRUE(page.next_page_token().empty());
  roster.clear_page_token();
  roster.set_state(v1::BOOKING_STATE_CHECKED_IN);
  grpc::ClientContext c5;
  ASSERT_TRUE(server_->scheduling().ListBookings(&c5, roster, &page).ok());
  ASSERT_EQ(page.bookings_size(), 1);
  EXPECT_EQ(page.bookings(0).name(), booking.name());
}

TEST_F(SchedulingFlow, NiptIsBookedPerPregnancyInsideItsWindow) {
  Hospital("NIPT-H1", "230103");
  // LMP 2025-01-01: the window is 2025-03-26 to 2025-06-10.
  const auto [woman, pregnancy] =
      RegisterPregnantWoman(absl::CivilDay(1994, 4, 4), "230103", "2025-01-01");
  ASSERT_FALSE(pregnancy.name().empty());
  v1::Slot early = Capacity("NIPT-H1", "2025-03-25", v1::SCREENING_TYPE_NIPT, 5);
  v1::Slot inside = Capacity("NIPT-H1", "2025-03-26", v1::SCREENING_TYPE_NIPT, 5);
  v1::Slot also_inside = Capacity("NIPT-H1", "2025-04-02", v1::SCREENING_TYPE_NIPT, 5);
  v1::Booking booking;
  grpc::Status status = Book(woman.name(), early.name(), "nipt-early", &booking);
  EXPECT_EQ(ErrorReason(status), "NOT_ELIGIBLE");
  auto failure = GetPreconditionFailure(FromGrpcStatus(status));
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->violations(0).type(), "NIPT_TOO_EARLY");

  ASSERT_TRUE(Book(woman.name(), inside.name(), "nipt-1", &booking).ok());
  EXPECT_EQ(booking.pregnancy(), pregnancy.name());
  // One free test per pregnancy.
  v1::Booking second;
  status = Book(woman.name(), also_inside.name(), "nipt-2", &second);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_EQ(ErrorReason(status), "ALREADY_BOOKED");
  EXPECT_EQ(db_->QueryInt(absl::StrCat("SELECT count(*) FROM scheduling.booking_items WHERE "
                                       "holds AND entitlement = 'p",
                                       *ParseNumericName("pregnancies", pregnancy.name()), "'")),
            1);
}

TEST_F(SchedulingFlow, AllocationSplitsTheTargetAndMovesQuotaFromHospitalsBehind) {
  // Two hospitals in Pingfang, one with twice the places of the other.
  for (const auto& [code, places] : {std::pair{"ALLOC-A", 200}, std::pair{"ALLOC-B", 100}}) {
    v1::UpsertHospitalRequest upsert;
    v1::Hospital* h = upsert.mutable_hospital();
    h->set_code(code);
    h->set_display_name(code);
    h->set_district_code("230108");
    h->add_screenings(v1::SCREENING_TYPE_FOUR_HIGHS);
    auto* morning = h->add_sessions();
    morning->set_session(v1::SESSION_MORNING);
    auto* p = morning->add_places();
    p->set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
    p->set_places(places);
    v1::Hospital stored;
    grpc::ClientContext c1;
    ASSERT_TRUE(server_->scheduling().UpsertHospital(&c1, upsert, &stored).ok());
    v1::GenerateSlotsRequest generate;
    generate.set_hospital(absl::StrCat("hospitals/", code));
    generate.set_start_date("2025-03-03");
    generate.set_end_date("2025-12-31");
    v1::GenerateSlotsResponse generated;
    grpc::ClientContext c2;
    ASSERT_TRUE(server_->scheduling().GenerateSlots(&c2, generate, &generated).ok());
  }
  v1::AllocateTargetsRequest request;
  request.set_programme_year(2025);
  request.set_as_of_date("2025-03-03");
  v1::AllocationPlan plan;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server_->scheduling().AllocateTargets(&context, request, &plan).ok());
  }
  EXPECT_FALSE(plan.applied());
  ASSERT_EQ(plan.districts_size(), 18);
  int64_t district_sum = 0;
  for (const auto& d : plan.districts()) district_sum += d.quota();
  EXPECT_EQ(district_sum, 800000);
  EXPECT_EQ(plan.districts(3).district_code(), "230108");
  EXPECT_EQ(plan.districts(3).quota(), 14310);  // docs/domain.md §3
  const v1::HospitalAllocation* a = nullptr;
  const v1::HospitalAllocation* b = nullptr;
  int64_t hospital_sum = 0;
  for (const auto& h : plan.hospitals()) {
    if (h.hospital() == "hospitals/ALLOC-A") a = &h;
    if (h.hospital() == "hospitals/ALLOC-B") b = &h;
    hospital_sum += h.quota();
    EXPECT_LE(h.quota(), h.screened() + h.capacity_left());
    EXPECT_EQ(h.monthly_quota_size(), 12);
    EXPECT_EQ(std::accumulate(h.monthly_quota().begin(), h.monthly_quota().end(), int64_t{0}),
              h.quota() - h.screened());
  }
  ASSERT_TRUE(a != nullptr && b != nullptr);
  EXPECT_EQ(a->quota() + b->quota(), 14310);
  EXPECT_NEAR(static_cast<double>(a->quota()) / b->quota(), 2.0, 0.01);
  EXPECT_EQ(hospital_sum + plan.unplaced(), 800000);
  EXPECT_EQ(a->monthly_quota(0), 0) << "nothing before the month it starts from";

  request.set_apply(true);
  {
    grpc::ClientContext context;
    EXPECT_EQ(BadFields(server_->scheduling().AllocateTargets(&context, request, &plan)),
              std::vector<std::string>{"request_id"})
        << "applying stores a version: it needs a request_id";
  }
  request.set_request_id("alloc-apply-1");
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server_->scheduling().AllocateTargets(&context, request, &plan).ok());
  }
  EXPECT_TRUE(plan.applied());
  const auto versions = [] {
    return db_->QueryInt("SELECT count(*) FROM scheduling.allocation_plans");
  };
  const int64_t stored = versions();
  {
    // A retry: the first plan, no second version.
    v1::AllocationPlan retried;
    grpc::ClientContext context;
    ASSERT_TRUE(server_->scheduling().AllocateTargets(&context, request, &retried).ok());
    EXPECT_EQ(retried.SerializeAsString(), plan.SerializeAsString());
    EXPECT_EQ(versions(), stored);
  }
  request.set_request_id("alloc-apply-2");

  // B screens 3 residents by mid-year, A none: A is behind, so re-run from
  // July the split of what is left follows the places left, and B gains.
  for (int i = 0; i < 3; ++i) {
    v1::Slot slot = Capacity("ALLOC-B", "2025-03-04", v1::SCREENING_TYPE_FOUR_HIGHS, 100);
    v1::Booking booking;
    ASSERT_TRUE(Book(Register(absl::CivilDay(1966, 9, 1) + i).name(), slot.name(),
                     absl::StrCat("alloc-", i), &booking)
                    .ok());
    CheckInOnTheDay(booking);
  }
  request.set_as_of_date("2025-07-01");
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server_->scheduling().AllocateTargets(&context, request, &plan).ok());
  }
  int64_t moved_in_pingfang = 0;
  for (const auto& h : plan.hospitals()) {
    if (h.hospital() == "hospitals/ALLOC-B") {
      EXPECT_EQ(h.screened(), 3);
      EXPECT_GT(h.moved(), 0);
      moved_in_pingfang += h.moved();
    }
    if (h.hospital() == "hospitals/ALLOC-A") {
      EXPECT_LT(h.moved(), 0);
      moved_in_pingfang += h.moved();
    }
  }
  EXPECT_EQ(moved_in_pingfang, 0) << "quota moves between them; the district total stays";
  EXPECT_FALSE(plan.changes().empty());
  EXPECT_NE(plan.changes(0).find("quota"), std::string::npos);
}

TEST_F(SchedulingFlow, ZProgressCountsBookingsCancellationsAndNoShows) {
  // Runs last: every booking, cancellation and no-show of this suite, as
  // the progress consumer counted them from the scheduling outbox, against
  // a recount of the bookings table.
  const int64_t bookings =
      db_->QueryInt("SELECT count(*) FROM scheduling.bookings WHERE programme_year = 2025");
  const int64_t cancelled = db_->QueryInt(
      "SELECT count(*) FROM scheduling.bookings WHERE programme_year = 2025 AND state = 2");
  const int64_t missed = db_->QueryInt(
      "SELECT count(*) FROM scheduling.bookings WHERE programme_year = 2025 AND state = 4");
  ASSERT_GT(cancelled, 0);
  ASSERT_GT(missed, 0);
  v1::Progress progress;
  for (int attempt = 0; attempt < 100; ++attempt) {
    v1::GetProgressRequest request;
    request.set_programme_year(2025);
    request.set_group_by(v1::PROGRESS_DIMENSION_HOSPITAL);
    grpc::ClientContext context;
    ASSERT_TRUE(server_->progress().GetProgress(&context, request, &progress).ok());
    if (progress.bookings() == bookings && progress.no_shows() == missed) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(progress.bookings(), bookings);
  EXPECT_EQ(progress.cancellations(), cancelled);
  EXPECT_EQ(progress.no_shows(), missed);
  int64_t desk = -1;
  for (const auto& g : progress.groups()) {
    if (g.key() == "hospitals/DESK-H1") desk = g.no_shows();
  }
  EXPECT_EQ(desk, 1) << "the missed visit at the check-in desk test's hospital";
}

}  // namespace
}  // namespace screening::testing
