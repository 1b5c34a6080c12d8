// Personal data at rest and its audit trail: a database dump shows no ID
// number, name or phone; the keyed-hash lookup still finds the resident;
// every personal-data RPC leaves exactly one audit row; the services'
// database roles cannot rewrite the audit log or reach other schemas.
#include <atomic>
#include <cstdio>
#include <memory>
#include <thread>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "screening/v1/admin.grpc.pb.h"
#include "tests/support/secure_fixture.h"
#include "tests/support/slice_fixture.h"

namespace screening::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class PersonalData : public SecureTest {
 protected:
  static std::string Dump() {
    std::string dump;
    const std::string command = absl::StrCat("pg_dump --data-only '", db_->url(), "' 2>/dev/null");
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    char buffer[65536];
    size_t n;
    while (pipe && (n = fread(buffer, 1, sizeof(buffer), pipe.get())) > 0) dump.append(buffer, n);
    return dump;
  }

  static int64_t AuditRows(const std::string& method) {
    return db_->QueryInt(absl::StrCat(
        "SELECT count(*) FROM audit.events WHERE method = ", "'screening.v1.", method, "'"));
  }

  // A four-highs slot of `capacity` places at a new hospital `code` in
  // district 230103 on `date`.
  v1::Slot FourHighsSlot(const std::string& code, const std::string& date, int capacity) {
    v1::UpsertHospitalRequest h;
    h.mutable_hospital()->set_code(code);
    h.mutable_hospital()->set_display_name(absl::StrCat("审计医院 ", code));
    h.mutable_hospital()->add_screenings(v1::SCREENING_TYPE_FOUR_HIGHS);
    h.mutable_hospital()->set_district_code("230103");
    v1::Hospital out;
    EXPECT_TRUE(server_->scheduling().UpsertHospital(As("admin").get(), h, &out).ok());
    v1::SetCapacityRequest capacity_request;
    capacity_request.set_hospital(absl::StrCat("hospitals/", code));
    capacity_request.set_date(date);
    capacity_request.set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
    capacity_request.set_capacity(capacity);
    v1::Slot slot;
    EXPECT_TRUE(server_->scheduling().SetCapacity(As("admin").get(), capacity_request, &slot).ok());
    return slot;
  }

  // The request registering a woman of district 230103.
  static v1::RegisterResidentRequest Registration(absl::CivilDay birth, int sequence,
                                                  const std::string& name) {
    v1::RegisterResidentRequest reg;
    reg.mutable_resident()->set_id_number(MakeIdNumber("230103", birth, sequence, true));
    reg.mutable_resident()->set_full_name(name);
    reg.mutable_resident()->set_district_code("230103");
    reg.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
    return reg;
  }

  // "42501" if running `sql` as database role `role` is refused for want of
  // privilege, "" if it worked, the error otherwise.
  static std::string AsRole(const std::string& role, const std::string& sql) {
    try {
      pqxx::connection conn(absl::StrCat(db_->url(), " user=", role));
      pqxx::work tx(conn);
      tx.exec(sql);
      tx.commit();
      return "";
    } catch (const pqxx::insufficient_privilege&) {
      return "42501";
    } catch (const std::exception& e) {
      return e.what();
    }
  }
};

TEST_F(PersonalData, ADumpRevealsNoIdNumberNameOrPhoneAndLookupStillWorks) {
  const std::string id_number = MakeIdNumber("230102", absl::CivilDay(1970, 1, 1), 41, true);
  const std::string full_name = "欧阳明月";
  const std::string phone = "13987654321";
  v1::RegisterResidentRequest reg;
  reg.mutable_resident()->set_id_number(id_number);
  reg.mutable_resident()->set_full_name(full_name);
  reg.mutable_resident()->set_phone(phone);
  reg.mutable_resident()->set_district_code("230102");
  reg.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
  reg.set_request_id("pd-register");
  v1::Resident resident;
  ASSERT_TRUE(server_->registry().RegisterResident(As("clinic:230102").get(), reg, &resident).ok());

  const std::string dump = Dump();
  ASSERT_THAT(dump, HasSubstr("COPY registry.residents")) << "pg_dump did not run";
  for (const std::string& secret : {id_number, full_name, phone, id_number.substr(0, 17)}) {
    EXPECT_THAT(dump, Not(HasSubstr(secret))) << secret;
    EXPECT_THAT(dump, Not(HasSubstr(HexEncode(secret)))) << secret << " (as bytea hex)";
  }

  // The lookup finds the resident from any accepted form of the number.
  std::string lower = id_number;
  lower.back() = static_cast<char>(std::tolower(lower.back()));
  for (const std::string& form : {id_number, lower}) {
    v1::LookupResidentRequest lookup;
    lookup.set_id_number(form);
    v1::Resident found;
    ASSERT_TRUE(server_->registry().LookupResident(As("clinic:230102").get(), lookup, &found).ok())
        << form;
    EXPECT_EQ(found.name(), resident.name());
    EXPECT_EQ(found.full_name(), full_name);
    EXPECT_EQ(found.phone(), phone);
  }
  // The same request again is answered from the (sealed) request log.
  v1::Resident again;
  ASSERT_TRUE(server_->registry().RegisterResident(As("clinic:230102").get(), reg, &again).ok());
  EXPECT_EQ(again.full_name(), full_name);
}

TEST_F(PersonalData, EveryPersonalDataCallLeavesExactlyOneAuditRow) {
  const v1::Slot slot = FourHighsSlot("PD-H1", "2025-03-12", 3);
  ASSERT_FALSE(slot.name().empty());
  EXPECT_EQ(AuditRows("SchedulingService/SetCapacity"), 0) << "no personal data, no audit row";

  // Each step: one call, one more row for its method, with the outcome.
  auto step = [&](const std::string& method, auto&& call) {
    const int64_t before = AuditRows(method);
    grpc::Status status = call();
    EXPECT_EQ(AuditRows(method), before + 1) << method;
    return status;
  };
  const v1::RegisterResidentRequest reg = Registration(absl::CivilDay(1969, 5, 5), 42, "审计");
  v1::Resident resident;
  ASSERT_TRUE(step("RegistryService/RegisterResident", [&] {
                return server_->registry().RegisterResident(As("clinic:230103").get(), reg,
                                                            &resident);
              }).ok());
  v1::GetResidentRequest get;
  get.set_name(resident.name());
  v1::Resident seen;
  EXPECT_TRUE(step("RegistryService/GetResident", [&] {
                return server_->registry().GetResident(As("clinic:230103").get(), get, &seen);
              }).ok());
  // A refused attempt is audited too.
  EXPECT_THAT(
      step("RegistryService/GetResident",
           [&] { return server_->registry().GetResident(As("commission").get(), get, &seen); }),
      GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  auto with_reason = As("commission");
  with_reason->AddMetadata("x-screening-reason", "audit test: break the glass");
  EXPECT_TRUE(step("RegistryService/GetResident", [&] {
                return server_->registry().GetResident(with_reason.get(), get, &seen);
              }).ok());
  v1::BookScreeningRequest book;
  book.set_resident(resident.name());
  book.add_slots(slot.name());
  book.set_request_id("pd-book");
  v1::Booking booking;
  // The booking's in-process eligibility check is part of this audited call.
  const int64_t eligibility_rows = AuditRows("RegistryService/CheckEligibility");
  ASSERT_TRUE(step("SchedulingService/BookScreening", [&] {
                return server_->scheduling().BookScreening(As("clinic:230103").get(), book,
                                                           &booking);
              }).ok());
  EXPECT_EQ(AuditRows("RegistryService/CheckEligibility"), eligibility_rows);
  v1::Booking checked_in;
  ASSERT_TRUE(step("SchedulingService/CheckIn", [&] {
                return CheckInOnTheDay(*clock_, server_->scheduling(), As("hospital:PD-H1").get(),
                                       booking, &checked_in);
              }).ok());
  v1::RecordResultRequest record;
  record.set_hospital("hospitals/PD-H1");
  record.set_booking(booking.name());
  record.set_request_id("pd-result");
  *record.mutable_four_highs() = NormalFourHighs();
  v1::Result result;
  ASSERT_TRUE(step("ResultsService/RecordResult", [&] {
                return server_->results().RecordResult(As("hospital:PD-H1").get(), record, &result);
              }).ok());

  // Admins read the trail: who, role, what, outcome, and the stated reason.
  v1::ListAuditEventsRequest list;
  list.set_resource(resident.name());
  v1::ListAuditEventsResponse trail;
  ASSERT_TRUE(server_->admin().ListAuditEvents(As("admin").get(), list, &trail).ok());
  ASSERT_GE(trail.events_size(), 4);
  const v1::AuditEvent& newest = trail.events(0);
  EXPECT_EQ(newest.method(), "screening.v1.SchedulingService/BookScreening");
  EXPECT_EQ(newest.role(), "clinic");
  EXPECT_EQ(newest.scope(), "230103");
  EXPECT_EQ(newest.outcome(), "OK");
  EXPECT_EQ(newest.time(), "2025-03-03T01:00:00.000Z");  // the server's clock, to the millisecond
  EXPECT_THAT(newest.subject(), HasSubstr("token:"));
  bool saw_reason = false, saw_denial = false;
  for (const auto& e : trail.events()) {
    saw_reason |= e.reason() == "audit test: break the glass" && e.outcome() == "OK";
    saw_denial |= e.role() == "commission" && e.outcome() == "PERMISSION_DENIED";
  }
  EXPECT_TRUE(saw_reason);
  EXPECT_TRUE(saw_denial);
  v1::ListAuditEventsResponse denied;
  EXPECT_THAT(server_->admin().ListAuditEvents(As("commission").get(), list, &denied),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  list.set_page_size(-1);
  EXPECT_THAT(BadFields(server_->admin().ListAuditEvents(As("admin").get(), list, &denied)),
              ::testing::ElementsAre("page_size"));
}

// Booking calls are answered by the booking workers, several at once: an
// answer still waits for its call's audit row, and is withheld (UNAVAILABLE)
// when the row cannot be written; a retry then finds the booking made.
TEST_F(PersonalData, ABookingAnswerIsWithheldWhenItsAuditRowCannotBeWritten) {
  const v1::Slot slot = FourHighsSlot("PD-H2", "2025-03-13", 3);
  ASSERT_FALSE(slot.name().empty());
  const v1::RegisterResidentRequest reg = Registration(absl::CivilDay(1968, 6, 6), 43, "审计二");
  v1::Resident resident;
  ASSERT_TRUE(server_->registry().RegisterResident(As("clinic:230103").get(), reg, &resident).ok());

  const int64_t rows_before = AuditRows("SchedulingService/BookScreening");
  // The audit log refuses BookScreening rows for a while.
  db_->QueryInt(
      "ALTER TABLE audit.events ADD CONSTRAINT test_refuses_bookings"
      " CHECK (method <> 'screening.v1.SchedulingService/BookScreening') NOT VALID; SELECT 1");
  v1::BookScreeningRequest book;
  book.set_resident(resident.name());
  book.add_slots(slot.name());
  book.set_request_id("pd-withheld");
  v1::Booking booking;
  EXPECT_THAT(server_->scheduling().BookScreening(As("clinic:230103").get(), book, &booking),
              GrpcIs(grpc::StatusCode::UNAVAILABLE));
  v1::BookScreeningRequest bad = book;
  bad.clear_slots();
  EXPECT_THAT(server_->scheduling().BookScreening(As("clinic:230103").get(), bad, &booking),
              GrpcIs(grpc::StatusCode::UNAVAILABLE));
  EXPECT_THAT(server_->scheduling().BookScreening(As("commission").get(), book, &booking),
              GrpcIs(grpc::StatusCode::UNAVAILABLE));
  EXPECT_EQ(AuditRows("SchedulingService/BookScreening"), rows_before);

  db_->QueryInt("ALTER TABLE audit.events DROP CONSTRAINT test_refuses_bookings; SELECT 1");
  // Nothing was lost or doubled: the retry returns the one booking, audited.
  ASSERT_TRUE(server_->scheduling().BookScreening(As("clinic:230103").get(), book, &booking).ok());
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM scheduling.bookings WHERE resident_id = " +
                          resident.name().substr(std::string("residents/").size())),
            1);
  EXPECT_EQ(db_->QueryInt(absl::StrCat("SELECT booked FROM scheduling.slots WHERE id = ",
                                       slot.name().substr(std::string("slots/").size()))),
            1);
  EXPECT_EQ(AuditRows("SchedulingService/BookScreening"), rows_before + 1);
  EXPECT_THAT(server_->scheduling().BookScreening(As("clinic:230103").get(), bad, &booking),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(AuditRows("SchedulingService/BookScreening"), rows_before + 2);
}

// Booking calls are admitted together (their tokens verified in one read):
// each still gets its own verdict and its own audit row.
TEST_F(PersonalData, BookingsServedTogetherEachGetTheirOwnTokensVerdict) {
  const v1::Slot slot = FourHighsSlot("PD-H3", "2025-03-17", 100);
  ASSERT_FALSE(slot.name().empty());
  auto revoked = tokens_->IssueToken(*ParseCallerName("clinic:230103"), absl::Hours(1), "revoked");
  ASSERT_TRUE(revoked.ok());
  ASSERT_TRUE(tokens_->RevokeToken(revoked->id).ok());
  constexpr int kCalls = 48;
  std::vector<v1::Resident> residents(kCalls);
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_TRUE(server_->registry()
                    .RegisterResident(As("clinic:230103").get(),
                                      Registration(absl::CivilDay(1966, 1, 1) + i, 50, "同批"),
                                      &residents[i])
                    .ok());
  }
  // Every fourth call each: a valid token, a revoked one, a forged one, and
  // a valid token of a clinic of another district.
  auto token_of = [&](int i) -> std::string {
    switch (i % 4) {
      case 0:
        return Token("clinic:230103");
      case 1:
        return revoked->token;
      case 2:
        return "sct_0123456789abcdef_" + std::string(64, 'a');
      default:
        return Token("clinic:230104");
    }
  };
  const grpc::StatusCode expected[] = {grpc::StatusCode::OK, grpc::StatusCode::UNAUTHENTICATED,
                                       grpc::StatusCode::UNAUTHENTICATED,
                                       grpc::StatusCode::PERMISSION_DENIED};
  const int64_t rows_before = AuditRows("SchedulingService/BookScreening");
  std::vector<grpc::Status> statuses(kCalls);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kCalls; ++i) {
    threads.emplace_back([&, i] {
      grpc::ClientContext context;
      context.AddMetadata("authorization", "Bearer " + token_of(i));
      v1::BookScreeningRequest book;
      book.set_resident(residents[i].name());
      book.add_slots(slot.name());
      book.set_request_id(absl::StrCat("pd-together-", i));
      v1::Booking booking;
      while (!go.load()) std::this_thread::yield();
      statuses[i] = server_->scheduling().BookScreening(&context, book, &booking);
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(statuses[i].error_code(), expected[i % 4])
        << i << ": " << statuses[i].error_message();
  }
  EXPECT_EQ(db_->QueryInt(absl::StrCat("SELECT booked FROM scheduling.slots WHERE id = ",
                                       slot.name().substr(std::string("slots/").size()))),
            kCalls / 4);
  EXPECT_EQ(AuditRows("SchedulingService/BookScreening"), rows_before + kCalls);
}

// Eligibility needs a birth date, a sex, a district and a history flag, none
// of them sealed: checking it opens no name, phone or ID number. A resident
// whose sealed fields cannot be opened is still checked.
TEST_F(PersonalData, EligibilityOpensNoSealedField) {
  const v1::RegisterResidentRequest reg = Registration(absl::CivilDay(1967, 7, 7), 44, "资格");
  v1::Resident resident;
  ASSERT_TRUE(server_->registry().RegisterResident(As("clinic:230103").get(), reg, &resident).ok());
  const std::string id = resident.name().substr(std::string("residents/").size());
  db_->QueryInt(absl::StrCat("UPDATE registry.residents SET full_name_sealed = '\\x00',",
                             " phone_sealed = '\\x00', id_number_sealed = '\\x00' WHERE id = ", id,
                             "; SELECT 1"));
  v1::GetResidentRequest get;
  get.set_name(resident.name());
  v1::Resident seen;
  EXPECT_FALSE(server_->registry().GetResident(As("clinic:230103").get(), get, &seen).ok())
      << "the sealed fields are broken now";

  v1::CheckEligibilityRequest check;
  check.set_resident(resident.name());
  check.set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
  check.set_date("2025-06-03");
  v1::CheckEligibilityResponse answer;
  ASSERT_TRUE(server_->registry().CheckEligibility(As("clinic:230103").get(), check, &answer).ok());
  EXPECT_TRUE(answer.eligible());
  EXPECT_EQ(answer.age_on_date(), 57);
  EXPECT_EQ(answer.district_code(), "230103");
  internal::v1::BatchCheckEligibilityRequest batch;
  *batch.add_requests() = check;
  check.set_screening_type(v1::SCREENING_TYPE_COLORECTAL);
  *batch.add_requests() = check;
  internal::v1::BatchCheckEligibilityResponse answers;
  ASSERT_TRUE(server_->registry_internal()
                  .BatchCheckEligibility(As("service:scheduling").get(), batch, &answers)
                  .ok());
  ASSERT_EQ(answers.responses_size(), 2);
  EXPECT_TRUE(answers.responses(0).eligible());
  EXPECT_TRUE(answers.responses(1).eligible());
}

TEST_F(PersonalData, ServiceRolesHaveTheirOwnSchemaOnlyAndCannotRewriteTheAuditLog) {
  constexpr char kDenied[] = "42501";  // insufficient_privilege
  EXPECT_EQ(AsRole("screening_gate", "DELETE FROM audit.events"), kDenied);
  EXPECT_EQ(AsRole("screening_gate", "UPDATE audit.events SET outcome = 'OK'"), kDenied);
  EXPECT_EQ(AsRole("screening_admin", "DELETE FROM audit.events"), kDenied);
  EXPECT_EQ(AsRole("screening_registry", "DELETE FROM audit.events"), kDenied);
  // Scheduling appends its bookings' rows in their transaction, and no more.
  EXPECT_EQ(AsRole("screening_scheduling", "DELETE FROM audit.events"), kDenied);
  EXPECT_EQ(AsRole("screening_scheduling", "UPDATE audit.events SET outcome = 'OK'"), kDenied);
  EXPECT_EQ(AsRole("screening_scheduling", "SELECT count(*) FROM audit.events"), kDenied);
  EXPECT_EQ(AsRole("screening_registry", "SELECT count(*) FROM scheduling.slots"), kDenied);
  EXPECT_EQ(AsRole("screening_registry", "DELETE FROM registry.residents"), kDenied);
  EXPECT_EQ(AsRole("screening_scheduling", "SELECT count(*) FROM registry.residents"), kDenied);
  EXPECT_EQ(AsRole("screening_results", "SELECT count(*) FROM auth.tokens"), kDenied);
  EXPECT_EQ(AsRole("screening_progress", "UPDATE results.outbox SET resident_id = 0"), kDenied);
  // What they need still works.
  EXPECT_EQ(AsRole("screening_scheduling", "SELECT count(*) FROM scheduling.slots"), "");
  EXPECT_EQ(AsRole("screening_gate", "SELECT count(*) FROM auth.tokens"), "");
}

}  // namespace
}  // namespace screening::testing
