// The walking skeleton end to end over gRPC on loopback, as a clinic and a
// hospital would call it: register → search → book → record → progress.
#include <grpcpp/client_context.h>

#include "common/names.h"
#include "tests/support/slice_fixture.h"

namespace screening::testing {
namespace {

using ::testing::ElementsAre;

class SliceE2E : public SliceTest {
 protected:
  // Polls GetProgress until the consumer has counted `persons` (or 10 s pass).
  static v1::Progress WaitForPersons(TestServer& server, int64_t persons) {
    v1::Progress progress;
    for (int i = 0; i < 200; ++i) {
      grpc::ClientContext context;
      v1::GetProgressRequest request;
      EXPECT_TRUE(server.progress().GetProgress(&context, request, &progress).ok());
      if (progress.persons_screened() >= persons) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return progress;
  }
};

TEST_F(SliceE2E, RegisterSearchBookRecordProgress) {
  // A clinic registers a resident; birth date and sex come from the ID number.
  v1::RegisterResidentRequest reg;
  reg.mutable_resident()->set_id_number("23010219700101001x");
  reg.mutable_resident()->set_full_name("张三");
  reg.mutable_resident()->set_phone("13900000000");
  reg.mutable_resident()->set_district_code("230102");
  reg.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
  v1::Resident resident;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server_->registry().RegisterResident(&context, reg, &resident).ok());
  }
  EXPECT_TRUE(ParseNumericName("residents", resident.name()).has_value());
  EXPECT_EQ(resident.id_number(), "23010219700101001X");
  EXPECT_EQ(resident.birth_date(), "1970-01-01");
  EXPECT_EQ(resident.sex(), v1::SEX_MALE);

  // Registering the same person again names the existing resident.
  {
    grpc::ClientContext context;
    v1::Resident again;
    reg.mutable_resident()->set_id_number("23010219700101001X");
    grpc::Status status = server_->registry().RegisterResident(&context, reg, &again);
    EXPECT_THAT(status, GrpcIs(grpc::StatusCode::ALREADY_EXISTS));
    EXPECT_EQ(ErrorReason(status), "RESIDENT_EXISTS");
    EXPECT_NE(status.error_message().find(resident.name()), std::string::npos);
  }

  // An admin sets up a hospital with capacity; the clinic searches for it.
  Hospital("E2E-H1", "230103");
  Capacity("E2E-H1", "2025-03-10", v1::SCREENING_TYPE_FOUR_HIGHS, 5);
  v1::SearchSlotsRequest search;
  search.set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
  search.set_district_code("230103");
  search.set_only_available(true);
  v1::SearchSlotsResponse found;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server_->scheduling().SearchSlots(&context, search, &found).ok());
  }
  ASSERT_EQ(found.slots_size(), 1);
  const v1::Slot& slot = found.slots(0);
  EXPECT_EQ(slot.hospital(), "hospitals/E2E-H1");
  EXPECT_EQ(slot.available(), 5);

  // The clinic books; the retry with the same request_id returns the same booking.
  v1::Booking booking;
  ASSERT_TRUE(Book(resident.name(), slot.name(), "e2e-book-1", &booking).ok());
  EXPECT_EQ(booking.state(), v1::BOOKING_STATE_ACTIVE);
  EXPECT_EQ(booking.programme_year(), 2025);
  EXPECT_EQ(booking.hospital_district_code(), "230103");
  EXPECT_EQ(booking.resident_district_code(), "230102");
  v1::Booking retried;
  ASSERT_TRUE(Book(resident.name(), slot.name(), "e2e-book-1", &retried).ok());
  EXPECT_EQ(retried.name(), booking.name());

  // A second booking for the same screening in the year is refused.
  Capacity("E2E-H1", "2025-03-11", v1::SCREENING_TYPE_FOUR_HIGHS, 5);
  {
    v1::SearchSlotsRequest next;
    next.set_hospital("hospitals/E2E-H1");
    next.set_start_date("2025-03-11");
    v1::SearchSlotsResponse later;
    grpc::ClientContext context;
    ASSERT_TRUE(server_->scheduling().SearchSlots(&context, next, &later).ok());
    ASSERT_EQ(later.slots_size(), 1);
    v1::Booking second;
    grpc::Status status = Book(resident.name(), later.slots(0).name(), "e2e-book-2", &second);
    EXPECT_THAT(status, GrpcIs(grpc::StatusCode::ALREADY_EXISTS));
    EXPECT_EQ(ErrorReason(status), "ALREADY_BOOKED");
  }

  // A result needs the resident checked in first.
  v1::RecordResultRequest record;
  record.set_hospital("hospitals/E2E-H1");
  record.set_booking(booking.name());
  record.set_request_id("e2e-result-early");
  *record.mutable_four_highs() = NormalFourHighs();
  {
    v1::Result early;
    grpc::ClientContext context;
    grpc::Status status = server_->results().RecordResult(&context, record, &early);
    EXPECT_THAT(status, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
    EXPECT_EQ(ErrorReason(status), "BOOKING_NOT_CHECKED_IN");
  }
  EXPECT_EQ(CheckInOnTheDay(booking).state(), v1::BOOKING_STATE_CHECKED_IN);

  // The hospital records the four highs.
  record.set_hospital("hospitals/E2E-H1");
  record.set_booking(booking.name());
  record.set_request_id("e2e-result-1");
  *record.mutable_four_highs() = NormalFourHighs();
  record.mutable_four_highs()->set_systolic_mmhg(165);
  record.mutable_four_highs()->set_diastolic_mmhg(95);
  v1::Result result;
  {
    grpc::ClientContext context;
    grpc::Status status = server_->results().RecordResult(&context, record, &result);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_EQ(result.resident(), resident.name());
  EXPECT_TRUE(result.four_highs_classification().hypertension());
  EXPECT_EQ(result.four_highs_classification().hypertension_grade(), v1::HYPERTENSION_GRADE_2);
  EXPECT_FALSE(result.four_highs_classification().high_glucose());

  // A retry returns the first result; a second result for the booking is refused.
  {
    grpc::ClientContext context;
    v1::Result again;
    ASSERT_TRUE(server_->results().RecordResult(&context, record, &again).ok());
    EXPECT_EQ(again.name(), result.name());
  }
  {
    grpc::ClientContext context;
    record.set_request_id("e2e-result-2");
    v1::Result again;
    grpc::Status status = server_->results().RecordResult(&context, record, &again);
    EXPECT_THAT(status, GrpcIs(grpc::StatusCode::ALREADY_EXISTS));
    EXPECT_EQ(ErrorReason(status), "RESULT_EXISTS");
  }

  // The commission sees the person counted once, against the 800,000 target.
  v1::Progress progress = WaitForPersons(*server_, 1);
  EXPECT_EQ(progress.programme_year(), 2025);
  EXPECT_EQ(progress.persons_screened(), 1);
  EXPECT_EQ(progress.persons_target(), 800000);
  EXPECT_EQ(progress.nipt_target(), 6000);
  EXPECT_DOUBLE_EQ(progress.persons_share(), 1.0 / 800000);
  ASSERT_EQ(progress.by_type_size(), 4);
  EXPECT_EQ(progress.by_type(2).screening_type(), v1::SCREENING_TYPE_FOUR_HIGHS);
  EXPECT_EQ(progress.by_type(2).persons_screened(), 1);
  EXPECT_FALSE(progress.offset().empty());
  // The counters equal a recount of the source tables.
  EXPECT_EQ(progress.persons_screened(),
            db_->QueryInt("SELECT count(DISTINCT resident_id) FROM results.results"
                          " WHERE programme_year = 2025"));
}

TEST_F(SliceE2E, IneligibleResidentIsRefusedWithTheReason) {
  Hospital("E2E-H2");
  v1::Slot slot = Capacity("E2E-H2", "2025-03-12", v1::SCREENING_TYPE_GASTRIC, 3);
  // Born 1980-03-13: 44 on 2025-03-12, the day before turning 45.
  v1::Resident young = Register(absl::CivilDay(1980, 3, 13));
  v1::Booking booking;
  grpc::Status status = Book(young.name(), slot.name(), "e2e-young", &booking);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ErrorReason(status), "NOT_ELIGIBLE");
  EXPECT_NE(status.error_message().find("44 on 2025-03-12"), std::string::npos);
  // Born 1980-03-12: 45 on the day, eligible.
  v1::Resident turning45 = Register(absl::CivilDay(1980, 3, 12));
  EXPECT_TRUE(Book(turning45.name(), slot.name(), "e2e-45", &booking).ok());
  // 61 on the day: too old. Born 1964-03-12.
  v1::Resident old = Register(absl::CivilDay(1964, 3, 12));
  status = Book(old.name(), slot.name(), "e2e-old", &booking);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_NE(status.error_message().find("61 on 2025-03-12"), std::string::npos);
}

TEST_F(SliceE2E, PastSlotsAndUnknownResidentsAreRefused) {
  Hospital("E2E-H3");
  v1::Slot past = Capacity("E2E-H3", "2025-03-02", v1::SCREENING_TYPE_FOUR_HIGHS, 3);
  v1::Resident resident = Register(absl::CivilDay(1970, 5, 5));
  v1::Booking booking;
  grpc::Status status = Book(resident.name(), past.name(), "e2e-past", &booking);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ErrorReason(status), "SLOT_IN_PAST");

  v1::Slot today = Capacity("E2E-H3", "2025-03-03", v1::SCREENING_TYPE_FOUR_HIGHS, 3);
  status = Book("residents/999999", today.name(), "e2e-nobody", &booking);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::NOT_FOUND));
  status = Book(resident.name(), "slots/999999", "e2e-noslot", &booking);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::NOT_FOUND));
}

// A retry gets the first answer even when booking again would now fail: the
// slot has filled up since, or (for another resident) the slot is full.
TEST_F(SliceE2E, ARetryAfterTheSlotFilledGetsTheFirstBooking) {
  Hospital("E2E-H6");
  v1::Slot slot = Capacity("E2E-H6", "2025-03-14", v1::SCREENING_TYPE_FOUR_HIGHS, 1);
  v1::Resident first = Register(absl::CivilDay(1971, 2, 2));
  v1::Resident second = Register(absl::CivilDay(1972, 3, 3));
  v1::Booking booking, other, retried;
  ASSERT_TRUE(Book(first.name(), slot.name(), "e2e-fill-1", &booking).ok());
  grpc::Status full = Book(second.name(), slot.name(), "e2e-fill-2", &other);
  EXPECT_THAT(full, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ErrorReason(full), "SLOT_FULL");
  ASSERT_TRUE(Book(first.name(), slot.name(), "e2e-fill-1", &retried).ok());
  EXPECT_EQ(retried.name(), booking.name());
  EXPECT_EQ(retried.verification_code(), booking.verification_code());
  // The same request_id for the second resident's request is refused by name.
  EXPECT_THAT(BadFields(Book(second.name(), slot.name(), "e2e-fill-1", &other)),
              ::testing::ElementsAre("request_id"));
  EXPECT_EQ(db_->QueryInt(absl::StrCat("SELECT booked FROM scheduling.slots WHERE id = ",
                                       slot.name().substr(std::string("slots/").size()))),
            1);
}

TEST_F(SliceE2E, AHospitalCannotRecordAnotherHospitalsBooking) {
  Hospital("E2E-OWN");
  Hospital("E2E-OTHER");
  v1::Slot slot = Capacity("E2E-OWN", "2025-03-14", v1::SCREENING_TYPE_FOUR_HIGHS, 3);
  v1::Resident resident = Register(absl::CivilDay(1966, 7, 7));
  v1::Booking booking;
  ASSERT_TRUE(Book(resident.name(), slot.name(), "e2e-own", &booking).ok());
  v1::RecordResultRequest record;
  record.set_hospital("hospitals/E2E-OTHER");
  record.set_booking(booking.name());
  record.set_request_id("e2e-other-result");
  *record.mutable_four_highs() = NormalFourHighs();
  v1::Result result;
  grpc::ClientContext context;
  grpc::Status status = server_->results().RecordResult(&context, record, &result);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  // The refusal does not reveal where the booking is.
  EXPECT_EQ(status.error_message().find("E2E-OWN"), std::string::npos);
  EXPECT_EQ(db_->QueryInt(absl::StrCat("SELECT count(*) FROM results.results WHERE booking_id = ",
                                       *ParseNumericName("bookings", booking.name()))),
            0);
}

TEST_F(SliceE2E, CapacityCannotDropBelowBookings) {
  Hospital("E2E-H4");
  v1::Slot slot = Capacity("E2E-H4", "2025-03-20", v1::SCREENING_TYPE_FOUR_HIGHS, 2);
  v1::Booking booking;
  ASSERT_TRUE(
      Book(Register(absl::CivilDay(1971, 1, 1)).name(), slot.name(), "cap-1", &booking).ok());
  ASSERT_TRUE(
      Book(Register(absl::CivilDay(1971, 1, 2)).name(), slot.name(), "cap-2", &booking).ok());
  v1::SetCapacityRequest lower;
  lower.set_hospital("hospitals/E2E-H4");
  lower.set_date("2025-03-20");
  lower.set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
  lower.set_capacity(1);
  v1::Slot updated;
  grpc::ClientContext context;
  grpc::Status status = server_->scheduling().SetCapacity(&context, lower, &updated);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ErrorReason(status), "CAPACITY_BELOW_BOOKED");
  // The bookings in the way are named.
  auto failure = GetPreconditionFailure(FromGrpcStatus(status));
  ASSERT_TRUE(failure.has_value());
  std::vector<std::string> named;
  for (const auto& v : failure->violations()) named.push_back(v.subject());
  EXPECT_EQ(named.size(), 2u);
  EXPECT_NE(std::find(named.begin(), named.end(), booking.name()), named.end());
  EXPECT_EQ(db_->QueryInt(absl::StrCat("SELECT capacity FROM scheduling.slots WHERE id = ",
                                       *ParseNumericName("slots", slot.name()))),
            2);
}

TEST_F(SliceE2E, SearchPagesThroughSlotsInDateOrder) {
  Hospital("E2E-PAGE", "230184");
  for (int day = 1; day <= 5; ++day) {
    Capacity("E2E-PAGE", absl::StrCat("2025-04-0", day), v1::SCREENING_TYPE_COLORECTAL, day);
  }
  std::vector<std::string> dates;
  std::string token;
  do {
    v1::SearchSlotsRequest search;
    search.set_hospital("hospitals/E2E-PAGE");
    search.set_page_size(2);
    search.set_page_token(token);
    v1::SearchSlotsResponse page;
    grpc::ClientContext context;
    ASSERT_TRUE(server_->scheduling().SearchSlots(&context, search, &page).ok());
    EXPECT_LE(page.slots_size(), 2);
    for (const auto& s : page.slots()) dates.push_back(s.date());
    token = page.next_page_token();
  } while (!token.empty());
  EXPECT_THAT(dates,
              ElementsAre("2025-04-01", "2025-04-02", "2025-04-03", "2025-04-04", "2025-04-05"));
}

// The same slice with the registry in a process of its own: services reach
// each other through their stubs, over the network instead of in process.
TEST_F(SliceE2E, SplitTopologyRunsTheSameCode) {
  AppConfig registry_only;
  registry_only.services = {"registry"};
  auto registry_server = TestServer::Start(db_->url(), clock_, registry_only);
  ASSERT_TRUE(registry_server.ok()) << registry_server.status();
  AppConfig rest;
  rest.services = {"scheduling", "results", "progress"};
  rest.registry_address = (*registry_server)->address();
  auto rest_server = TestServer::Start(db_->url(), clock_, rest);
  ASSERT_TRUE(rest_server.ok()) << rest_server.status();

  v1::RegisterResidentRequest reg;
  reg.mutable_resident()->set_id_number(
      MakeIdNumber("230102", absl::CivilDay(1969, 9, 9), 7, false));
  reg.mutable_resident()->set_full_name("李四");
  reg.mutable_resident()->set_district_code("230109");
  reg.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
  v1::Resident resident;
  {
    grpc::ClientContext context;
    ASSERT_TRUE((*registry_server)->registry().RegisterResident(&context, reg, &resident).ok());
  }
  Hospital("E2E-SPLIT");
  v1::Slot slot = Capacity("E2E-SPLIT", "2025-05-06", v1::SCREENING_TYPE_FOUR_HIGHS, 1);
  v1::BookScreeningRequest book;
  book.set_resident(resident.name());
  book.add_slots(slot.name());
  book.set_request_id("split-1");
  v1::Booking booking;
  {
    grpc::ClientContext context;
    grpc::Status status = (*rest_server)->scheduling().BookScreening(&context, book, &booking);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_EQ(booking.resident_district_code(), "230109");
  // The registry process is asked through the network: stopping it makes
  // booking unavailable rather than wrong.
  registry_server->reset();
  book.set_request_id("split-2");
  book.set_resident("residents/1");
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Status status = (*rest_server)->scheduling().BookScreening(&context, book, &booking);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::UNAVAILABLE));
}

}  // namespace
}  // namespace screening::testing

namespace screening::testing {
namespace {

class RegistryE2E : public SliceTest {};

TEST_F(RegistryE2E, DigestiveCancerHistoryExcludesColorectalAndGastricOnly) {
  Hospital("REG-H1");
  v1::Slot gastric = Capacity("REG-H1", "2025-03-13", v1::SCREENING_TYPE_GASTRIC, 3);
  v1::Slot four_highs = Capacity("REG-H1", "2025-03-13", v1::SCREENING_TYPE_FOUR_HIGHS, 3);
  v1::RegisterResidentRequest reg;
  // A card from the old 230105 division: today's code is 230104.
  reg.mutable_resident()->set_id_number(
      MakeIdNumber("230105", absl::CivilDay(1965, 8, 8), 1, false));
  reg.mutable_resident()->set_full_name("钱七");
  reg.mutable_resident()->set_district_code("230110");
  reg.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_HABITUAL);
  reg.mutable_resident()->set_digestive_cancer_history(true);
  v1::Resident resident;
  grpc::ClientContext context;
  ASSERT_TRUE(server_->registry().RegisterResident(&context, reg, &resident).ok());
  EXPECT_EQ(resident.residence_kind(), v1::RESIDENCE_KIND_HABITUAL);
  EXPECT_TRUE(resident.digestive_cancer_history());
  EXPECT_EQ(resident.id_division_code(), "230104");
  EXPECT_EQ(resident.sex(), v1::SEX_FEMALE);

  v1::Booking booking;
  grpc::Status refused = Book(resident.name(), gastric.name(), "reg-gastric", &booking);
  EXPECT_THAT(refused, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_THAT(refused.error_message(), ::testing::HasSubstr("digestive-tract malignancy"));
  EXPECT_TRUE(Book(resident.name(), four_highs.name(), "reg-four-highs", &booking).ok());
}

}  // namespace
}  // namespace screening::testing

namespace screening::testing {
namespace {

class ResidentsE2E : public SliceTest {};

TEST_F(ResidentsE2E, UpdateContactDetailsAndListByDistrict) {
  std::vector<v1::Resident> registered;
  for (int i = 0; i < 5; ++i)
    registered.push_back(Register(absl::CivilDay(1971, 2, 1) + i, "230127"));
  v1::UpdateResidentRequest update;
  update.mutable_resident()->set_name(registered[0].name());
  update.mutable_resident()->set_phone("13566667777");
  update.mutable_resident()->set_digestive_cancer_history(true);
  update.mutable_resident()->set_full_name("不应改变");
  update.mutable_update_mask()->add_paths("phone");
  update.mutable_update_mask()->add_paths("digestive_cancer_history");
  v1::Resident updated;
  {
    grpc::ClientContext context;
    grpc::Status status = server_->registry().UpdateResident(&context, update, &updated);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_EQ(updated.phone(), "13566667777");
  EXPECT_TRUE(updated.digestive_cancer_history());
  EXPECT_EQ(updated.full_name(), registered[0].full_name()) << "not in the mask, not changed";
  EXPECT_EQ(updated.residence_kind(), registered[0].residence_kind());

  update.mutable_resident()->set_name("residents/987654");
  {
    grpc::ClientContext context;
    EXPECT_THAT(server_->registry().UpdateResident(&context, update, &updated),
                GrpcIs(grpc::StatusCode::NOT_FOUND));
  }

  std::vector<std::string> listed;
  std::string token;
  int pages = 0;
  do {
    v1::ListResidentsRequest list;
    list.set_district_code("230127");
    list.set_page_size(2);
    list.set_page_token(token);
    v1::ListResidentsResponse page;
    grpc::ClientContext context;
    ASSERT_TRUE(server_->registry().ListResidents(&context, list, &page).ok());
    for (const auto& r : page.residents()) listed.push_back(r.name());
    token = page.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  std::vector<std::string> expected;
  for (const auto& r : registered) expected.push_back(r.name());
  EXPECT_EQ(listed, expected);
  EXPECT_EQ(pages, 3);

  v1::ListResidentsRequest bad;
  bad.set_district_code("999999");
  bad.set_page_size(5000);
  bad.set_page_token("x");
  v1::ListResidentsResponse none;
  grpc::ClientContext context;
  EXPECT_THAT(BadFields(server_->registry().ListResidents(&context, bad, &none)),
              ::testing::ElementsAre("district_code", "page_size", "page_token"));
}

}  // namespace
}  // namespace screening::testing

namespace screening::testing {
namespace {

class DuplicatesE2E : public SliceTest {
 protected:
  static v1::Resident RegisterPerson(const std::string& name, absl::CivilDay birth,
                                     const std::string& phone, const std::string& district) {
    v1::RegisterResidentRequest reg;
    reg.mutable_resident()->set_id_number(MakeIdNumber("230128", birth, next_sequence_++, true));
    reg.mutable_resident()->set_full_name(name);
    reg.mutable_resident()->set_phone(phone);
    reg.mutable_resident()->set_district_code(district);
    reg.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
    v1::Resident resident;
    grpc::ClientContext context;
    EXPECT_TRUE(server_->registry().RegisterResident(&context, reg, &resident).ok());
    return resident;
  }
  static v1::ListPossibleDuplicatesResponse Duplicates(const std::string& district, int page_size,
                                                       const std::string& token = "",
                                                       const std::string& resident = "") {
    v1::ListPossibleDuplicatesRequest request;
    request.set_district_code(district);
    request.set_resident(resident);
    request.set_page_size(page_size);
    request.set_page_token(token);
    v1::ListPossibleDuplicatesResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(server_->registry().ListPossibleDuplicates(&context, request, &response).ok());
    return response;
  }
};

TEST_F(DuplicatesE2E, SameNameBirthDateAndPhoneUnderDifferentIdNumbers) {
  const absl::CivilDay birth(1968, 4, 4);
  v1::Resident a = RegisterPerson("孙八", birth, "13600000001", "230128");
  v1::Resident b = RegisterPerson("孙八", birth, "13600000001", "230128");
  v1::Resident c = RegisterPerson("孙八", birth, "13600000002", "230128");  // other phone
  RegisterPerson("孙八", birth, "13600000001", "230129");                   // other district
  v1::ListPossibleDuplicatesResponse found = Duplicates("230128", 0);
  ASSERT_EQ(found.groups_size(), 1);
  ASSERT_EQ(found.groups(0).residents_size(), 2);
  EXPECT_EQ(found.groups(0).residents(0).name(), a.name());
  EXPECT_EQ(found.groups(0).residents(1).name(), b.name());
  EXPECT_NE(found.groups(0).residents(0).id_number(), found.groups(0).residents(1).id_number());

  // Correcting the third one's phone makes it part of the group.
  v1::UpdateResidentRequest update;
  update.mutable_resident()->set_name(c.name());
  update.mutable_resident()->set_phone("13600000001");
  update.mutable_update_mask()->add_paths("phone");
  v1::Resident updated;
  grpc::ClientContext context;
  ASSERT_TRUE(server_->registry().UpdateResident(&context, update, &updated).ok());
  found = Duplicates("230128", 0);
  ASSERT_EQ(found.groups_size(), 1);
  EXPECT_EQ(found.groups(0).residents_size(), 3);

  // Pages of groups.
  for (int i = 0; i < 2; ++i) {
    RegisterPerson("周九", birth + i, "13700000000", "230128");
    RegisterPerson("周九", birth + i, "13700000000", "230128");
  }
  v1::ListPossibleDuplicatesResponse first = Duplicates("230128", 2);
  EXPECT_EQ(first.groups_size(), 2);
  ASSERT_FALSE(first.next_page_token().empty());
  v1::ListPossibleDuplicatesResponse second = Duplicates("230128", 2, first.next_page_token());
  EXPECT_EQ(second.groups_size(), 1);
  EXPECT_TRUE(second.next_page_token().empty());

  // One resident's group, to flag her as she is looked up; none for one
  // without a double.
  v1::ListPossibleDuplicatesResponse hers = Duplicates("230128", 0, "", b.name());
  ASSERT_EQ(hers.groups_size(), 1);
  EXPECT_EQ(hers.groups(0).residents_size(), 3);
  const v1::Resident alone = RegisterPerson("吴十", birth, "13800000000", "230128");
  EXPECT_EQ(Duplicates("230128", 0, "", alone.name()).groups_size(), 0);

  v1::ListPossibleDuplicatesRequest bad;
  bad.set_resident("people/1");
  bad.set_district_code("230100");
  bad.set_page_size(101);
  bad.set_page_token("zz");
  v1::ListPossibleDuplicatesResponse none;
  grpc::ClientContext c2;
  EXPECT_THAT(BadFields(server_->registry().ListPossibleDuplicates(&c2, bad, &none)),
              ::testing::ElementsAre("district_code", "page_size", "resident", "page_token"));
}

}  // namespace
}  // namespace screening::testing
