// Bad input for every RPC of the slice: the right code, the field named, and
// nothing stored.
#include <grpcpp/client_context.h>

#include "services/registry/id_number.h"
#include "tests/support/slice_fixture.h"

namespace screening::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class BadInput : public SliceTest {
 protected:
  // Every row the slice can write, summed: bad input must leave it unchanged.
  static int64_t StoredRows() {
    return db_->QueryInt(
        "SELECT (SELECT count(*) FROM registry.residents) + (SELECT count(*) FROM "
        "registry.requests) + (SELECT count(*) FROM scheduling.hospitals) + (SELECT count(*) "
        "FROM scheduling.slots) + (SELECT sum(capacity + booked) FROM scheduling.slots) + "
        "(SELECT count(*) FROM scheduling.bookings) + (SELECT count(*) FROM scheduling.requests) "
        "+ (SELECT count(*) FROM scheduling.booking_items WHERE holds) + (SELECT count(*) FROM "
        "scheduling.waitlist WHERE state = 1) + (SELECT count(*) FROM scheduling.outbox) + "
        "(SELECT count(*) FROM scheduling.allocation_plans) + (SELECT count(*) FROM "
        "results.referrals) + (SELECT count(*) FROM results.result_versions) "
        "+ (SELECT count(*) FROM results.results) + (SELECT count(*) FROM results.outbox) + "
        "(SELECT count(*) FROM results.requests)");
  }

  void SetUp() override {
    if (!ready_) {
      Hospital("BAD-H1");
      slot_ = Capacity("BAD-H1", "2025-03-25", v1::SCREENING_TYPE_FOUR_HIGHS, 3);
      resident_ = Register(absl::CivilDay(1970, 6, 6));
      ASSERT_TRUE(Book(resident_.name(), slot_.name(), "bad-setup", &booking_).ok());
      ready_ = true;
    }
    before_ = StoredRows();
  }
  void TearDown() override { EXPECT_EQ(StoredRows(), before_) << "bad input changed stored data"; }

  static inline bool ready_ = false;
  static inline v1::Slot slot_;
  static inline v1::Resident resident_;
  static inline v1::Booking booking_;
  int64_t before_ = 0;
};

TEST_F(BadInput, RegisterResident) {
  auto call = [](v1::RegisterResidentRequest request) {
    grpc::ClientContext context;
    v1::Resident out;
    return server_->registry().RegisterResident(&context, request, &out);
  };
  EXPECT_THAT(BadFields(call({})), ElementsAre("resident"));
  v1::RegisterResidentRequest request;
  request.mutable_resident()->set_id_number("230102197001010010");  // check should be X
  request.mutable_resident()->set_full_name("王五");
  request.mutable_resident()->set_district_code("230102");
  request.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
  grpc::Status status = call(request);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(BadFields(status), ElementsAre("resident.id_number"));
  EXPECT_NE(status.error_message().find("check character should be X"), std::string::npos);
  // 1980-02-30 with a correct check character.
  request.mutable_resident()->set_id_number(
      "23011319800230012" + std::string(1, registry::IdCheckCharacter("23011319800230012")));
  EXPECT_THAT(BadFields(call(request)), ElementsAre("resident.id_number"));
  request.mutable_resident()->set_id_number("23010219700101001X");
  request.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_UNSPECIFIED);
  EXPECT_THAT(BadFields(call(request)), ElementsAre("resident.residence_kind"));
  request.mutable_resident()->set_district_code("110105");
  request.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
  EXPECT_THAT(BadFields(call(request)), ElementsAre("resident.district_code"));
  request.mutable_resident()->set_district_code("");
  request.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
  request.mutable_resident()->set_full_name("");
  request.mutable_resident()->set_phone("0451-1234");
  request.set_request_id("has space");
  EXPECT_THAT(BadFields(call(request)), ElementsAre("resident.full_name", "resident.phone",
                                                    "resident.district_code", "request_id"));
}

TEST_F(BadInput, GetResidentAndCheckEligibility) {
  grpc::ClientContext c1;
  v1::GetResidentRequest get;
  get.set_name("resident/1");
  v1::Resident resident;
  grpc::Status status = server_->registry().GetResident(&c1, get, &resident);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(BadFields(status), ElementsAre("name"));
  grpc::ClientContext c2;
  get.set_name("residents/987654");
  EXPECT_THAT(server_->registry().GetResident(&c2, get, &resident),
              GrpcIs(grpc::StatusCode::NOT_FOUND));

  grpc::ClientContext c3;
  v1::CheckEligibilityRequest check;
  check.set_resident("x");
  check.set_screening_type(static_cast<v1::ScreeningType>(42));
  check.set_date("2025-02-29");
  v1::CheckEligibilityResponse eligibility;
  EXPECT_THAT(BadFields(server_->registry().CheckEligibility(&c3, check, &eligibility)),
              ElementsAre("resident", "screening_type", "date"));
  grpc::ClientContext c4;
  check.set_resident("residents/987654");
  check.set_screening_type(v1::SCREENING_TYPE_GASTRIC);
  check.set_date("2025-03-01");
  EXPECT_THAT(server_->registry().CheckEligibility(&c4, check, &eligibility),
              GrpcIs(grpc::StatusCode::NOT_FOUND));
}

TEST_F(BadInput, LookupResidentAndNiptPregnancyReference) {
  v1::LookupResidentRequest lookup;
  lookup.set_id_number("230102197001010010");  // check character should be X
  v1::Resident resident;
  grpc::ClientContext c1;
  grpc::Status status = server_->registry().LookupResident(&c1, lookup, &resident);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(BadFields(status), ElementsAre("id_number"));
  lookup.set_id_number(MakeIdNumber("230102", absl::CivilDay(1950, 5, 5), 99, true));
  grpc::ClientContext c2;
  EXPECT_THAT(server_->registry().LookupResident(&c2, lookup, &resident),
              GrpcIs(grpc::StatusCode::NOT_FOUND));

  v1::RegisterResidentRequest reg;
  reg.mutable_resident()->set_id_number(
      MakeIdNumber("230102", absl::CivilDay(1992, 2, 2), 98, false));
  reg.mutable_resident()->set_full_name("参照");
  reg.mutable_resident()->set_district_code("230102");
  reg.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
  // Registering is not bad input: take it out of the before/after comparison.
  grpc::ClientContext c3;
  ASSERT_TRUE(server_->registry().RegisterResident(&c3, reg, &resident).ok());
  before_ = StoredRows();
  v1::CheckEligibilityRequest check;
  check.set_resident(resident.name());
  check.set_screening_type(v1::SCREENING_TYPE_NIPT);
  check.set_date("2025-04-01");
  check.set_pregnancy("pregnancy/1");
  v1::CheckEligibilityResponse eligibility;
  grpc::ClientContext c4;
  EXPECT_THAT(BadFields(server_->registry().CheckEligibility(&c4, check, &eligibility)),
              ElementsAre("pregnancy"));
  check.set_pregnancy("pregnancies/987654");
  grpc::ClientContext c5;
  EXPECT_THAT(server_->registry().CheckEligibility(&c5, check, &eligibility),
              GrpcIs(grpc::StatusCode::NOT_FOUND));
}

TEST_F(BadInput, UpsertHospitalAndSetCapacity) {
  grpc::ClientContext c1;
  v1::UpsertHospitalRequest upsert;
  upsert.mutable_hospital()->set_code("bad code");
  upsert.mutable_hospital()->set_display_name("");
  upsert.mutable_hospital()->set_district_code("230100");
  v1::Hospital hospital;
  EXPECT_THAT(BadFields(server_->scheduling().UpsertHospital(&c1, upsert, &hospital)),
              ElementsAre("hospital.code", "hospital.display_name", "hospital.district_code",
                          "hospital.screenings"));
  // What it offers, when it works and its plan, each field named.
  upsert.mutable_hospital()->set_code("BAD-H2");
  upsert.mutable_hospital()->set_display_name("坏医院");
  upsert.mutable_hospital()->set_district_code("230102");
  upsert.mutable_hospital()->add_screenings(v1::SCREENING_TYPE_FOUR_HIGHS);
  upsert.mutable_hospital()->add_screenings(v1::SCREENING_TYPE_FOUR_HIGHS);
  upsert.mutable_hospital()->add_follow_up_procedures(static_cast<v1::FollowUpProcedure>(9));
  upsert.mutable_hospital()->add_working_days(8);
  upsert.mutable_hospital()->add_holidays("2025-02-30");
  auto* morning = upsert.mutable_hospital()->add_sessions();
  auto* places = morning->add_places();
  places->set_screening_type(v1::SCREENING_TYPE_NIPT);  // not offered
  places->set_places(10001);
  grpc::ClientContext c1b;
  EXPECT_THAT(
      BadFields(server_->scheduling().UpsertHospital(&c1b, upsert, &hospital)),
      ElementsAre("hospital.screenings[1]", "hospital.follow_up_procedures[0]",
                  "hospital.working_days[0]", "hospital.holidays[0]",
                  "hospital.sessions[0].session", "hospital.sessions[0].places[0].screening_type",
                  "hospital.sessions[0].places[0].places"));

  grpc::ClientContext c2;
  v1::SetCapacityRequest capacity;
  capacity.set_hospital("hospitals/BAD-H1");
  capacity.set_date("2025-3-25");
  capacity.set_screening_type(v1::SCREENING_TYPE_UNSPECIFIED);
  capacity.set_capacity(-5);
  capacity.set_session(static_cast<v1::Session>(3));
  v1::Slot slot;
  EXPECT_THAT(BadFields(server_->scheduling().SetCapacity(&c2, capacity, &slot)),
              ElementsAre("date", "screening_type", "capacity", "session"));
  grpc::ClientContext c3;
  capacity.set_hospital("hospitals/NO-SUCH");
  capacity.set_date("2025-03-25");
  capacity.set_screening_type(v1::SCREENING_TYPE_GASTRIC);
  capacity.set_capacity(5);
  capacity.set_session(v1::SESSION_AFTERNOON);
  EXPECT_THAT(server_->scheduling().SetCapacity(&c3, capacity, &slot),
              GrpcIs(grpc::StatusCode::NOT_FOUND));
}

TEST_F(BadInput, SearchSlots) {
  grpc::ClientContext context;
  v1::SearchSlotsRequest search;
  search.set_screening_type(static_cast<v1::ScreeningType>(-1));
  search.set_start_date("tomorrow");
  search.set_page_size(-1);
  search.set_page_token("2025-03-25.abc");
  v1::SearchSlotsResponse found;
  grpc::Status status = server_->scheduling().SearchSlots(&context, search, &found);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(BadFields(status),
              ElementsAre("screening_type", "start_date", "page_size", "page_token"));
  EXPECT_THAT(found.slots(), IsEmpty());
}

TEST_F(BadInput, BookScreeningAndGetBooking) {
  v1::Booking booking;
  EXPECT_THAT(BadFields(Book("", "", "", &booking)),
              ElementsAre("resident", "slots[0]", "request_id"));
  // A string past its limit is refused before anything else is looked at.
  EXPECT_THAT(BadFields(Book(resident_.name(), "slots/abc", std::string(65, 'x'), &booking)),
              ElementsAre("request_id"));
  EXPECT_THAT(BadFields(Book(resident_.name(), "slots/abc", "ok-id", &booking)),
              ElementsAre("slots[0]"));
  EXPECT_THAT(BadFields(Book(resident_.name(), "slots/1,slots/1", "dup", &booking)),
              ElementsAre("slots[1]"));
  EXPECT_THAT(BadFields(Book(resident_.name(), "slots/1,slots/2,slots/3,slots/4,slots/5", "many",
                             &booking)),
              ElementsAre("slots"));
  {
    v1::BookScreeningRequest request;
    request.set_resident(resident_.name());
    request.add_slots(slot_.name());
    request.set_pregnancy("pregnancy/1");
    request.set_request_id("bad-pregnancy");
    grpc::ClientContext context;
    EXPECT_THAT(BadFields(server_->scheduling().BookScreening(&context, request, &booking)),
                ElementsAre("pregnancy"));
  }
  // Two slots that are not one visit (another day).
  v1::Slot other_day = Capacity("BAD-H1", "2025-03-26", v1::SCREENING_TYPE_GASTRIC, 3);
  before_ = StoredRows();
  EXPECT_THAT(BadFields(Book(resident_.name(), absl::StrCat(slot_.name(), ",", other_day.name()),
                             "not-one-visit", &booking)),
              ElementsAre("slots"));
  grpc::ClientContext context;
  v1::GetBookingRequest get;
  get.set_name("bookings/0");
  EXPECT_THAT(BadFields(server_->scheduling().GetBooking(&context, get, &booking)),
              ElementsAre("name"));
}

TEST_F(BadInput, RecordResult) {
  auto call = [](const v1::RecordResultRequest& request) {
    grpc::ClientContext context;
    v1::Result result;
    return server_->results().RecordResult(&context, request, &result);
  };
  v1::RecordResultRequest request;
  EXPECT_THAT(BadFields(call(request)),
              ElementsAre("hospital", "booking", "request_id", "four_highs"));
  request.set_hospital("hospitals/BAD-H1");
  request.set_booking(booking_.name());
  request.set_request_id("bad-result");
  *request.mutable_four_highs() = NormalFourHighs();
  request.mutable_four_highs()->set_systolic_mmhg(301);
  request.mutable_four_highs()->set_uric_acid_umol_l(1201);
  request.mutable_four_highs()->clear_fasting_glucose_mmol_l();
  grpc::Status status = call(request);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(BadFields(status),
              ElementsAre("four_highs.systolic_mmhg", "four_highs.fasting_glucose_mmol_l",
                          "four_highs.uric_acid_umol_l"));
  *request.mutable_four_highs() = NormalFourHighs();
  request.set_booking("bookings/987654");
  EXPECT_THAT(call(request), GrpcIs(grpc::StatusCode::NOT_FOUND));
}

TEST_F(BadInput, ListHospitalsGenerateSlotsAndAllocateTargets) {
  grpc::ClientContext c1;
  v1::ListHospitalsRequest list;
  list.set_district_code("999999");
  list.set_screening_type(static_cast<v1::ScreeningType>(7));
  list.set_page_size(1001);
  list.set_page_token("not a code");
  v1::ListHospitalsResponse hospitals;
  EXPECT_THAT(BadFields(server_->scheduling().ListHospitals(&c1, list, &hospitals)),
              ElementsAre("district_code", "screening_type", "page_size", "page_token"));

  v1::GenerateSlotsRequest generate;
  generate.set_hospital("BAD-H1");
  generate.set_start_date("2025-13-01");
  generate.set_end_date("2025-04-01");
  v1::GenerateSlotsResponse generated;
  grpc::ClientContext c2;
  EXPECT_THAT(BadFields(server_->scheduling().GenerateSlots(&c2, generate, &generated)),
              ElementsAre("hospital", "start_date"));
  generate.set_hospital("hospitals/BAD-H1");
  generate.set_start_date("2025-04-02");
  grpc::ClientContext c3;
  EXPECT_THAT(BadFields(server_->scheduling().GenerateSlots(&c3, generate, &generated)),
              ElementsAre("end_date"));
  generate.set_start_date("2025-01-01");
  generate.set_end_date("2026-01-03");  // 367 days
  grpc::ClientContext c4;
  EXPECT_THAT(BadFields(server_->scheduling().GenerateSlots(&c4, generate, &generated)),
              ElementsAre("end_date"));
  generate.set_hospital("hospitals/NO-SUCH");
  generate.set_end_date("2025-01-31");
  grpc::ClientContext c5;
  EXPECT_THAT(server_->scheduling().GenerateSlots(&c5, generate, &generated),
              GrpcIs(grpc::StatusCode::NOT_FOUND));

  v1::AllocateTargetsRequest allocate;
  allocate.set_programme_year(1999);
  allocate.set_as_of_date("2025-02-30");
  allocate.set_target(static_cast<v1::AllocationTarget>(5));
  (*allocate.mutable_eligible_population())["230102"] = -1;
  v1::AllocationPlan plan;
  grpc::ClientContext c6;
  EXPECT_THAT(BadFields(server_->scheduling().AllocateTargets(&c6, allocate, &plan)),
              ElementsAre("programme_year", "as_of_date", "target", "eligible_population[230102]",
                          "eligible_population"));
  allocate.set_programme_year(2025);
  allocate.set_as_of_date("2026-01-05");
  allocate.set_target(v1::ALLOCATION_TARGET_NIPT);
  (*allocate.mutable_eligible_population())["230102"] = 1000;
  grpc::ClientContext c7;
  EXPECT_THAT(BadFields(server_->scheduling().AllocateTargets(&c7, allocate, &plan)),
              ElementsAre("as_of_date", "eligible_population", "eligible_population"));
}

TEST_F(BadInput, CancelRescheduleAndTheWaitlist) {
  v1::Booking booking;
  v1::CancelBookingRequest cancel;
  cancel.set_name("booking/1");
  cancel.set_reason(static_cast<v1::CancelReason>(42));
  grpc::ClientContext c1;
  EXPECT_THAT(BadFields(server_->scheduling().CancelBooking(&c1, cancel, &booking)),
              ElementsAre("name", "reason", "request_id"));
  cancel.set_name("bookings/987654");
  cancel.set_reason(v1::CANCEL_REASON_RESIDENT_REQUEST);
  cancel.set_request_id("bad-cancel");
  grpc::ClientContext c2;
  EXPECT_THAT(server_->scheduling().CancelBooking(&c2, cancel, &booking),
              GrpcIs(grpc::StatusCode::NOT_FOUND));

  v1::RescheduleBookingRequest move;
  grpc::ClientContext c3;
  EXPECT_THAT(BadFields(server_->scheduling().RescheduleBooking(&c3, move, &booking)),
              ElementsAre("name", "slots", "request_id"));
  // Another screening than the booking's: not the same visit.
  v1::Slot gastric = Capacity("BAD-H1", "2025-03-27", v1::SCREENING_TYPE_GASTRIC, 3);
  before_ = StoredRows();
  move.set_name(booking_.name());
  move.add_slots(gastric.name());
  move.set_request_id("bad-move");
  grpc::ClientContext c4;
  EXPECT_THAT(BadFields(server_->scheduling().RescheduleBooking(&c4, move, &booking)),
              ElementsAre("slots"));

  v1::JoinWaitlistRequest join;
  join.mutable_entry()->set_resident("resident/1");
  join.mutable_entry()->set_hospital("BAD-H1");
  join.mutable_entry()->set_start_date("2025-03-01");  // before today (2025-03-03)
  join.mutable_entry()->set_end_date("2025-03-00");
  join.set_pregnancy("7");
  v1::WaitlistEntry entry;
  grpc::ClientContext c5;
  EXPECT_THAT(BadFields(server_->scheduling().JoinWaitlist(&c5, join, &entry)),
              ElementsAre("entry.resident", "entry.hospital", "entry.screening_type",
                          "entry.start_date", "entry.end_date", "pregnancy", "request_id"));
  join.mutable_entry()->set_resident(resident_.name());
  join.mutable_entry()->set_hospital("hospitals/BAD-H1");
  join.mutable_entry()->set_screening_type(v1::SCREENING_TYPE_COLORECTAL);
  join.mutable_entry()->set_start_date("2025-04-01");
  join.mutable_entry()->set_end_date("2025-07-15");  // more than 92 days
  join.clear_pregnancy();
  join.set_request_id("bad-join");
  grpc::ClientContext c6;
  EXPECT_THAT(BadFields(server_->scheduling().JoinWaitlist(&c6, join, &entry)),
              ElementsAre("entry.end_date"));

  for (auto rpc : {&v1::SchedulingService::Stub::LeaveWaitlist}) {
    v1::LeaveWaitlistRequest leave;
    leave.set_name("waitlist/x");
    grpc::ClientContext context;
    EXPECT_THAT(BadFields((server_->scheduling().*rpc)(&context, leave, &entry)),
                ElementsAre("name"));
  }
  v1::GetWaitlistEntryRequest get;
  get.set_name("waitlist/987654");
  grpc::ClientContext c7;
  EXPECT_THAT(server_->scheduling().GetWaitlistEntry(&c7, get, &entry),
              GrpcIs(grpc::StatusCode::NOT_FOUND));
}

TEST_F(BadInput, RosterCheckInAndNoShow) {
  v1::ListBookingsRequest roster;
  roster.set_hospital("BAD-H1");
  roster.set_date("25-03-2025");
  roster.set_state(static_cast<v1::BookingState>(9));
  roster.set_page_size(1001);
  roster.set_page_token("3.1");
  v1::ListBookingsResponse bookings;
  grpc::ClientContext c1;
  EXPECT_THAT(BadFields(server_->scheduling().ListBookings(&c1, roster, &bookings)),
              ElementsAre("hospital", "date", "state", "page_size", "page_token"));

  v1::Booking booking;
  v1::CheckInRequest check_in;
  check_in.set_name("bookings/-1");
  check_in.set_verification_code("12345a");
  grpc::ClientContext c2;
  EXPECT_THAT(BadFields(server_->scheduling().CheckIn(&c2, check_in, &booking)),
              ElementsAre("name", "verification_code"));
  // Not the booking's day: refused, and the booking stays active.
  check_in.set_name(booking_.name());
  check_in.set_verification_code(booking_.verification_code());
  grpc::ClientContext c3;
  grpc::Status status = server_->scheduling().CheckIn(&c3, check_in, &booking);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ErrorReason(status), "NOT_THE_DAY");

  v1::MarkNoShowRequest no_show;
  no_show.set_name("bookings/");
  grpc::ClientContext c4;
  EXPECT_THAT(BadFields(server_->scheduling().MarkNoShow(&c4, no_show, &booking)),
              ElementsAre("name"));
  // Before the day: refused.
  no_show.set_name(booking_.name());
  grpc::ClientContext c5;
  status = server_->scheduling().MarkNoShow(&c5, no_show, &booking);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ErrorReason(status), "NOT_YET");
}

TEST_F(BadInput, AmendReferralsFollowUpAndMissingResults) {
  v1::Result result;
  v1::AmendResultRequest amend;
  amend.set_name("result/1");
  amend.set_reason(std::string(501, 'x'));
  grpc::ClientContext c1;
  EXPECT_THAT(BadFields(server_->results().AmendResult(&c1, amend, &result)), ElementsAre("reason"))
      << "a string past its limit, first";
  amend.set_reason("");
  grpc::ClientContext c1b;
  EXPECT_THAT(BadFields(server_->results().AmendResult(&c1b, amend, &result)),
              ElementsAre("name", "four_highs", "reason", "request_id"));
  amend.set_name("results/987654");
  *amend.mutable_four_highs() = NormalFourHighs();
  amend.mutable_four_highs()->set_uric_acid_umol_l(21);  // mg/dL: 1,249 µmol/L, over 1,200
  amend.mutable_four_highs()->mutable_units()->set_uric_acid(v1::CONCENTRATION_UNIT_MG_DL);
  amend.set_reason("typo");
  amend.set_request_id("bad-amend");
  grpc::ClientContext c2;
  EXPECT_THAT(BadFields(server_->results().AmendResult(&c2, amend, &result)),
              ElementsAre("four_highs.uric_acid_umol_l"))
      << "bounds apply after conversion to SI";
  amend.mutable_four_highs()->set_uric_acid_umol_l(5);
  grpc::ClientContext c3;
  EXPECT_THAT(server_->results().AmendResult(&c3, amend, &result),
              GrpcIs(grpc::StatusCode::NOT_FOUND));

  v1::ListReferralsRequest list;
  list.set_hospital("BAD-H1");
  list.set_status(static_cast<v1::ReferralStatus>(9));
  list.set_page_size(-1);
  list.set_page_token("x");
  v1::ListReferralsResponse referrals;
  grpc::ClientContext c4;
  EXPECT_THAT(BadFields(server_->results().ListReferrals(&c4, list, &referrals)),
              ElementsAre("hospital", "status", "page_size", "page_token"));

  v1::RecordFollowUpRequest follow_up;
  follow_up.set_name("referrals/abc");
  follow_up.set_follow_up_date("2099-01-01");
  follow_up.set_note(std::string(1001, 'n'));
  v1::Referral referral;
  grpc::ClientContext c5;
  EXPECT_THAT(BadFields(server_->results().RecordFollowUp(&c5, follow_up, &referral)),
              ElementsAre("note"))
      << "a string past its limit, first";
  follow_up.set_note("");
  grpc::ClientContext c5b;
  EXPECT_THAT(BadFields(server_->results().RecordFollowUp(&c5b, follow_up, &referral)),
              ElementsAre("name", "follow_up_date", "finding", "request_id"));
  follow_up.set_name("referrals/987654");
  follow_up.set_follow_up_date("2025-03-01");
  follow_up.set_finding(v1::FOLLOW_UP_FINDING_NORMAL);
  follow_up.set_request_id("bad-follow-up");
  follow_up.clear_note();
  grpc::ClientContext c6;
  EXPECT_THAT(server_->results().RecordFollowUp(&c6, follow_up, &referral),
              GrpcIs(grpc::StatusCode::NOT_FOUND));

  v1::ListMissingResultsRequest missing;
  missing.set_hospital("hospitals/");
  missing.set_older_than_days(93);
  missing.set_look_back_days(-1);
  v1::ListMissingResultsResponse listed;
  grpc::ClientContext c7;
  EXPECT_THAT(BadFields(server_->results().ListMissingResults(&c7, missing, &listed)),
              ElementsAre("hospital", "older_than_days", "look_back_days"));
}

TEST_F(BadInput, BookingEventsCountResultsAndRecount) {
  internal::v1::ListBookingEventsRequest events;
  events.set_after("12:x");
  events.set_page_size(1001);
  internal::v1::ListBookingEventsResponse listed;
  grpc::ClientContext c1;
  EXPECT_THAT(BadFields(server_->scheduling_internal().ListBookingEvents(&c1, events, &listed)),
              ElementsAre("after", "page_size"));
  internal::v1::CountResultsRequest count;
  count.set_programme_year(1999);
  internal::v1::ResultCounts counts;
  grpc::ClientContext c2;
  EXPECT_THAT(BadFields(server_->results_internal().CountResults(&c2, count, &counts)),
              ElementsAre("programme_year"));
  internal::v1::CountBookingsRequest count_bookings;
  count_bookings.set_programme_year(0);
  internal::v1::BookingCounts booking_counts;
  grpc::ClientContext c4;
  EXPECT_THAT(
      BadFields(server_->scheduling_internal().CountBookings(&c4, count_bookings, &booking_counts)),
      ElementsAre("programme_year"));
  v1::RecountRequest recount;
  recount.set_programme_year(2101);
  v1::RecountResponse answer;
  grpc::ClientContext c3;
  EXPECT_THAT(BadFields(server_->progress().Recount(&c3, recount, &answer)),
              ElementsAre("programme_year"));
}

TEST_F(BadInput, ListOutboxEventsAndGetProgress) {
  grpc::ClientContext c1;
  internal::v1::ListOutboxEventsRequest list;
  list.set_after("not-an-offset");
  list.set_page_size(5000);
  internal::v1::ListOutboxEventsResponse events;
  EXPECT_THAT(BadFields(server_->results_internal().ListOutboxEvents(&c1, list, &events)),
              ElementsAre("after", "page_size"));
  grpc::ClientContext c2;
  v1::GetProgressRequest progress;
  progress.set_programme_year(1999);
  progress.set_group_by(static_cast<v1::ProgressDimension>(9));
  v1::Progress out;
  EXPECT_THAT(BadFields(server_->progress().GetProgress(&c2, progress, &out)),
              ElementsAre("programme_year", "group_by"));
}

}  // namespace
}  // namespace screening::testing
