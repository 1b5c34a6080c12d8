#include "tests/support/slice_fixture.h"

#include <grpcpp/client_context.h>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/clock.h"
#include "services/registry/id_number.h"

namespace screening::testing {

std::string MakeIdNumber(const std::string& division, absl::CivilDay birth, int sequence,
                         bool male) {
  // The 17th character's parity is the sex: odd male, even female.
  const int seq = (sequence % 500) * 2 + (male ? 1 : 0);
  std::string first17 = absl::StrFormat("%s%04d%02d%02d%03d", division, birth.year(), birth.month(),
                                        birth.day(), seq);
  return first17 + registry::IdCheckCharacter(first17);
}

void SliceTest::SetUpTestSuite() {
  clock_ = new FakeClock(DefaultTestNow());
  auto db = TestDatabase::Create(::testing::UnitTest::GetInstance()->current_test_suite()->name());
  ASSERT_TRUE(db.ok()) << db.status();
  db_ = db->release();
  auto server = TestServer::Start(db_->url(), clock_);
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = server->release();
}

void SliceTest::TearDownTestSuite() {
  delete server_;
  delete db_;
  delete clock_;
  server_ = nullptr;
  db_ = nullptr;
  clock_ = nullptr;
}

std::pair<v1::Resident, v1::Pregnancy> SliceTest::RegisterPregnantWoman(
    absl::CivilDay birth, const std::string& district, const std::string& last_menstrual_period) {
  v1::RegisterResidentRequest reg;
  reg.mutable_resident()->set_id_number(MakeIdNumber(district, birth, next_sequence_++, false));
  reg.mutable_resident()->set_full_name("孕妇");
  reg.mutable_resident()->set_district_code(district);
  reg.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
  std::pair<v1::Resident, v1::Pregnancy> out;
  {
    grpc::ClientContext context;
    grpc::Status status = server_->registry().RegisterResident(&context, reg, &out.first);
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
  v1::RegisterPregnancyRequest preg;
  preg.mutable_pregnancy()->set_resident(out.first.name());
  preg.mutable_pregnancy()->set_last_menstrual_period(last_menstrual_period);
  preg.mutable_pregnancy()->set_consent_date("2025-03-01");
  preg.mutable_pregnancy()->set_consent_document(absl::StrCat("NIPT-CONSENT-", next_sequence_));
  grpc::ClientContext context;
  grpc::Status status = server_->registry().RegisterPregnancy(&context, preg, &out.second);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return out;
}

v1::Resident SliceTest::Register(absl::CivilDay birth, const std::string& district) {
  // Birth dates vary per resident, so sequences only need to be unique per date.
  v1::RegisterResidentRequest request;
  request.mutable_resident()->set_id_number(MakeIdNumber("230102", birth, next_sequence_++, true));
  request.mutable_resident()->set_full_name("测试居民");
  request.mutable_resident()->set_district_code(district);
  request.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
  v1::Resident resident;
  grpc::ClientContext context;
  grpc::Status status = server_->registry().RegisterResident(&context, request, &resident);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return resident;
}

v1::Hospital SliceTest::Hospital(const std::string& code, const std::string& district) {
  v1::UpsertHospitalRequest request;
  request.mutable_hospital()->set_code(code);
  request.mutable_hospital()->set_display_name(absl::StrCat("医院 ", code));
  request.mutable_hospital()->set_district_code(district);
  request.mutable_hospital()->set_address(absl::StrCat("哈尔滨市", code, "路1号"));
  for (v1::ScreeningType type : {v1::SCREENING_TYPE_COLORECTAL, v1::SCREENING_TYPE_GASTRIC,
                                 v1::SCREENING_TYPE_FOUR_HIGHS, v1::SCREENING_TYPE_NIPT}) {
    request.mutable_hospital()->add_screenings(type);
  }
  v1::Hospital hospital;
  grpc::ClientContext context;
  grpc::Status status = server_->scheduling().UpsertHospital(&context, request, &hospital);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return hospital;
}

v1::Slot SliceTest::Capacity(const std::string& hospital_code, const std::string& date,
                             v1::ScreeningType type, int places, v1::Session session) {
  v1::SetCapacityRequest request;
  request.set_session(session);
  request.set_hospital(absl::StrCat("hospitals/", hospital_code));
  request.set_date(date);
  request.set_screening_type(type);
  request.set_capacity(places);
  v1::Slot slot;
  grpc::ClientContext context;
  grpc::Status status = server_->scheduling().SetCapacity(&context, request, &slot);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return slot;
}

grpc::Status SliceTest::Book(const std::string& resident, const std::string& slots,
                             const std::string& request_id, v1::Booking* booking) {
  v1::BookScreeningRequest request;
  request.set_resident(resident);
  for (absl::string_view slot : absl::StrSplit(slots, ',')) request.add_slots(std::string(slot));
  request.set_request_id(request_id);
  grpc::ClientContext context;
  return server_->scheduling().BookScreening(&context, request, booking);
}

grpc::Status CheckInOnTheDay(FakeClock& clock, v1::SchedulingService::Stub& scheduling,
                             grpc::ClientContext* context, const v1::Booking& booking,
                             v1::Booking* checked_in) {
  const absl::Time before = clock.Now();
  const absl::CivilDay day = *ParseDate(booking.date());
  clock.Set(absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(), 9, 0, 0),
                            HarbinTimeZone()));
  v1::CheckInRequest request;
  request.set_name(booking.name());
  request.set_verification_code(booking.verification_code());
  grpc::Status status = scheduling.CheckIn(context, request, checked_in);
  clock.Set(before);
  return status;
}

v1::Booking SliceTest::CheckInOnTheDay(const v1::Booking& booking) {
  v1::Booking checked_in;
  grpc::ClientContext context;
  grpc::Status status =
      testing::CheckInOnTheDay(*clock_, server_->scheduling(), &context, booking, &checked_in);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return checked_in;
}

v1::FourHighsMeasurement NormalFourHighs() {
  v1::FourHighsMeasurement m;
  m.set_systolic_mmhg(120);
  m.set_diastolic_mmhg(80);
  m.set_fasting_glucose_mmol_l(5.0);
  m.set_total_cholesterol_mmol_l(4.5);
  m.set_ldl_cholesterol_mmol_l(2.5);
  m.set_hdl_cholesterol_mmol_l(1.3);
  m.set_triglycerides_mmol_l(1.2);
  m.set_uric_acid_umol_l(300);
  return m;
}

}  // namespace screening::testing
